// The observer's Thanos Querier, which every dashboard queries: the instant and range queries it answers, its
// requests to the sidecars and stores, the stores it is connected to, and its query gate.
import { QUERIER_NAME } from '../querier';
import { Board, on } from './common';
import type { FleetDashboard } from './index';
import { grpcPanels, resourcePanels } from './thanos';

const Q = `job="${QUERIER_NAME}", namespace="$namespace"`;
const rate = (metric: string, by: string, extra = '') => `sum by (${by}) (rate(${metric}${on(Q, extra)}[$__rate_interval]))`;

export function thanosQuery(): FleetDashboard {
  const b = new Board({
    slug: 'thanos-query',
    title: 'Thanos / Query',
    description: 'The Thanos Querier: queries answered, errors and latency, its requests to the stores, and the stores it reaches.',
    tags: ['thanos'],
    clusterSource: `up{job="${QUERIER_NAME}"}`,
    namespace: { source: `up${on(`job="${QUERIER_NAME}"`)}` },
  });
  for (const [handler, what] of [
    ['query', 'Instant queries'],
    ['query_range', 'Range queries'],
  ] as const) {
    const h = `handler="${handler}"`;
    b.row(what)
      .timeseries(`${what}: requests by code`, [{ expr: rate('http_requests_total', 'code', h), legend: '{{code}}' }], { unit: 'reqps', width: 8, stack: true })
      .timeseries(
        `${what}: errors`,
        [{ expr: `${rate('http_requests_total', 'handler', `${h}, code=~"5.."`)} / ${rate('http_requests_total', 'handler', h)}`, legend: 'errors' }],
        {
          unit: 'percentunit',
          width: 8,
        },
      )
      .timeseries(
        `${what}: latency, 99th percentile`,
        [{ expr: `histogram_quantile(0.99, ${rate('http_request_duration_seconds_bucket', 'le', h)})`, legend: 'p99' }],
        {
          unit: 's',
          width: 8,
        },
      );
  }
  grpcPanels(b.row('Requests to stores'), 'client', Q, 'Store requests');
  b.row('Stores')
    .timeseries('Stores connected by type', [{ expr: `sum by (store_type) (thanos_store_nodes_grpc_connections${on(Q)})`, legend: '{{store_type}}' }], {
      width: 8,
      description: 'Sidecars (one per Prometheus replica of each workload cluster) and Store Gateways the Querier holds a connection to.',
    })
    .timeseries(
      'Store address lookups failing',
      [
        {
          expr: `${rate('thanos_query_store_apis_dns_failures_total', 'pod')} / ${rate('thanos_query_store_apis_dns_lookups_total', 'pod')}`,
          legend: '{{pod}}',
        },
      ],
      { unit: 'percentunit', width: 8 },
    )
    .timeseries(
      'Query gate',
      [
        { expr: `sum by (pod) (thanos_query_concurrent_gate_queries_in_flight${on(Q)})`, legend: '{{pod}} in flight' },
        { expr: `sum by (pod) (thanos_query_concurrent_gate_queries_max${on(Q)})`, legend: '{{pod}} max' },
      ],
      { width: 8, description: 'Queries running against the most allowed at once: at the maximum, queries wait.' },
    );
  return resourcePanels(b, Q).build();
}
