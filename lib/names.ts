// Names of rendered objects that several layers agree on, kept as plain data below all of them:
// the PKI puts these Services' DNS names into certificates before any component is built, and the
// fleet checks reject cluster names whose Argo CD Application names would not fit.

/** The Service exposing the sidecar's gRPC port to the observer; its in-cluster names are certificate SANs. */
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

/** Argo CD Application names: `<name>` (app-of-apps), `<name>-<cluster>` and `<name>-<cluster>-crds`. */
export function applicationNames(gitops: { readonly name: string }, cluster: string): { stack: string; crds: string } {
  return { stack: `${gitops.name}-${cluster}`, crds: `${gitops.name}-${cluster}-crds` };
}
