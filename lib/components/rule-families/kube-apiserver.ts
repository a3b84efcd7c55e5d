// The API server: its availability SLO (99% of read and write requests answered without a server error
// and fast enough, over 30 days) with multi-window burn-rate alerts on its error budget, its absence from
// the targets, requests it sheds, aggregated APIs (metrics-server, custom metrics) that fail, and clients
// whose certificates are about to expire; plus the burn-rate, availability and latency series the alerts
// and the API server dashboards read.
import { JOB, type AlertSpec, type RecordSpec, type RuleFamily } from './types';

/** Availability objective over SLO_DAYS: the share of requests answered without a 5xx and fast enough. */
const SLO_TARGET = 0.99;
const SLO_DAYS = 30;
const BUDGET = +(1 - SLO_TARGET).toFixed(4);

const READ = 'LIST|GET';
const WRITE = 'POST|PUT|PATCH|DELETE';
/** Streaming requests (logs, exec, port-forward, proxy) last as long as the user wants: no latency objective. */
const NON_STREAMING = 'subresource!~"proxy|attach|log|exec|portforward"';
const sel = (...matchers: string[]) => `{${[`job="${JOB.apiserver}"`, ...matchers].join(', ')}}`;
const verbs = (v: string) => `verb=~"${v}"`;
// The SIG Scalability thresholds: a read of one object within 1s, of a namespace within 5s, of the whole
// cluster within 30s; a write within 1s. Prometheus 3 writes `le` as "1.0" where 2.x wrote "1".
const le = (seconds: number) => `le=~"${seconds}(\\\\.0)?"`;
const READ_FAST = [
  ['scope=~"resource|"', le(1)],
  ['scope="namespace"', le(5)],
  ['scope="cluster"', le(30)],
] as const;
const WRITE_FAST = [['', le(1)]] as const;

/**
 * Zero for each cluster with an API server target: a term with no series (no 5xx at all) adds 0
 * instead of emptying the sum. Cheap (one series per API server) and, unlike vector(0), per cluster.
 */
const ZERO = `0 * group by (cluster) (up${sel()})`;
const orZero = (expr: string) => `(${expr} or ${ZERO})`;

const SLI = 'apiserver_request_sli_duration_seconds';

/** Burn-rate windows of the alerts below, short and long. */
const BURN_WINDOWS = [
  { severity: 'critical', long: '1h', short: '5m', factor: 14.4, for: '2m' },
  { severity: 'critical', long: '6h', short: '30m', factor: 6, for: '15m' },
  { severity: 'warning', long: '1d', short: '2h', factor: 3, for: '1h' },
  { severity: 'warning', long: '3d', short: '6h', factor: 1, for: '3h' },
] as const;
const RATE_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

/** Share of the requests of `verbRe` in `window` that failed (5xx) or were too slow: 1 spends the budget exactly. */
function burnRate(verbRe: string, fast: readonly (readonly [string, string])[], window: string): string {
  const v = verbs(verbRe);
  const fastBuckets = fast.map(([scope, bound]) => `rate(${SLI}_bucket${sel(v, NON_STREAMING, ...(scope ? [scope] : []), bound)}[${window}])`).join(' or ');
  return (
    `(${orZero(`sum by (cluster) (rate(${SLI}_count${sel(v, NON_STREAMING)}[${window}]))`)}` +
    ` - ${orZero(`sum by (cluster) (${fastBuckets})`)}` +
    ` + ${orZero(`sum by (cluster) (rate(apiserver_request_total${sel(v, 'code=~"5.."')}[${window}]))`)})` +
    ` / sum by (cluster) (rate(apiserver_request_total${sel(v)}[${window}]))`
  );
}

const burnRecords: RecordSpec[] = (['read', 'write'] as const).flatMap((verb) =>
  RATE_WINDOWS.map((w) => ({
    record: `apiserver_request:burnrate${w}`,
    expr: verb === 'read' ? burnRate(READ, READ_FAST, w) : burnRate(WRITE, WRITE_FAST, w),
    labels: { verb },
  })),
);

const burnAlerts: AlertSpec[] = BURN_WINDOWS.map((w) => ({
  alert: 'KubeAPIErrorBudgetBurn',
  // Both windows: the long one proves the burn is large, the short one that it still goes on (so the
  // alert resolves soon after the API server recovers).
  expr:
    `sum by (cluster) (apiserver_request:burnrate${w.long}) > (${w.factor} * ${BUDGET})` +
    ` and on (cluster) sum by (cluster) (apiserver_request:burnrate${w.short}) > (${w.factor} * ${BUDGET})`,
  for: w.for,
  severity: w.severity,
  labels: { long: w.long, short: w.short },
  summary: 'The API server burns its error budget too fast.',
  description:
    `Over the last ${w.long} and ${w.short}, failed and too slow requests spent the API server's error budget ${w.factor}x as fast as` +
    ` its ${SLO_TARGET * 100}% availability objective over ${SLO_DAYS} days allows: at this pace the budget lasts ${+(SLO_DAYS / w.factor).toFixed(1)} days.`,
  runbook: 'kubernetes/kubeapierrorbudgetburn',
}));

const days = `${SLO_DAYS}d`;
const hourly = (record: string) => `avg_over_time(${record}[${days}]) * 24 * ${SLO_DAYS}`;
const LE_1H = `cluster_verb_scope_le:${SLI}_bucket:increase1h`;
const LE_30D = `cluster_verb_scope_le:${SLI}_bucket:increase${days}`;
const COUNT_30D = `cluster_verb_scope:${SLI}_count:increase${days}`;
const CODE_VERB_1H = 'code_verb:apiserver_request_total:increase1h';
const CODE_30D = `code:apiserver_request_total:increase${days}`;

/** Requests of `verbRe` over 30 days that were too slow. */
function slow30d(verbRe: string, fast: readonly (readonly [string, string])[]): string {
  const v = verbs(verbRe);
  const fastBuckets = fast.map(([scope, bound]) => `${LE_30D}{${[v, ...(scope ? [scope] : []), bound].join(', ')}}`).join(' or ');
  return `${orZero(`sum by (cluster) (${COUNT_30D}{${v}})`)} - ${orZero(`sum by (cluster) (${fastBuckets})`)}`;
}

const availability = (verb: 'all' | 'read' | 'write'): RecordSpec => {
  const codes = verb === 'all' ? CODE_30D : `${CODE_30D}{verb="${verb}"}`;
  const errors = orZero(`sum by (cluster) (${verb === 'all' ? `${CODE_30D}{code=~"5.."}` : `${CODE_30D}{verb="${verb}", code=~"5.."}`})`);
  const slow = [...(verb !== 'write' ? [slow30d(READ, READ_FAST)] : []), ...(verb !== 'read' ? [slow30d(WRITE, WRITE_FAST)] : [])];
  return {
    record: `apiserver_request:availability${days}`,
    expr: `1 - (${[...slow, errors].join(' + ')}) / sum by (cluster) (${codes})`,
    labels: { verb },
  };
};

export const kubeApiserver: RuleFamily = {
  name: 'kube-apiserver',
  needs: ['apiserver'],
  groups: [
    { name: 'kube-apiserver-burnrate.rules', rules: burnRecords },
    {
      name: 'kube-apiserver-histogram.rules',
      rules: (['read', 'write'] as const).map((verb) => ({
        record: `cluster_quantile:${SLI}:histogram_quantile`,
        expr: `histogram_quantile(0.99, sum by (cluster, le, resource) (rate(${SLI}_bucket${sel(verbs(verb === 'read' ? READ : WRITE), NON_STREAMING)}[5m]))) > 0`,
        labels: { verb, quantile: '0.99' },
      })),
    },
    {
      name: 'kube-apiserver-availability.rules',
      // The 30-day averages change slowly: evaluated every 3 minutes, as upstream, to spare the API server's
      // largest families a read every 30 seconds.
      interval: '3m',
      rules: [
        // One rule per class of status code: each evaluation loads a part of the API server's largest family, not all
        // of it. The class is a label of its own too, so that the four rules record visibly distinct series.
        ...(['2', '3', '4', '5'] as const).map((c) => ({
          record: CODE_VERB_1H,
          expr: `sum by (cluster, code, verb) (increase(apiserver_request_total${sel(`verb=~"${READ}|${WRITE}"`, `code=~"${c}.."`)}[1h]))`,
          labels: { code_class: `${c}xx` },
        })),
        { record: `code_verb:apiserver_request_total:increase${days}`, expr: hourly(CODE_VERB_1H) },
        ...(['read', 'write'] as const).map((verb) => ({
          record: CODE_30D,
          expr: `sum by (cluster, code) (code_verb:apiserver_request_total:increase${days}{${verbs(verb === 'read' ? READ : WRITE)}})`,
          labels: { verb },
        })),
        { record: LE_1H, expr: `sum by (cluster, verb, scope, le) (increase(${SLI}_bucket${sel(NON_STREAMING)}[1h]))` },
        { record: LE_30D, expr: `sum by (cluster, verb, scope, le) (${hourly(LE_1H)})` },
        { record: `cluster_verb_scope:${SLI}_count:increase1h`, expr: `sum by (cluster, verb, scope) (${LE_1H}{le="+Inf"})` },
        { record: COUNT_30D, expr: `sum by (cluster, verb, scope) (${LE_30D}{le="+Inf"})` },
        availability('all'),
        availability('read'),
        availability('write'),
        ...(['read', 'write'] as const).map((verb) => ({
          record: 'code_resource:apiserver_request_total:rate5m',
          expr: `sum by (cluster, code, resource) (rate(apiserver_request_total${sel(verbs(verb === 'read' ? READ : WRITE))}[5m]))`,
          labels: { verb },
        })),
      ],
    },
    { name: 'kube-apiserver-slos', rules: burnAlerts },
    {
      name: 'kubernetes-system-apiserver',
      rules: [
        ...(
          [
            ['warning', 7 * 24 * 3600, '7 days'],
            ['critical', 24 * 3600, '24 hours'],
          ] as const
        ).map(([severity, seconds, within]): AlertSpec => ({
          alert: 'KubeClientCertificateExpiration',
          // The 1st percentile of the remaining lifetime of the client certificates the API server saw.
          expr:
            `apiserver_client_certificate_expiration_seconds_count${sel()} > 0 and on (cluster, job)` +
            ` histogram_quantile(0.01, sum by (cluster, job, le) (rate(apiserver_client_certificate_expiration_seconds_bucket${sel()}[5m]))) < ${seconds}`,
          for: '5m',
          severity,
          summary: 'A client certificate of the API server is about to expire.',
          description: `Clients of the API server {{ $labels.instance }} authenticate with certificates that expire within ${within}.`,
          runbook: 'kubernetes/kubeclientcertificateexpiration',
        })),
        {
          alert: 'KubeAggregatedAPIErrors',
          expr: `sum by (cluster, name, namespace) (increase(aggregator_unavailable_apiservice_total${sel()}[10m])) > 4`,
          severity: 'warning',
          summary: 'An aggregated API reports errors.',
          description: 'The aggregated API {{ $labels.name }} was unavailable {{ $value | humanize }} times in the last 10 minutes.',
          runbook: 'kubernetes/kubeaggregatedapierrors',
        },
        {
          alert: 'KubeAggregatedAPIDown',
          expr: `(1 - max by (cluster, name, namespace) (avg_over_time(aggregator_unavailable_apiservice${sel()}[10m]))) * 100 < 85`,
          for: '5m',
          severity: 'warning',
          summary: 'An aggregated API is down.',
          description: 'The aggregated API {{ $labels.name }} was available {{ $value | humanize }}% of the last 10 minutes.',
          runbook: 'kubernetes/kubeaggregatedapidown',
        },
        {
          alert: 'KubeAPIDown',
          // Each cluster's own Prometheus evaluates it, where `cluster` is an external label: absent() then
          // speaks for one cluster, and the alert gets its `cluster` on the way to Alertmanager.
          expr: `absent(up${sel()} == 1)`,
          for: '15m',
          severity: 'critical',
          summary: 'No API server is scraped.',
          description: 'No API server target has been up for 15 minutes.',
          runbook: 'kubernetes/kubeapidown',
        },
        {
          alert: 'KubeAPITerminatedRequests',
          expr:
            `sum by (cluster) (rate(apiserver_request_terminations_total${sel()}[10m]))` +
            ` / (sum by (cluster) (rate(apiserver_request_total${sel()}[10m])) + sum by (cluster) (rate(apiserver_request_terminations_total${sel()}[10m]))) > 0.2`,
          for: '5m',
          severity: 'warning',
          summary: 'The API server sheds requests.',
          description: 'The API server terminated {{ $value | humanizePercentage }} of the requests it received in the last 10 minutes.',
          runbook: 'kubernetes/kubeapiterminatedrequests',
        },
      ],
    },
  ],
};
