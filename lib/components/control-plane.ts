// ServiceMonitors of the Kubernetes control plane (API server, CoreDNS, scheduler, controller-manager,
// kube-proxy, etcd), for what the cluster's platform exposes (PLATFORM_TARGETS), and the headless Services
// in kube-system that give the components without a Service of their own one to be discovered through,
// as kube-prometheus does. The kubelets are scraped by StackMonitors on every platform.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import {
  ServiceMonitorSpecEndpoints,
  ServiceMonitorSpecEndpointsMetricRelabelings,
  ServiceMonitorSpecEndpointsMetricRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
} from '../../imports/servicemonitor-monitoring.coreos.com';
import { DEFAULT_PLATFORM } from '../fleet/defaults';
import { DISCOVERY_SERVICE_TARGETS, KUBE_SYSTEM, scrapedTargets, type ControlPlaneTarget, type Platform } from '../fleet/platforms';
import { meta, PART_OF } from '../meta';
import { monitorSelectorOf, namespaceOf, type MonitoredComponentProps } from './base';
import { stackServiceMonitor } from './service-monitor';

/** The Secret (in the stack namespace) with etcd's client certificate: tls.crt, tls.key and the etcd CA as ca.crt. */
export const ETCD_CLIENT_SECRET = 'etcd-client-tls';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const SA_CA = '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt';

/** The `default/kubernetes` Service of every cluster, whose endpoints are the API servers. */
export const API_SERVER_SERVICE = { namespace: 'default', name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' }, port: 'https' };

const drop = (regex: string, sourceLabels = ['__name__']): ServiceMonitorSpecEndpointsMetricRelabelings => ({
  action: ServiceMonitorSpecEndpointsMetricRelabelingsAction.DROP,
  sourceLabels,
  regex,
});

// Histogram buckets that only add resolution between the ones the SLO and latency rules read (le 0.05, 0.1,
// 0.25, 0.5, 1, 2.5, 5, 10, 30, 60): the request histograms of the API server are its largest families.
// Prometheus 3 writes a whole-number bucket bound as "2.0", earlier releases as "2": both are matched.
const FINE_BUCKETS = '(0.15|0.2|0.3|0.35|0.4|0.45|0.6|0.7|0.8|0.9|1.25|1.5|1.75|2|3|3.5|4|4.5|6|7|8|9|15|20|40|45|50)(\\.0)?';

/** API server families that cost many series and serve no dashboard or alert of the kubernetes mixin. */
export const API_SERVER_METRIC_DROPS: ServiceMonitorSpecEndpointsMetricRelabelings[] = [
  // The API server's view of etcd, per resource: etcd's own metrics say the same.
  drop('etcd_(debugging|disk|server).*'),
  drop('apiserver_admission_(controller_admission|step_admission)_latencies_seconds_.*'),
  drop(`(apiserver_request_duration_seconds_bucket|apiserver_request_sli_duration_seconds_bucket|etcd_request_duration_seconds_bucket);${FINE_BUCKETS}`, [
    '__name__',
    'le',
  ]),
];

/** The same etcd client families, which the controller-manager exports too. */
const CONTROLLER_MANAGER_METRIC_DROPS = [drop('etcd_(debugging|disk|request|server).*')];

/**
 * A component promfleet scrapes through a headless Service of its own in kube-system: the component's
 * pods (their labels), the port and its scheme. `app` is the Service's app.kubernetes.io/name, which the
 * ServiceMonitor's jobLabel makes the `job` label (the rule catalogue's JOB).
 */
interface Discovered {
  readonly app: string;
  readonly pods: Record<string, string>;
  readonly port: { readonly name: string; readonly number: number };
  readonly endpoint: Omit<ServiceMonitorSpecEndpoints, 'port'>;
}

/** Metrics over HTTPS behind the component's delegated authorization: the service-account token, a self-signed serving certificate. */
const authorizedHttps = {
  scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
  bearerTokenFile: SA_TOKEN,
  // kubeadm gives the scheduler and the controller-manager self-signed serving certificates.
  tlsConfig: { insecureSkipVerify: true },
};

/** The Services of kube-system promfleet renders, by target; the API server's and the kubelets' exist already. */
export const DISCOVERED: Partial<Record<ControlPlaneTarget, Discovered>> = {
  // CoreDNS serves /metrics on 9153; the kube-dns Service publishes that port on some platforms only.
  coredns: { app: 'coredns', pods: { 'k8s-app': 'kube-dns' }, port: { name: 'http-metrics', number: 9153 }, endpoint: {} },
  'kube-scheduler': {
    app: 'kube-scheduler',
    pods: { component: 'kube-scheduler', tier: 'control-plane' },
    port: { name: 'https-metrics', number: 10259 },
    endpoint: authorizedHttps,
  },
  'kube-controller-manager': {
    app: 'kube-controller-manager',
    pods: { component: 'kube-controller-manager', tier: 'control-plane' },
    port: { name: 'https-metrics', number: 10257 },
    endpoint: { ...authorizedHttps, metricRelabelings: CONTROLLER_MANAGER_METRIC_DROPS },
  },
  'kube-proxy': { app: 'kube-proxy', pods: { 'k8s-app': 'kube-proxy' }, port: { name: 'http-metrics', number: 10249 }, endpoint: {} },
  // etcd's client port, with a client certificate its CA signed (see ControlPlaneMonitorsProps.etcd).
  etcd: { app: 'kube-etcd', pods: { component: 'etcd', tier: 'control-plane' }, port: { name: 'https-metrics', number: 2379 }, endpoint: {} },
};

/** The labels of a Service promfleet renders in kube-system, and what its ServiceMonitor selects. */
export const discoveryLabels = (app: string) => ({ 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': PART_OF });

export interface ControlPlaneMonitorsProps extends MonitoredComponentProps {
  /**
   * The kind of cluster: only what it exposes is scraped (PLATFORM_TARGETS).
   * @default DEFAULT_PLATFORM
   */
  readonly platform?: Platform;
  /**
   * Scrape etcd (where the platform exposes it) with the client certificate of the Secret `secretName` in
   * the stack namespace (tls.crt, tls.key, and the etcd CA as ca.crt). `serverName` is checked in etcd's
   * serving certificate.
   * @default etcd is not scraped
   */
  readonly etcd?: { readonly secretName?: string; readonly serverName?: string };
  /**
   * Components the platform exposes that are not scraped.
   * @default none
   */
  readonly exclude?: readonly ControlPlaneTarget[];
}

/** The targets the props scrape (the kubelets aside: StackMonitors scrapes them). */
export function controlPlaneTargets(props: Pick<ControlPlaneMonitorsProps, 'platform' | 'etcd' | 'exclude'>): ControlPlaneTarget[] {
  return scrapedTargets(props.platform ?? DEFAULT_PLATFORM, !!props.etcd, props.exclude).filter((t) => t !== 'kubelet');
}

/** The targets scraped through a Service promfleet renders in kube-system (ControlPlaneServices). */
export const discoveredTargets = (props: Pick<ControlPlaneMonitorsProps, 'platform' | 'etcd' | 'exclude'>): ControlPlaneTarget[] =>
  controlPlaneTargets(props).filter((t) => DISCOVERY_SERVICE_TARGETS.includes(t));

/**
 * The control plane's ServiceMonitors, in the stack namespace. Those of the components without a Service need
 * ControlPlaneServices in kube-system, rendered apart as they live in another namespace.
 */
export class ControlPlaneMonitors extends Construct {
  constructor(scope: Construct, id: string, props: ControlPlaneMonitorsProps = {}) {
    super(scope, id);
    const stack = { namespace: namespaceOf(props), monitorSelector: monitorSelectorOf(props) };
    for (const target of controlPlaneTargets(props)) {
      if (target === 'apiserver') this.apiServer(stack);
      else this.discovered(stack, target, props);
    }
  }

  /** The API servers, through `default/kubernetes`: its certificate names `kubernetes`, which the cluster CA signed. */
  private apiServer(stack: { namespace: string; monitorSelector: Record<string, string> }): void {
    stackServiceMonitor(this, 'apiserver', {
      ...stack,
      name: 'apiserver',
      component: 'control-plane',
      app: 'apiserver',
      selector: API_SERVER_SERVICE.labels,
      serviceNamespace: API_SERVER_SERVICE.namespace,
      // The Service's `component: apiserver` label: the job the kubernetes mixin knows.
      jobLabel: 'component',
      endpoints: [
        {
          port: API_SERVER_SERVICE.port,
          scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
          bearerTokenFile: SA_TOKEN,
          tlsConfig: { caFile: SA_CA, serverName: 'kubernetes' },
          metricRelabelings: API_SERVER_METRIC_DROPS,
        },
      ],
    });
  }

  private discovered(
    stack: { namespace: string; monitorSelector: Record<string, string> },
    target: ControlPlaneTarget,
    props: ControlPlaneMonitorsProps,
  ): void {
    const d = discovered(target);
    const etcd = target === 'etcd' ? props.etcd : undefined;
    const secretName = etcd?.secretName ?? ETCD_CLIENT_SECRET;
    const tls = etcd && {
      scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
      tlsConfig: {
        ca: { secret: { name: secretName, key: 'ca.crt' } },
        cert: { secret: { name: secretName, key: 'tls.crt' } },
        keySecret: { name: secretName, key: 'tls.key' },
        ...(etcd.serverName ? { serverName: etcd.serverName } : {}),
      },
    };
    stackServiceMonitor(this, target, {
      ...stack,
      name: d.app,
      component: 'control-plane',
      app: d.app,
      selector: discoveryLabels(d.app),
      serviceNamespace: KUBE_SYSTEM,
      jobLabel: 'app.kubernetes.io/name',
      endpoints: [{ port: d.port.name, ...d.endpoint, ...tls }],
    });
  }
}

function discovered(target: ControlPlaneTarget): Discovered {
  const d = DISCOVERED[target];
  if (!d) throw new Error(`no discovery Service is known for ${target}`);
  return d;
}

export type ControlPlaneServicesProps = Pick<ControlPlaneMonitorsProps, 'platform' | 'etcd' | 'exclude'>;

/**
 * Headless Services in kube-system selecting the pods of the components ControlPlaneMonitors scrapes that
 * have none (static pods, kube-proxy, and CoreDNS for its metrics port), as kube-prometheus renders them.
 */
export class ControlPlaneServices extends Construct {
  constructor(scope: Construct, id: string, props: ControlPlaneServicesProps = {}) {
    super(scope, id);
    for (const target of discoveredTargets(props)) {
      const d = discovered(target);
      new k8s.KubeService(this, target, {
        metadata: meta(`${d.app}-prometheus-discovery`, 'control-plane', { namespace: KUBE_SYSTEM, app: d.app }),
        spec: {
          // Headless: one endpoint per pod (on the host network: per node), never a virtual IP in front.
          clusterIp: 'None',
          selector: d.pods,
          ports: [{ name: d.port.name, port: d.port.number, targetPort: k8s.IntOrString.fromNumber(d.port.number) }],
        },
      });
    }
  }
}
