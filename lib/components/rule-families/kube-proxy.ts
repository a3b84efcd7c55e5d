// kube-proxy: an alert when none is scraped. Name, severity, `for` and runbook are those of the
// kubernetes mixin.
import { JOB, type RuleFamily } from './types';

export const kubeProxy: RuleFamily = {
  name: 'kube-proxy',
  needs: ['kube-proxy'],
  groups: [
    {
      name: 'kubernetes-system-kube-proxy',
      rules: [
        {
          alert: 'KubeProxyDown',
          // absent() keeps no `cluster`, and need not: each cluster's Prometheus evaluates its own rules over
          // its own targets, and `cluster` is an external label that its alerts carry to Alertmanager.
          expr: `absent(up{job="${JOB.kubeProxy}"} == 1)`,
          for: '15m',
          severity: 'critical',
          summary: 'No kube-proxy is scraped.',
          description:
            'No kube-proxy target has been up for 15 minutes: Service routing on the nodes may be stale, or Prometheus no longer finds or reaches kube-proxy.',
          runbook: 'kubernetes/kubeproxydown',
        },
      ],
    },
  ],
};
