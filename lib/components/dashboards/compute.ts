// Selectors and expressions the compute-resources dashboards share: the series of kube-state-metrics and
// cAdvisor as promfleet scrapes them, and the recording rules of the kubernetes-resources family.
import { KSM_NAME } from '../kube-state-metrics';
import { on } from './common';

export const KSM = `job="${KSM_NAME}"`;
/** cAdvisor's series: the kubelet's /metrics/cadvisor endpoint. */
export const CADVISOR = 'job="kubelet", metrics_path="/metrics/cadvisor"';

/** CPU cores used per container (the kubernetes-resources recording rules), over 5m; `irate` follows bursts. */
export const cpuUsage = (matchers: string, fn: 'rate' | 'irate' = 'irate') =>
  `node_namespace_pod_container:container_cpu_usage_seconds_total:${fn === 'rate' ? 'sum_rate5m' : 'sum_irate'}${on(matchers)}`;
/** Memory per container: the working set (what the OOM killer and evictions look at), RSS, page cache, swap. */
export const memory = (kind: 'working_set_bytes' | 'rss' | 'cache' | 'swap', matchers: string) =>
  `node_namespace_pod_container:container_memory_${kind}${on(matchers)}`;
/** Requests or limits of running and pending pods, per container. */
export const podResource = (kind: 'requests' | 'limits', resource: 'cpu' | 'memory', matchers: string) =>
  `cluster:namespace:pod_${resource}:active:kube_pod_container_resource_${kind}${on(matchers)}`;
/** Requests or limits summed per namespace. */
export const namespaceResource = (kind: 'requests' | 'limits', resource: 'cpu' | 'memory', matchers: string) =>
  `namespace_${resource}:kube_pod_container_resource_${kind}:sum${on(matchers)}`;
/** A cAdvisor counter's rate, summed by `by`. */
export const cadvisorRate = (metric: string, by: string, matchers: string) => `sum by (${by}) (rate(${metric}${on(CADVISOR, matchers)}[$__rate_interval]))`;
/** The share of CFS periods in which containers were throttled, by `by`. */
export const throttling = (by: string, matchers: string) =>
  `${cadvisorRate('container_cpu_cfs_throttled_periods_total', by, matchers)} / ${cadvisorRate('container_cpu_cfs_periods_total', by, matchers)}`;

/**
 * The columns of a quota table: usage, requests and limits of `resource` (each already aggregated to the table's
 * rows), and usage against each.
 */
export function quotaColumns(resource: 'cpu' | 'memory', q: { usage: string; requests: string; limits: string }) {
  const unit = resource === 'cpu' ? 'short' : 'bytes';
  return [
    { title: 'Usage', expr: q.usage, unit },
    { title: 'Requests', expr: q.requests, unit },
    { title: 'Usage / requests', expr: `${q.usage} / ${q.requests}`, unit: 'percentunit' },
    { title: 'Limits', expr: q.limits, unit },
    { title: 'Usage / limits', expr: `${q.usage} / ${q.limits}`, unit: 'percentunit' },
  ];
}
