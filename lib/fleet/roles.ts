// Which stacks a cluster of the fleet file runs, read from its roles: the checks (on the file as written)
// and the model agree on it through this one place.
import { DEFAULT_SELF_MONITORING } from './defaults';
import type { ClusterInput } from './schema';

/**
 * Whether the cluster runs the workload stack (operator, Prometheus with its Thanos sidecar, Alertmanager,
 * exporters, rules): every workload cluster, and an observer that monitors itself (`selfMonitoring`, on by default).
 */
export function runsWorkloadStack(c: Pick<ClusterInput, 'roles' | 'selfMonitoring'>): boolean {
  return c.roles.includes('workload') || (c.roles.includes('observer') && (c.selfMonitoring ?? DEFAULT_SELF_MONITORING));
}
