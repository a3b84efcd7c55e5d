// The Prometheus Operator CRDs: which clusters need them, and where both delivery paths get them
// (the same release tag; kubectl uses the release asset, Argo CD the repository folder).
import { isWorkload, type ClusterModel } from '../fleet/model';

/** The upstream repository folder with one file per CRD (and a kustomization.yaml listing them). */
export const OPERATOR_CRDS = {
  repoURL: 'https://github.com/prometheus-operator/prometheus-operator.git',
  path: 'example/prometheus-operator-crd',
};

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
