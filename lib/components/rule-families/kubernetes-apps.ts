// Workloads that do not reach the state their owner asked for: pods that crash or never get ready,
// Deployments, StatefulSets and DaemonSets whose rollout stalls, Jobs that fail or never end,
// autoscalers stuck, disruption budgets that would block a drain. All from kube-state-metrics.
import { KSM_NAME } from '../kube-state-metrics';
import type { RuleFamily } from './types';

/** A kube-state-metrics series selector, with extra matchers. */
const ksm = (extra = '') => `{job="${KSM_NAME}"${extra ? `, ${extra}` : ''}}`;

/** A Job still running after this long (seconds) is reported: 12 hours, as upstream. */
export const KUBE_JOB_TIMEOUT_SECONDS = 12 * 60 * 60;

const by = (...labels: string[]) => ['cluster', ...labels].join(', ');
const sts = by('namespace', 'statefulset', 'job');
const pod = by('namespace', 'pod');

export const kubernetesApps: RuleFamily = {
  name: 'kubernetes-apps',
  needs: ['kube-state-metrics'],
  groups: [
    {
      name: 'kubernetes-apps',
      rules: [
        {
          alert: 'KubePodCrashLooping',
          // Seen in CrashLoopBackOff at any point of the last 5 minutes: between restarts the container
          // briefly leaves the waiting state, which must not reset the alert's `for`.
          expr: `max_over_time(kube_pod_container_status_waiting_reason${ksm('reason="CrashLoopBackOff"')}[5m]) >= 1`,
          for: '15m',
          severity: 'warning',
          summary: 'A pod is crash looping.',
          description: 'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} keeps crashing and waits in CrashLoopBackOff.',
          runbook: 'kubernetes/kubepodcrashlooping',
        },
        {
          alert: 'KubePodNotReady',
          // Pods of Jobs are left to the Job alerts, and pods held by a scheduling gate are waiting on purpose.
          expr:
            `sum by (${pod}, job) (` +
            `kube_pod_status_phase${ksm('phase=~"Pending|Unknown"')} == 1` +
            ` or (kube_pod_status_phase${ksm('phase="Running"')} == 1 and on (${pod}) kube_pod_status_ready${ksm('condition="true"')} == 0)` +
            `) > 0` +
            ` unless on (${pod}) kube_pod_owner${ksm('owner_kind="Job"')}` +
            ` unless on (${pod}) kube_pod_status_reason${ksm('reason="SchedulingGated"')} == 1`,
          for: '15m',
          severity: 'warning',
          summary: 'A pod has not been ready for more than 15 minutes.',
          description: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} has been pending, unknown or running but not ready for more than 15 minutes.',
          runbook: 'kubernetes/kubepodnotready',
        },
        {
          alert: 'KubeDeploymentGenerationMismatch',
          expr: `kube_deployment_status_observed_generation${ksm()} != kube_deployment_metadata_generation${ksm()}`,
          for: '15m',
          severity: 'warning',
          summary: 'A Deployment has not acted on its latest spec.',
          description:
            'The controller has not observed the latest generation of Deployment {{ $labels.namespace }}/{{ $labels.deployment }} for 15 minutes: its rollout may have failed without a rollback.',
          runbook: 'kubernetes/kubedeploymentgenerationmismatch',
        },
        {
          alert: 'KubeDeploymentReplicasMismatch',
          // Fewer available replicas than asked for, and no replica updated lately: not a rollout in progress.
          expr:
            `kube_deployment_spec_replicas${ksm()} > kube_deployment_status_replicas_available${ksm()}` +
            ` and changes(kube_deployment_status_replicas_updated${ksm()}[10m]) == 0`,
          for: '15m',
          severity: 'warning',
          summary: 'A Deployment has fewer available replicas than desired.',
          description:
            'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has had fewer available replicas than its spec asks for for more than 15 minutes.',
          runbook: 'kubernetes/kubedeploymentreplicasmismatch',
        },
        {
          alert: 'KubeDeploymentRolloutStuck',
          expr: `kube_deployment_status_condition${ksm('condition="Progressing", status="false"')} != 0`,
          for: '15m',
          severity: 'warning',
          summary: 'A Deployment rollout is not progressing.',
          description: 'The rollout of Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has not progressed for more than 15 minutes.',
          runbook: 'kubernetes/kubedeploymentrolloutstuck',
        },
        {
          alert: 'KubeStatefulSetReplicasMismatch',
          expr:
            `kube_statefulset_status_replicas_ready${ksm()} != kube_statefulset_replicas${ksm()}` +
            ` and changes(kube_statefulset_status_replicas_updated${ksm()}[10m]) == 0`,
          for: '15m',
          severity: 'warning',
          summary: 'A StatefulSet has not as many ready replicas as desired.',
          description:
            'StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has not had the desired number of ready replicas for more than 15 minutes.',
          runbook: 'kubernetes/kubestatefulsetreplicasmismatch',
        },
        {
          alert: 'KubeStatefulSetGenerationMismatch',
          expr: `kube_statefulset_status_observed_generation${ksm()} != kube_statefulset_metadata_generation${ksm()}`,
          for: '15m',
          severity: 'warning',
          summary: 'A StatefulSet has not acted on its latest spec.',
          description:
            'The controller has not observed the latest generation of StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} for 15 minutes: its rollout may have failed without a rollback.',
          runbook: 'kubernetes/kubestatefulsetgenerationmismatch',
        },
        {
          alert: 'KubeStatefulSetUpdateNotRolledOut',
          // Two revisions in play (current and update differ), replicas not all updated, and no progress lately.
          expr:
            `count by (${sts}) (kube_statefulset_status_current_revision${ksm()} or kube_statefulset_status_update_revision${ksm()}) > 1` +
            ` and on (${sts}) (kube_statefulset_replicas${ksm()} != kube_statefulset_status_replicas_updated${ksm()})` +
            ` and on (${sts}) (changes(kube_statefulset_status_replicas_updated${ksm()}[5m]) == 0)`,
          for: '15m',
          severity: 'warning',
          summary: 'A StatefulSet update has not been rolled out.',
          description: 'The update of StatefulSet {{ $labels.namespace }}/{{ $labels.statefulset }} has not reached all its replicas for more than 15 minutes.',
          runbook: 'kubernetes/kubestatefulsetupdatenotrolledout',
        },
        {
          alert: 'KubeDaemonSetRolloutStuck',
          expr:
            `(` +
            `kube_daemonset_status_current_number_scheduled${ksm()} != kube_daemonset_status_desired_number_scheduled${ksm()}` +
            ` or kube_daemonset_status_number_misscheduled${ksm()} != 0` +
            ` or kube_daemonset_status_updated_number_scheduled${ksm()} != kube_daemonset_status_desired_number_scheduled${ksm()}` +
            ` or kube_daemonset_status_number_available${ksm()} != kube_daemonset_status_desired_number_scheduled${ksm()}` +
            `) and changes(kube_daemonset_status_updated_number_scheduled${ksm()}[5m]) == 0`,
          for: '15m',
          severity: 'warning',
          summary: 'A DaemonSet rollout is stuck.',
          description: 'DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} has not finished or progressed its rollout for at least 15 minutes.',
          runbook: 'kubernetes/kubedaemonsetrolloutstuck',
        },
        {
          alert: 'KubeContainerWaiting',
          expr: `kube_pod_container_status_waiting_reason${ksm('reason!="CrashLoopBackOff"')} > 0`,
          for: '1h',
          severity: 'warning',
          summary: 'A container has been waiting for more than an hour.',
          description:
            'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} has been waiting for more than an hour (reason: {{ $labels.reason }}).',
          runbook: 'kubernetes/kubecontainerwaiting',
        },
        {
          alert: 'KubeDaemonSetNotScheduled',
          expr: `kube_daemonset_status_desired_number_scheduled${ksm()} - kube_daemonset_status_current_number_scheduled${ksm()} > 0`,
          for: '10m',
          severity: 'warning',
          summary: 'Pods of a DaemonSet are not scheduled.',
          description: '{{ $value }} pods of DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} are not scheduled.',
          runbook: 'kubernetes/kubedaemonsetnotscheduled',
        },
        {
          alert: 'KubeDaemonSetMisScheduled',
          expr: `kube_daemonset_status_number_misscheduled${ksm()} > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'Pods of a DaemonSet run where they should not.',
          description: '{{ $value }} pods of DaemonSet {{ $labels.namespace }}/{{ $labels.daemonset }} run on nodes they are not meant to run on.',
          runbook: 'kubernetes/kubedaemonsetmisscheduled',
        },
        {
          alert: 'KubeJobNotCompleted',
          expr:
            `time() - max by (${by('namespace', 'job_name')}) (kube_job_status_start_time${ksm()} and kube_job_status_active${ksm()} > 0)` +
            ` > ${KUBE_JOB_TIMEOUT_SECONDS}`,
          severity: 'warning',
          summary: 'A Job has not completed in time.',
          description: `Job {{ $labels.namespace }}/{{ $labels.job_name }} has been running for more than ${KUBE_JOB_TIMEOUT_SECONDS / 3600} hours.`,
          runbook: 'kubernetes/kubejobnotcompleted',
        },
        {
          alert: 'KubeJobFailed',
          expr: `kube_job_failed${ksm('condition="true"')} > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'A Job failed.',
          description: 'Job {{ $labels.namespace }}/{{ $labels.job_name }} failed. Deleting the Job once investigated clears this alert.',
          runbook: 'kubernetes/kubejobfailed',
        },
        {
          alert: 'KubeHpaReplicasMismatch',
          // Between its bounds, the autoscaler wants another replica count and has not moved for 15 minutes.
          expr:
            `kube_horizontalpodautoscaler_status_desired_replicas${ksm()} != kube_horizontalpodautoscaler_status_current_replicas${ksm()}` +
            ` and kube_horizontalpodautoscaler_status_current_replicas${ksm()} > kube_horizontalpodautoscaler_spec_min_replicas${ksm()}` +
            ` and kube_horizontalpodautoscaler_status_current_replicas${ksm()} < kube_horizontalpodautoscaler_spec_max_replicas${ksm()}` +
            ` and changes(kube_horizontalpodautoscaler_status_current_replicas${ksm()}[15m]) == 0`,
          for: '15m',
          severity: 'warning',
          summary: 'An autoscaler has not reached its desired replica count.',
          description:
            'HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has not matched its desired number of replicas for more than 15 minutes.',
          runbook: 'kubernetes/kubehpareplicasmismatch',
        },
        {
          alert: 'KubeHpaMaxedOut',
          // An autoscaler pinned (min = max) is at its maximum by design.
          expr:
            `kube_horizontalpodautoscaler_status_current_replicas${ksm()} == kube_horizontalpodautoscaler_spec_max_replicas${ksm()}` +
            ` and on (${by('namespace', 'horizontalpodautoscaler')})` +
            ` (kube_horizontalpodautoscaler_spec_max_replicas${ksm()} != kube_horizontalpodautoscaler_spec_min_replicas${ksm()})`,
          for: '15m',
          severity: 'warning',
          summary: 'An autoscaler runs at its maximum replicas.',
          description:
            'HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at its maximum replicas for more than 15 minutes.',
          runbook: 'kubernetes/kubehpamaxedout',
        },
        {
          alert: 'KubePdbNotEnoughHealthyPods',
          expr: `kube_poddisruptionbudget_status_desired_healthy${ksm()} - kube_poddisruptionbudget_status_current_healthy${ksm()} > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'A PodDisruptionBudget has not enough healthy pods.',
          description:
            'PodDisruptionBudget {{ $labels.namespace }}/{{ $labels.poddisruptionbudget }} needs {{ $value }} more healthy pods, and has for at least 15 minutes: evictions (node drains) are blocked.',
          runbook: 'kubernetes/kubepdbnotenoughhealthypods',
        },
      ],
    },
  ],
};
