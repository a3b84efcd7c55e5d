// Alerts about CoreDNS, the cluster's name server: gone, slow or failing itself, or failing to reach
// the upstream servers it forwards to. Names, severities, `for` and thresholds are those of the CoreDNS
// mixin (whose runbooks live in its own repository, not on runbooks.prometheus-operator.dev).
import { JOB, type AlertSpec, type RuleFamily } from './types';

const C = `job="${JOB.coredns}"`;
/** SERVFAIL answers as a share of all answers, per `by` (which keeps `cluster`). */
const servfailShare = (rate: (matchers: string) => string, by: string) => `sum by (${by}) (${rate('rcode="SERVFAIL"')}) / sum by (${by}) (${rate('')})`;
const rateOf = (metric: string) => (matchers: string) => `rate(${metric}{${C}${matchers ? `, ${matchers}` : ''}}[5m])`;
/**
 * The rate of a forward plugin series under both of its names: CoreDNS 1.11 moved forwarding to a shared proxy
 * package, which exports `coredns_proxy_*` with `proxy_name="forward"` instead of `coredns_forward_*`.
 */
const forwardRate = (before: string, since: string) => (matchers: string) =>
  `(${rateOf(before)(matchers)} or ${rateOf(since)(matchers ? `proxy_name="forward", ${matchers}` : 'proxy_name="forward"')})`;

const errorsHigh = (severity: 'warning' | 'critical'): AlertSpec => ({
  alert: 'CoreDNSErrorsHigh',
  expr: `${servfailShare(rateOf('coredns_dns_responses_total'), 'cluster')} > ${severity === 'critical' ? 0.03 : 0.01}`,
  for: '10m',
  severity,
  summary: 'CoreDNS answers many queries with SERVFAIL.',
  description: 'CoreDNS answers {{ $value | humanizePercentage }} of the queries with SERVFAIL.',
});

const forwardErrorsHigh = (severity: 'warning' | 'critical'): AlertSpec => ({
  alert: 'CoreDNSForwardErrorsHigh',
  expr: `${servfailShare(forwardRate('coredns_forward_responses_total', 'coredns_proxy_request_duration_seconds_count'), 'cluster, to')} > ${severity === 'critical' ? 0.03 : 0.01}`,
  for: '10m',
  severity,
  summary: 'The upstream name server of CoreDNS answers many queries with SERVFAIL.',
  description: 'Upstream name server {{ $labels.to }} answers {{ $value | humanizePercentage }} of the queries CoreDNS forwards to it with SERVFAIL.',
});

export const coredns: RuleFamily = {
  name: 'coredns',
  needs: ['coredns'],
  groups: [
    {
      name: 'coredns',
      rules: [
        {
          alert: 'CoreDNSDown',
          // absent() keeps no `cluster`, and need not: each cluster's Prometheus evaluates its own rules over
          // its own targets, and `cluster` is an external label that its alerts carry to Alertmanager.
          expr: `absent(up{${C}} == 1)`,
          for: '15m',
          severity: 'critical',
          summary: 'CoreDNS is not scraped.',
          description: 'No CoreDNS target has been up for 15 minutes: CoreDNS is down, or Prometheus no longer finds or reaches it.',
        },
        {
          alert: 'CoreDNSLatencyHigh',
          expr: `histogram_quantile(0.99, sum by (cluster, server, zone, le) (rate(coredns_dns_request_duration_seconds_bucket{${C}}[5m]))) > $threshold`,
          threshold: 4,
          for: '10m',
          severity: 'critical',
          summary: 'CoreDNS answers slowly.',
          description:
            'The 99th percentile of the answers of CoreDNS server {{ $labels.server }} for zone {{ $labels.zone }} takes {{ $value | humanizeDuration }}.',
        },
        errorsHigh('critical'),
        errorsHigh('warning'),
      ],
    },
    {
      name: 'coredns_forward',
      rules: [
        {
          alert: 'CoreDNSForwardLatencyHigh',
          expr: `histogram_quantile(0.99, sum by (cluster, to, le) ${forwardRate('coredns_forward_request_duration_seconds_bucket', 'coredns_proxy_request_duration_seconds_bucket')('')}) > $threshold`,
          threshold: 4,
          for: '10m',
          severity: 'critical',
          summary: 'The upstream name server of CoreDNS answers slowly.',
          description: 'The 99th percentile of the queries CoreDNS forwards to {{ $labels.to }} takes {{ $value | humanizeDuration }}.',
        },
        forwardErrorsHigh('critical'),
        forwardErrorsHigh('warning'),
        {
          alert: 'CoreDNSForwardHealthcheckFailureCount',
          expr: `sum by (cluster, to) ${forwardRate('coredns_forward_healthcheck_failures_total', 'coredns_proxy_healthcheck_failures_total')('')} > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'CoreDNS health checks of an upstream name server fail.',
          description: 'The health checks CoreDNS sends to upstream name server {{ $labels.to }} have been failing for 10 minutes.',
        },
        {
          alert: 'CoreDNSForwardHealthcheckBrokenCount',
          expr: `sum by (cluster) (rate(coredns_forward_healthcheck_broken_total{${C}}[5m])) > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'CoreDNS health checks of every upstream name server fail.',
          description: 'Every upstream name server of CoreDNS has been failing its health checks for 10 minutes: CoreDNS forwards to them at random.',
        },
      ],
    },
  ],
};
