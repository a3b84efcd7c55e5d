// The Prometheus Operator CRDs: which clusters need them, and where both delivery paths get them
// (the same release tag; kubectl uses the release asset, Argo CD the repository folder).
import { isWorkload, type ClusterModel, type FleetModel } from '../fleet/model';

/**
 * The repository folder the CRD Application of `cluster` syncs: `gitops.crds` (upstream by default, or a
 * mirror), at the cluster's operator release unless a revision is set.
 */
export function operatorCrdsSource(
  gitops: NonNullable<FleetModel['gitops']>,
  cluster: ClusterModel,
): { repoURL: string; path: string; targetRevision: string } {
  const { repoURL, path, targetRevision } = gitops.crds;
  return { repoURL, path, targetRevision: targetRevision ?? cluster.stack.versions.prometheusOperator };
}

/** The operator's CRD bundle of a release (descriptions stripped; still too large for client-side apply). */
export function operatorCrdsUrl(version: string): string {
  return `https://github.com/prometheus-operator/prometheus-operator/releases/download/${version}/stripped-down-crds.yaml`;
}

/**
 * Only a workload cluster that runs our operator gets the CRDs from us: an observer-only cluster has no
 * monitoring.coreos.com object, and a cluster with its own operator keeps the CRDs of that operator
 * (installing ours there would silently up- or downgrade them).
 */
export function needsOperatorCrds(cluster: ClusterModel): boolean {
  return isWorkload(cluster) && cluster.stack.operator.enabled;
}
