// Capacity: clusters whose pod requests would not survive the loss of their biggest node, namespace
// quotas that promise more than the cluster has, quotas nearly or fully used, containers throttled by
// their CPU limit; and the per-container and per-namespace usage, request and limit series (with each
// pod's node and workload) that these alerts and the resource dashboards read.
import { KSM_NAME } from '../kube-state-metrics';
import { JOB, type AlertSpec, type FamilyGroup, type RecordSpec, type RuleFamily } from './types';

const ksm = (extra = '') => `{job="${KSM_NAME}"${extra ? `, ${extra}` : ''}}`;
/** cAdvisor's series of real containers: the pod-level cgroup series have no image. */
const cadvisor = `{job="${JOB.kubelet}", metrics_path="/metrics/cadvisor", image!=""}`;
const pod = 'cluster, namespace, pod';
/** Each scheduled pod's node (one, should kube-state-metrics briefly report two). */
const podNode = `topk by (${pod}) (1, max by (${pod}, node) (kube_pod_info${ksm('node!=""')}))`;
/** Pods that hold their requests: pending or running, not finished. */
const activePod = `max by (${pod}) (kube_pod_status_phase${ksm('phase=~"Pending|Running"')} == 1)`;

/** Namespace quotas may promise this many times the allocatable resources before it is reported. */
const QUOTA_OVERCOMMIT_FACTOR = 1.5;
/** Share of CPU periods throttled above which a container is reported. */
const CPU_THROTTLING = 0.25;

const withNode = (metric: string): RecordSpec => ({
  record: `node_namespace_pod_container:${metric}`,
  expr: `${metric}${cadvisor} * on (${pod}) group_left (node) ${podNode}`,
});

const resourceGroups = (resource: 'cpu' | 'memory', kind: 'requests' | 'limits'): FamilyGroup => {
  const active = `cluster:namespace:pod_${resource}:active:kube_pod_container_resource_${kind}`;
  return {
    name: `k8s.rules.container_${resource}_${kind}`,
    rules: [
      { record: active, expr: `kube_pod_container_resource_${kind}${ksm(`resource="${resource}"`)} * on (${pod}) group_left () ${activePod}` },
      { record: `namespace_${resource}:kube_pod_container_resource_${kind}:sum`, expr: `sum by (cluster, namespace) (${active})` },
    ],
  };
};

/** Pods to their workload, one record per kind of owner; `workload_type` names the kind. */
const podOwner = (type: string, expr: string): RecordSpec => ({
  record: 'namespace_workload_pod:kube_pod_owner:relabel',
  expr: `max by (cluster, namespace, workload, pod) (${expr})`,
  labels: { workload_type: type },
});
const ownedBy = (kind: string) => `label_replace(kube_pod_owner${ksm(`owner_kind="${kind}"`)}, "workload", "$1", "owner_name", "(.*)")`;

const overcommit = (resource: 'cpu' | 'memory'): AlertSpec => {
  const allocatable = `kube_node_status_allocatable${ksm(`resource="${resource}"`)}`;
  return {
    alert: resource === 'cpu' ? 'KubeCPUOvercommit' : 'KubeMemoryOvercommit',
    // What the cluster keeps after losing its biggest node; a single node must hold everything.
    expr:
      `sum by (cluster) (namespace_${resource}:kube_pod_container_resource_requests:sum)` +
      ` - (sum by (cluster) (${allocatable}) - max by (cluster) (${allocatable}) > 0 or sum by (cluster) (${allocatable})) > 0`,
    for: '10m',
    severity: 'warning',
    summary: `The cluster has overcommitted ${resource === 'cpu' ? 'CPU' : 'memory'} requests.`,
    description:
      resource === 'cpu'
        ? 'Pod CPU requests exceed by {{ printf "%.2f" $value }} cores what the cluster keeps after losing its biggest node: it cannot tolerate a node failure.'
        : 'Pod memory requests exceed by {{ $value | humanize1024 }}B what the cluster keeps after losing its biggest node: it cannot tolerate a node failure.',
    runbook: resource === 'cpu' ? 'kubernetes/kubecpuovercommit' : 'kubernetes/kubememoryovercommit',
  };
};

const quotaOvercommit = (resource: 'cpu' | 'memory'): AlertSpec => ({
  alert: resource === 'cpu' ? 'KubeCPUQuotaOvercommit' : 'KubeMemoryQuotaOvercommit',
  // A quota may set both "cpu" and "requests.cpu" (the same thing): counted once.
  expr:
    `sum by (cluster) (min without (resource) (kube_resourcequota${ksm(`type="hard", resource=~"${resource}|requests.${resource}"`)}))` +
    ` / sum by (cluster) (kube_node_status_allocatable${ksm(`resource="${resource}"`)}) > ${QUOTA_OVERCOMMIT_FACTOR}`,
  for: '5m',
  severity: 'warning',
  summary: `Namespace quotas overcommit the cluster's ${resource === 'cpu' ? 'CPU' : 'memory'}.`,
  description: `Namespace quotas grant {{ $value | humanizePercentage }} of the cluster's allocatable ${resource === 'cpu' ? 'CPU' : 'memory'}.`,
  runbook: resource === 'cpu' ? 'kubernetes/kubecpuquotaovercommit' : 'kubernetes/kubememoryquotaovercommit',
});

const quota = 'cluster, namespace, resource, resourcequota';
/** Used over hard, per quota and resource (quotas with a hard limit of 0 forbid the resource: left out). */
const quotaUse = `max by (${quota}) (kube_resourcequota${ksm('type="used"')})` + ` / max by (${quota}) (kube_resourcequota${ksm('type="hard"')} > 0)`;
const quotaAlert = (alert: string, cmp: string, severity: 'info' | 'warning', summary: string): AlertSpec => ({
  alert,
  expr: `${quotaUse} ${cmp}`,
  for: '15m',
  severity,
  summary,
  description: 'Namespace {{ $labels.namespace }} uses {{ $value | humanizePercentage }} of its {{ $labels.resource }} quota ({{ $labels.resourcequota }}).',
  runbook: `kubernetes/${alert.toLowerCase()}`,
});

const container = 'cluster, namespace, pod, container';

export const kubernetesResources: RuleFamily = {
  name: 'kubernetes-resources',
  needs: ['kubelet', 'kube-state-metrics'],
  groups: [
    {
      name: 'k8s.rules.container_cpu_usage_seconds_total',
      rules: (['rate', 'irate'] as const).map((fn) => ({
        record: `node_namespace_pod_container:container_cpu_usage_seconds_total:${fn === 'rate' ? 'sum_rate5m' : 'sum_irate'}`,
        // Summed over CPUs: one series per container.
        expr: `sum by (${container}) (${fn}(container_cpu_usage_seconds_total${cadvisor}[5m])) * on (${pod}) group_left (node) ${podNode}`,
      })),
    },
    ...(['working_set_bytes', 'rss', 'cache', 'swap'] as const).map((m) => ({
      name: `k8s.rules.container_memory_${m}`,
      rules: [withNode(`container_memory_${m}`)],
    })),
    resourceGroups('memory', 'requests'),
    resourceGroups('cpu', 'requests'),
    resourceGroups('memory', 'limits'),
    resourceGroups('cpu', 'limits'),
    {
      name: 'k8s.rules.pod_owner',
      rules: [
        podOwner(
          'deployment',
          `label_replace(kube_pod_owner${ksm('owner_kind="ReplicaSet"')}, "replicaset", "$1", "owner_name", "(.*)")` +
            ` * on (cluster, namespace, replicaset) group_left (workload)` +
            ` max by (cluster, namespace, replicaset, workload) (label_replace(kube_replicaset_owner${ksm('owner_kind="Deployment"')}, "workload", "$1", "owner_name", "(.*)"))`,
        ),
        // A ReplicaSet of its own, without a Deployment.
        podOwner(
          'replicaset',
          `${ownedBy('ReplicaSet')} * on (cluster, namespace, workload) group_left ()` +
            ` max by (cluster, namespace, workload) (label_replace(kube_replicaset_owner${ksm('owner_kind=""')}, "workload", "$1", "replicaset", "(.*)"))`,
        ),
        podOwner('daemonset', ownedBy('DaemonSet')),
        podOwner('statefulset', ownedBy('StatefulSet')),
        // A Job of its own; a CronJob's Jobs count as the CronJob below.
        podOwner(
          'job',
          `${ownedBy('Job')} * on (cluster, namespace, workload) group_left ()` +
            ` max by (cluster, namespace, workload) (label_replace(kube_job_owner${ksm('owner_kind=~"Pod|"')}, "workload", "$1", "job_name", "(.*)"))`,
        ),
        // A pod nothing owns is its own workload.
        podOwner('barepod', `label_replace(kube_pod_owner${ksm('owner_kind="", owner_name=""')}, "workload", "$1", "pod", "(.+)")`),
        // A static pod (the control plane of a kubeadm cluster) is mirrored by the kubelet as owned by its Node.
        podOwner('staticpod', `label_replace(kube_pod_owner${ksm('owner_kind="Node"')}, "workload", "$1", "pod", "(.+)")`),
        {
          // Every other owner, with its kind as the type: a CronJob through its Jobs, a controller that makes its
          // own ReplicaSets (an Argo Rollout), or one that owns its pods directly.
          record: 'namespace_workload_pod:kube_pod_owner:relabel',
          expr:
            `max by (cluster, namespace, workload, workload_type, pod) (label_replace(label_replace(` +
            `max by (${pod}, job_name) (label_replace(kube_pod_owner${ksm('owner_kind="Job"')}, "job_name", "$1", "owner_name", "(.*)"))` +
            ` * on (cluster, namespace, job_name) group_left (owner_kind, owner_name)` +
            ` max by (cluster, namespace, job_name, owner_kind, owner_name) (kube_job_owner${ksm('owner_kind!~"Pod|"')})` +
            ` or max by (${pod}, replicaset) (label_replace(kube_pod_owner${ksm('owner_kind="ReplicaSet"')}, "replicaset", "$1", "owner_name", "(.*)"))` +
            ` * on (cluster, namespace, replicaset) group_left (owner_kind, owner_name)` +
            ` max by (cluster, namespace, replicaset, owner_kind, owner_name) (kube_replicaset_owner${ksm('owner_kind!~"Deployment|"')})` +
            ` or max by (${pod}, owner_kind, owner_name) (kube_pod_owner${ksm('owner_kind!~"ReplicaSet|DaemonSet|StatefulSet|Job|Node|"')})` +
            `, "workload", "$1", "owner_name", "(.+)"), "workload_type", "$1", "owner_kind", "(.+)"))`,
        },
      ],
    },
    {
      name: 'kubernetes-resources',
      rules: [
        overcommit('cpu'),
        overcommit('memory'),
        quotaOvercommit('cpu'),
        quotaOvercommit('memory'),
        quotaAlert('KubeQuotaAlmostFull', '> 0.9 < 1', 'info', 'A namespace quota is almost full.'),
        quotaAlert('KubeQuotaFullyUsed', '== 1', 'info', 'A namespace quota is fully used.'),
        quotaAlert('KubeQuotaExceeded', '> 1', 'warning', 'A namespace quota is exceeded.'),
        {
          alert: 'CPUThrottlingHigh',
          expr:
            `sum by (${container}) (increase(container_cpu_cfs_throttled_periods_total${cadvisor}[5m]))` +
            ` / sum by (${container}) (increase(container_cpu_cfs_periods_total${cadvisor}[5m])) > ${CPU_THROTTLING}`,
          for: '15m',
          severity: 'info',
          summary: 'A container is heavily throttled by its CPU limit.',
          description:
            'Container {{ $labels.container }} of pod {{ $labels.namespace }}/{{ $labels.pod }} is throttled in {{ $value | humanizePercentage }} of its CPU periods.',
          runbook: 'kubernetes/cputhrottlinghigh',
        },
      ],
    },
  ],
};
