// The kubelets of a cluster: how many run, the pods, containers and volumes they manage, the container runtime
// operations and their errors and latency, pod start times, PLEG relists, and their own resources. The namespace
// is that of the Service they are scraped through (kube-system).
import { Board, on } from './common';
import type { FleetDashboard } from './index';

const NODES = 'job="kubelet", metrics_path="/metrics", namespace="$namespace", instance=~"$instance"';
const k = (metric: string, extra = '') => `${metric}${on(NODES, extra)}`;
const rate = (metric: string, by: string, extra = '') => `sum by (${by}) (rate(${k(metric, extra)}[$__rate_interval]))`;
const p99 = (metric: string, by: string) => `histogram_quantile(0.99, ${rate(`${metric}_bucket`, `${by}, le`)})`;

export function kubelet(): FleetDashboard {
  return new Board({
    slug: 'kubelet',
    title: 'Kubernetes / Kubelet',
    description: 'The kubelets: pods, containers and volumes they run, runtime operations, pod start latency and resources.',
    tags: ['kubernetes', 'nodes'],
    namespace: { source: `kubelet_node_name${on('job="kubelet"')}` },
    variables: [{ name: 'instance', label: 'Kubelet', source: `kubelet_node_name${on('job="kubelet"', 'namespace="$namespace"')}`, all: true }],
  })
    .row('Overview')
    .stat('Kubelets', `sum(${k('kubelet_node_name')})`)
    .stat('Pods', `sum(${k('kubelet_running_pods')})`)
    .stat('Containers', `sum(${k('kubelet_running_containers', 'container_state="running"')})`)
    .stat('Volumes', `sum(${k('volume_manager_total_volumes', 'state="actual_state_of_world"')})`, { description: 'Volumes mounted.' })
    .stat('Volumes wanted', `sum(${k('volume_manager_total_volumes', 'state="desired_state_of_world"')})`, {
      description: 'Volumes the pods need: more than mounted means mounts are pending.',
    })
    .stat('Runtime errors', `sum(rate(${k('kubelet_runtime_operations_errors_total')}[$__rate_interval]))`, {
      unit: 'ops',
      steps: [
        [null, 'green'],
        [0.001, 'orange'],
      ],
    })
    .row('Runtime operations')
    .timeseries('Operations by type', [{ expr: rate('kubelet_runtime_operations_total', 'operation_type'), legend: '{{operation_type}}' }], {
      unit: 'ops',
      width: 8,
    })
    .timeseries(
      'Operation errors by type',
      [{ expr: rate('kubelet_runtime_operations_errors_total', 'instance, operation_type'), legend: '{{instance}} {{operation_type}}' }],
      { unit: 'ops', width: 8 },
    )
    .timeseries(
      'Operation duration, 99th percentile',
      [{ expr: p99('kubelet_runtime_operations_duration_seconds', 'instance, operation_type'), legend: '{{instance}} {{operation_type}}' }],
      {
        unit: 's',
        width: 8,
      },
    )
    .row('Pods')
    .timeseries('Pod start duration, 99th percentile', [{ expr: p99('kubelet_pod_start_duration_seconds', 'instance'), legend: '{{instance}}' }], {
      unit: 's',
      description: 'From the kubelet first seeing a pod to its containers running (images pulled included).',
    })
    .timeseries(
      'Pod worker duration, 99th percentile',
      [{ expr: p99('kubelet_pod_worker_duration_seconds', 'instance, operation_type'), legend: '{{instance}} {{operation_type}}' }],
      { unit: 's' },
    )
    .timeseries(
      'PLEG relist duration, 99th percentile',
      [{ expr: `node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile${on('instance=~"$instance"', 'quantile="0.99"')}`, legend: '{{node}}' }],
      {
        unit: 's',
        description: 'How long the kubelet takes to list the containers of its pods; above 10 seconds the node turns NotReady.',
      },
    )
    .timeseries(
      'Cgroup manager duration, 99th percentile',
      [{ expr: p99('kubelet_cgroup_manager_duration_seconds', 'instance, operation_type'), legend: '{{instance}} {{operation_type}}' }],
      { unit: 's' },
    )
    .row('Resources')
    .timeseries('Memory', [{ expr: k('process_resident_memory_bytes'), legend: '{{instance}}' }], { unit: 'bytes', width: 8 })
    .timeseries('CPU', [{ expr: rate('process_cpu_seconds_total', 'instance'), legend: '{{instance}}' }], { width: 8 })
    .timeseries('Goroutines', [{ expr: k('go_goroutines'), legend: '{{instance}}' }], { width: 8 })
    .build();
}
