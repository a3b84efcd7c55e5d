// Names of rendered objects that several layers agree on, kept as plain data below all of them:
// the PKI puts these Services' DNS names into certificates before any component is built, and the
// fleet checks reject cluster names whose Argo CD Application names would not fit.

/** The sidecar's `app` label, the prefix of each replica's Service (below) and the name of its Ingress. */
export const SIDECAR_SERVICE = 'thanos-sidecar';

/**
 * The Service of one Prometheus replica's sidecar (`thanos-sidecar-<i>` selects pod `prometheus-k8s-<i>`): each
 * replica is dialled on its own, so the Querier holds a connection to every replica and deduplicates them.
 */
export function sidecarReplicaService(replica: number): string {
  return `${SIDECAR_SERVICE}-${replica}`;
}

/** Headless Service the operator creates for every Prometheus StatefulSet; it gives each pod a DNS name. */
export const PROMETHEUS_OPERATED_SERVICE = 'prometheus-operated';

/** Store Gateway StatefulSet and Service (and the names in its certificate). */
export const STORE_GATEWAY_NAME = 'thanos-store-gateway';

/** Compactor StatefulSet and Service, and so the `job` label of its metrics (the name kube-thanos gives it). */
export const COMPACTOR_NAME = 'thanos-compact';

/**
 * StatefulSet and Service of shard `shard` of a sharded Store Gateway: the Querier dials each shard on its own
 * Service, as one Service over every shard would hand each Querier connection to a single shard.
 */
export function storeGatewayShardService(shard: number): string {
  return `${STORE_GATEWAY_NAME}-${shard}`;
}

/** Query frontend Deployment and Service: the Querier's HTTP API as clients (Ingress, Grafana) should use it. */
export const QUERY_FRONTEND_NAME = 'thanos-query-frontend';

/**
 * Argo CD Application names: `<name>` (app-of-apps), `<name>-<cluster>`, `<name>-<cluster>-crds` and, per
 * namespace of the cluster's application monitors, `<name>-<cluster>-monitors-<namespace>`.
 */
export function applicationNames(
  gitops: { readonly name: string },
  cluster: string,
  monitorNamespaces: readonly string[] = [],
): { stack: string; crds: string; monitors: Record<string, string> } {
  const prefix = `${gitops.name}-${cluster}`;
  return {
    stack: prefix,
    crds: `${prefix}-crds`,
    monitors: Object.fromEntries(monitorNamespaces.map((ns) => [ns, `${prefix}-monitors-${ns}`])),
  };
}

/**
 * The ConfigMaps that parent the kubectl ApplySets of a cluster: one in the stack namespace for the stack,
 * one in each namespace of the application monitors (named after the stack namespace, so that two stacks on
 * one cluster keep their monitors apart).
 */
export function applySetParents(stackNamespace: string): { stack: string; monitors: string } {
  return { stack: 'promfleet', monitors: `promfleet-${stackNamespace}-monitors` };
}

/**
 * The external label that names a workload cluster (its value defaults to the cluster's name): the Querier's
 * series carry it, and the dashboards' `cluster` variable reads it.
 */
export const CLUSTER_LABEL = 'cluster';

/**
 * The label that tells the fleet-level PrometheusRules apart: an observer's ThanosRuler selects it, and every stack
 * Prometheus excludes it, so no Prometheus also evaluates the fleet's rules.
 */
export const RULE_SCOPE_LABEL = 'promfleet.io/rule-scope';
export const FLEET_RULE_SCOPE = 'fleet';
