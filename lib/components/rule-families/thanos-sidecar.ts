// Alerts about the Thanos sidecar in each Prometheus pod, through which the observer queries the
// cluster and which uploads blocks to object storage when it is set. Names and severities are
// those of the Thanos mixin (whose runbooks live in the Thanos repository, not on the runbooks site);
// ThanosSidecarGrpcErrors is promfleet's own: the observer sees a failing sidecar only as gaps.
import { PROMETHEUS_SERVICE } from '../prometheus';
import { SIDECAR_JOB } from '../thanos-sidecar';
import type { RuleFamily } from './types';

const S = `job="${SIDECAR_JOB}"`;
const who = 'Thanos sidecar {{ $labels.namespace }}/{{ $labels.pod }}';

export const thanosSidecar: RuleFamily = {
  name: 'thanos-sidecar',
  needs: ['thanos-sidecar'],
  groups: [
    {
      name: 'thanos-sidecar',
      rules: [
        {
          // Without object storage the sidecar has no bucket and the series does not exist.
          alert: 'ThanosSidecarBucketOperationsFailed',
          expr: `sum by (cluster, namespace, pod) (rate(thanos_objstore_bucket_operation_failures_total{${S}}[5m])) > 0`,
          for: '5m',
          severity: 'critical',
          summary: 'The Thanos sidecar fails operations on object storage.',
          description: `${who} fails operations on its bucket: blocks are not uploaded, and go when Prometheus deletes them.`,
        },
        {
          alert: 'ThanosSidecarNoConnectionToStartedPrometheus',
          // While Prometheus replays its WAL (minutes on a big head) the sidecar cannot reach it and the
          // replay duration reads 0: only a Prometheus that has finished its replay makes this an outage.
          expr: `thanos_sidecar_prometheus_up{${S}} == 0 and on (cluster, namespace, pod) prometheus_tsdb_data_replay_duration_seconds{job="${PROMETHEUS_SERVICE}"} != 0`,
          for: '5m',
          severity: 'critical',
          summary: 'The Thanos sidecar cannot reach its started Prometheus.',
          description: `${who} has no connection to its Prometheus, which has started: the observer sees no data from it.`,
        },
        {
          alert: 'ThanosSidecarGrpcErrors',
          expr:
            `100 * sum by (cluster, namespace, pod) (rate(grpc_server_handled_total{${S}, grpc_code=~"Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded"}[5m]))` +
            ` / sum by (cluster, namespace, pod) (rate(grpc_server_started_total{${S}}[5m])) > $threshold`,
          threshold: 5,
          for: '5m',
          severity: 'warning',
          summary: 'The Thanos sidecar fails gRPC requests.',
          description: `${who} fails {{ printf "%.1f" $value }}% of the gRPC requests of the observer.`,
        },
      ],
    },
  ],
};
