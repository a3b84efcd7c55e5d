// Node series keyed by the Kubernetes node name rather than node-exporter's instance: which node each
// pod runs on, and per node and per cluster CPU counts, CPU utilisation and available memory, as the
// Kubernetes compute-resources dashboards read them.
import { KSM_NAME } from '../kube-state-metrics';
import { NODE_EXPORTER_NAME } from '../node-exporter';
import type { RuleFamily } from './types';

const ksm = (extra: string) => `{job="${KSM_NAME}", ${extra}}`;
const ne = (extra = '') => `{job="${NODE_EXPORTER_NAME}"${extra ? `, ${extra}` : ''}}`;
/** node-exporter series get their node from the node-exporter pod's own kube_pod_info. */
const onNode = `on (cluster, namespace, pod) group_left (node) topk by (cluster, namespace, pod) (1, node_namespace_pod:kube_pod_info:)`;

export const kubernetesNodes: RuleFamily = {
  name: 'kubernetes-nodes',
  needs: ['node-exporter', 'kube-state-metrics'],
  groups: [
    {
      name: 'node.rules',
      rules: [
        {
          // One node per pod, should kube-state-metrics briefly report two: joins on it stay one-to-one.
          record: 'node_namespace_pod:kube_pod_info:',
          expr: `topk by (cluster, namespace, pod) (1, max by (cluster, node, namespace, pod) (kube_pod_info${ksm('node!=""')}))`,
        },
        { record: 'node:node_num_cpu:sum', expr: `count by (cluster, node) (node_cpu_seconds_total${ne('mode="idle"')} * ${onNode})` },
        {
          // Kernels before 3.14 have no MemAvailable: estimate it from what the kernel can reclaim.
          record: ':node_memory_MemAvailable_bytes:sum',
          expr:
            `sum by (cluster) (node_memory_MemAvailable_bytes${ne()}` +
            ` or (node_memory_Buffers_bytes${ne()} + node_memory_Cached_bytes${ne()} + node_memory_MemFree_bytes${ne()} + node_memory_Slab_bytes${ne()}))`,
        },
        {
          record: 'node:node_cpu_utilization:ratio_rate5m',
          expr: `avg by (cluster, node) (sum without (mode) (rate(node_cpu_seconds_total${ne('mode!="idle", mode!="iowait", mode!="steal"')}[5m])) * ${onNode})`,
        },
        { record: 'cluster:node_cpu:ratio_rate5m', expr: 'avg by (cluster) (node:node_cpu_utilization:ratio_rate5m)' },
      ],
    },
  ],
};
