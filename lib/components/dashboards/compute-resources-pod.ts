// Compute resources of one pod, container by container: CPU against requests and limits and its throttling,
// memory (working set, RSS, cache), the pod's network, and restarts.
import { Board, on } from './common';
import { cadvisorRate, cpuUsage, KSM, memory, podResource, throttling } from './compute';
import type { FleetDashboard } from './index';

const POD = 'namespace="$namespace", pod="$pod"';
const byContainer = (expr: string) => `sum by (container) (${expr})`;

export function computeResourcesPod(): FleetDashboard {
  const withQuota = (resource: 'cpu' | 'memory', usage: string) => [
    { expr: byContainer(usage), legend: '{{container}}' },
    { expr: `sum(${podResource('requests', resource, POD)})`, legend: 'requests' },
    { expr: `sum(${podResource('limits', resource, POD)})`, legend: 'limits' },
  ];
  return new Board({
    slug: 'compute-resources-pod',
    title: 'Kubernetes / Compute resources / Pod',
    description: "A pod's containers: CPU and memory against requests and limits, throttling, network and restarts.",
    tags: ['kubernetes', 'compute-resources'],
    namespace: { source: `kube_pod_info${on(KSM)}` },
    variables: [{ name: 'pod', label: 'Pod', source: `kube_pod_info${on(KSM, 'namespace="$namespace"')}` }],
  })
    .row('CPU')
    .timeseries('CPU usage by container', withQuota('cpu', cpuUsage(POD)), {
      description: "CPU cores used by each container, and the pod's requests and limits.",
    })
    .timeseries('CPU throttling by container', [{ expr: throttling('container', POD), legend: '{{container}}' }], {
      unit: 'percentunit',
      max: 1,
      description: 'Share of CFS periods in which the container hit its CPU limit.',
    })
    .row('Memory')
    .timeseries('Memory usage by container', withQuota('memory', memory('working_set_bytes', POD)), { unit: 'bytes' })
    .table(
      'Memory by container',
      ['container'],
      [
        { title: 'Working set', expr: byContainer(memory('working_set_bytes', POD)), unit: 'bytes' },
        { title: 'Requests', expr: byContainer(podResource('requests', 'memory', POD)), unit: 'bytes' },
        { title: 'Limits', expr: byContainer(podResource('limits', 'memory', POD)), unit: 'bytes' },
        { title: 'RSS', expr: byContainer(memory('rss', POD)), unit: 'bytes' },
        { title: 'Cache', expr: byContainer(memory('cache', POD)), unit: 'bytes' },
        { title: 'Swap', expr: byContainer(memory('swap', POD)), unit: 'bytes' },
      ],
    )
    .row('Network and restarts')
    .timeseries(
      'Network',
      [
        { expr: cadvisorRate('container_network_receive_bytes_total', 'pod', POD), legend: 'received' },
        { expr: cadvisorRate('container_network_transmit_bytes_total', 'pod', POD), legend: 'transmitted' },
      ],
      { unit: 'Bps', width: 8 },
    )
    .timeseries(
      'Packets dropped',
      [
        { expr: cadvisorRate('container_network_receive_packets_dropped_total', 'pod', POD), legend: 'received' },
        { expr: cadvisorRate('container_network_transmit_packets_dropped_total', 'pod', POD), legend: 'transmitted' },
      ],
      { unit: 'pps', width: 8 },
    )
    .timeseries('Restarts by container', [{ expr: `max by (container) (kube_pod_container_status_restarts_total${on(KSM, POD)})`, legend: '{{container}}' }], {
      width: 8,
      description: 'Restarts since the pod was created.',
    })
    .build();
}
