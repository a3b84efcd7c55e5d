// The observer's Thanos Compactor, which compacts, downsamples and deletes the blocks in object storage: whether
// it has halted, the work it has left, and each of its jobs with their failures.
import { Board, COMPACT_JOB, on } from './common';
import type { FleetDashboard } from './index';
import { bucketPanels, resourcePanels } from './thanos';

const C = `job="${COMPACT_JOB}", namespace="$namespace"`;
const rate = (metric: string, by: string) => `sum by (${by}) (rate(${metric}${on(C)}[$__rate_interval]))`;
const doneAndFailed = (done: string, failed: string, by = 'pod') => [
  { expr: rate(done, by), legend: `{{${by}}} done` },
  { expr: rate(failed, by), legend: `{{${by}}} failed` },
];

export function thanosCompact(): FleetDashboard {
  const b = new Board({
    slug: 'thanos-compact',
    title: 'Thanos / Compactor',
    description: 'The Compactor: halted or not, work left, compactions, downsampling, deletions and block metadata syncs.',
    tags: ['thanos'],
    clusterSource: `up{job="${COMPACT_JOB}"}`,
    namespace: { source: `up${on(`job="${COMPACT_JOB}"`)}` },
  })
    .row('Overview')
    .stat('Halted', `max(thanos_compact_halted${on(C)})`, {
      width: 6,
      unit: 'bool_yes_no',
      steps: [
        [null, 'green'],
        [1, 'red'],
      ],
      description: 'A halted Compactor does nothing until restarted: read its logs first (often overlapping blocks).',
    })
    .stat('Compactions left', `sum(thanos_compact_todo_compactions${on(C)})`, { width: 6 })
    .stat('Blocks left to downsample', `sum(thanos_compact_todo_downsample_blocks${on(C)})`, { width: 6 })
    .stat('Iterations (24h)', `sum(increase(thanos_compact_iterations_total${on(C)}[24h]))`, {
      width: 6,
      description: 'Completed passes over the bucket in the last day.',
    })
    .row('Jobs')
    .timeseries('Group compactions', doneAndFailed('thanos_compact_group_compactions_total', 'thanos_compact_group_compactions_failures_total', 'group'), {
      unit: 'ops',
      width: 12,
    })
    .timeseries('Downsampling', doneAndFailed('thanos_compact_downsample_total', 'thanos_compact_downsample_failures_total', 'group'), {
      unit: 'ops',
      width: 12,
    })
    .timeseries('Garbage collection', doneAndFailed('thanos_compact_garbage_collection_total', 'thanos_compact_garbage_collection_failures_total'), {
      unit: 'ops',
      width: 8,
    })
    .timeseries('Blocks deleted', doneAndFailed('thanos_compact_blocks_cleaned_total', 'thanos_compact_block_cleanup_failures_total'), {
      unit: 'ops',
      width: 8,
    })
    .timeseries('Block metadata syncs', doneAndFailed('thanos_blocks_meta_syncs_total', 'thanos_blocks_meta_sync_failures_total'), { unit: 'ops', width: 8 })
    .row('Object storage');
  bucketPanels(b, C);
  return resourcePanels(b, C).build();
}
