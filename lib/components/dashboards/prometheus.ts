// A cluster's Prometheus, replica by replica: what it ingests and holds, its scrapes and their failures, rule
// evaluation, queries, notifications to Alertmanager, storage and configuration reloads.
import { PROMETHEUS_SERVICE } from '../prometheus';
import { Board, on } from './common';
import type { FleetDashboard } from './index';

const PROM = `job="${PROMETHEUS_SERVICE}", namespace="$namespace", pod=~"$pod"`;
const p = (metric: string, extra = '') => `${metric}${on(PROM, extra)}`;
const rate = (metric: string, by: string, extra = '') => `sum by (${by}) (rate(${p(metric, extra)}[$__rate_interval]))`;

export function prometheus(): FleetDashboard {
  return new Board({
    slug: 'prometheus',
    title: 'Prometheus / Overview',
    description: "A cluster's Prometheus replicas: ingestion, series, scrapes, rules, queries, notifications and storage.",
    tags: ['prometheus'],
    clusterSource: `prometheus_build_info{job="${PROMETHEUS_SERVICE}"}`,
    namespace: { source: `prometheus_build_info${on(`job="${PROMETHEUS_SERVICE}"`)}` },
    variables: [{ name: 'pod', label: 'Replica', source: `prometheus_build_info${on(`job="${PROMETHEUS_SERVICE}"`, 'namespace="$namespace"')}`, all: true }],
  })
    .row('Overview')
    .stat('Replicas up', `sum(${p('up')})`, { width: 6 })
    .stat('Targets', `max(sum by (pod) (${p('prometheus_sd_discovered_targets')}))`, {
      width: 6,
      description: 'Targets discovered, by the replica that sees most.',
    })
    .stat('Series in head', `max(${p('prometheus_tsdb_head_series')})`, { width: 6, unit: 'short' })
    .stat('Configuration loaded', `min(${p('prometheus_config_last_reload_successful')})`, {
      width: 6,
      unit: 'bool_yes_no',
      steps: [
        [null, 'red'],
        [1, 'green'],
      ],
    })
    .row('Ingestion')
    .timeseries('Samples appended', [{ expr: rate('prometheus_tsdb_head_samples_appended_total', 'pod'), legend: '{{pod}}' }], { unit: 'short', width: 8 })
    .timeseries('Series in head', [{ expr: p('prometheus_tsdb_head_series'), legend: '{{pod}}' }], { width: 8 })
    .timeseries('Chunks in head', [{ expr: p('prometheus_tsdb_head_chunks'), legend: '{{pod}}' }], { width: 8 })
    .row('Scrapes')
    .timeseries('Target sync duration', [{ expr: rate('prometheus_target_sync_length_seconds_sum', 'pod, scrape_job'), legend: '{{pod}} {{scrape_job}}' }], {
      unit: 's',
    })
    .timeseries(
      'Scrape interval, actual',
      [
        {
          expr: `${rate('prometheus_target_interval_length_seconds_sum', 'pod, interval')} / ${rate('prometheus_target_interval_length_seconds_count', 'pod, interval')}`,
          legend: '{{pod}} {{interval}}',
        },
      ],
      { unit: 's', description: 'Mean time between scrapes per configured interval: far above the interval means scrapes are late.' },
    )
    .timeseries(
      'Samples rejected',
      [
        { expr: rate('prometheus_target_scrapes_exceeded_sample_limit_total', 'pod'), legend: '{{pod}} sample limit' },
        { expr: rate('prometheus_target_scrapes_sample_duplicate_timestamp_total', 'pod'), legend: '{{pod}} duplicate timestamp' },
        { expr: rate('prometheus_target_scrapes_sample_out_of_bounds_total', 'pod'), legend: '{{pod}} out of bounds' },
        { expr: rate('prometheus_target_scrapes_sample_out_of_order_total', 'pod'), legend: '{{pod}} out of order' },
      ],
      { unit: 'ops', width: 24 },
    )
    .row('Rules and queries')
    .timeseries(
      'Rule evaluation failures',
      [{ expr: rate('prometheus_rule_evaluation_failures_total', 'pod, rule_group'), legend: '{{pod}} {{rule_group}}' }],
      { unit: 'ops' },
    )
    .timeseries(
      'Rule groups slower than their interval',
      [{ expr: `${p('prometheus_rule_group_last_duration_seconds')} / ${p('prometheus_rule_group_interval_seconds')}`, legend: '{{pod}} {{rule_group}}' }],
      { unit: 'percentunit', description: 'Last evaluation time over the interval: above 100% the group misses evaluations.' },
    )
    .timeseries('Query duration, 90th percentile', [{ expr: p('prometheus_engine_query_duration_seconds', 'quantile="0.9"'), legend: '{{pod}} {{slice}}' }], {
      unit: 's',
      width: 24,
    })
    .row('Notifications')
    .timeseries('Alerts sent', [{ expr: rate('prometheus_notifications_sent_total', 'pod, alertmanager'), legend: '{{pod}} to {{alertmanager}}' }], {
      unit: 'ops',
      width: 8,
    })
    .timeseries(
      'Alerts failed to send',
      [{ expr: rate('prometheus_notifications_errors_total', 'pod, alertmanager'), legend: '{{pod}} to {{alertmanager}}' }],
      { unit: 'ops', width: 8 },
    )
    .timeseries('Notification queue', [{ expr: p('prometheus_notifications_queue_length'), legend: '{{pod}}' }], { width: 8 })
    .row('Storage')
    .timeseries('Blocks on disk', [{ expr: p('prometheus_tsdb_storage_blocks_bytes'), legend: '{{pod}}' }], { unit: 'bytes', width: 8 })
    .timeseries('Compactions failed', [{ expr: rate('prometheus_tsdb_compactions_failed_total', 'pod'), legend: '{{pod}}' }], { unit: 'ops', width: 8 })
    .timeseries('WAL corruptions', [{ expr: rate('prometheus_tsdb_wal_corruptions_total', 'pod'), legend: '{{pod}}' }], { unit: 'ops', width: 8 })
    .build();
}
