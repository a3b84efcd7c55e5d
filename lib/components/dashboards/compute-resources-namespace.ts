// Compute resources of one namespace: which pods use the CPU, memory and network, against what they requested
// and may take, and which of them the CFS quota throttles.
import { Board, on } from './common';
import { cadvisorRate, cpuUsage, KSM, memory, namespaceResource, podResource, quotaColumns, throttling } from './compute';
import type { FleetDashboard } from './index';

const NS = 'namespace="$namespace"';
const byPod = (expr: string) => `sum by (pod) (${expr})`;

export function computeResourcesNamespace(): FleetDashboard {
  const resourceTable = (resource: 'cpu' | 'memory') => {
    const usage = resource === 'cpu' ? byPod(cpuUsage(NS)) : byPod(memory('working_set_bytes', NS));
    const requests = byPod(podResource('requests', resource, NS));
    const limits = byPod(podResource('limits', resource, NS));
    return quotaColumns(resource, { usage, requests, limits });
  };
  const usageShare = (resource: 'cpu' | 'memory', kind: 'requests' | 'limits') => {
    const usage = resource === 'cpu' ? `sum(${cpuUsage(NS)})` : `sum(${memory('working_set_bytes', NS)})`;
    return `${usage} / sum(${namespaceResource(kind, resource, NS)})`;
  };
  return new Board({
    slug: 'compute-resources-namespace',
    title: 'Kubernetes / Compute resources / Namespace',
    description: "A namespace's pods: CPU, memory and network used, against their requests and limits.",
    tags: ['kubernetes', 'compute-resources'],
    namespace: { source: `kube_pod_info${on(KSM)}` },
  })
    .row('Headlines')
    .stat('CPU usage / requests', usageShare('cpu', 'requests'), { unit: 'percentunit', width: 6 })
    .stat('CPU usage / limits', usageShare('cpu', 'limits'), { unit: 'percentunit', width: 6 })
    .stat('Memory usage / requests', usageShare('memory', 'requests'), { unit: 'percentunit', width: 6 })
    .stat('Memory usage / limits', usageShare('memory', 'limits'), { unit: 'percentunit', width: 6 })
    .row('CPU')
    .timeseries(
      'CPU usage by pod',
      [
        { expr: byPod(cpuUsage(NS)), legend: '{{pod}}' },
        { expr: `sum(${namespaceResource('requests', 'cpu', NS)})`, legend: 'requests' },
        { expr: `sum(${namespaceResource('limits', 'cpu', NS)})`, legend: 'limits' },
      ],
      { description: "CPU cores used by each pod, and the namespace's requests and limits in total." },
    )
    .timeseries('CPU throttling by pod', [{ expr: throttling('pod', NS), legend: '{{pod}}' }], {
      unit: 'percentunit',
      max: 1,
      description: 'Share of CFS periods in which the pod hit its CPU limit: high values slow it down although the node may have CPU to spare.',
    })
    .table('CPU quota by pod', ['pod'], resourceTable('cpu'), { width: 24 })
    .row('Memory')
    .timeseries('Memory usage by pod', [{ expr: byPod(memory('working_set_bytes', NS)), legend: '{{pod}}' }], { unit: 'bytes', width: 24 })
    .table(
      'Memory quota by pod',
      ['pod'],
      [
        ...resourceTable('memory'),
        { title: 'RSS', expr: byPod(memory('rss', NS)), unit: 'bytes' },
        { title: 'Cache', expr: byPod(memory('cache', NS)), unit: 'bytes' },
        { title: 'Swap', expr: byPod(memory('swap', NS)), unit: 'bytes' },
      ],
      { width: 24 },
    )
    .row('Network')
    .timeseries('Received by pod', [{ expr: cadvisorRate('container_network_receive_bytes_total', 'pod', NS), legend: '{{pod}}' }], { unit: 'Bps' })
    .timeseries('Transmitted by pod', [{ expr: cadvisorRate('container_network_transmit_bytes_total', 'pod', NS), legend: '{{pod}}' }], { unit: 'Bps' })
    .build();
}
