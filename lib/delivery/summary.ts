// What the synth summary says about delivery: sealing, the kubectl commands per cluster, Argo CD.
import * as fs from 'fs';
import * as path from 'path';
import { NAMESPACE_FILE } from '../clusters';
import { SECRETS_DIR } from '../file-chart';
import { APP_MONITORS_DIR } from '../clusters/workload';
import { hasRealReceiver } from '../components/alertmanager';
import { appMonitorNamespaces, isWorkload, type ClusterModel, type FleetModel } from '../fleet/model';
import { exposes } from '../fleet/platforms';
import { applySetParents } from '../names';
import { ARGOCD_DIR, ROOT_FILE } from './argocd';
import { needsOperatorCrds, operatorCrdsUrl } from './crds';
import { SEALED_DIR, type SealStats } from './sealed-secrets';

/** What the summary reads of a render (the renderer's result has these fields, and more). */
export interface RenderedFleet {
  readonly outDir: string;
  /** Each cluster's folder, with what sealing did there. */
  readonly clusters: readonly { readonly cluster: string; readonly sealed?: SealStats }[];
  /** dist/_argocd/, when the fleet has a `gitops` section. */
  readonly argocd?: { readonly objects: number };
}

/** kubectl's ApplySet-based pruning is still behind this switch (alpha since kubectl 1.27). */
export const APPLYSET_ENV = 'KUBECTL_APPLYSET=true';

/**
 * Server-side apply of `files` as the ApplySet whose parent is the ConfigMap `parent` in `namespace`:
 * kubectl labels every object with the set's id, and deletes the objects of the set that `files` no
 * longer hold. Every namespaced object of `files` must be in `namespace`.
 */
function applySetApply(kubectl: string, parent: string, namespace: string, files: string): string {
  return `${APPLYSET_ENV} ${kubectl} apply --server-side --prune --applyset=configmaps/${parent} -n ${namespace} ${files}`;
}

/**
 * The commands that deploy one cluster's folder, in order: the operator CRDs (server-side), a wait until
 * the API server serves them (only where `needsOperatorCrds`), the stack Namespace (it holds the ApplySet's
 * parent), in plain mode the git-ignored `secrets/`, then the folder's manifests as one ApplySet, so that
 * what disappears from them is deleted from the cluster. Neither the CRDs (deleting a CRD deletes every object
 * of its kind) nor the plain Secrets (a checkout without them would delete the cluster's keys) are in the set;
 * SealedSecrets, which are committed, are.
 */
export function kubectlCommands(cluster: ClusterModel, folder: string, options: { secrets?: boolean } = {}): string[] {
  const kubectl = `kubectl --context ${cluster.name}`;
  const crds = operatorCrdsUrl(cluster.stack.versions.prometheusOperator);
  const { namespace } = cluster.stack;
  // Every cluster has key material (the sidecar's or the Querier's certificates): one of the two folders exists,
  // unless a synth in CI without the store left the plain secrets/ out (`options.secrets: false`).
  const sealed = cluster.sealedSecrets !== undefined;
  const secrets = !sealed && (options.secrets ?? true);
  return [
    ...(needsOperatorCrds(cluster) ? [`${kubectl} apply --server-side -f ${crds}`, `${kubectl} wait --for=condition=Established -f ${crds}`] : []),
    `${kubectl} apply --server-side -f ${folder}/${NAMESPACE_FILE}.yaml`,
    ...(secrets ? [`${kubectl} apply --server-side -f ${folder}/${SECRETS_DIR}/`] : []),
    applySetApply(kubectl, applySetParents(namespace).stack, namespace, `-f ${folder}/${sealed ? ` -f ${folder}/${SEALED_DIR}/` : ''}`),
  ];
}

/**
 * One command per namespace of the cluster's application monitors (`folder` is their folder,
 * `<dist>/_app-monitors/<cluster>`), each its own ApplySet in that namespace: run apart from the stack's,
 * a namespace that does not exist yet fails only its own command.
 */
export function appMonitorCommands(cluster: ClusterModel, folder: string): string[] {
  const kubectl = `kubectl --context ${cluster.name}`;
  const parent = applySetParents(cluster.stack.namespace).monitors;
  return appMonitorNamespaces(cluster).map((ns) => applySetApply(kubectl, parent, ns, `-f ${folder}/${ns}.yaml`));
}

/** What a workload cluster's platform exposes but the fleet file leaves unscraped: etcd without its client certificate. */
export function controlPlaneNotes(fleet: FleetModel): string[] {
  return fleet.clusters
    .filter((c) => isWorkload(c) && exposes(c.platform, 'etcd') && !c.etcd && !c.controlPlaneExclude.includes('etcd'))
    .map(
      (c) =>
        `warning: ${c.name}: etcd is not scraped, as it needs a client certificate its CA signed; set clusters[${c.index}].controlPlane.etcd.tls (docs/platforms.md)`,
    );
}

/** Every warning about the fleet itself, printed by a synth whatever its output mode. */
export function fleetWarnings(fleet: FleetModel): string[] {
  return [...controlPlaneNotes(fleet), ...alertingWarnings(fleet)];
}

/**
 * Warnings about where alerts go: a cluster whose Alertmanager has no receiver that sends anywhere drops
 * every alert (the "null" receiver), which is easy to miss until the day an alert should have paged.
 */
export function alertingWarnings(fleet: FleetModel): string[] {
  const silent = fleet.clusters.filter(
    (c) => isWorkload(c) && c.stack.alertmanager.enabled && !hasRealReceiver(c.stack.alertmanager.receivers, c.stack.alertmanager.deadMansSwitch),
  );
  if (!silent.length) return [];
  const names = silent.map((c) => c.name).join(', ');
  return [
    `warning: ${silent.length === 1 ? 'cluster' : 'clusters'} ${names}: Alertmanager has no receiver besides "null" (and the dead man's switch), so alerts reach nobody; declare alertmanager.receivers (docs/operations.md, "Alert receivers")`,
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
  lines.push(
    'promfleet: deploy with kubectl: one line per cluster, then one per namespace of its application monitors, run on its own (docs/operations.md, "Deploying with kubectl"):',
  );
  for (const cluster of fleet.clusters) {
    const folder = path.join(result.outDir, cluster.name);
    const secrets = fs.existsSync(path.join(folder, SECRETS_DIR));
    lines.push(`  ${kubectlCommands(cluster, rel(folder), { secrets }).join(' && ')}`);
    for (const line of appMonitorCommands(cluster, rel(path.join(result.outDir, APP_MONITORS_DIR, cluster.name)))) lines.push(`  ${line}`);
  }
  if (result.argocd) {
    const root = rel(path.join(result.outDir, ARGOCD_DIR, `${ROOT_FILE}.yaml`));
    lines.push(
      `promfleet: Argo CD: ${result.argocd.objects} objects (Applications${fleet.gitops?.renderProject ? ' and the AppProject' : ''}) in ${rel(path.join(result.outDir, ARGOCD_DIR))}/; once, after committing dist/: kubectl --context <argocd> apply -f ${root}`,
    );
  }
  return lines;
}
