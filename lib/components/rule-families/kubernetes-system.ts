// Nodes and their kubelets: nodes not ready, under pressure, unreachable or flapping, kubelets full of
// pods, evicting, slow to relist or start pods, with certificates about to expire or failing to renew,
// or gone from the targets; and, cluster-wide, components on different minor versions and API
// clients whose requests fail.
import { KSM_NAME } from '../kube-state-metrics';
import { JOB, type AlertSpec, type RuleFamily } from './types';

const ksm = (extra = '') => `{job="${KSM_NAME}"${extra ? `, ${extra}` : ''}}`;
/** The kubelet's own metrics, not the cAdvisor or probe endpoints of the same job. */
const kubelet = `{job="${JOB.kubelet}", metrics_path="/metrics"}`;
/** Node name of each kubelet target, to join kubelet series (by instance) to nodes. */
const nodeOf = `max by (cluster, instance, node) (kubelet_node_name${kubelet})`;
/** Cordoned nodes are being drained or retired on purpose. */
const schedulable = `kube_node_spec_unschedulable${ksm()} == 0`;

/** Taints of nodes an autoscaler or a spot-termination handler is removing: unreachable on purpose. */
const RETIRING_TAINTS = ['ToBeDeletedByClusterAutoscaler', 'cloud.google.com/impending-node-termination', 'aws-node-termination-handler/spot-itn'];

const CERT = { warning: 7 * 24 * 60 * 60, critical: 24 * 60 * 60 } as const;

const certExpiration = (side: 'client' | 'server', severity: 'warning' | 'critical'): AlertSpec => ({
  alert: side === 'client' ? 'KubeletClientCertificateExpiration' : 'KubeletServerCertificateExpiration',
  expr: `kubelet_certificate_manager_${side}_ttl_seconds${kubelet} < ${CERT[severity]}`,
  severity,
  summary: `A kubelet ${side} certificate is about to expire.`,
  description: `The ${side} certificate of the kubelet on {{ $labels.node }} expires in {{ $value | humanizeDuration }}.`,
  runbook: side === 'client' ? 'kubernetes/kubeletclientcertificateexpiration' : 'kubernetes/kubeletservercertificateexpiration',
});

/** PLEG relist duration quantiles per node, as the kubelet dashboards read them. */
const PLEG_QUANTILES = ['0.99', '0.9', '0.5'];

export const kubernetesSystem: RuleFamily = {
  name: 'kubernetes-system',
  needs: ['kubelet', 'kube-state-metrics'],
  groups: [
    // First: the kubelet alerts read these series.
    {
      name: 'kubelet.rules',
      rules: PLEG_QUANTILES.map((quantile) => ({
        record: 'node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile',
        expr:
          `histogram_quantile(${quantile}, sum by (cluster, instance, le) (rate(kubelet_pleg_relist_duration_seconds_bucket${kubelet}[5m]))` +
          ` * on (cluster, instance) group_left (node) ${nodeOf})`,
        labels: { quantile },
      })),
    },
    {
      name: 'kubernetes-system-kubelet',
      rules: [
        {
          alert: 'KubeNodeNotReady',
          expr: `kube_node_status_condition${ksm('condition="Ready", status="true"')} == 0 and on (cluster, node) ${schedulable}`,
          for: '15m',
          severity: 'warning',
          summary: 'A node is not ready.',
          description: 'Node {{ $labels.node }} has not been ready for more than 15 minutes.',
          runbook: 'kubernetes/kubenodenotready',
        },
        {
          alert: 'KubeNodePressure',
          expr:
            `kube_node_status_condition${ksm('condition=~"MemoryPressure|DiskPressure|PIDPressure", status="true"')} == 1` +
            ` and on (cluster, node) ${schedulable}`,
          for: '10m',
          severity: 'info',
          summary: 'A node is under resource pressure.',
          description: 'Node {{ $labels.node }} reports {{ $labels.condition }}: its usage crossed an eviction threshold.',
          runbook: 'kubernetes/kubenodepressure',
        },
        {
          alert: 'KubeNodeUnreachable',
          expr:
            `(kube_node_spec_taint${ksm('key="node.kubernetes.io/unreachable", effect="NoSchedule"')}` +
            ` unless ignoring (key, value) kube_node_spec_taint${ksm(`key=~"${RETIRING_TAINTS.join('|')}"`)}) == 1`,
          for: '15m',
          severity: 'warning',
          summary: 'A node is unreachable.',
          description: 'Node {{ $labels.node }} is unreachable: its workloads may be rescheduled elsewhere.',
          runbook: 'kubernetes/kubenodeunreachable',
        },
        {
          alert: 'KubeletTooManyPods',
          // Nodes with a capacity of one pod (AWS Fargate) are full by design.
          expr:
            `max by (cluster, instance) (kubelet_running_pods${kubelet} > 1) * on (cluster, instance) group_left (node) ${nodeOf}` +
            ` / on (cluster, node) group_left max by (cluster, node) (kube_node_status_capacity${ksm('resource="pods"')} != 1) > 0.95`,
          for: '15m',
          severity: 'info',
          summary: 'A kubelet runs at its pod capacity.',
          description: 'The kubelet on {{ $labels.node }} runs {{ $value | humanizePercentage }} of the pods its node can hold.',
          runbook: 'kubernetes/kubelettoomanypods',
        },
        {
          alert: 'KubeNodeReadinessFlapping',
          expr:
            `sum by (cluster, node) (changes(kube_node_status_condition${ksm('condition="Ready", status="true"')}[15m])) > 2` +
            ` and on (cluster, node) ${schedulable}`,
          for: '15m',
          severity: 'warning',
          summary: 'A node keeps going ready and unready.',
          description: 'The readiness of node {{ $labels.node }} changed {{ $value }} times in the last 15 minutes.',
          runbook: 'kubernetes/kubenodereadinessflapping',
        },
        {
          alert: 'KubeNodeEviction',
          expr:
            `sum by (cluster, eviction_signal, instance) (rate(kubelet_evictions${kubelet}[15m]))` +
            ` * on (cluster, instance) group_left (node) ${nodeOf} > 0`,
          severity: 'info',
          summary: 'A node is evicting pods.',
          description:
            'Node {{ $labels.node }} evicts pods on {{ $labels.eviction_signal }}: an eviction threshold was crossed, typically by pods beyond their memory or ephemeral-storage limits.',
          runbook: 'kubernetes/kubenodeeviction',
        },
        {
          alert: 'KubeletPlegDurationHigh',
          expr: `node_quantile:kubelet_pleg_relist_duration_seconds:histogram_quantile{quantile="0.99"} >= 10`,
          for: '5m',
          severity: 'warning',
          summary: "A kubelet's pod lifecycle event generator relists too slowly.",
          description:
            'The 99th percentile of the pod lifecycle event generator relist duration of the kubelet on {{ $labels.node }} is {{ printf "%.2f" $value }} seconds.',
          runbook: 'kubernetes/kubeletplegdurationhigh',
        },
        {
          alert: 'KubeletPodStartUpLatencyHigh',
          expr:
            `histogram_quantile(0.99, sum by (cluster, instance, le) (rate(kubelet_pod_worker_duration_seconds_bucket${kubelet}[5m])))` +
            ` * on (cluster, instance) group_left (node) ${nodeOf} > 60`,
          for: '15m',
          severity: 'warning',
          summary: 'A kubelet starts pods too slowly.',
          description: 'The 99th percentile of pod start-up latency of the kubelet on {{ $labels.node }} is {{ printf "%.2f" $value }} seconds.',
          runbook: 'kubernetes/kubeletpodstartuplatencyhigh',
        },
        certExpiration('client', 'warning'),
        certExpiration('client', 'critical'),
        certExpiration('server', 'warning'),
        certExpiration('server', 'critical'),
        {
          alert: 'KubeletClientCertificateRenewalErrors',
          expr: `increase(kubelet_certificate_manager_client_expiration_renew_errors${kubelet}[5m]) > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'A kubelet fails to renew its client certificate.',
          description: 'The kubelet on {{ $labels.node }} failed to renew its client certificate ({{ $value | humanize }} errors in the last 5 minutes).',
          runbook: 'kubernetes/kubeletclientcertificaterenewalerrors',
        },
        {
          alert: 'KubeletServerCertificateRenewalErrors',
          expr: `increase(kubelet_server_expiration_renew_errors${kubelet}[5m]) > 0`,
          for: '15m',
          severity: 'warning',
          summary: 'A kubelet fails to renew its server certificate.',
          description: 'The kubelet on {{ $labels.node }} failed to renew its server certificate ({{ $value | humanize }} errors in the last 5 minutes).',
          runbook: 'kubernetes/kubeletservercertificaterenewalerrors',
        },
        {
          alert: 'KubeletDown',
          // kube-state-metrics says the cluster has nodes, yet no kubelet target is up: keeps `cluster`
          // where an absent() would lose it.
          expr: `count by (cluster) (kube_node_info${ksm()}) unless on (cluster) count by (cluster) (up${kubelet} == 1)`,
          for: '15m',
          severity: 'critical',
          summary: 'No kubelet is scraped.',
          description: 'The cluster has {{ $value }} nodes, but no kubelet target has been up for 15 minutes.',
          runbook: 'kubernetes/kubeletdown',
        },
      ],
    },
    {
      name: 'kubernetes-system',
      rules: [
        {
          alert: 'KubeVersionMismatch',
          // Patch releases may differ; minor versions (vX.Y) should not, beyond an upgrade in progress.
          expr:
            `count by (cluster) (count by (cluster, git_version) (` +
            `label_replace(kubernetes_build_info{job!~"kube-dns|coredns"}, "git_version", "$1", "git_version", "(v[0-9]*.[0-9]*).*"))) > 1`,
          for: '15m',
          severity: 'warning',
          summary: 'Kubernetes components run different minor versions.',
          description: 'Kubernetes components run {{ $value }} different minor versions.',
          runbook: 'kubernetes/kubeversionmismatch',
        },
        {
          alert: 'KubeClientErrors',
          expr:
            `sum by (cluster, instance, job, namespace) (rate(rest_client_requests_total{code=~"5.."}[5m]))` +
            ` / sum by (cluster, instance, job, namespace) (rate(rest_client_requests_total[5m])) > 0.01`,
          for: '15m',
          severity: 'warning',
          summary: 'A Kubernetes API client gets errors.',
          description:
            'Kubernetes API client {{ $labels.job }}/{{ $labels.instance }} gets server errors on {{ $value | humanizePercentage }} of its requests.',
          runbook: 'kubernetes/kubeclienterrors',
        },
      ],
    },
  ],
};
