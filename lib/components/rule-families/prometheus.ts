// Alerts about the cluster's Prometheus: its configuration, service discovery, notifications to
// Alertmanager, storage, rule evaluation, scrape limits and query load. Names, severities and
// runbooks are those of the Prometheus mixin, so upstream runbooks apply.
import { PROMETHEUS_SERVICE } from '../prometheus';
import type { AlertSpec, RuleFamily } from './types';

const P = `job="${PROMETHEUS_SERVICE}"`;
const m = (metric: string) => `${metric}{${P}}`;
const who = 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }}';

/** An alert on a counter that should never move: any increase over `window` fires it. */
const counterMoves = (alert: string, metric: string, window: string, spec: Pick<AlertSpec, 'for' | 'severity' | 'summary' | 'description'>): AlertSpec => ({
  alert,
  expr: `increase(${m(metric)}[${window}]) > 0`,
  runbook: `prometheus/${alert.toLowerCase()}`,
  ...spec,
});

export const prometheus: RuleFamily = {
  name: 'prometheus',
  needs: ['prometheus'],
  groups: [
    {
      name: 'prometheus',
      rules: [
        {
          alert: 'PrometheusBadConfig',
          expr: `max_over_time(${m('prometheus_config_last_reload_successful')}[5m]) == 0`,
          for: '10m',
          severity: 'critical',
          summary: 'Prometheus failed to reload its configuration.',
          description: `${who} could not load its latest configuration and runs on the previous one.`,
          runbook: 'prometheus/prometheusbadconfig',
        },
        counterMoves('PrometheusSDRefreshFailure', 'prometheus_sd_refresh_failures_total', '10m', {
          for: '20m',
          severity: 'warning',
          summary: 'Prometheus fails to refresh service discovery.',
          description: `${who} fails to refresh {{ $labels.mechanism }} service discovery: new targets are not found.`,
        }),
        counterMoves('PrometheusKubernetesListWatchFailures', 'prometheus_sd_kubernetes_failures_total', '5m', {
          for: '15m',
          severity: 'warning',
          summary: 'Kubernetes service discovery of Prometheus is failing.',
          description: `${who} fails to list or watch Kubernetes objects for service discovery.`,
        }),
        {
          alert: 'PrometheusNotificationQueueRunningFull',
          // Where the queue will be in half an hour at the current trend, against its capacity.
          expr: `predict_linear(${m('prometheus_notifications_queue_length')}[5m], 30 * 60) > min_over_time(${m('prometheus_notifications_queue_capacity')}[5m])`,
          for: '15m',
          severity: 'warning',
          summary: 'The alert notification queue of Prometheus is filling up.',
          description: `The queue of alerts waiting to be sent from ${who} is predicted to be full within 30 minutes.`,
          runbook: 'prometheus/prometheusnotificationqueuerunningfull',
        },
        {
          alert: 'PrometheusErrorSendingAlertsToSomeAlertmanagers',
          expr: `100 * rate(${m('prometheus_notifications_errors_total')}[5m]) / rate(${m('prometheus_notifications_sent_total')}[5m]) > $threshold`,
          threshold: 1,
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus fails to send alerts to some Alertmanagers.',
          description: '{{ printf "%.1f" $value }}% of the alerts sent by ' + who + ' to Alertmanager {{ $labels.alertmanager }} failed.',
          runbook: 'prometheus/prometheuserrorsendingalertstosomealertmanagers',
        },
        {
          alert: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
          // The lowest error ratio over the Alertmanagers: high only when every one of them fails.
          expr: `min without (alertmanager) (100 * rate(${m('prometheus_notifications_errors_total')}[5m]) / rate(${m('prometheus_notifications_sent_total')}[5m])) > $threshold`,
          threshold: 3,
          for: '15m',
          severity: 'critical',
          summary: 'Prometheus fails to send alerts to every Alertmanager.',
          description: '{{ printf "%.1f" $value }}% of the alerts sent by ' + who + ' failed to reach any Alertmanager.',
          runbook: 'prometheus/prometheuserrorsendingalertstoanyalertmanager',
        },
        {
          alert: 'PrometheusNotConnectedToAlertmanagers',
          expr: `max_over_time(${m('prometheus_notifications_alertmanagers_discovered')}[5m]) < 1`,
          for: '10m',
          severity: 'warning',
          summary: 'Prometheus is not connected to any Alertmanager.',
          description: `${who} has discovered no Alertmanager: its alerts go nowhere.`,
          runbook: 'prometheus/prometheusnotconnectedtoalertmanagers',
        },
        counterMoves('PrometheusTSDBReloadsFailing', 'prometheus_tsdb_reloads_failures_total', '3h', {
          for: '4h',
          severity: 'warning',
          summary: 'Prometheus fails to reload blocks from disk.',
          description: `${who} has failed to reload its TSDB blocks {{ $value | humanize }} times in the last 3 hours.`,
        }),
        counterMoves('PrometheusTSDBCompactionsFailing', 'prometheus_tsdb_compactions_failed_total', '3h', {
          for: '4h',
          severity: 'warning',
          summary: 'Prometheus fails to compact blocks.',
          description: `${who} has failed {{ $value | humanize }} compactions in the last 3 hours: disk use grows and queries slow down.`,
        }),
        {
          alert: 'PrometheusNotIngestingSamples',
          // Appending nothing matters only for a Prometheus that has targets or rules to get samples from.
          expr:
            `sum without (type) (rate(${m('prometheus_tsdb_head_samples_appended_total')}[5m])) <= 0` +
            ` and (sum without (scrape_job) (${m('prometheus_target_metadata_cache_entries')}) > 0 or sum without (rule_group) (${m('prometheus_rule_group_rules')}) > 0)`,
          for: '10m',
          severity: 'warning',
          summary: 'Prometheus is not ingesting samples.',
          description: `${who} has targets or rules but has stored no sample for 10 minutes.`,
          runbook: 'prometheus/prometheusnotingestingsamples',
        },
        {
          alert: 'PrometheusDuplicateTimestamps',
          expr: `rate(${m('prometheus_target_scrapes_sample_duplicate_timestamp_total')}[5m]) > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'Prometheus drops samples with duplicate timestamps.',
          description: `${who} drops {{ printf "%.4g" $value }} samples/s that have the same timestamp as another sample with other values.`,
          runbook: 'prometheus/prometheusduplicatetimestamps',
        },
        {
          alert: 'PrometheusOutOfOrderTimestamps',
          expr: `rate(${m('prometheus_target_scrapes_sample_out_of_order_total')}[5m]) > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'Prometheus drops samples with out-of-order timestamps.',
          description: `${who} drops {{ printf "%.4g" $value }} samples/s that arrive older than the series' latest sample.`,
          runbook: 'prometheus/prometheusoutofordertimestamps',
        },
        {
          alert: 'PrometheusRemoteStorageFailures',
          expr:
            `100 * rate(${m('prometheus_remote_storage_samples_failed_total')}[5m])` +
            ` / (rate(${m('prometheus_remote_storage_samples_failed_total')}[5m]) + rate(${m('prometheus_remote_storage_samples_total')}[5m])) > $threshold`,
          threshold: 1,
          for: '15m',
          severity: 'critical',
          summary: 'Prometheus fails to send samples to remote storage.',
          description: '{{ printf "%.1f" $value }}% of the samples ' + who + ' sends to {{ $labels.remote_name }} ({{ $labels.url }}) fail.',
          runbook: 'prometheus/prometheusremotestoragefailures',
        },
        {
          alert: 'PrometheusRemoteWriteBehind',
          expr:
            `max_over_time(${m('prometheus_remote_storage_highest_timestamp_in_seconds')}[5m])` +
            ` - ignoring (remote_name, url) group_right max_over_time(${m('prometheus_remote_storage_queue_highest_sent_timestamp_seconds')}[5m]) > 120`,
          for: '15m',
          severity: 'critical',
          summary: 'Remote write of Prometheus is falling behind.',
          description: `Remote write from ${who} to {{ $labels.remote_name }} is {{ printf "%.0f" $value }}s behind the newest samples.`,
          runbook: 'prometheus/prometheusremotewritebehind',
        },
        {
          alert: 'PrometheusRemoteWriteDesiredShards',
          expr: `max_over_time(${m('prometheus_remote_storage_shards_desired')}[5m]) > max_over_time(${m('prometheus_remote_storage_shards_max')}[5m])`,
          for: '15m',
          severity: 'warning',
          summary: 'Remote write of Prometheus wants more shards than it may run.',
          description: `Remote write from ${who} to {{ $labels.remote_name }} wants {{ $value }} shards, more than its queue_config.max_shards.`,
          runbook: 'prometheus/prometheusremotewritedesiredshards',
        },
        counterMoves('PrometheusRuleFailures', 'prometheus_rule_evaluation_failures_total', '5m', {
          for: '15m',
          severity: 'critical',
          summary: 'Prometheus fails to evaluate rules.',
          description: `${who} failed {{ printf "%.0f" $value }} rule evaluations of group {{ $labels.rule_group }} in the last 5 minutes.`,
        }),
        counterMoves('PrometheusMissingRuleEvaluations', 'prometheus_rule_group_iterations_missed_total', '5m', {
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus skips rule group evaluations.',
          description: `${who} skipped {{ printf "%.0f" $value }} evaluations of group {{ $labels.rule_group }} in the last 5 minutes: they take longer than the interval.`,
        }),
        counterMoves('PrometheusTargetLimitHit', 'prometheus_target_scrape_pool_exceeded_target_limit_total', '5m', {
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus drops targets over their scrape pool limit.',
          description: `${who} drops targets because a scrape pool has more targets than its target_limit.`,
        }),
        counterMoves('PrometheusLabelLimitHit', 'prometheus_target_scrape_pool_exceeded_label_limits_total', '5m', {
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus drops targets whose series exceed the label limits.',
          description: `${who} drops targets because their series have more or longer labels than the label limits allow.`,
        }),
        counterMoves('PrometheusScrapeBodySizeLimitHit', 'prometheus_target_scrapes_exceeded_body_size_limit_total', '5m', {
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus fails scrapes over the body size limit.',
          description: `${who} fails scrapes of targets whose responses are larger than body_size_limit.`,
        }),
        counterMoves('PrometheusScrapeSampleLimitHit', 'prometheus_target_scrapes_exceeded_sample_limit_total', '5m', {
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus fails scrapes over the sample limit.',
          description: `${who} fails scrapes of targets that expose more samples than their sample_limit.`,
        }),
        counterMoves('PrometheusTargetSyncFailure', 'prometheus_target_sync_failed_total', '30m', {
          for: '5m',
          severity: 'critical',
          summary: 'Prometheus fails to sync the targets of a scrape pool.',
          description: `${who} cannot sync the targets of scrape pool {{ $labels.scrape_pool }}, most often for an invalid configuration: they are not scraped.`,
        }),
        {
          alert: 'PrometheusHighQueryLoad',
          expr: `avg_over_time(${m('prometheus_engine_queries')}[5m]) / max_over_time(${m('prometheus_engine_queries_concurrent_max')}[5m]) > $threshold`,
          threshold: 0.8,
          for: '15m',
          severity: 'warning',
          summary: 'Prometheus is close to its concurrent query limit.',
          description: `${who} runs {{ $value | humanizePercentage }} of the queries it may run at once: more queue up.`,
          runbook: 'prometheus/prometheushighqueryload',
        },
      ],
    },
  ],
};
