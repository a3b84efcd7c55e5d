// The Thanos sidecar beside each Prometheus replica of a workload cluster: whether it reaches its Prometheus,
// the observer's gRPC requests it serves, and its uploads to object storage (when the cluster has a bucket).
import { SIDECAR_JOB } from '../thanos-sidecar';
import { Board, on } from './common';
import type { FleetDashboard } from './index';
import { bucketPanels, grpcPanels, resourcePanels } from './thanos';

const S = `job="${SIDECAR_JOB}", namespace="$namespace"`;
const rate = (metric: string, by: string) => `sum by (${by}) (rate(${metric}${on(S)}[$__rate_interval]))`;

export function thanosSidecar(): FleetDashboard {
  const b = new Board({
    slug: 'thanos-sidecar',
    title: 'Thanos / Sidecar',
    description: "The sidecars of a cluster's Prometheus: their Prometheus, the Querier's requests, and uploads to object storage.",
    tags: ['thanos'],
    clusterSource: `up{job="${SIDECAR_JOB}"}`,
    namespace: { source: `up${on(`job="${SIDECAR_JOB}"`)}` },
  })
    .row('Sidecars')
    .stat('Sidecars up', `sum(up${on(S)})`, { width: 6 })
    .stat('Reaching Prometheus', `sum(thanos_sidecar_prometheus_up${on(S)})`, {
      width: 6,
      description: 'Sidecars whose Prometheus answers; the others serve the observer nothing.',
    })
    .stat('Last upload', `time() - max(thanos_objstore_bucket_last_successful_upload_time${on(S)})`, {
      width: 6,
      unit: 's',
      description: 'Time since a block was last uploaded; empty without object storage.',
    })
    .stat('Upload failures', `sum(increase(thanos_shipper_upload_failures_total${on(S)}[1h]))`, {
      width: 6,
      steps: [
        [null, 'green'],
        [1, 'red'],
      ],
      description: 'Over the last hour.',
    });
  grpcPanels(b.row("The Querier's requests"), 'server', S, 'gRPC');
  b.row('Uploads').timeseries(
    'Blocks uploaded',
    [
      { expr: rate('thanos_shipper_uploads_total', 'pod'), legend: '{{pod}} uploaded' },
      { expr: rate('thanos_shipper_upload_failures_total', 'pod'), legend: '{{pod}} failed' },
    ],
    { unit: 'ops', width: 24 },
  );
  bucketPanels(b, S);
  return resourcePanels(b, S).build();
}
