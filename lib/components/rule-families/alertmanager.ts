// Alerts about the cluster's Alertmanager: its configuration, its gossip cluster, and notifications
// it fails to deliver. Names, severities and runbooks are those of the Alertmanager mixin.
import { ALERTMANAGER_SERVICE } from '../alertmanager';
import type { RuleFamily } from './types';

const A = `job="${ALERTMANAGER_SERVICE}"`;
const m = (metric: string) => `${metric}{${A}}`;
const BY = 'by (cluster, namespace, service)';
/** The share of notifications to each integration that fail, per instance (failures carry a `reason` the totals do not). */
const failedShare = `rate(${m('alertmanager_notifications_failed_total')}[5m]) / ignoring (reason) group_left rate(${m('alertmanager_notifications_total')}[5m])`;
const who = 'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }}';
const cluster = 'the Alertmanager cluster {{ $labels.namespace }}/{{ $labels.service }}';

export const alertmanager: RuleFamily = {
  name: 'alertmanager',
  needs: ['alertmanager'],
  groups: [
    {
      name: 'alertmanager.rules',
      rules: [
        {
          alert: 'AlertmanagerFailedReload',
          expr: `max_over_time(${m('alertmanager_config_last_reload_successful')}[5m]) == 0`,
          for: '10m',
          severity: 'critical',
          summary: 'Alertmanager failed to reload its configuration.',
          description: `${who} could not load its latest configuration and runs on the previous one.`,
          runbook: 'alertmanager/alertmanagerfailedreload',
        },
        {
          alert: 'AlertmanagerMembersInconsistent',
          // Each instance should see every instance of its cluster as a gossip member.
          expr: `max_over_time(${m('alertmanager_cluster_members')}[5m]) < on (cluster, namespace, service) group_left count ${BY} (max_over_time(${m('alertmanager_cluster_members')}[5m]))`,
          for: '15m',
          severity: 'critical',
          summary: 'An Alertmanager instance has lost members of its cluster.',
          description: `${who} sees only {{ $value }} members of its cluster: alerts may be notified twice or silences not shared.`,
          runbook: 'alertmanager/alertmanagermembersinconsistent',
        },
        {
          alert: 'AlertmanagerFailedToSendAlerts',
          expr: `${failedShare} > $threshold`,
          threshold: 0.01,
          for: '5m',
          severity: 'warning',
          summary: 'An Alertmanager instance fails to send notifications.',
          description: `${who} fails to send {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }}.`,
          runbook: 'alertmanager/alertmanagerfailedtosendalerts',
        },
        {
          alert: 'AlertmanagerClusterFailedToSendAlerts',
          // The lowest share over the instances: every instance fails, so no notification gets through.
          expr: `min by (cluster, namespace, service, integration) (${failedShare}) > $threshold`,
          threshold: 0.01,
          for: '5m',
          severity: 'critical',
          summary: 'Every instance of an Alertmanager cluster fails to send notifications.',
          description: `Even the best instance of ${cluster} fails to send {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }}.`,
          runbook: 'alertmanager/alertmanagerclusterfailedtosendalerts',
        },
        {
          alert: 'AlertmanagerConfigInconsistent',
          expr: `count ${BY} (count_values ${BY} ("config_hash", ${m('alertmanager_config_hash')})) != 1`,
          for: '20m',
          severity: 'critical',
          summary: 'The instances of an Alertmanager cluster run different configurations.',
          description: `The instances of ${cluster} have run {{ $value }} different configurations for 20 minutes.`,
          runbook: 'alertmanager/alertmanagerconfiginconsistent',
        },
        {
          alert: 'AlertmanagerClusterDown',
          expr: `count ${BY} (avg_over_time(${m('up')}[5m]) < 0.5) / count ${BY} (${m('up')}) >= 0.5`,
          for: '5m',
          severity: 'critical',
          summary: 'Half or more of the instances of an Alertmanager cluster are down.',
          description: `{{ $value | humanizePercentage }} of the instances of ${cluster} were up less than half of the last 5 minutes.`,
          runbook: 'alertmanager/alertmanagerclusterdown',
        },
        {
          alert: 'AlertmanagerClusterCrashlooping',
          expr: `count ${BY} (changes(${m('process_start_time_seconds')}[10m]) > 4) / count ${BY} (${m('up')}) >= 0.5`,
          for: '5m',
          severity: 'critical',
          summary: 'Half or more of the instances of an Alertmanager cluster are crash looping.',
          description: `{{ $value | humanizePercentage }} of the instances of ${cluster} restarted more than 4 times in the last 10 minutes.`,
          runbook: 'alertmanager/alertmanagerclustercrashlooping',
        },
      ],
    },
  ],
};
