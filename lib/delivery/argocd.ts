// Argo CD delivery: the Applications that sync dist/ from Git, rendered into dist/_argocd/ when the
// fleet file has a `gitops` section. `_argocd` cannot clash with a cluster folder: cluster names are
// DNS labels, which have no "_".
//
//   _argocd/root.yaml            the app-of-apps; `kubectl apply` it once, Argo CD manages the rest
//   _argocd/apps/_project.yaml   the fleet's AppProject (wave -1), unless gitops.renderProject is false
//   _argocd/apps/<cluster>.yaml  the cluster's CRD Application (wave 0), stack Application (wave 1) and
//                                one Application per namespace of its application monitors (wave 2)
import * as path from 'path';
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Application,
  ApplicationSpec,
  ApplicationSpecDestination,
  ApplicationSpecSyncPolicy,
  ApplicationSpecSyncPolicyRetry,
} from '../../imports/application-argoproj.io';
import { APP_MONITORS_DIR } from '../clusters/workload';
import { FileChart, SECRETS_DIR } from '../file-chart';
import { appMonitorNamespaces, type ClusterModel, type FleetModel } from '../fleet/model';
import { meta } from '../meta';
import { applicationNames } from '../names';
import { FleetProject, RenderedKinds } from './app-project';
import { needsOperatorCrds, operatorCrdsSource } from './crds';
import { SYNC_WAVE_ANNOTATION } from './sync-waves';

export const ARGOCD_DIR = '_argocd';
export const ROOT_FILE = 'root';
export const APPS_DIR = 'apps';
/** The AppProject's file in APPS_DIR; "_" keeps it apart from the cluster files (DNS labels). */
export const PROJECT_FILE = '_project';

/** The Argo CD server's own cluster, as every Argo CD installation names it. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Waves of the Applications inside the app-of-apps: CRDs before the stack that uses them. */
export const APP_WAVES = { crds: 0, stack: 1, monitors: 2 } as const;

type GitOps = NonNullable<FleetModel['gitops']>;

// ---------- the Application kind (argoproj.io/v1alpha1, typed from the Argo CD CRD in imports/) ----------

export interface ApplicationProps {
  readonly name: string;
  readonly namespace: string;
  readonly wave?: number;
  readonly spec: ApplicationSpec;
}

/** An Argo CD Application with promfleet's metadata (labels, and the sync wave inside the app-of-apps). */
export function application(scope: Construct, id: string, props: ApplicationProps): Application {
  return new Application(scope, id, {
    metadata: meta(props.name, 'gitops', {
      namespace: props.namespace,
      annotations: props.wave === undefined ? undefined : { [SYNC_WAVE_ANNOTATION]: String(props.wave) },
    }),
    spec: props.spec,
  });
}

// ---------- what promfleet renders ----------

/** Path inside the Git repository of a folder of dist/. */
export function repoPath(gitops: GitOps, folder: string): string {
  const prefix = gitops.pathPrefix.replace(/^\.?\/*|\/+$/g, '');
  return prefix ? `${prefix}/${folder}` : folder;
}

/** Where a cluster's Applications deploy to: its `argocd` server or name, by default the cluster's name. */
export function destinationOf(cluster: ClusterModel): { server: string } | { name: string } {
  if (cluster.argocd.server) return { server: cluster.argocd.server };
  return { name: cluster.argocd.name ?? cluster.name };
}

// Retries let the stack Application converge when its CRD Application is still syncing (Argo CD does
// not wait for a child Application's health unless told to, see docs/operations.md).
const RETRY: ApplicationSpecSyncPolicyRetry = { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } };

function syncPolicy(gitops: GitOps, options: { prune?: boolean; syncOptions?: string[] } = {}): ApplicationSpecSyncPolicy {
  const auto = gitops.automated;
  // Fields left undefined are not rendered.
  return {
    automated: auto ? { prune: options.prune ?? auto.prune, selfHeal: auto.selfHeal } : undefined,
    syncOptions: options.syncOptions,
    retry: RETRY,
  };
}

/**
 * The Applications of one cluster: the operator CRDs (where `needsOperatorCrds`), its dist/ folder, and
 * the application monitors of each namespace, apart so that a missing namespace fails only its own.
 */
export function clusterApplications(scope: Construct, gitops: GitOps, cluster: ClusterModel): void {
  const namespaces = appMonitorNamespaces(cluster);
  const names = applicationNames(gitops, cluster.name, namespaces);
  const to = (namespace: string): ApplicationSpecDestination => ({ ...destinationOf(cluster), namespace });
  if (needsOperatorCrds(cluster)) {
    const crds = operatorCrdsSource(gitops, cluster);
    application(scope, 'crds', {
      name: names.crds,
      namespace: gitops.argocdNamespace,
      wave: APP_WAVES.crds,
      spec: {
        project: gitops.project,
        // No `directory`: Argo CD picks up the folder's own kustomization.yaml (only the CRD files).
        source: { repoUrl: crds.repoURL, path: crds.path, targetRevision: crds.targetRevision },
        // CRDs are cluster-scoped; the namespace only matches the destinations of the fleet's AppProject.
        destination: to(cluster.stack.namespace),
        // Never prune CRDs automatically: deleting one deletes every object of its kind in the cluster.
        syncPolicy: syncPolicy(gitops, { prune: false, syncOptions: ['ServerSideApply=true'] }),
      },
    });
  }
  application(scope, 'stack', {
    name: names.stack,
    namespace: gitops.argocdNamespace,
    wave: APP_WAVES.stack,
    spec: {
      project: gitops.project,
      source: {
        repoUrl: gitops.repoURL,
        targetRevision: gitops.targetRevision,
        path: repoPath(gitops, cluster.name),
        // Only manifests, and never secrets/: it is git-ignored, so Argo CD could not sync it anyway.
        directory: { recurse: true, include: '*.yaml', exclude: `${SECRETS_DIR}/*` },
      },
      destination: to(cluster.stack.namespace),
      // Server-side apply, as on the kubectl path: large objects (rules, CRs) exceed the client-side annotation limit.
      syncPolicy: syncPolicy(gitops, { syncOptions: ['ServerSideApply=true'] }),
    },
  });
  for (const ns of namespaces) {
    application(scope, `monitors-${ns}`, {
      name: names.monitors[ns],
      namespace: gitops.argocdNamespace,
      wave: APP_WAVES.monitors,
      spec: {
        project: gitops.project,
        source: {
          repoUrl: gitops.repoURL,
          targetRevision: gitops.targetRevision,
          path: repoPath(gitops, `${APP_MONITORS_DIR}/${cluster.name}`),
          directory: { recurse: false, include: `${ns}.yaml` },
        },
        destination: to(ns),
        // No CreateNamespace: the namespace is the application's; until it exists, only this Application fails.
        syncPolicy: syncPolicy(gitops, { syncOptions: ['ServerSideApply=true'] }),
      },
    });
  }
}

/**
 * The App rendered into dist/_argocd/: the app-of-apps, the fleet's AppProject (allowing the `kinds`
 * rendered into the cluster folders) and one file of Applications per cluster.
 */
export function buildArgoCdApp(fleet: FleetModel & { gitops: GitOps }, outdir: string, kinds: RenderedKinds = new RenderedKinds()): App {
  const { gitops } = fleet;
  const app = new App({ outdir: path.join(outdir, ARGOCD_DIR) });
  application(new FileChart(app, ROOT_FILE), 'root', {
    name: gitops.name,
    namespace: gitops.argocdNamespace,
    spec: {
      project: gitops.rootProject,
      source: {
        repoUrl: gitops.repoURL,
        targetRevision: gitops.targetRevision,
        path: repoPath(gitops, `${ARGOCD_DIR}/${APPS_DIR}`),
        directory: { recurse: false, include: '*.yaml' },
      },
      // Applications live in Argo CD's own namespace, on Argo CD's own cluster.
      destination: { server: IN_CLUSTER, namespace: gitops.argocdNamespace },
      syncPolicy: syncPolicy(gitops),
    },
  });
  if (gitops.renderProject) new FleetProject(new FileChart(app, `${APPS_DIR}/${PROJECT_FILE}`), 'project', { gitops, fleet, kinds, destinationOf });
  for (const cluster of fleet.clusters) clusterApplications(new FileChart(app, `${APPS_DIR}/${cluster.name}`), gitops, cluster);
  return app;
}
