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
