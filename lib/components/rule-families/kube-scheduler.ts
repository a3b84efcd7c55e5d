// The scheduler: an alert when no scheduler is scraped, and the latency quantiles that scheduler
// dashboards read. Names, severity, `for` and runbook are those of the kubernetes mixin.
import { JOB, type RuleFamily, type RecordSpec } from './types';

const S = `job="${JOB.scheduler}"`;
const QUANTILES = ['0.99', '0.9', '0.5'] as const;
/**
 * What the scheduler measures: one scheduling attempt, the algorithm's part of it, and a pod's whole wait from
 * its first attempt to its binding (retries included). The older e2e and binding histograms are gone from current
 * Kubernetes releases.
 */
const HISTOGRAMS = [
  'scheduler_scheduling_attempt_duration_seconds',
  'scheduler_scheduling_algorithm_duration_seconds',
  'scheduler_pod_scheduling_sli_duration_seconds',
];

/** The quantile over all schedulers of the cluster (only the leader schedules; the others' buckets stay flat). */
const quantile = (metric: string, q: string): RecordSpec => ({
  record: `cluster_quantile:${metric}:histogram_quantile`,
  expr: `histogram_quantile(${q}, sum without (instance, pod) (rate(${metric}_bucket{${S}}[5m])))`,
  labels: { quantile: q },
});

export const kubeScheduler: RuleFamily = {
  name: 'kube-scheduler',
  needs: ['kube-scheduler'],
  groups: [
    {
      name: 'kubernetes-system-scheduler',
      rules: [
        {
          alert: 'KubeSchedulerDown',
          // absent() keeps no `cluster`, and need not: each cluster's Prometheus evaluates its own rules over
          // its own targets, and `cluster` is an external label that its alerts carry to Alertmanager.
          expr: `absent(up{${S}} == 1)`,
          for: '15m',
          severity: 'critical',
          summary: 'No kube-scheduler is scraped.',
          description:
            'No kube-scheduler target has been up for 15 minutes: new pods may stay Pending, or Prometheus no longer finds or reaches the scheduler.',
          runbook: 'kubernetes/kubeschedulerdown',
        },
      ],
    },
    {
      name: 'kube-scheduler.rules',
      rules: QUANTILES.flatMap((q) => HISTOGRAMS.map((metric) => quantile(metric, q))),
    },
  ],
};
