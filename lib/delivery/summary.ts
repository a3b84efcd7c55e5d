// What the synth summary says about delivery: sealing, the kubectl commands per cluster, Argo CD.
import * as path from 'path';
import type { ClusterModel, FleetModel } from '../fleet/model';
import { ARGOCD_DIR, ROOT_FILE } from './argocd';
import { needsOperatorCrds, operatorCrdsUrl } from './crds';
import type { SealStats } from './sealed-secrets';

/** What the summary reads of a render (the renderer's result has these fields, and more). */
export interface RenderedFleet {
  readonly outDir: string;
  /** Each cluster's folder, with what sealing did there. */
  readonly clusters: readonly { readonly cluster: string; readonly sealed?: SealStats }[];
  /** dist/_argocd/, when the fleet has a `gitops` section. */
  readonly argocd?: { readonly objects: number };
}

/**
 * The commands that deploy one cluster's folder, in order: the operator CRDs (server-side), a wait until
 * the API server serves them (only where `needsOperatorCrds`), then the folder.
 */
export function kubectlCommands(cluster: ClusterModel, folder: string): string[] {
  const kubectl = `kubectl --context ${cluster.name}`;
  const crds = operatorCrdsUrl(cluster.stack.versions.prometheusOperator);
  return [
    ...(needsOperatorCrds(cluster) ? [`${kubectl} apply --server-side -f ${crds}`, `${kubectl} wait --for=condition=Established -f ${crds}`] : []),
    `${kubectl} apply --server-side -R -f ${folder}/`,
  ];
}

/** Summary lines (stderr) for the delivery of a render into `outDir`; paths relative to `cwd`. */
export function deliverySummary(fleet: FleetModel, result: RenderedFleet, cwd = process.cwd()): string[] {
  const rel = (p: string) => path.relative(cwd, p) || '.';
  const lines: string[] = [];
  for (const c of result.clusters) {
    if (!c.sealed) continue;
    const s = c.sealed;
    lines.push(
      `promfleet: ${c.cluster}: ${s.secrets} SealedSecret${s.secrets === 1 ? '' : 's'} (${s.sealedValues} values sealed, ${s.reusedValues} unchanged)`,
    );
  }
  lines.push('promfleet: deploy with kubectl, one line per cluster (docs/operations.md, "Deploying with kubectl"):');
  for (const cluster of fleet.clusters) {
    lines.push(`  ${kubectlCommands(cluster, rel(path.join(result.outDir, cluster.name))).join(' && ')}`);
  }
  if (result.argocd) {
    const root = rel(path.join(result.outDir, ARGOCD_DIR, `${ROOT_FILE}.yaml`));
    lines.push(
      `promfleet: Argo CD: ${result.argocd.objects} Applications in ${rel(path.join(result.outDir, ARGOCD_DIR))}/; once, after committing dist/: kubectl --context <argocd> apply -f ${root}`,
    );
  }
  return lines;
}
