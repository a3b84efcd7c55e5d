// Alerts about the compactor of a bucket, which keeps the bucket's blocks few, downsampled and within
// retention. A compactor that stops leaves the bucket to grow and long-range queries to slow down, long
// before anyone notices. Names, thresholds and severities are those of the Thanos mixin (whose runbooks live
// in the Thanos repository).
import { COMPACTOR_NAME } from '../../names';
import type { RuleFamily } from './types';

const S = `job="${COMPACTOR_NAME}"`;
const BY = 'sum by (cluster, namespace, job)';
const who = 'Thanos compactor {{ $labels.namespace }}/{{ $labels.job }}';

export const thanosCompact: RuleFamily = {
  name: 'thanos-compact',
  needs: ['thanos-compact'],
  groups: [
    {
      name: 'thanos-compact',
      rules: [
        {
          // The StatefulSet has one replica; a second means a stuck rollout or a copy someone started by hand.
          alert: 'ThanosCompactMultipleRunning',
          expr: `${BY} (up{${S}}) > 1`,
          for: '5m',
          severity: 'warning',
          summary: 'More than one Thanos compactor runs on a bucket.',
          description: `{{ $value }} instances of ${who} are up: two compactors on one bucket compact and delete the same blocks.`,
        },
        {
          alert: 'ThanosCompactHalted',
          expr: `thanos_compact_halted{${S}} == 1`,
          for: '5m',
          severity: 'warning',
          summary: 'The Thanos compactor has halted.',
          description: `${who} halted on an error it will not retry (an overlap or a corrupt block, say): nothing is compacted, downsampled or deleted until someone fixes the bucket.`,
        },
        {
          alert: 'ThanosCompactHighCompactionFailures',
          expr:
            `100 * ${BY} (rate(thanos_compact_group_compactions_failures_total{${S}}[5m]))` +
            ` / ${BY} (rate(thanos_compact_group_compactions_total{${S}}[5m])) > $threshold`,
          threshold: 5,
          for: '15m',
          severity: 'warning',
          summary: 'The Thanos compactor fails compactions.',
          description: `${who} fails {{ printf "%.1f" $value }}% of its compactions.`,
        },
        {
          alert: 'ThanosCompactBucketHighOperationFailures',
          expr: `100 * ${BY} (rate(thanos_objstore_bucket_operation_failures_total{${S}}[5m])) / ${BY} (rate(thanos_objstore_bucket_operations_total{${S}}[5m])) > $threshold`,
          threshold: 5,
          for: '15m',
          severity: 'warning',
          summary: 'The Thanos compactor fails operations on object storage.',
          description: `${who} fails {{ printf "%.1f" $value }}% of its bucket operations.`,
        },
        {
          // The compactor uploads a block after every compaction or downsampling: a day without one means it is not working.
          alert: 'ThanosCompactHasNotRun',
          expr: `(time() - max by (cluster, namespace, job) (max_over_time(thanos_objstore_bucket_last_successful_upload_time{${S}}[24h]))) / 60 / 60 > $threshold`,
          threshold: 24,
          severity: 'warning',
          summary: 'The Thanos compactor has not uploaded anything for a day.',
          description: `${who} has uploaded no block for {{ printf "%.0f" $value }} hours: compaction has stopped.`,
        },
      ],
    },
  ],
};
