// Apply order for Argo CD, decided in one place from each object's kind and API group, and written
// on every object of dist/<cluster>/ (kubectl ignores these annotations, so dist/ is the same for
// both delivery paths). Argo CD applies wave by wave and waits for a wave to be healthy before the next.
import { ApiObject, App } from 'cdk8s';

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
/** Lets Argo CD sync a custom resource whose CRD the separate CRD Application has not installed yet. */
export const SKIP_DRY_RUN = 'SkipDryRunOnMissingResource=true';

export const WAVES = {
  /** The stack's Namespace. */
  namespace: 0,
  /** Identities, permissions, NetworkPolicies and configuration that pods and the operator need at start-up. */
  config: 1,
  /** Controllers: the Prometheus Operator, exporters, the Querier. */
  workload: 2,
  /** monitoring.coreos.com objects: once the operator runs, it acts on them at once. */
  customResource: 3,
  /**
   * Services, Ingresses and PodDisruptionBudgets come last: nothing needs them to exist at creation, and a
   * LoadBalancer or Ingress stays "Progressing" until the cloud provisions it, which must not hold back the rest.
   */
  exposure: 4,
} as const;

const BY_KIND: Record<string, number> = {
  Namespace: WAVES.namespace,
  ServiceAccount: WAVES.config,
  ClusterRole: WAVES.config,
  ClusterRoleBinding: WAVES.config,
  Role: WAVES.config,
  RoleBinding: WAVES.config,
  Secret: WAVES.config,
  SealedSecret: WAVES.config,
  ConfigMap: WAVES.config,
  // In place before the pods they protect start.
  NetworkPolicy: WAVES.config,
  // It must admit the critical pods before their controllers create them.
  ResourceQuota: WAVES.config,
  Service: WAVES.exposure,
  Ingress: WAVES.exposure,
  PodDisruptionBudget: WAVES.exposure,
};

export const CUSTOM_RESOURCE_GROUP = 'monitoring.coreos.com';

function group(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The sync wave of an object of this kind. */
export function syncWave(apiVersion: string, kind: string): number {
  if (group(apiVersion) === CUSTOM_RESOURCE_GROUP) return WAVES.customResource;
  return BY_KIND[kind] ?? WAVES.workload;
}

/** Annotates every object of a cluster's App with its sync wave (and sync options where needed). */
export function annotateSyncWaves(app: App): void {
  for (const c of app.node.findAll()) {
    if (!ApiObject.isApiObject(c)) continue;
    c.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(syncWave(c.apiVersion, c.kind)));
    if (group(c.apiVersion) === CUSTOM_RESOURCE_GROUP) c.metadata.addAnnotation(SYNC_OPTIONS_ANNOTATION, SKIP_DRY_RUN);
  }
}
