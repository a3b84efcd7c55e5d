// Compute resources of one cluster: how busy its nodes are, how much of them the pods have reserved (requests)
// or may take (limits), and which namespaces use the CPU, memory and network.
import { NODE_EXPORTER_NAME } from '../node-exporter';
import { Board, on } from './common';
import { cadvisorRate, cpuUsage, KSM, memory, namespaceResource, quotaColumns } from './compute';
import type { FleetDashboard } from './index';

const NS = 'namespace=~"$namespace"';
const allocatable = (resource: string) => `sum(kube_node_status_allocatable${on(KSM, `resource="${resource}"`)})`;
const commitment = (kind: 'requests' | 'limits', resource: 'cpu' | 'memory') => `sum(${namespaceResource(kind, resource, '')}) / ${allocatable(resource)}`;
const byNamespace = (expr: string) => `sum by (namespace) (${expr})`;

export function computeResourcesCluster(): FleetDashboard {
  const resourceTable = (resource: 'cpu' | 'memory') => {
    const usage = resource === 'cpu' ? byNamespace(cpuUsage(NS, 'rate')) : byNamespace(memory('working_set_bytes', NS));
    const requests = byNamespace(namespaceResource('requests', resource, NS));
    const limits = byNamespace(namespaceResource('limits', resource, NS));
    return [{ title: 'Pods', expr: `count by (namespace) (kube_pod_info${on(KSM, NS)})` }, ...quotaColumns(resource, { usage, requests, limits })];
  };
  return new Board({
    slug: 'compute-resources-cluster',
    title: 'Kubernetes / Compute resources / Cluster',
    description: "A cluster's CPU and memory: used, requested and limited, in total and per namespace.",
    tags: ['kubernetes', 'compute-resources'],
    namespace: { source: `kube_namespace_status_phase${on(KSM)}`, all: true },
  })
    .row('Headlines')
    .stat('CPU utilisation', `cluster:node_cpu:ratio_rate5m${on()}`, { unit: 'percentunit', description: 'Busy share of all node CPUs over 5 minutes.' })
    .stat('CPU requests commitment', commitment('requests', 'cpu'), {
      unit: 'percentunit',
      description: 'CPU requested by pods over what the nodes can allocate.',
    })
    .stat('CPU limits commitment', commitment('limits', 'cpu'), { unit: 'percentunit' })
    .stat('Memory utilisation', `1 - sum(:node_memory_MemAvailable_bytes:sum${on()}) / sum(node_memory_MemTotal_bytes${on(`job="${NODE_EXPORTER_NAME}"`)})`, {
      unit: 'percentunit',
    })
    .stat('Memory requests commitment', commitment('requests', 'memory'), { unit: 'percentunit' })
    .stat('Memory limits commitment', commitment('limits', 'memory'), { unit: 'percentunit' })
    .row('CPU')
    .timeseries('CPU usage by namespace', [{ expr: byNamespace(cpuUsage(NS, 'rate')), legend: '{{namespace}}' }], {
      stack: true,
      width: 24,
      description: 'CPU cores used.',
    })
    .table('CPU quota by namespace', ['namespace'], resourceTable('cpu'), { width: 24 })
    .row('Memory')
    .timeseries('Memory usage by namespace', [{ expr: byNamespace(memory('working_set_bytes', NS)), legend: '{{namespace}}' }], {
      stack: true,
      unit: 'bytes',
      width: 24,
      description: 'Working set, without page cache the kernel can reclaim.',
    })
    .table('Memory quota by namespace', ['namespace'], resourceTable('memory'), { width: 24 })
    .row('Network')
    .timeseries('Received by namespace', [{ expr: cadvisorRate('container_network_receive_bytes_total', 'namespace', NS), legend: '{{namespace}}' }], {
      stack: true,
      unit: 'Bps',
    })
    .timeseries('Transmitted by namespace', [{ expr: cadvisorRate('container_network_transmit_bytes_total', 'namespace', NS), legend: '{{namespace}}' }], {
      stack: true,
      unit: 'Bps',
    })
    .timeseries(
      'Packets dropped by namespace',
      [
        { expr: cadvisorRate('container_network_receive_packets_dropped_total', 'namespace', NS), legend: '{{namespace}} received' },
        { expr: cadvisorRate('container_network_transmit_packets_dropped_total', 'namespace', NS), legend: '{{namespace}} transmitted' },
      ],
      { unit: 'pps', width: 24 },
    )
    .build();
}
