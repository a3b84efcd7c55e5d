// A cluster's Alertmanager: the alerts it holds, what it receives from Prometheus, the notifications it sends
// per integration with their failures and latency, and the health of its gossip cluster.
import { ALERTMANAGER_SERVICE } from '../alertmanager';
import { Board, on } from './common';
import type { FleetDashboard } from './index';

const AM = `job="${ALERTMANAGER_SERVICE}", namespace="$namespace"`;
const a = (metric: string, extra = '') => `${metric}${on(AM, extra)}`;
const rate = (metric: string, by: string, extra = '') => `sum by (${by}) (rate(${a(metric, extra)}[$__rate_interval]))`;

export function alertmanager(): FleetDashboard {
  return (
    new Board({
      slug: 'alertmanager',
      title: 'Alertmanager / Overview',
      description: "A cluster's Alertmanager: alerts held and received, notifications by integration, failures, latency and its cluster.",
      tags: ['alertmanager'],
      clusterSource: `alertmanager_build_info{job="${ALERTMANAGER_SERVICE}"}`,
      namespace: { source: `alertmanager_build_info${on(`job="${ALERTMANAGER_SERVICE}"`)}` },
    })
      .row('Overview')
      // Every instance holds every alert and silence (they gossip): the most any one holds is the figure.
      .stat('Active alerts', `max(sum by (pod) (${a('alertmanager_alerts', 'state="active"')}))`, { width: 6 })
      .stat('Suppressed alerts', `max(sum by (pod) (${a('alertmanager_alerts', 'state="suppressed"')}))`, { width: 6, description: 'Silenced or inhibited.' })
      .stat('Active silences', `max(sum by (pod) (${a('alertmanager_silences', 'state="active"')}))`, { width: 6 })
      .stat('Configuration loaded', `min(${a('alertmanager_config_last_reload_successful')})`, {
        width: 6,
        unit: 'bool_yes_no',
        steps: [
          [null, 'red'],
          [1, 'green'],
        ],
      })
      .row('Alerts')
      .timeseries('Alerts by state', [{ expr: `sum by (pod, state) (${a('alertmanager_alerts')})`, legend: '{{pod}} {{state}}' }])
      .timeseries(
        'Alerts received',
        [
          { expr: rate('alertmanager_alerts_received_total', 'pod'), legend: '{{pod}} received' },
          { expr: rate('alertmanager_alerts_invalid_total', 'pod'), legend: '{{pod}} invalid' },
        ],
        { unit: 'ops' },
      )
      .row('Notifications')
      .timeseries('Sent by integration', [{ expr: rate('alertmanager_notifications_total', 'integration'), legend: '{{integration}}' }], {
        unit: 'ops',
        width: 8,
      })
      .timeseries(
        'Failed by integration',
        [{ expr: rate('alertmanager_notifications_failed_total', 'integration, reason'), legend: '{{integration}} {{reason}}' }],
        {
          unit: 'ops',
          width: 8,
          description: 'Notifications that did not reach the receiver, after retries.',
        },
      )
      .timeseries(
        'Latency, 99th percentile',
        [{ expr: `histogram_quantile(0.99, ${rate('alertmanager_notification_latency_seconds_bucket', 'integration, le')})`, legend: '{{integration}}' }],
        {
          unit: 's',
          width: 8,
        },
      )
      .row('Cluster')
      .timeseries('Members seen', [{ expr: a('alertmanager_cluster_members'), legend: '{{pod}}' }], {
        width: 12,
        description: 'Each instance should see every replica.',
      })
      .timeseries('Gossip messages dropped', [{ expr: rate('alertmanager_cluster_messages_pruned_total', 'pod'), legend: '{{pod}}' }], {
        unit: 'ops',
        width: 12,
      })
      .build()
  );
}
