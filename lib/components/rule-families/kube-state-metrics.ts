// kube-state-metrics itself: failing list or watch calls to the API server (its object metrics go
// stale or missing), and shards that disagree on their count or are not all scraped.
import { KSM_NAME } from '../kube-state-metrics';
import type { AlertSpec, RuleFamily } from './types';

const ksm = (extra = '') => `{job="${KSM_NAME}"${extra ? `, ${extra}` : ''}}`;

const apiErrors = (call: 'list' | 'watch'): AlertSpec => ({
  alert: call === 'list' ? 'KubeStateMetricsListErrors' : 'KubeStateMetricsWatchErrors',
  expr:
    `sum by (cluster) (rate(kube_state_metrics_${call}_total${ksm('result="error"')}[5m]))` +
    ` / sum by (cluster) (rate(kube_state_metrics_${call}_total${ksm()}[5m])) > 0.01`,
  for: '15m',
  severity: 'critical',
  summary: `kube-state-metrics fails ${call} calls to the API server.`,
  description: `{{ $value | humanizePercentage }} of kube-state-metrics' ${call} calls fail: its metrics about Kubernetes objects may be stale, wrong or missing.`,
  runbook: `kube-state-metrics/kubestatemetrics${call}errors`,
});

export const kubeStateMetrics: RuleFamily = {
  name: 'kube-state-metrics',
  needs: ['kube-state-metrics'],
  groups: [
    {
      name: 'kube-state-metrics',
      rules: [
        apiErrors('list'),
        apiErrors('watch'),
        {
          alert: 'KubeStateMetricsShardingMismatch',
          expr: `stdvar by (cluster) (kube_state_metrics_total_shards${ksm()}) != 0`,
          for: '15m',
          severity: 'critical',
          summary: 'kube-state-metrics shards disagree on their number.',
          description: 'kube-state-metrics pods run with different --total-shards: some objects may be exported twice or not at all.',
          runbook: 'kube-state-metrics/kubestatemetricsshardingmismatch',
        },
        {
          alert: 'KubeStateMetricsShardsMissing',
          // Shards configured, minus distinct shard ordinals scraped (replicas of a shard count once).
          expr:
            `max by (cluster) (kube_state_metrics_total_shards${ksm()})` +
            ` - count by (cluster) (count by (cluster, shard_ordinal) (kube_state_metrics_shard_ordinal${ksm()})) > 0`,
          for: '15m',
          severity: 'critical',
          summary: 'kube-state-metrics shards are missing.',
          description: '{{ $value }} kube-state-metrics shards are not scraped: the objects they export are missing.',
          runbook: 'kube-state-metrics/kubestatemetricsshardsmissing',
        },
      ],
    },
  ],
};
