// Panels every Thanos dashboard has: the gRPC requests a component serves (or makes), its object storage
// operations, and its own resources. `sel` is the component's matchers (job and namespace).
import { Board, on } from './common';

const ERROR_CODES = 'grpc_code=~"Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded"';
const rate = (metric: string, sel: string, by: string, extra = '') => `sum by (${by}) (rate(${metric}${on(sel, extra)}[$__rate_interval]))`;

/** Requests, error share and 99th percentile latency of the gRPC requests a component serves (`server`) or makes (`client`). */
export function grpcPanels(b: Board, side: 'server' | 'client', sel: string, what: string): Board {
  return b
    .timeseries(`${what}: requests by code`, [{ expr: rate(`grpc_${side}_handled_total`, sel, 'grpc_code'), legend: '{{grpc_code}}' }], {
      unit: 'reqps',
      width: 8,
      stack: true,
    })
    .timeseries(
      `${what}: errors`,
      [
        {
          expr: `${rate(`grpc_${side}_handled_total`, sel, 'grpc_method', ERROR_CODES)} / ${rate(`grpc_${side}_started_total`, sel, 'grpc_method')}`,
          legend: '{{grpc_method}}',
        },
      ],
      {
        unit: 'percentunit',
        width: 8,
        description: 'Share of requests that ended with a server-side error code (Unavailable, Internal, DeadlineExceeded and the like).',
      },
    )
    .timeseries(
      `${what}: latency, 99th percentile`,
      [{ expr: `histogram_quantile(0.99, ${rate(`grpc_${side}_handling_seconds_bucket`, sel, 'grpc_method, le')})`, legend: '{{grpc_method}}' }],
      { unit: 's', width: 8 },
    );
}

/** Operations on object storage by operation, their failures, and 99th percentile latency. */
export function bucketPanels(b: Board, sel: string): Board {
  return b
    .timeseries('Bucket operations', [{ expr: rate('thanos_objstore_bucket_operations_total', sel, 'operation'), legend: '{{operation}}' }], {
      unit: 'ops',
      width: 8,
    })
    .timeseries(
      'Bucket operation failures',
      [
        {
          expr: `${rate('thanos_objstore_bucket_operation_failures_total', sel, 'operation')} / ${rate('thanos_objstore_bucket_operations_total', sel, 'operation')}`,
          legend: '{{operation}}',
        },
      ],
      { unit: 'percentunit', width: 8 },
    )
    .timeseries(
      'Bucket operation latency, 99th percentile',
      [
        {
          expr: `histogram_quantile(0.99, ${rate('thanos_objstore_bucket_operation_duration_seconds_bucket', sel, 'operation, le')})`,
          legend: '{{operation}}',
        },
      ],
      { unit: 's', width: 8 },
    );
}

/** Memory, CPU and goroutines of each pod of the component. */
export function resourcePanels(b: Board, sel: string): Board {
  return b
    .row('Resources')
    .timeseries('Memory', [{ expr: `process_resident_memory_bytes${on(sel)}`, legend: '{{pod}}' }], { unit: 'bytes', width: 8 })
    .timeseries('CPU', [{ expr: rate('process_cpu_seconds_total', sel, 'pod'), legend: '{{pod}}' }], { width: 8 })
    .timeseries('Goroutines', [{ expr: `go_goroutines${on(sel)}`, legend: '{{pod}}' }], { width: 8 });
}
