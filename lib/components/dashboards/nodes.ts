// The nodes of a cluster as node-exporter sees them: CPU, load, memory, disks, file systems and network, from the
// node-exporter family's per-instance recording rules where it has one. `instance` is the node's name.
import { NODE_EXPORTER_NAME } from '../node-exporter';
import { Board, on } from './common';
import type { FleetDashboard } from './index';

const NODES = `job="${NODE_EXPORTER_NAME}", namespace="$namespace", instance=~"$instance"`;
const FS = `${NODES}, fstype!~"tmpfs|overlay|squashfs|ramfs", mountpoint!=""`;
const perNode = (record: string, legend = '{{instance}}') => [{ expr: `${record}${on(NODES)}`, legend }];

export function nodes(): FleetDashboard {
  const table = (title: string, expr: string, unit?: string) => ({ title, expr: `max by (instance) (${expr})`, ...(unit ? { unit } : {}) });
  return new Board({
    slug: 'nodes',
    title: 'Kubernetes / Nodes',
    description: 'The nodes of a cluster: CPU, load, memory, disks, file systems and network.',
    tags: ['kubernetes', 'nodes'],
    namespace: { source: `node_uname_info${on(`job="${NODE_EXPORTER_NAME}"`)}` },
    variables: [{ name: 'instance', label: 'Node', source: `node_uname_info${on(`job="${NODE_EXPORTER_NAME}"`, 'namespace="$namespace"')}`, all: true }],
  })
    .table(
      'Nodes',
      ['instance'],
      [
        table('CPUs', `instance:node_num_cpu:sum${on(NODES)}`),
        table('CPU utilisation', `instance:node_cpu_utilisation:rate5m${on(NODES)}`, 'percentunit'),
        table('Load per CPU', `instance:node_load1_per_cpu:ratio${on(NODES)}`),
        table('Memory', `node_memory_MemTotal_bytes${on(NODES)}`, 'bytes'),
        table('Memory utilisation', `instance:node_memory_utilisation:ratio${on(NODES)}`, 'percentunit'),
        table('Fullest file system', `1 - node_filesystem_avail_bytes${on(FS)} / node_filesystem_size_bytes${on(FS)}`, 'percentunit'),
      ],
      { width: 24 },
    )
    .row('CPU and memory')
    .timeseries('CPU utilisation', perNode('instance:node_cpu_utilisation:rate5m'), {
      unit: 'percentunit',
      max: 1,
      description: 'Share of CPU time not idle, waiting for I/O or stolen.',
    })
    .timeseries('Load per CPU', perNode('instance:node_load1_per_cpu:ratio'), {
      description: '1-minute load average over the number of CPUs: above 1, runnable tasks wait.',
    })
    .timeseries('Memory utilisation', perNode('instance:node_memory_utilisation:ratio'), { unit: 'percentunit', max: 1 })
    .timeseries('Major page faults', perNode('instance:node_vmstat_pgmajfault:rate5m'), {
      unit: 'short',
      description: 'Pages read back from disk per second: the node is short of memory.',
    })
    .row('Disks and file systems')
    .timeseries('Disk busy', perNode('instance_device:node_disk_io_time_seconds:rate5m', '{{instance}} {{device}}'), {
      unit: 'percentunit',
      description: 'Share of time each device was doing I/O.',
    })
    .timeseries(
      'File system space used',
      [{ expr: `1 - node_filesystem_avail_bytes${on(FS)} / node_filesystem_size_bytes${on(FS)}`, legend: '{{instance}} {{mountpoint}}' }],
      {
        unit: 'percentunit',
        max: 1,
      },
    )
    .row('Network')
    .timeseries(
      'Network traffic',
      [
        { expr: `instance:node_network_receive_bytes_excluding_lo:rate5m${on(NODES)}`, legend: '{{instance}} received' },
        { expr: `instance:node_network_transmit_bytes_excluding_lo:rate5m${on(NODES)}`, legend: '{{instance}} transmitted' },
      ],
      { unit: 'Bps' },
    )
    .timeseries(
      'Packets dropped',
      [
        { expr: `instance:node_network_receive_drop_excluding_lo:rate5m${on(NODES)}`, legend: '{{instance}} received' },
        { expr: `instance:node_network_transmit_drop_excluding_lo:rate5m${on(NODES)}`, legend: '{{instance}} transmitted' },
      ],
      { unit: 'pps' },
    )
    .build();
}
