// ServiceMonitors of the stack itself (Prometheus, its Thanos sidecar, kubelet/cAdvisor), and the
// helper every component uses for its own ServiceMonitor so all carry the monitor selector labels.
import { Construct } from 'constructs';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpoints,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
} from '../../imports/servicemonitor-monitoring.coreos.com';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../../imports/podmonitor-monitoring.coreos.com';
import type { ClusterModel, WorkloadCluster } from '../fleet/model';
import { meta } from '../meta';
import { PROMETHEUS_APP, PROMETHEUS_SERVICE, prometheusServiceLabels } from './prometheus';
import { SIDECAR_HTTP_PORT_NAME, SIDECAR_JOB } from './thanos-sidecar';

export interface StackServiceMonitorProps {
  readonly cluster: ClusterModel;
  readonly name: string;
  readonly component: string;
  readonly app: string;
  /** Labels of the Service(s) to scrape. */
  readonly selector: Record<string, string>;
  readonly endpoints: ServiceMonitorSpecEndpoints[];
  /** Namespace of the Services. @default the stack namespace */
  readonly serviceNamespace?: string;
  readonly jobLabel?: string;
}

/** A ServiceMonitor in the stack namespace, labelled so the cluster's Prometheus selects it. */
export function stackServiceMonitor(scope: Construct, id: string, props: StackServiceMonitorProps): ServiceMonitor {
  const { stack } = props.cluster;
  return new ServiceMonitor(scope, id, {
    metadata: meta(props.name, props.component, { namespace: stack.namespace, app: props.app, labels: stack.monitorSelector }),
    spec: {
      selector: { matchLabels: props.selector },
      namespaceSelector: { matchNames: [props.serviceNamespace ?? stack.namespace] },
      endpoints: props.endpoints,
      ...(props.jobLabel ? { jobLabel: props.jobLabel } : {}),
    },
  });
}

/** The kubelet Service the operator maintains in kube-system (`--kubelet-service`), and its labels. */
export const KUBELET_SERVICE = { namespace: 'kube-system', name: 'kubelet', labels: { 'app.kubernetes.io/name': 'kubelet' } };

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface StackMonitorsProps {
  readonly cluster: WorkloadCluster;
}

/** ServiceMonitors for Prometheus, the Thanos sidecar's HTTP port and (optionally) kubelet/cAdvisor. */
export class StackMonitors extends Construct {
  constructor(scope: Construct, id: string, props: StackMonitorsProps) {
    super(scope, id);
    const { cluster } = props;
    const selector = prometheusServiceLabels();
    stackServiceMonitor(this, 'prometheus', {
      cluster,
      name: PROMETHEUS_SERVICE,
      component: 'prometheus',
      app: PROMETHEUS_APP,
      selector,
      endpoints: [{ port: 'web' }, { port: 'reloader-web' }],
    });
    stackServiceMonitor(this, 'thanos-sidecar', {
      cluster,
      name: 'thanos-sidecar',
      component: 'thanos-sidecar',
      app: 'thanos-sidecar',
      selector,
      endpoints: [
        {
          port: SIDECAR_HTTP_PORT_NAME,
          // Same Service as Prometheus: a job of its own keeps the two apart.
          relabelings: [{ action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE, targetLabel: 'job', replacement: SIDECAR_JOB }],
        },
      ],
    });
    if (cluster.stack.kubelet.enabled) this.kubelet(cluster);
  }

  /** kubelet, cAdvisor and probe metrics over HTTPS with the Prometheus service-account token. */
  private kubelet(cluster: ClusterModel): void {
    const common = {
      port: 'https-metrics',
      scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
      // Kubelet serving certificates are usually self-signed; the token still authenticates Prometheus.
      tlsConfig: { insecureSkipVerify: true },
      bearerTokenFile: SA_TOKEN,
      honorLabels: true,
      relabelings: [{ action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE, sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }],
    };
    stackServiceMonitor(this, 'kubelet', {
      cluster,
      name: 'kubelet',
      component: 'kubelet',
      app: 'kubelet',
      selector: KUBELET_SERVICE.labels,
      serviceNamespace: KUBELET_SERVICE.namespace,
      jobLabel: 'app.kubernetes.io/name',
      endpoints: [
        { ...common },
        // cAdvisor timestamps are unreliable across scrapes: let Prometheus assign them.
        { ...common, path: '/metrics/cadvisor', honorTimestamps: false },
        { ...common, path: '/metrics/probes' },
      ],
    });
  }
}

export interface AppMonitorsProps {
  readonly cluster: WorkloadCluster;
}

/**
 * The fleet file's application monitors, each in the application's namespace (the seed's pattern:
 * a ServiceMonitor for a metrics Service, a PodMonitor for pods without one), labelled with the
 * monitor selector so the cluster's Prometheus picks them up.
 */
export class AppMonitors extends Construct {
  constructor(scope: Construct, id: string, props: AppMonitorsProps) {
    super(scope, id);
    const { cluster } = props;
    type AppMonitor = WorkloadCluster['workload']['serviceMonitors'][number];
    // What both kinds share; each kind has its own enum for `scheme`.
    const metadata = (m: AppMonitor) => meta(m.name, 'app-monitor', { namespace: m.namespace, labels: cluster.stack.monitorSelector });
    const select = (m: AppMonitor) => ({ selector: { matchLabels: m.selector }, namespaceSelector: { matchNames: [m.namespace] } });
    const endpoints = <S>(m: AppMonitor, scheme: Record<'http' | 'https', S>) =>
      m.endpoints.map((e) => ({
        port: e.port,
        ...(e.path ? { path: e.path } : {}),
        ...(e.interval ? { interval: e.interval } : {}),
        ...(e.scheme ? { scheme: scheme[e.scheme] } : {}),
      }));
    for (const m of cluster.workload.serviceMonitors) {
      new ServiceMonitor(this, `service-monitor-${m.namespace}-${m.name}`, {
        metadata: metadata(m),
        spec: { ...select(m), endpoints: endpoints(m, { http: ServiceMonitorSpecEndpointsScheme.HTTP, https: ServiceMonitorSpecEndpointsScheme.HTTPS }) },
      });
    }
    for (const m of cluster.workload.podMonitors) {
      new PodMonitor(this, `pod-monitor-${m.namespace}-${m.name}`, {
        metadata: metadata(m),
        spec: {
          ...select(m),
          podMetricsEndpoints: endpoints(m, { http: PodMonitorSpecPodMetricsEndpointsScheme.HTTP, https: PodMonitorSpecPodMetricsEndpointsScheme.HTTPS }),
        },
      });
    }
  }
}
