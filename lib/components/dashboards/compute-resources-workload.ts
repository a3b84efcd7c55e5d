// Compute resources of one workload (Deployment, StatefulSet, DaemonSet, Job): its pods' CPU, memory, network
// and restarts. Pods are matched to their workload by the kubernetes-resources family's pod-owner rules, which
// see through a Deployment's ReplicaSets.
import { Board, on } from './common';
import { cadvisorRate, cpuUsage, KSM, memory, podResource, quotaColumns, throttling } from './compute';
import type { FleetDashboard } from './index';

const NS = 'namespace="$namespace"';
/** The pods of the chosen workload: joined onto a per-pod expression, it keeps only them. */
const OWNED = `on (cluster, namespace, pod) group_left (workload) namespace_workload_pod:kube_pod_owner:relabel${on(NS, 'workload="$workload"')}`;
const ofWorkload = (expr: string) => `sum by (pod) (${expr} * ${OWNED})`;

export function computeResourcesWorkload(): FleetDashboard {
  const resourceTable = (resource: 'cpu' | 'memory') => {
    const usage = resource === 'cpu' ? ofWorkload(cpuUsage(NS)) : ofWorkload(memory('working_set_bytes', NS));
    const requests = ofWorkload(podResource('requests', resource, NS));
    const limits = ofWorkload(podResource('limits', resource, NS));
    return quotaColumns(resource, { usage, requests, limits });
  };
  return new Board({
    slug: 'compute-resources-workload',
    title: 'Kubernetes / Compute resources / Workload',
    description: "A workload's pods: CPU, memory and network used, against their requests and limits, and their restarts.",
    tags: ['kubernetes', 'compute-resources'],
    namespace: { source: `kube_pod_info${on(KSM)}` },
    variables: [{ name: 'workload', label: 'Workload', source: `namespace_workload_pod:kube_pod_owner:relabel${on(NS)}` }],
  })
    .row('CPU')
    .timeseries('CPU usage by pod', [{ expr: ofWorkload(cpuUsage(NS)), legend: '{{pod}}' }])
    .timeseries('CPU throttling by pod', [{ expr: ofWorkload(`(${throttling('cluster, namespace, pod', NS)})`), legend: '{{pod}}' }], {
      unit: 'percentunit',
      max: 1,
    })
    .table('CPU quota by pod', ['pod'], resourceTable('cpu'), { width: 24 })
    .row('Memory')
    .timeseries('Memory usage by pod', [{ expr: ofWorkload(memory('working_set_bytes', NS)), legend: '{{pod}}' }], { unit: 'bytes', width: 24 })
    .table('Memory quota by pod', ['pod'], resourceTable('memory'), { width: 24 })
    .row('Network and restarts')
    .timeseries(
      'Received by pod',
      [{ expr: ofWorkload(cadvisorRate('container_network_receive_bytes_total', 'cluster, namespace, pod', NS)), legend: '{{pod}}' }],
      { unit: 'Bps', width: 8 },
    )
    .timeseries(
      'Transmitted by pod',
      [{ expr: ofWorkload(cadvisorRate('container_network_transmit_bytes_total', 'cluster, namespace, pod', NS)), legend: '{{pod}}' }],
      { unit: 'Bps', width: 8 },
    )
    .timeseries(
      'Container restarts by pod',
      [{ expr: ofWorkload(`increase(kube_pod_container_status_restarts_total${on(KSM, NS)}[1h])`), legend: '{{pod}}' }],
      {
        width: 8,
        description: 'Restarts over the last hour.',
      },
    )
    .build();
}
