// The observer's Thanos Store Gateway, which serves the blocks in object storage: the Querier's requests,
// the series gate, the blocks it has loaded, its index cache and its bucket operations.
import { STORE_GATEWAY_NAME } from '../../names';
import { Board, on } from './common';
import type { FleetDashboard } from './index';
import { bucketPanels, grpcPanels, resourcePanels } from './thanos';

const S = `job="${STORE_GATEWAY_NAME}", namespace="$namespace"`;
const rate = (metric: string, by: string, extra = '') => `sum by (${by}) (rate(${metric}${on(S, extra)}[$__rate_interval]))`;

export function thanosStore(): FleetDashboard {
  const b = new Board({
    slug: 'thanos-store',
    title: 'Thanos / Store Gateway',
    description: 'The Store Gateway: requests from the Querier, the series gate, loaded blocks, index cache and bucket operations.',
    tags: ['thanos'],
    clusterSource: `up{job="${STORE_GATEWAY_NAME}"}`,
    namespace: { source: `up${on(`job="${STORE_GATEWAY_NAME}"`)}` },
  });
  grpcPanels(b.row("The Querier's requests"), 'server', S, 'gRPC');
  b.row('Series')
    .timeseries(
      'Series gate wait, 99th percentile',
      [{ expr: `histogram_quantile(0.99, ${rate('thanos_bucket_store_series_gate_duration_seconds_bucket', 'le')})`, legend: 'p99' }],
      {
        unit: 's',
        width: 8,
        description: 'How long Series requests wait for a slot: long waits mean too many concurrent queries for the gateway.',
      },
    )
    .timeseries(
      'Blocks queried per request, 99th percentile',
      [{ expr: `histogram_quantile(0.99, ${rate('thanos_bucket_store_series_blocks_queried_bucket', 'le')})`, legend: 'p99' }],
      { width: 8 },
    )
    .timeseries(
      'Index cache hit ratio',
      [
        {
          expr: `${rate('thanos_store_index_cache_hits_total', 'item_type')} / ${rate('thanos_store_index_cache_requests_total', 'item_type')}`,
          legend: '{{item_type}}',
        },
      ],
      { unit: 'percentunit', width: 8 },
    )
    .row('Blocks')
    .timeseries('Blocks loaded', [{ expr: `sum by (pod) (thanos_bucket_store_blocks_loaded${on(S)})`, legend: '{{pod}}' }], { width: 8 })
    .timeseries(
      'Block loads and drops',
      [
        { expr: rate('thanos_bucket_store_block_loads_total', 'pod'), legend: '{{pod}} loaded' },
        { expr: rate('thanos_bucket_store_block_drops_total', 'pod'), legend: '{{pod}} dropped' },
      ],
      { unit: 'ops', width: 8 },
    )
    .timeseries(
      'Block load and drop failures',
      [
        { expr: rate('thanos_bucket_store_block_load_failures_total', 'pod'), legend: '{{pod}} load' },
        { expr: rate('thanos_bucket_store_block_drop_failures_total', 'pod'), legend: '{{pod}} drop' },
      ],
      { unit: 'ops', width: 8 },
    )
    .row('Object storage');
  bucketPanels(b, S);
  return resourcePanels(b, S).build();
}
