// The validated, fully-resolved fleet: every default applied, every cluster's settings merged.
// Components read only this model, never the raw fleet file.
import * as path from 'path';
import { DEFAULT_GITOPS, DEFAULT_PKI, DEFAULT_QUERIER, DEFAULT_SIDECAR_PORT, DEFAULT_STACK, DEFAULT_STORE_GATEWAY, Resources } from './defaults';
import type { AlertmanagerRouteInput, ClusterInput, Fleet, StackSettingsInput } from './schema';

type Receiver = NonNullable<NonNullable<StackSettingsInput['alertmanager']>['receivers']>[number];
type InhibitRule = NonNullable<NonNullable<StackSettingsInput['alertmanager']>['inhibitRules']>[number];

export interface StackSettings {
  namespace: string;
  imageRegistry?: string;
  versions: typeof DEFAULT_STACK.versions;
  monitorSelector: Record<string, string>;
  operator: { enabled: boolean; resources: Resources };
  prometheus: {
    replicas: number;
    retention: string;
    retentionSize?: string;
    scrapeInterval: string;
    evaluationInterval: string;
    replicaLabel: string;
    storage: { size: string; storageClassName?: string } | null;
    resources: Resources;
  };
  alertmanager: {
    enabled: boolean;
    replicas: number;
    resources: Resources;
    route?: AlertmanagerRouteInput;
    receivers: Receiver[];
    inhibitRules: InhibitRule[];
  };
  nodeExporter: { enabled: boolean; resources: Resources };
  kubeStateMetrics: { enabled: boolean; resources: Resources };
  kubelet: { enabled: boolean };
  rules: { enabled: boolean };
}

type SidecarService = NonNullable<NonNullable<ClusterInput['thanos']>['service']>;

export interface SidecarModel {
  endpoint: { host: string; port: number };
  /** The Service that exposes the sidecar; its type is always set (LoadBalancer by default). */
  service: SidecarService & { type: NonNullable<SidecarService['type']> };
  ingress?: NonNullable<ClusterInput['thanos']>['ingress'];
  extraSANs: { dnsNames: string[]; ipAddresses: string[] };
  objectStorage?: { name: string; key: string };
  listenLocal: boolean;
}

type QuerierInput = NonNullable<ClusterInput['querier']>;

export interface StoreGatewayModel {
  objectStorage: { name: string; key: string };
  replicas: number;
  resources: Resources;
  storage?: { size: string; storageClassName?: string };
  /** Serve gRPC with mTLS from the fleet PKI. */
  tls: boolean;
}

export interface QuerierModel {
  replicas: number;
  resources: Resources;
  ingress?: QuerierInput['ingress'];
  storeGateway?: StoreGatewayModel;
  extraStores: NonNullable<QuerierInput['extraStores']>;
}

export interface ClusterModel {
  name: string;
  index: number;
  isObserver: boolean;
  isWorkload: boolean;
  /** Prometheus external labels, `cluster` first. */
  externalLabels: Record<string, string>;
  stack: StackSettings;
  /** Present on workload clusters. */
  sidecar?: SidecarModel;
  /** Present on observer clusters. */
  querier?: QuerierModel;
  serviceMonitors: NonNullable<ClusterInput['serviceMonitors']>;
  podMonitors: NonNullable<ClusterInput['podMonitors']>;
  /** Argo CD destination of the cluster's Applications (used when the fleet has `gitops`). */
  argocd: { server?: string; name?: string };
  /** Absolute path of the sealed-secrets controller certificate, when sealing is on. */
  sealedSecrets?: { certificate: string; scope: 'strict' | 'namespace-wide' | 'cluster-wide' };
}

export interface FleetModel {
  /** Absolute path of the fleet file (or '<inline>'). */
  source: string;
  /** Folder the fleet file's relative paths resolve from. */
  baseDir: string;
  clusters: ClusterModel[];
  pki: typeof DEFAULT_PKI;
  gitops?: typeof DEFAULT_GITOPS & { repoURL: string };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge: objects merge key by key, arrays and scalars replace, undefined is skipped. */
export function deepMerge<T>(base: T, ...layers: unknown[]): T {
  let out: unknown = base;
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (isPlainObject(out) && isPlainObject(layer)) {
      const merged: Record<string, unknown> = { ...out };
      for (const [k, v] of Object.entries(layer)) {
        if (v === undefined) continue;
        merged[k] = k in merged ? deepMerge(merged[k], v) : v;
      }
      out = merged;
    } else {
      out = layer;
    }
  }
  return out as T;
}

export function resolveFleet(fleet: Fleet, source: string): FleetModel {
  const baseDir = source === '<inline>' ? process.cwd() : path.dirname(source);
  const clusters = fleet.clusters.map((c, index): ClusterModel => {
    const stack = deepMerge(DEFAULT_STACK, fleet.defaults, c.overrides) as StackSettings;
    const isWorkload = c.roles.includes('workload');
    const isObserver = c.roles.includes('observer');
    const model: ClusterModel = {
      name: c.name,
      index,
      isObserver,
      isWorkload,
      externalLabels: { cluster: c.name, ...(c.externalLabels ?? {}) },
      stack,
      serviceMonitors: c.serviceMonitors ?? [],
      podMonitors: c.podMonitors ?? [],
      argocd: c.argocd ?? {},
    };
    if (isWorkload && c.thanos) {
      model.sidecar = {
        endpoint: { host: c.thanos.endpoint.host, port: c.thanos.endpoint.port ?? DEFAULT_SIDECAR_PORT },
        service: deepMerge({ type: 'LoadBalancer', loadBalancer: { scope: 'internal', provider: 'none' } }, c.thanos.service),
        ingress: c.thanos.ingress,
        extraSANs: { dnsNames: c.thanos.extraSANs?.dnsNames ?? [], ipAddresses: c.thanos.extraSANs?.ipAddresses ?? [] },
        objectStorage: c.thanos.objectStorage,
        listenLocal: c.thanos.listenLocal ?? false,
      };
    }
    if (isObserver) {
      const { storeGateway, ...querier } = c.querier ?? {};
      model.querier = {
        ...deepMerge({ ...DEFAULT_QUERIER }, querier),
        storeGateway: storeGateway && (deepMerge({ ...DEFAULT_STORE_GATEWAY }, storeGateway) as StoreGatewayModel),
        extraStores: querier.extraStores ?? [],
      };
    }
    if (c.sealedSecrets) {
      model.sealedSecrets = {
        certificate: path.resolve(baseDir, c.sealedSecrets.certificate),
        scope: c.sealedSecrets.scope ?? 'strict',
      };
    }
    return model;
  });
  const pki = deepMerge({ ...DEFAULT_PKI }, fleet.pki);
  return {
    source,
    baseDir,
    clusters,
    pki: { ...pki, dir: path.resolve(baseDir, pki.dir) },
    gitops: fleet.gitops ? (deepMerge({ ...DEFAULT_GITOPS }, fleet.gitops) as FleetModel['gitops']) : undefined,
  };
}
