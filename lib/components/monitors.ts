// ServiceMonitors of the stack itself (Prometheus, its Thanos sidecar, kubelet/cAdvisor), and the
// application monitors a stack is given, each in the application's namespace.
import { Construct } from 'constructs';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsMetricRelabelings,
  ServiceMonitorSpecEndpointsMetricRelabelingsAction,
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

const drop = (regex: string, sourceLabels = ['__name__']): ServiceMonitorSpecEndpointsMetricRelabelings => ({
  action: ServiceMonitorSpecEndpointsMetricRelabelingsAction.DROP,
  sourceLabels,
  regex,
});
const oneOf = (prefix: string, names: string[]) => `${prefix}(${names.join('|')})`;

// Work-queue families of API-server controllers under their pre-1.14 names, which a kubelet can still export.
const OLD_QUEUES = [
  'admission_quota_controller',
  'APIServiceOpenAPIAggregationControllerQueue1',
  'APIServiceRegistrationController',
  'autoregister',
  'AvailableConditionController',
  'crd_autoregistration_controller',
  'crdEstablishing',
  'crd_finalizer',
  'crd_naming_condition_controller',
  'crd_openapi_controller',
  'DiscoveryController',
  'non_structural_schema_condition_controller',
];
const OLD_QUEUE_SERIES = ['adds', 'depth', 'longest_running_processor_microseconds', 'queue_latency', 'retries', 'unfinished_work_seconds', 'work_duration'];

/**
 * Families the kubelet's /metrics still exports under names that Kubernetes deprecated or replaced,
 * which no dashboard or alert reads: the same families kube-prometheus drops.
 */
export const KUBELET_METRIC_DROPS: ServiceMonitorSpecEndpointsMetricRelabelings[] = [
  drop(
    oneOf('kubelet_', [
      'pod_worker_latency_microseconds',
      'pod_start_latency_microseconds',
      'cgroup_manager_latency_microseconds',
      'pod_worker_start_latency_microseconds',
      'pleg_relist_latency_microseconds',
      'pleg_relist_interval_microseconds',
      'runtime_operations',
      'runtime_operations_latency_microseconds',
      'runtime_operations_errors',
      'eviction_stats_age_microseconds',
      'device_plugin_registration_count',
      'device_plugin_alloc_latency_microseconds',
      'network_plugin_operations_latency_microseconds',
    ]),
  ),
  drop(
    oneOf('scheduler_', [
      'e2e_scheduling_latency_microseconds',
      'scheduling_algorithm_predicate_evaluation',
      'scheduling_algorithm_priority_evaluation',
      'scheduling_algorithm_preemption_evaluation',
      'scheduling_algorithm_latency_microseconds',
      'binding_latency_microseconds',
      'scheduling_latency_seconds',
    ]),
  ),
  drop(
    oneOf('apiserver_', [
      'request_count',
      'request_latencies',
      'request_latencies_summary',
      'dropped_requests',
      'storage_data_key_generation_latencies_microseconds',
      'storage_transformation_failures_total',
      'storage_transformation_latencies_microseconds',
      'proxy_tunnel_sync_latency_secs',
      'longrunning_gauge',
      'registered_watchers',
      'storage_db_total_size_in_bytes',
      'flowcontrol_request_concurrency_limit',
      'flowcontrol_request_concurrency_in_use',
      'storage_objects',
    ]),
  ),
  drop(oneOf('kubelet_docker_', ['operations', 'operations_latency_microseconds', 'operations_errors', 'operations_timeout'])),
  drop(
    oneOf('reflector_', [
      'items_per_list',
      'items_per_watch',
      'list_duration_seconds',
      'lists_total',
      'short_watches_total',
      'watch_duration_seconds',
      'watches_total',
    ]),
  ),
  drop(
    oneOf('etcd_', [
      'helper_cache_hit_count',
      'helper_cache_miss_count',
      'helper_cache_entry_count',
      'object_counts',
      'request_cache_get_latencies_summary',
      'request_cache_add_latencies_summary',
      'request_latencies_summary',
    ]),
  ),
  drop(oneOf('transformation_', ['transformation_latencies_microseconds', 'failures_total'])),
  drop(`(${OLD_QUEUES.join('|')})_(${OLD_QUEUE_SERIES.join('|')})`),
  drop(
    oneOf('', [
      'kubeproxy_sync_proxy_rules_latency_microseconds',
      'rest_client_request_latency_seconds',
      'storage_operation_errors_total',
      'storage_operation_status_count',
    ]),
  ),
];

/**
 * cAdvisor families that cost many series and serve no dashboard or alert of the kubernetes mixin, as
 * kube-prometheus drops them: per-container network protocol and task counters, the per-cgroup
 * (no pod, no namespace) copies of container specs and process counts, and block I/O per device of
 * each container (the pod-level total stays).
 */
export const CADVISOR_METRIC_DROPS: ServiceMonitorSpecEndpointsMetricRelabelings[] = [
  drop(oneOf('container_', ['network_tcp_usage_total', 'network_udp_usage_total', 'tasks_state', 'cpu_load_average_10s'])),
  drop(
    '(container_spec_.*|container_file_descriptors|container_sockets|container_threads_max|container_threads|container_start_time_seconds|container_last_seen);;',
    ['__name__', 'pod', 'namespace'],
  ),
  drop('(container_blkio_device_usage_total);.+', ['__name__', 'container']),
];

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
        { ...endpoint, metricRelabelings: KUBELET_METRIC_DROPS },
        // cAdvisor timestamps are unreliable across scrapes: let Prometheus assign them.
        { ...endpoint, path: '/metrics/cadvisor', honorTimestamps: false, metricRelabelings: CADVISOR_METRIC_DROPS },
        { ...endpoint, path: '/metrics/probes' },
        // CPU and memory of nodes, pods and containers as the kubelet's resource metrics API sees them.
        { ...endpoint, path: '/metrics/resource' },
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
