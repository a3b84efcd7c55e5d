// Persistent volumes, claim by claim: space and inodes used as the kubelet reports them for mounted volumes,
// what each claim asked for, and the cluster's volumes that are not bound.
import { Board, on } from './common';
import { KSM } from './compute';
import type { FleetDashboard } from './index';

/** Volume statistics come from the kubelet of the node the volume is mounted on (its own /metrics endpoint). */
const KUBELET = 'job="kubelet", metrics_path="/metrics", namespace="$namespace"';
const CLAIM = `${KUBELET}, persistentvolumeclaim="$persistentvolumeclaim"`;
const stats = (metric: string, matchers = CLAIM) => `max by (persistentvolumeclaim) (kubelet_volume_stats_${metric}${on(matchers)})`;

export function persistentVolumes(): FleetDashboard {
  return new Board({
    slug: 'persistent-volumes',
    title: 'Kubernetes / Persistent volumes',
    description: 'Space and inodes of persistent volume claims, and the volumes of the cluster that are not bound.',
    tags: ['kubernetes', 'storage'],
    namespace: { source: `kube_persistentvolumeclaim_info${on(KSM)}` },
    variables: [{ name: 'persistentvolumeclaim', label: 'Claim', source: `kube_persistentvolumeclaim_info${on(KSM, 'namespace="$namespace"')}` }],
  })
    .row('Claim')
    .stat('Space used', `${stats('used_bytes')} / ${stats('capacity_bytes')}`, {
      unit: 'percentunit',
      width: 6,
      steps: [
        [null, 'green'],
        [0.85, 'orange'],
        [0.97, 'red'],
      ],
    })
    .stat('Inodes used', `${stats('inodes_used')} / ${stats('inodes')}`, {
      unit: 'percentunit',
      width: 6,
      steps: [
        [null, 'green'],
        [0.85, 'orange'],
        [0.97, 'red'],
      ],
    })
    .stat(
      'Requested',
      `max(kube_persistentvolumeclaim_resource_requests_storage_bytes${on(KSM, 'namespace="$namespace"', 'persistentvolumeclaim="$persistentvolumeclaim"')})`,
      { unit: 'bytes', width: 6 },
    )
    .stat('Capacity', stats('capacity_bytes'), { unit: 'bytes', width: 6 })
    .timeseries(
      'Space',
      [
        { expr: stats('used_bytes'), legend: 'used' },
        { expr: stats('available_bytes'), legend: 'available' },
      ],
      { unit: 'bytes', stack: true, description: 'Only while a pod mounts the volume: the kubelet of its node reports it.' },
    )
    .timeseries(
      'Inodes',
      [
        { expr: stats('inodes_used'), legend: 'used' },
        { expr: stats('inodes_free'), legend: 'free' },
      ],
      { stack: true },
    )
    .row('Namespace')
    .table(
      'Claims of the namespace',
      ['persistentvolumeclaim'],
      [
        {
          title: 'Requested',
          expr: `max by (persistentvolumeclaim) (kube_persistentvolumeclaim_resource_requests_storage_bytes${on(KSM, 'namespace="$namespace"')})`,
          unit: 'bytes',
        },
        { title: 'Capacity', expr: stats('capacity_bytes', KUBELET), unit: 'bytes' },
        { title: 'Space used', expr: `${stats('used_bytes', KUBELET)} / ${stats('capacity_bytes', KUBELET)}`, unit: 'percentunit' },
        { title: 'Inodes used', expr: `${stats('inodes_used', KUBELET)} / ${stats('inodes', KUBELET)}`, unit: 'percentunit' },
      ],
      { width: 24 },
    )
    .row('Cluster')
    .timeseries('Volumes by phase', [{ expr: `sum by (phase) (kube_persistentvolume_status_phase${on(KSM)})`, legend: '{{phase}}' }], {
      description: 'Persistent volumes of the cluster; Pending or Failed ones need a look.',
    })
    .timeseries('Claims by phase', [
      { expr: `sum by (phase) (kube_persistentvolumeclaim_status_phase${on(KSM, 'namespace="$namespace"')})`, legend: '{{phase}}' },
    ])
    .build();
}
