// Alerts about the alerting pipeline itself and about scrape targets, whatever they are; and the count of
// targets up and down per job, which fleet views sum across clusters without reading every `up` series.
import type { RuleFamily } from './types';

export const general: RuleFamily = {
  name: 'general',
  needs: ['prometheus'],
  groups: [
    {
      name: 'general.rules',
      rules: [
        {
          alert: 'Watchdog',
          expr: 'vector(1)',
          severity: 'none',
          summary: 'Always firing: proves the alerting pipeline works end to end.',
          description: "This alert always fires. Route it to a dead man's switch: if it stops arriving, alerting is broken.",
          runbook: 'general/watchdog',
        },
        {
          // Info alerts are noise on their own; this one fires while a namespace has info alerts but no
          // warning or critical one, so Alertmanager can mute the info alerts it points at.
          alert: 'InfoInhibitor',
          expr: 'ALERTS{severity="info"} == 1 unless on (cluster, namespace) ALERTS{alertname!="InfoInhibitor", alertstate="firing", severity=~"warning|critical"} == 1',
          severity: 'none',
          summary: 'Mutes info alerts in a namespace without warnings or critical alerts.',
          description: 'Namespace {{ $labels.namespace }} has info alerts only: route this alert to a null receiver and inhibit the info alerts it matches.',
          runbook: 'general/infoinhibitor',
        },
        {
          alert: 'TargetDown',
          expr: '100 * (count by (cluster, namespace, job, service) (up == 0) / count by (cluster, namespace, job, service) (up)) > $threshold',
          threshold: 10,
          for: '10m',
          severity: 'warning',
          summary: 'Some scrape targets are down.',
          description: '{{ printf "%.4g" $value }}% of the {{ $labels.job }}/{{ $labels.service }} targets in namespace {{ $labels.namespace }} are down.',
          runbook: 'general/targetdown',
        },
      ],
    },
    {
      name: 'kube-prometheus-general.rules',
      rules: [
        { record: 'count:up1', expr: 'count without (instance, pod, node) (up == 1)' },
        { record: 'count:up0', expr: 'count without (instance, pod, node) (up == 0)' },
      ],
    },
  ],
};
