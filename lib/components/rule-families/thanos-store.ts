// Alerts about the observer's Thanos Store Gateway, which serves the blocks in object storage.
// Names and severities are those of the Thanos mixin (whose runbooks live in the Thanos repository).
import { STORE_GATEWAY_NAME } from '../../names';
import type { RuleFamily } from './types';

const S = `job="${STORE_GATEWAY_NAME}"`;
const BY = 'sum by (cluster, namespace, job)';
const who = 'Thanos Store Gateway {{ $labels.namespace }}/{{ $labels.job }}';

export const thanosStore: RuleFamily = {
  name: 'thanos-store',
  needs: ['thanos-store'],
  groups: [
    {
      name: 'thanos-store',
      rules: [
        {
          alert: 'ThanosStoreGrpcErrorRate',
          expr:
            `100 * ${BY} (rate(grpc_server_handled_total{${S}, grpc_code=~"Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded"}[5m]))` +
            ` / ${BY} (rate(grpc_server_started_total{${S}}[5m])) > $threshold`,
          threshold: 5,
          for: '5m',
          severity: 'warning',
          summary: 'The Thanos Store Gateway fails gRPC requests.',
          description: `${who} fails {{ printf "%.1f" $value }}% of the gRPC requests of the Querier.`,
        },
        {
          alert: 'ThanosStoreSeriesGateLatencyHigh',
          expr:
            `histogram_quantile(0.99, sum by (cluster, namespace, job, le) (rate(thanos_bucket_store_series_gate_duration_seconds_bucket{${S}}[5m]))) > $threshold` +
            ` and ${BY} (rate(thanos_bucket_store_series_gate_duration_seconds_count{${S}}[5m])) > 0`,
          threshold: 2,
          for: '10m',
          severity: 'warning',
          summary: 'Series requests wait long at the Thanos Store Gateway.',
          description: `The 99th percentile wait of Series requests at the gate of ${who} is {{ printf "%.1f" $value }} seconds.`,
        },
        {
          alert: 'ThanosStoreBucketHighOperationFailures',
          expr: `100 * ${BY} (rate(thanos_objstore_bucket_operation_failures_total{${S}}[5m])) / ${BY} (rate(thanos_objstore_bucket_operations_total{${S}}[5m])) > $threshold`,
          threshold: 5,
          for: '15m',
          severity: 'warning',
          summary: 'The Thanos Store Gateway fails operations on object storage.',
          description: `${who} fails {{ printf "%.1f" $value }}% of its bucket operations: old data is missing from queries.`,
        },
        {
          alert: 'ThanosStoreObjstoreOperationLatencyHigh',
          expr:
            `histogram_quantile(0.99, sum by (cluster, namespace, job, le) (rate(thanos_objstore_bucket_operation_duration_seconds_bucket{${S}}[5m]))) > $threshold` +
            ` and ${BY} (rate(thanos_objstore_bucket_operation_duration_seconds_count{${S}}[5m])) > 0`,
          threshold: 2,
          for: '10m',
          severity: 'warning',
          summary: 'Object storage is slow for the Thanos Store Gateway.',
          description: `The 99th percentile latency of bucket operations of ${who} is {{ printf "%.1f" $value }} seconds.`,
        },
      ],
    },
  ],
};
