// The controller-manager: an alert when none is scraped. Name, severity, `for` and runbook are those of
// the kubernetes mixin.
import { JOB, type RuleFamily } from './types';

export const kubeControllerManager: RuleFamily = {
  name: 'kube-controller-manager',
  needs: ['kube-controller-manager'],
  groups: [
    {
      name: 'kubernetes-system-controller-manager',
      rules: [
        {
          alert: 'KubeControllerManagerDown',
          // absent() keeps no `cluster`, and need not: each cluster's Prometheus evaluates its own rules over
          // its own targets, and `cluster` is an external label that its alerts carry to Alertmanager.
          expr: `absent(up{job="${JOB.controllerManager}"} == 1)`,
          for: '15m',
          severity: 'critical',
          summary: 'No kube-controller-manager is scraped.',
          description:
            'No kube-controller-manager target has been up for 15 minutes: Deployments, ReplicaSets, Jobs and nodes may no longer be reconciled, or Prometheus no longer finds or reaches the controller-manager.',
          runbook: 'kubernetes/kubecontrollermanagerdown',
        },
      ],
    },
  ],
};
