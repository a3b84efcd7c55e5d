// Alerts about the observer's Thanos Querier: failing and slow queries, stores it cannot reach, and
// a full query gate. Names and severities are those of the Thanos mixin (whose runbooks live in the
// Thanos repository). Its needs are met where a Prometheus scrapes the Querier, on the observer.
import { QUERIER_NAME } from '../querier';
import type { RuleFamily } from './types';

const Q = `job="${QUERIER_NAME}"`;
const BY = 'sum by (cluster, namespace, job)';
const who = 'Thanos Querier {{ $labels.namespace }}/{{ $labels.job }}';
/** The percentage of HTTP requests to `handler` that fail with a 5xx. */
const httpErrors = (handler: string) =>
  `100 * ${BY} (rate(http_requests_total{${Q}, handler="${handler}", code=~"5.."}[5m])) / ${BY} (rate(http_requests_total{${Q}, handler="${handler}"}[5m])) > $threshold`;
/** The 99th percentile latency of `handler`, where it serves requests at all. */
const latency = (handler: string) =>
  `histogram_quantile(0.99, sum by (cluster, namespace, job, le) (rate(http_request_duration_seconds_bucket{${Q}, handler="${handler}"}[5m]))) > $threshold` +
  ` and ${BY} (rate(http_request_duration_seconds_count{${Q}, handler="${handler}"}[5m])) > 0`;

export const thanosQuery: RuleFamily = {
  name: 'thanos-query',
  needs: ['thanos-query'],
  groups: [
    {
      name: 'thanos-query',
      rules: [
        {
          alert: 'ThanosQueryHttpRequestQueryErrorRateHigh',
          expr: httpErrors('query'),
          threshold: 5,
          for: '5m',
          severity: 'critical',
          summary: 'The Thanos Querier fails instant queries.',
          description: `${who} fails {{ printf "%.1f" $value }}% of its instant queries.`,
        },
        {
          alert: 'ThanosQueryHttpRequestQueryRangeErrorRateHigh',
          expr: httpErrors('query_range'),
          threshold: 5,
          for: '5m',
          severity: 'critical',
          summary: 'The Thanos Querier fails range queries.',
          description: `${who} fails {{ printf "%.1f" $value }}% of its range queries: dashboards show errors.`,
        },
        {
          alert: 'ThanosQueryGrpcServerErrorRate',
          expr:
            `100 * ${BY} (rate(grpc_server_handled_total{${Q}, grpc_code=~"Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded"}[5m]))` +
            ` / ${BY} (rate(grpc_server_started_total{${Q}}[5m])) > $threshold`,
          threshold: 5,
          for: '5m',
          severity: 'warning',
          summary: 'The Thanos Querier fails gRPC requests.',
          description: `${who} fails {{ printf "%.1f" $value }}% of the gRPC requests it serves.`,
        },
        {
          alert: 'ThanosQueryGrpcClientErrorRate',
          expr: `100 * ${BY} (rate(grpc_client_handled_total{${Q}, grpc_code!="OK"}[5m])) / ${BY} (rate(grpc_client_started_total{${Q}}[5m])) > $threshold`,
          threshold: 5,
          for: '5m',
          severity: 'warning',
          summary: 'The Thanos Querier fails requests to its stores.',
          description: `${who} fails {{ printf "%.1f" $value }}% of its requests to sidecars and stores: query results miss their data.`,
        },
        {
          alert: 'ThanosQueryHighDNSFailures',
          expr: `100 * ${BY} (rate(thanos_query_store_apis_dns_failures_total{${Q}}[5m])) / ${BY} (rate(thanos_query_store_apis_dns_lookups_total{${Q}}[5m])) > $threshold`,
          threshold: 1,
          for: '15m',
          severity: 'warning',
          summary: 'The Thanos Querier fails to resolve its stores.',
          description: `${who} fails {{ printf "%.1f" $value }}% of the DNS lookups of its store addresses.`,
        },
        {
          alert: 'ThanosQueryInstantLatencyHigh',
          expr: latency('query'),
          threshold: 40,
          for: '10m',
          severity: 'critical',
          summary: 'Instant queries of the Thanos Querier are slow.',
          description: `The 99th percentile latency of instant queries on ${who} is {{ printf "%.0f" $value }} seconds.`,
        },
        {
          alert: 'ThanosQueryRangeLatencyHigh',
          expr: latency('query_range'),
          threshold: 90,
          for: '10m',
          severity: 'critical',
          summary: 'Range queries of the Thanos Querier are slow.',
          description: `The 99th percentile latency of range queries on ${who} is {{ printf "%.0f" $value }} seconds.`,
        },
        {
          alert: 'ThanosQueryOverload',
          // Fewer than one free slot in the concurrent query gate, on average: queries queue.
          expr: `max_over_time(thanos_query_concurrent_gate_queries_max{${Q}}[5m]) - avg_over_time(thanos_query_concurrent_gate_queries_in_flight{${Q}}[5m]) < 1`,
          for: '15m',
          severity: 'warning',
          summary: 'The Thanos Querier runs as many queries as it may.',
          description: 'Thanos Querier {{ $labels.namespace }}/{{ $labels.pod }} has had no free query slot for 15 minutes: queries wait, then time out.',
        },
      ],
    },
  ],
};
