// ServiceMonitors of the stack itself (Prometheus, its Thanos sidecar, kubelet/cAdvisor), and the
// application monitors a stack is given, each in the application's namespace.
import { Construct } from 'constructs';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
} from '../../imports/servicemonitor-monitoring.coreos.com';
import { PodMonitor, PodMonitorSpecPodMetricsEndpointsScheme } from '../../imports/podmonitor-monitoring.coreos.com';
import type { AppMonitor } from '../fleet/model';
import { meta } from '../meta';
import { monitorSelectorOf, namespaceOf, type MonitoredComponentProps } from './base';
import { PROMETHEUS_APP, PROMETHEUS_SERVICE, prometheusServiceLabels } from './prometheus';
import { stackServiceMonitor } from './service-monitor';
import { SIDECAR_HTTP_PORT_NAME, SIDECAR_JOB } from './thanos-sidecar';

/** The kubelet Service the operator maintains in kube-system (`--kubelet-service`), and its labels. */
export const KUBELET_SERVICE = { namespace: 'kube-system', name: 'kubelet', labels: { 'app.kubernetes.io/name': 'kubelet' } };

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface StackMonitorsProps extends MonitoredComponentProps {
  /**
   * Scrape the Thanos sidecar of the Prometheus pods too.
   * @default false
   */
  readonly thanosSidecar?: boolean;
  /**
   * Scrape the kubelets (with cAdvisor and probe metrics) through the kubelet Service that the
   * Prometheus Operator keeps up to date.
   * @default true
   */
  readonly kubelet?: boolean;
}

/** ServiceMonitors for Prometheus, the Thanos sidecar's HTTP port and kubelet/cAdvisor. */
export class StackMonitors extends Construct {
  constructor(scope: Construct, id: string, props: StackMonitorsProps = {}) {
    super(scope, id);
    const common = { namespace: namespaceOf(props), monitorSelector: monitorSelectorOf(props) };
    const selector = prometheusServiceLabels();
    stackServiceMonitor(this, 'prometheus', {
      ...common,
      name: PROMETHEUS_SERVICE,
      component: 'prometheus',
      app: PROMETHEUS_APP,
      selector,
      endpoints: [{ port: 'web' }, { port: 'reloader-web' }],
    });
    if (props.thanosSidecar) {
      stackServiceMonitor(this, 'thanos-sidecar', {
        ...common,
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
    }
    if (props.kubelet ?? true) this.kubelet(common);
  }

  /** kubelet, cAdvisor and probe metrics over HTTPS with the Prometheus service-account token. */
  private kubelet(stack: { namespace: string; monitorSelector: Record<string, string> }): void {
    const endpoint = {
      port: 'https-metrics',
      scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
      // Kubelet serving certificates are usually self-signed; the token still authenticates Prometheus.
      tlsConfig: { insecureSkipVerify: true },
      bearerTokenFile: SA_TOKEN,
      honorLabels: true,
      relabelings: [{ action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE, sourceLabels: ['__metrics_path__'], targetLabel: 'metrics_path' }],
    };
    stackServiceMonitor(this, 'kubelet', {
      ...stack,
      name: 'kubelet',
      component: 'kubelet',
      app: 'kubelet',
      selector: KUBELET_SERVICE.labels,
      serviceNamespace: KUBELET_SERVICE.namespace,
      jobLabel: 'app.kubernetes.io/name',
      endpoints: [
        { ...endpoint },
        // cAdvisor timestamps are unreliable across scrapes: let Prometheus assign them.
        { ...endpoint, path: '/metrics/cadvisor', honorTimestamps: false },
        { ...endpoint, path: '/metrics/probes' },
      ],
    });
  }
}

export interface AppMonitorsProps {
  /**
   * The labels the stack's Prometheus selects monitors by; every monitor carries them.
   * @default {"prometheus.io/monitor": "true"}
   */
  readonly monitorSelector?: Record<string, string>;
  /**
   * ServiceMonitors, for applications with a metrics Service.
   * @default none
   */
  readonly serviceMonitors?: AppMonitor[];
  /**
   * PodMonitors, for pods without a metrics Service.
   * @default none
   */
  readonly podMonitors?: AppMonitor[];
}

/**
 * Application monitors, each in the application's namespace, labelled with the monitor selector so
 * that the stack's Prometheus picks them up.
 */
export class AppMonitors extends Construct {
  constructor(scope: Construct, id: string, props: AppMonitorsProps) {
    super(scope, id);
    const labels = monitorSelectorOf(props);
    // What both kinds share; each kind has its own enum for `scheme`.
    const metadata = (m: AppMonitor) => meta(m.name, 'app-monitor', { namespace: m.namespace, labels });
    const select = (m: AppMonitor) => ({ selector: { matchLabels: m.selector }, namespaceSelector: { matchNames: [m.namespace] } });
    const endpoints = <S>(m: AppMonitor, scheme: Record<'http' | 'https', S>) =>
      m.endpoints.map((e) => ({
        port: e.port,
        ...(e.path ? { path: e.path } : {}),
        ...(e.interval ? { interval: e.interval } : {}),
        ...(e.scheme ? { scheme: scheme[e.scheme] } : {}),
      }));
    for (const m of props.serviceMonitors ?? []) {
      new ServiceMonitor(this, `service-monitor-${m.namespace}-${m.name}`, {
        metadata: metadata(m),
        spec: { ...select(m), endpoints: endpoints(m, { http: ServiceMonitorSpecEndpointsScheme.HTTP, https: ServiceMonitorSpecEndpointsScheme.HTTPS }) },
      });
    }
    for (const m of props.podMonitors ?? []) {
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
