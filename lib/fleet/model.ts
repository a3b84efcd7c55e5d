// The validated, fully-resolved fleet: every default applied, every cluster's settings merged.
// The fleet app maps it onto the props of the stacks; the shapes of the fleet file's settings
// (receivers, monitors, exposure) are named here, so that components take them as they are.
import * as path from 'path';
import {
  DEFAULT_GITOPS,
  DEFAULT_COMPACTOR,
  DEFAULT_CONTROL_PLANE_EXCLUDE,
  DEFAULT_GRAFANA,
  DEFAULT_GRAFANA_INGRESS,
  DEFAULT_GRAFANA_OIDC,
  DEFAULT_PKI,
  DEFAULT_PLATFORM,
  DEFAULT_QUERIER,
  DEFAULT_QUERIER_INGRESS,
  DEFAULT_QUERY_FRONTEND,
  DEFAULT_SEALED_SECRETS,
  DEFAULT_SIDECAR,
  DEFAULT_SIDECAR_PROBES,
  DEFAULT_THANOS_RULER,
  DEFAULT_STACK,
  DEFAULT_STORE_GATEWAY,
  Placement,
  Resources,
  SIDECAR_INGRESS_PORT,
} from './defaults';
import { DISCOVERY_SERVICE_TARGETS, KUBE_SYSTEM, scrapedTargets, type ControlPlaneTarget, type Platform } from './platforms';
import { runsWorkloadStack } from './roles';
import { replicaHosts, sidecarNodePort } from './sidecar-hosts';
import { CLUSTER_LABEL } from '../names';
import type { AlertmanagerRouteInput, AlertOverrideInput, ClusterInput, Fleet, StackSettingsInput } from './schema';

export type { Placement, Resources, Toleration } from './defaults';
export type { AlertmanagerRouteInput as AlertmanagerRoute } from './schema';

type AlertmanagerInput = NonNullable<StackSettingsInput['alertmanager']>;
/** A receiver of Alertmanager notifications; credentials are Secret keys, never values. */
export type AlertmanagerReceiver = NonNullable<AlertmanagerInput['receivers']>[number];
export type AlertmanagerInhibitRule = NonNullable<AlertmanagerInput['inhibitRules']>[number];
/** Where the always-firing Watchdog alert goes to prove the alerting pipeline works. */
export type AlertmanagerDeadMansSwitch = NonNullable<AlertmanagerInput['deadMansSwitch']>;
/** A receiver credential: a credential of the secret store, or a key of a Secret the user manages. */
export type ReceiverCredentialRef = NonNullable<AlertmanagerReceiver['pagerduty']>['routingKey'];
/** A ServiceMonitor or PodMonitor of an application, in the application's namespace. */
export type AppMonitor = NonNullable<ClusterInput['serviceMonitors']>[number];
/** A key of a Secret the user manages. */
export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}
type ThanosInput = NonNullable<ClusterInput['thanos']>;
/** The Service that exposes a sidecar to the observer. */
export type SidecarService = NonNullable<ThanosInput['service']>;
/** An Ingress in front of the sidecars (TLS passed through to them); its hosts are those of the replicas' endpoints. */
export type SidecarIngress = Omit<NonNullable<ThanosInput['ingress']>, 'host' | 'hosts'>;
/** Where the observer dials one Prometheus replica's sidecar. */
export interface SidecarReplicaEndpoint {
  host: string;
  port: number;
}
type QuerierInput = NonNullable<ClusterInput['querier']>;
type QuerierIngressInput = NonNullable<QuerierInput['ingress']>;
/** Where the certificate of the Querier's Ingress comes from: `secretName` is the Secret the Ingress serves. */
export type QuerierIngressTls =
  | { readonly source: 'pki' | 'secret'; readonly secretName: string }
  | { readonly source: 'cert-manager'; readonly secretName: string; readonly issuer: { readonly kind: 'Issuer' | 'ClusterIssuer'; readonly name: string } }
  | { readonly source: 'none' };
/** The sign-in in front of the Querier (ingress-nginx annotations). */
export type QuerierIngressAuth =
  | { readonly type: 'basic'; readonly username: string; readonly secretName: string; readonly realm: string }
  | { readonly type: 'oauth2-proxy'; readonly url: string; readonly signinUrl: string }
  | { readonly type: 'none' };
/** An Ingress for the Querier's UI and HTTP API, with its TLS and sign-in resolved. */
export interface QuerierIngress {
  readonly host: string;
  readonly className?: string;
  readonly annotations?: Record<string, string>;
  readonly tls: QuerierIngressTls;
  readonly auth: QuerierIngressAuth;
}
type GrafanaInput = NonNullable<ClusterInput['grafana']>;
/** An Ingress for the Grafana UI with its TLS resolved; Grafana signs users in itself. */
export interface GrafanaIngress {
  readonly host: string;
  readonly className?: string;
  readonly annotations?: Record<string, string>;
  readonly tls: QuerierIngressTls;
}
/** Sign-in through an OpenID Connect provider, every default applied; the client secret is where it is kept, never its value. */
export interface GrafanaOidc {
  readonly type: 'oidc';
  readonly name: string;
  readonly clientId: string;
  readonly clientSecret: ReceiverCredentialRef;
  readonly authUrl: string;
  readonly tokenUrl: string;
  readonly apiUrl: string;
  readonly scopes: string[];
  readonly usePkce: boolean;
  readonly roleAttributePath?: string;
  readonly roleAttributeStrict: boolean;
  readonly groupsAttributePath?: string;
  readonly allowedGroups: string[];
  readonly allowedDomains: string[];
  readonly allowSignUp: boolean;
  readonly autoLogin: boolean;
  readonly disableLoginForm: boolean;
}
/** How users sign in to Grafana: the built-in admin always, and an OpenID Connect provider with `oidc`. */
export type GrafanaAuth = { readonly type: 'builtin' } | GrafanaOidc;
/** An Alertmanager that Grafana shows as a datasource. */
export interface GrafanaAlertmanager {
  readonly name: string;
  readonly url: string;
}
export interface GrafanaModel {
  replicas: number;
  resources: Resources;
  placement: Placement;
  ingress?: GrafanaIngress;
  persistence?: { size: string; storageClassName?: string };
  auth: GrafanaAuth;
  /** User name of the built-in admin, whose password promfleet generates. */
  adminUser: string;
  alertmanagers: GrafanaAlertmanager[];
  /** Add the cluster's own Alertmanager (an observer that is also a workload cluster) as a datasource. */
  localAlertmanager: boolean;
}
/** A StoreAPI outside the fleet that the Querier also reaches. */
export type ExtraStore = NonNullable<QuerierInput['extraStores']>[number];

/** The upstream release of each image of the stack. */
export type StackVersions = typeof DEFAULT_STACK.versions;

export interface StackSettings {
  namespace: string;
  imageRegistry?: string;
  /** Secrets (in the stack namespace) every pod pulls its images with. */
  imagePullSecrets: string[];
  versions: StackVersions;
  monitorSelector: Record<string, string>;
  operator: { enabled: boolean; resources: Resources; placement: Placement; controllerId?: string; namespaces?: string[] };
  prometheus: {
    replicas: number;
    retention: string;
    retentionSize?: string;
    scrapeInterval: string;
    evaluationInterval: string;
    replicaLabel: string;
    storage: { size: string; storageClassName?: string } | null;
    resources: Resources;
    placement: Placement;
  };
  alertmanager: {
    enabled: boolean;
    replicas: number;
    resources: Resources;
    placement: Placement;
    route?: AlertmanagerRouteInput;
    receivers: AlertmanagerReceiver[];
    deadMansSwitch?: AlertmanagerDeadMansSwitch;
    inhibitRules: AlertmanagerInhibitRule[];
  };
  nodeExporter: { enabled: boolean; resources: Resources; placement: Placement };
  kubeStateMetrics: { enabled: boolean; resources: Resources; placement: Placement };
  kubelet: { enabled: boolean; manageService: boolean };
  rules: { enabled: boolean; disabled: { groups: string[]; alerts: string[] }; alerts: Record<string, AlertOverrideInput> };
  /** `bucket`: the name of the bucket (of FleetModel.buckets) the sidecars upload to; null or absent uploads nothing. */
  thanosSidecar: { resources: Resources; bucket?: string | null };
  networkPolicies: { enabled: boolean; apiServerPorts: number[]; querierClients: string[] | null };
}

export interface SidecarModel {
  /**
   * Where the observer dials each replica's sidecar, one per Prometheus replica in replica order: the
   * `thanos.endpoint` names at its port, or the `thanos.ingress` names at port 443. Empty on an observer that
   * monitors itself without `thanos`: only its own Querier reads it, in-cluster, and nothing exposes it.
   */
  endpoints: SidecarReplicaEndpoint[];
  /** The per-replica Services; their type is always set (LoadBalancer by default, ClusterIP behind an Ingress). */
  service: SidecarService & { type: NonNullable<SidecarService['type']> };
  /** Set when the observer goes through an Ingress in TLS-passthrough mode. */
  ingress?: SidecarIngress;
  extraSANs: { dnsNames: string[]; ipAddresses: string[] };
  /** The bucket the sidecars upload every block to. */
  bucket?: NamedBucket;
  listenLocal: boolean;
}

/** Where the Store Gateway caches index entries: each pod's memory (`maxSize` a quantity), or a memcached. */
export type IndexCache = { readonly type: 'inMemory'; readonly maxSize: string } | { readonly type: 'memcached'; readonly addresses: readonly string[] };

/** Where the query frontend caches results: each pod's memory (`maxSize` per cache), a memcached or a redis. */
export type ResultsCache = IndexCache | { readonly type: 'redis'; readonly address: string };

/**
 * How the bucket is split across Store Gateway shards: by a hash of each block's ID into `shards`, or by time at
 * `boundaries` (oldest first; n boundaries make n + 1 shards).
 */
export type StoreGatewaySharding = { readonly type: 'hash'; readonly shards: number } | { readonly type: 'time'; readonly boundaries: readonly string[] };

export interface StoreGatewayModel {
  /** The bucket it serves. */
  bucket: NamedBucket;
  replicas: number;
  resources: Resources;
  placement: Placement;
  storage?: { size: string; storageClassName?: string };
  /** Serve gRPC with mTLS from the fleet PKI. */
  tls: boolean;
  indexCache: IndexCache;
  /** Absent: one Store Gateway serves the whole bucket. */
  sharding?: StoreGatewaySharding;
}

export interface QueryFrontendModel {
  replicas: number;
  resources: Resources;
  placement: Placement;
  splitInterval: string;
  maxRetries: number;
  cache: ResultsCache;
}

export interface QuerierModel {
  replicas: number;
  resources: Resources;
  placement: Placement;
  ingress?: QuerierIngress;
  storeGateway?: StoreGatewayModel;
  /** Absent when switched off: clients then use the Querier itself. */
  frontend?: QueryFrontendModel;
  compactor?: CompactorModel;
  extraStores: ExtraStore[];
  /** The blackbox probes of every store above. */
  probes: SidecarProbesModel;
  /** The ThanosRuler of the fleet-level alerts, where the observer monitors itself. */
  ruler: ThanosRulerModel;
}

/** An observer's ThanosRuler. */
export interface ThanosRulerModel {
  replicas: number;
  evaluationInterval: string;
  resources: Resources;
  placement: Placement;
}

/** An observer's blackbox exporter and the Probes of the stores its Querier dials. */
export interface SidecarProbesModel {
  enabled: boolean;
  interval: string;
  resources: Resources;
  placement: Placement;
}

/** An object storage bucket of the fleet file, in Thanos objstore terms (see `bucket` in schema.ts). */
export type Bucket = NonNullable<Fleet['buckets']>[string];

/** A bucket of the fleet file with its name (which names its Secret). */
export interface NamedBucket {
  readonly name: string;
  readonly spec: Bucket;
}

/** The compactor of one bucket, on an observer. */
export interface CompactorModel {
  /** The bucket it compacts. */
  bucket: NamedBucket;
  /** Thanos durations; "0d" keeps a resolution forever. */
  retention: { raw: string; fiveMinutes: string; oneHour: string };
  downsampling: { enabled: boolean };
  deduplication: { enabled: boolean };
  storage: { size: string; storageClassName?: string };
  resources: Resources;
  placement: Placement;
}

/**
 * What the workload stack adds: a Prometheus (with its Thanos sidecar) that scrapes the cluster. Every workload
 * cluster has it, and so does an observer that monitors itself (`selfMonitoring`).
 */
export interface WorkloadRole {
  /** Prometheus external labels, `cluster` first. */
  readonly externalLabels: Record<string, string>;
  /** Every such cluster has one: observers reach its Prometheus only through it. */
  readonly sidecar: SidecarModel;
  readonly serviceMonitors: AppMonitor[];
  readonly podMonitors: AppMonitor[];
}

/** What the observer role adds: the Thanos Querier over the fleet (and its Store Gateway). */
export interface ObserverRole {
  readonly querier: QuerierModel;
  /**
   * The external label that tells Prometheus replicas apart; the Querier deduplicates on it.
   * Every workload cluster must use the same one (checked before rendering).
   */
  readonly replicaLabel: string;
  /** Grafana over the Querier; absent when `grafana.enabled` is false. */
  readonly grafana?: GrafanaModel;
}

export interface ClusterModel {
  name: string;
  index: number;
  stack: StackSettings;
  /** Present when the cluster runs the workload stack: the workload role, or an observer that monitors itself. */
  workload?: WorkloadRole;
  /** Present when the cluster has the observer role. */
  observer?: ObserverRole;
  /** Argo CD destination of the cluster's Applications (used when the fleet has `gitops`). */
  argocd: { server?: string; name?: string };
  /** The kind of cluster, which decides the control-plane components scraped (see PLATFORM_TARGETS). */
  platform: Platform;
  /** etcd's client certificate files (absolute paths), when the fleet file gives them. */
  etcd?: EtcdClientFiles;
  /** Control-plane components the platform exposes that the cluster does not scrape. */
  controlPlaneExclude: ControlPlaneTarget[];
  /** Absolute path of the sealed-secrets controller certificate, when sealing is on. */
  sealedSecrets?: { certificate: string; scope: 'strict' | 'namespace-wide' | 'cluster-wide' };
}

/** Where the user keeps etcd's client certificate: promfleet imports it into the PKI store. */
export interface EtcdClientFiles {
  ca: string;
  cert: string;
  key: string;
  serverName?: string;
}

/** A cluster that runs the workload stack: the workload role, or an observer that monitors itself. */
export type WorkloadCluster = ClusterModel & { readonly workload: WorkloadRole };
/** A cluster with the observer role (it may also be a workload cluster). */
export type ObserverCluster = ClusterModel & { readonly observer: ObserverRole };

export function isWorkload(cluster: ClusterModel): cluster is WorkloadCluster {
  return cluster.workload !== undefined;
}

/** Whether other observers can reach the cluster's sidecars: it declares where (`thanos.endpoint` or `thanos.ingress`). */
export function sidecarExposed(cluster: WorkloadCluster): boolean {
  return cluster.workload.sidecar.endpoints.length > 0;
}

export function isObserver(cluster: ClusterModel): cluster is ObserverCluster {
  return cluster.observer !== undefined;
}

/**
 * The namespaces of a cluster's application monitors, sorted, each once (none on a cluster without the workload
 * role); with kube-system where the control plane's discovery Services go, which are applied the same way.
 */
export function appMonitorNamespaces(cluster: ClusterModel): string[] {
  if (!cluster.workload) return [];
  const { serviceMonitors, podMonitors } = cluster.workload;
  const discovery = hasDiscoveryServices(cluster) ? [KUBE_SYSTEM] : [];
  return [...new Set([...serviceMonitors, ...podMonitors].map((m) => m.namespace).concat(discovery))].sort();
}

/** Whether the cluster scrapes a control-plane component through a Service promfleet renders in kube-system. */
export function hasDiscoveryServices(cluster: ClusterModel): boolean {
  return !!cluster.workload && scrapedTargets(cluster.platform, !!cluster.etcd, cluster.controlPlaneExclude).some((t) => DISCOVERY_SERVICE_TARGETS.includes(t));
}

export interface FleetModel {
  /** Absolute path of the fleet file (or '<inline>'). */
  source: string;
  /** Folder the fleet file's relative paths resolve from. */
  baseDir: string;
  /** The fleet file as validated, before merging: checks in later layers name the field a merged setting came from. */
  input: Fleet;
  clusters: ClusterModel[];
  /** The buckets of the fleet file, by name. */
  buckets: Record<string, Bucket>;
  pki: typeof DEFAULT_PKI & { encryption?: PkiEncryption };
  gitops?: typeof DEFAULT_GITOPS & { repoURL: string };
}

/** pki.encryption: the store's secret files are encrypted to these age recipients. */
export interface PkiEncryption {
  recipients: string[];
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
  const stacks = fleet.clusters.map((c) => deepMerge(DEFAULT_STACK, fleet.defaults, c.overrides) as StackSettings);
  // The fleet checks make every workload cluster use the same label; the default covers a fleet without one.
  const workloadAt = fleet.clusters.findIndex((c) => runsWorkloadStack(c));
  const replicaLabel = workloadAt < 0 ? DEFAULT_STACK.prometheus.replicaLabel : stacks[workloadAt].prometheus.replicaLabel;
  // The fleet checks reject a bucket name that buckets does not declare before the model is built.
  const named = (name: string): NamedBucket => {
    const spec = fleet.buckets?.[name];
    if (!spec) throw new Error(`bucket "${name}" is not declared in buckets`);
    return { name, spec };
  };
  const clusters = fleet.clusters.map((c, index): ClusterModel => {
    const platform = c.platform ?? fleet.defaults?.platform ?? DEFAULT_PLATFORM;
    const controlPlaneExclude = c.controlPlane?.exclude ?? [...DEFAULT_CONTROL_PLANE_EXCLUDE];
    const model: ClusterModel = { name: c.name, index, stack: stacks[index], argocd: c.argocd ?? {}, platform, controlPlaneExclude };
    const etcd = c.controlPlane?.etcd;
    if (etcd) {
      const { ca, cert, key } = etcd.tls;
      model.etcd = { ca: path.resolve(baseDir, ca), cert: path.resolve(baseDir, cert), key: path.resolve(baseDir, key), serverName: etcd.serverName };
    }
    if (runsWorkloadStack(c)) {
      const upload = stacks[index].thanosSidecar.bucket;
      model.workload = workloadRole(c, stacks[index].prometheus.replicas, upload ? named(upload) : undefined);
    }
    if (c.roles.includes('observer')) {
      const { storeGateway, compactor, ingress, probes, frontend, ruler, ...querier } = c.querier ?? {};
      model.observer = {
        querier: {
          ...deepMerge({ ...DEFAULT_QUERIER }, querier),
          ingress: ingress && querierIngress(ingress),
          storeGateway: storeGateway && { ...storeGatewayModel(storeGateway), bucket: named(storeGateway.bucket) },
          frontend: queryFrontendModel(frontend),
          compactor: compactor && { ...deepMerge({ ...DEFAULT_COMPACTOR }, compactor), bucket: named(compactor.bucket) },
          extraStores: querier.extraStores ?? [],
          probes: deepMerge<SidecarProbesModel>({ ...DEFAULT_SIDECAR_PROBES }, probes),
          ruler: thanosRulerModel(ruler),
        },
        replicaLabel,
        grafana: grafanaModel(c.grafana),
      };
    }
    if (c.sealedSecrets) {
      model.sealedSecrets = {
        certificate: path.resolve(baseDir, c.sealedSecrets.certificate),
        scope: c.sealedSecrets.scope ?? DEFAULT_SEALED_SECRETS.scope,
      };
    }
    return model;
  });
  const pki = deepMerge({ ...DEFAULT_PKI }, fleet.pki);
  return {
    source,
    baseDir,
    input: fleet,
    clusters,
    buckets: fleet.buckets ?? {},
    pki: { ...pki, dir: path.resolve(baseDir, pki.dir) },
    gitops: fleet.gitops ? (deepMerge({ ...DEFAULT_GITOPS }, fleet.gitops) as FleetModel['gitops']) : undefined,
  };
}

function workloadRole(c: ClusterInput, replicas: number, bucket: NamedBucket | undefined): WorkloadRole {
  // The fleet checks reject a workload cluster without `thanos` before the model is built; an observer that
  // monitors itself may leave it out: its own Querier dials the sidecar in-cluster, and no other observer does.
  if (!c.thanos && c.roles.includes('workload')) throw new Error(`cluster "${c.name}" has the workload role but no thanos section`);
  const thanos: ThanosInput = c.thanos ?? {};
  const { ingress } = thanos;
  return {
    externalLabels: { [CLUSTER_LABEL]: c.name, ...(c.externalLabels ?? {}) },
    sidecar: {
      endpoints: c.thanos ? sidecarEndpoints(thanos, replicas) : [],
      // Behind an Ingress the Services only back it: a load balancer would expose the sidecars a second time.
      service: ingress ? { ...thanos.service, type: 'ClusterIP' } : deepMerge(DEFAULT_SIDECAR.service, thanos.service),
      ingress: ingress && { className: ingress.className, annotations: ingress.annotations },
      extraSANs: { dnsNames: thanos.extraSANs?.dnsNames ?? [], ipAddresses: thanos.extraSANs?.ipAddresses ?? [] },
      bucket,
      listenLocal: thanos.listenLocal ?? DEFAULT_SIDECAR.listenLocal,
    },
    serviceMonitors: c.serviceMonitors ?? [],
    podMonitors: c.podMonitors ?? [],
  };
}

/** The sidecar endpoint of each replica: through the Ingress (port 443) when there is one, else the endpoint's load balancers. */
function sidecarEndpoints(thanos: ThanosInput, replicas: number): SidecarReplicaEndpoint[] {
  if (thanos.ingress) return replicaHosts(thanos.ingress, replicas).map((host) => ({ host, port: SIDECAR_INGRESS_PORT }));
  const port = thanos.endpoint?.port ?? DEFAULT_SIDECAR.port;
  // NodePorts are unique across a cluster: replica r gets the endpoint's port + r (see sidecarNodePort).
  const nodePort = thanos.service?.type === 'NodePort';
  return replicaHosts(thanos.endpoint ?? {}, replicas).map((host, r) => ({ host, port: nodePort ? sidecarNodePort(port, r) : port }));
}

/** A cache as the fleet file gives it, with the fields of its type only (the fleet checks rejected the others). */
function resolveCache(input: { type?: string; maxSize?: string; addresses?: string[]; address?: string } | undefined, d: IndexCache): ResultsCache {
  const type = input?.type ?? d.type;
  if (type === 'memcached') return { type, addresses: input?.addresses ?? [] };
  if (type === 'redis') return { type, address: input?.address ?? '' };
  return { type: 'inMemory', maxSize: input?.maxSize ?? (d.type === 'inMemory' ? d.maxSize : '') };
}

function storeGatewayModel(input: NonNullable<QuerierInput['storeGateway']>): StoreGatewayModel {
  const { indexCache, sharding, ...rest } = input;
  const model = deepMerge({ ...DEFAULT_STORE_GATEWAY }, rest) as StoreGatewayModel;
  model.indexCache = resolveCache(indexCache, DEFAULT_STORE_GATEWAY.indexCache) as IndexCache;
  if (sharding) {
    model.sharding = sharding.type === 'hash' ? { type: 'hash', shards: sharding.shards ?? 2 } : { type: 'time', boundaries: sharding.boundaries ?? [] };
  } else delete model.sharding;
  return model;
}

function queryFrontendModel(input: QuerierInput['frontend']): QueryFrontendModel | undefined {
  const { enabled, cache, ...rest } = input ?? {};
  if (!(enabled ?? DEFAULT_QUERY_FRONTEND.enabled)) return undefined;
  const { enabled: _on, cache: _cache, ...defaults } = DEFAULT_QUERY_FRONTEND;
  return { ...deepMerge(defaults, rest), cache: resolveCache(cache, DEFAULT_QUERY_FRONTEND.cache) };
}

/** An Ingress's TLS with its defaults (`D`): the fleet checks rejected what does not fit. */
function ingressTls(tls: NonNullable<QuerierIngressInput['tls']>, D: { source: 'pki'; secretName: string }, field: string): QuerierIngressTls {
  const source = tls.source ?? D.source;
  const secretName = tls.secretName ?? D.secretName;
  const issuer = tls.issuer
    ? { kind: 'Issuer' as const, name: tls.issuer }
    : tls.clusterIssuer
      ? { kind: 'ClusterIssuer' as const, name: tls.clusterIssuer }
      : undefined;
  if (source === 'none') return { source };
  if (source === 'cert-manager') {
    if (!issuer) throw new Error(`${field}.tls: source cert-manager without an issuer`);
    return { source, secretName, issuer };
  }
  return { source, secretName };
}

/** The Querier's Ingress with the defaults of TLS and sign-in (the fleet checks rejected what does not fit). */
function querierIngress(input: QuerierIngressInput): QuerierIngress {
  const { tls = {}, auth = {}, ...rest } = input;
  const D = DEFAULT_QUERIER_INGRESS;
  const resolvedTls = ingressTls(tls, D.tls, 'querier.ingress');
  const type = auth.type ?? D.auth.type;
  let resolvedAuth: QuerierIngressAuth;
  if (type === 'none') resolvedAuth = { type };
  else if (type === 'oauth2-proxy') {
    if (!auth.url || !auth.signinUrl) throw new Error('querier.ingress.auth: oauth2-proxy without url and signinUrl');
    resolvedAuth = { type, url: auth.url, signinUrl: auth.signinUrl };
  } else resolvedAuth = { type, username: auth.username ?? D.auth.username, secretName: D.auth.secretName, realm: D.auth.realm };
  return { ...rest, tls: resolvedTls, auth: resolvedAuth };
}

/** An observer's Grafana with every default applied; undefined when switched off. */
function grafanaModel(input: GrafanaInput = {}): GrafanaModel | undefined {
  const D = DEFAULT_GRAFANA;
  if (!(input.enabled ?? D.enabled)) return undefined;
  const { ingress, auth } = input;
  return {
    replicas: input.replicas ?? D.replicas,
    resources: deepMerge(D.resources, input.resources),
    placement: deepMerge(D.placement, input.placement),
    ingress: ingress && {
      host: ingress.host,
      className: ingress.className,
      annotations: ingress.annotations,
      tls: ingressTls(ingress.tls ?? {}, DEFAULT_GRAFANA_INGRESS.tls, 'grafana.ingress'),
    },
    persistence: input.persistence,
    auth: auth?.type === 'oidc' ? grafanaOidc(auth) : { type: 'builtin' },
    adminUser: D.adminUser,
    alertmanagers: input.alertmanagers ?? [],
    localAlertmanager: input.localAlertmanager ?? D.localAlertmanager,
  };
}

/** OpenID Connect sign-in with its defaults (the fleet checks made sure the required fields are there). */
function grafanaOidc(auth: NonNullable<GrafanaInput['auth']>): GrafanaOidc {
  const D = DEFAULT_GRAFANA_OIDC;
  const { clientId, clientSecret, authUrl, tokenUrl, apiUrl } = auth;
  if (!clientId || !clientSecret || !authUrl || !tokenUrl || !apiUrl) throw new Error('grafana.auth: type oidc without its client and endpoints');
  return {
    type: 'oidc',
    name: auth.name ?? D.name,
    clientId,
    clientSecret,
    authUrl,
    tokenUrl,
    apiUrl,
    scopes: auth.scopes ?? D.scopes,
    usePkce: auth.usePkce ?? D.usePkce,
    roleAttributePath: auth.roleAttributePath,
    roleAttributeStrict: auth.roleAttributeStrict ?? D.roleAttributeStrict,
    groupsAttributePath: auth.groupsAttributePath,
    allowedGroups: auth.allowedGroups ?? D.allowedGroups,
    allowedDomains: auth.allowedDomains ?? D.allowedDomains,
    allowSignUp: auth.allowSignUp ?? D.allowSignUp,
    autoLogin: auth.autoLogin ?? D.autoLogin,
    disableLoginForm: auth.disableLoginForm ?? D.disableLoginForm,
  };
}

function thanosRulerModel(input: QuerierInput['ruler']): ThanosRulerModel {
  const { replicas, evaluationInterval, resources, placement } = DEFAULT_THANOS_RULER;
  return deepMerge<ThanosRulerModel>({ replicas, evaluationInterval, resources, placement }, input);
}
