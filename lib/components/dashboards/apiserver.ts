// The API server: its availability objective (the kube-apiserver family's 30-day records and burn rates), the
// requests it serves by code and their latency, and its own resources. The namespace is that of the Service
// it is scraped through.
import { JOB } from '../rule-families';
import { Board, on } from './common';
import type { FleetDashboard } from './index';

const API = `job="${JOB.apiserver}", namespace=~"$namespace"`;
const rate = (metric: string, by: string, extra = '') => `sum by (${by}) (rate(${metric}${on(API, extra)}[$__rate_interval]))`;

export function apiserver(): FleetDashboard {
  const b = new Board({
    slug: 'apiserver',
    title: 'Kubernetes / API server',
    description: 'The API server: availability against its objective, requests, latency, queues and resources.',
    tags: ['kubernetes', 'control-plane'],
    namespace: { source: `up${on(`job="${JOB.apiserver}"`)}`, all: true },
  })
    .row('Availability')
    .stat('Availability, all requests (30 days)', `apiserver_request:availability30d${on('verb="all"')}`, {
      unit: 'percentunit',
      width: 6,
      description: 'Share of requests answered without a server error and fast enough, over 30 days; the objective is 99%.',
      steps: [
        [null, 'red'],
        [0.99, 'green'],
      ],
    })
    .stat('Error budget left (30 days)', `(apiserver_request:availability30d${on('verb="all"')} - 0.99) / (1 - 0.99)`, {
      unit: 'percentunit',
      width: 6,
      steps: [
        [null, 'red'],
        [0.25, 'orange'],
        [0.5, 'green'],
      ],
    })
    .timeseries(
      'Error budget burn rate',
      [
        { expr: `apiserver_request:burnrate1h${on()}`, legend: '{{verb}} 1h' },
        { expr: `apiserver_request:burnrate6h${on()}`, legend: '{{verb}} 6h' },
        { expr: `apiserver_request:burnrate3d${on()}`, legend: '{{verb}} 3d' },
      ],
      { description: 'How many times faster than the objective allows the budget is spent; above 1 it runs out before 30 days.' },
    );
  for (const [verb, title] of [
    ['read', 'Reads (GET, LIST)'],
    ['write', 'Writes (POST, PUT, PATCH, DELETE)'],
  ] as const) {
    const v = `verb="${verb}"`;
    b.row(title)
      .stat('Availability (30 days)', `apiserver_request:availability30d${on(v)}`, {
        unit: 'percentunit',
        width: 4,
        height: 8,
        steps: [
          [null, 'red'],
          [0.99, 'green'],
        ],
      })
      .timeseries('Requests by code', [{ expr: `sum by (code) (code_resource:apiserver_request_total:rate5m${on(v)})`, legend: '{{code}}' }], {
        unit: 'reqps',
        stack: true,
        width: 10,
      })
      .timeseries(
        'Latency by resource, 99th percentile',
        [{ expr: `cluster_quantile:apiserver_request_sli_duration_seconds:histogram_quantile${on(v, 'quantile="0.99"')}`, legend: '{{resource}}' }],
        {
          unit: 's',
          width: 10,
        },
      );
  }
  return b
    .row('Server')
    .timeseries('Requests in flight', [
      { expr: `sum by (instance, request_kind) (apiserver_current_inflight_requests${on(API)})`, legend: '{{instance}} {{request_kind}}' },
    ])
    .timeseries('Work queue adds', [{ expr: rate('workqueue_adds_total', 'instance, name'), legend: '{{instance}} {{name}}' }], { unit: 'ops' })
    .timeseries('Work queue depth', [{ expr: `sum by (instance, name) (workqueue_depth${on(API)})`, legend: '{{instance}} {{name}}' }])
    .timeseries('Objects stored, top 10 resources', [{ expr: `topk(10, max by (resource) (apiserver_storage_objects${on(API)}))`, legend: '{{resource}}' }])
    .timeseries('Memory', [{ expr: `process_resident_memory_bytes${on(API)}`, legend: '{{instance}}' }], { unit: 'bytes', width: 8 })
    .timeseries('CPU', [{ expr: rate('process_cpu_seconds_total', 'instance'), legend: '{{instance}}' }], { width: 8 })
    .timeseries('Goroutines', [{ expr: `go_goroutines${on(API)}`, legend: '{{instance}}' }], { width: 8 })
    .build();
}
