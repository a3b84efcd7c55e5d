// Built-in defaults, beneath the fleet file's `defaults` and each cluster's `overrides`.
// This file is the only place a static default is written down: lib/fleet/schema.ts annotates each
// field with its value here, so fleet.schema.json (`npm run schema`) and docs/fleet-reference.md
// (`npm run docs`) show it. Image versions are pinned to upstream releases; bump them here.
import type { ControlPlaneTarget, Platform } from './platforms';

/**
 * Upstream releases, pinned together. Prometheus, Alertmanager and Thanos are the releases shipped
 * alongside Prometheus Operator v0.93.0 (what kube-prometheus-stack 88.x pairs with it);
 * node-exporter and kube-state-metrics are their latest v1.x / v2.x releases.
 */
export const DEFAULT_VERSIONS = {
  prometheusOperator: 'v0.93.0',
  prometheus: 'v3.13.2',
  alertmanager: 'v0.33.1',
  thanos: 'v0.42.4',
  nodeExporter: 'v1.12.1',
  kubeStateMetrics: 'v2.20.0',
  // The release kube-prometheus pairs with operator v0.93 (jsonnet/kube-prometheus/versions.json).
  kubeRbacProxy: 'v0.22.1',
  // The latest release when operator v0.93 shipped (kube-prometheus pins the latest); the observer's store probes.
  blackboxExporter: 'v0.28.0',
  // Grafana OSS, the observer's dashboards (docker.io/grafana/grafana; its tags carry no "v").
  grafana: '12.4.5',
};

/** Pods that run on Linux nodes only: every image of the stack is built for Linux. */
const LINUX_NODES: Placement = { nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: [] };
/** The operator renders its own pods; these add nothing to what it does by default. */
const OPERATOR_MANAGED: Placement = { nodeSelector: {}, tolerations: [] };

export const DEFAULT_STACK = {
  namespace: 'monitoring',
  imageRegistry: undefined as string | undefined,
  imagePullSecrets: [] as string[],
  versions: DEFAULT_VERSIONS,
  monitorSelector: { 'prometheus.io/monitor': 'true' } as Record<string, string>,
  operator: {
    enabled: true,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } } as Resources,
    placement: LINUX_NODES,
    // Scoping for a cluster that runs another Prometheus Operator: none by default.
    controllerId: undefined as string | undefined,
    namespaces: undefined as string[] | undefined,
  },
  prometheus: {
    replicas: 2,
    retention: '15d',
    retentionSize: undefined as string | undefined,
    scrapeInterval: '30s',
    evaluationInterval: '30s',
    replicaLabel: 'prometheus_replica',
    storage: { size: '50Gi', storageClassName: undefined as string | undefined } as { size: string; storageClassName?: string } | null,
    resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { memory: '4Gi' } } as Resources,
    placement: OPERATOR_MANAGED,
  },
  alertmanager: {
    enabled: true,
    replicas: 2,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } } as Resources,
    placement: OPERATOR_MANAGED,
    route: undefined as unknown,
    receivers: [] as unknown[],
    // As kube-prometheus, per cluster: a critical alert silences the warnings and infos of the same alert in the
    // same place, a warning its infos, and InfoInhibitor (firing while info alerts are the only ones) those infos.
    inhibitRules: [
      { sourceMatchers: ['severity="critical"'], targetMatchers: ['severity=~"warning|info"'], equal: ['cluster', 'namespace', 'alertname'] },
      { sourceMatchers: ['severity="warning"'], targetMatchers: ['severity="info"'], equal: ['cluster', 'namespace', 'alertname'] },
      { sourceMatchers: ['alertname="InfoInhibitor"'], targetMatchers: ['severity="info"'], equal: ['cluster', 'namespace'] },
    ] as unknown[],
  },
  nodeExporter: {
    enabled: true,
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '180Mi' } } as Resources,
    // On every node, whatever its taints, and never evicted before the workloads whose node it reports on.
    placement: { ...LINUX_NODES, tolerations: [{ operator: 'Exists' }], priorityClassName: 'system-node-critical' } as Placement,
  },
  kubeStateMetrics: {
    enabled: true,
    resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } } as Resources,
    placement: LINUX_NODES,
  },
  kubelet: { enabled: true, manageService: true },
  // Every rule of the catalogue as it is; `alerts` changes alerts by name (for, severity, labels, threshold).
  rules: { enabled: true, disabled: { groups: [] as string[], alerts: [] as string[] }, alerts: {} as Record<string, never> },
  thanosSidecar: {
    // The sidecar streams series to the Querier: its memory grows with the queries it serves.
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '1Gi' } } as Resources,
  },
  networkPolicies: {
    enabled: true,
    // Where the API server's address is unknown, its port is all a NetworkPolicy can name: 443 on most
    // managed clusters, 6443 on kubeadm, k3s and kind.
    apiServerPorts: [443, 6443],
    // The namespace the ingress-nginx manifests and chart install into: the Querier's UI is reached through it.
    querierClients: ['ingress-nginx'] as string[] | null,
  },
};

/** A toleration of a pod, as in the Kubernetes pod spec. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

/** Where a component's pods may run, and how they rank when a node runs short. */
export interface Placement {
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  priorityClassName?: string;
}

/** Resources of each kube-rbac-proxy container in front of an exporter's metrics (as kube-prometheus sizes it). */
export const KUBE_RBAC_PROXY_RESOURCES: Resources = { requests: { cpu: '10m', memory: '20Mi' }, limits: { memory: '40Mi' } };

/**
 * Share of the Prometheus volume that `retentionSize` defaults to: the rest leaves room for the WAL
 * beyond the cap, for a compaction writing its new block before it deletes the old ones, and for
 * the filesystem's own overhead, so the volume never fills up before retention deletes data.
 */
export const RETENTION_SIZE_SHARE = 0.8;

/**
 * Priority classes that managed clouds (GKE) admit outside kube-system only in a namespace with a
 * ResourceQuota whose scope selects them.
 */
export const QUOTA_LIMITED_PRIORITY_CLASSES: readonly string[] = ['system-node-critical', 'system-cluster-critical'];

export interface Resources {
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
}

export const DEFAULT_SIDECAR_PORT = 10901;

/**
 * The platform of a cluster that names none: the one that is safe everywhere, scraping the API server and the
 * kubelets only (see PLATFORM_TARGETS in lib/fleet/platforms.ts).
 */
export const DEFAULT_PLATFORM: Platform = 'generic';

/** Control-plane components a cluster leaves unscraped although its platform exposes them: none. */
export const DEFAULT_CONTROL_PLANE_EXCLUDE: ControlPlaneTarget[] = [];

/** The port an Ingress controller serves TLS on: the observer dials the sidecars behind a `thanos.ingress` there. */
export const SIDECAR_INGRESS_PORT = 443;

/** How a workload cluster's sidecar is exposed when `clusters[].thanos` leaves it out. */
export const DEFAULT_SIDECAR = {
  port: DEFAULT_SIDECAR_PORT,
  service: { type: 'LoadBalancer' as const, loadBalancer: { scope: 'internal' as const, provider: 'none' as const } },
  listenLocal: false,
};

/** Settings of the root Alertmanager route that the fleet file does not set. */
export const DEFAULT_ROOT_ROUTE = {
  groupBy: ['cluster', 'namespace', 'alertname'],
  groupWait: '30s',
  groupInterval: '5m',
  repeatInterval: '12h',
};

/** The Watchdog route of `alertmanager.deadMansSwitch`: sent at once, then again every minute or so. */
export const DEFAULT_DEAD_MANS_SWITCH = {
  groupWait: '0s',
  groupInterval: '1m',
  repeatInterval: '1m',
};

export const DEFAULT_SEALED_SECRETS = {
  scope: 'strict' as const,
};

/** The receiver every Alertmanager configuration gets: it drops what it is sent (Watchdog, by default). */
export const NULL_RECEIVER = 'null';

export const DEFAULT_QUERIER = {
  replicas: 2,
  resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } } as Resources,
  placement: LINUX_NODES,
};

/**
 * The Querier's Ingress: HTTPS with a certificate from the fleet PKI and a sign-in with a password that
 * promfleet generates, unless the fleet file says otherwise. The Querier has no authentication of its own.
 */
export const DEFAULT_QUERIER_INGRESS = {
  tls: { source: 'pki' as const, secretName: 'thanos-querier-ingress-tls' },
  auth: { type: 'basic' as const, username: 'admin', secretName: 'thanos-querier-basic-auth', realm: 'Thanos Querier' },
};

/**
 * The blackbox exporter of an observer and its Probes of every store the Querier dials, over the Querier's mTLS
 * (docs/operations.md, "Probing the sidecar path"). One replica: a probe missed while it restarts is retried at the
 * next interval, and the alerts wait minutes.
 */
export const DEFAULT_SIDECAR_PROBES = {
  enabled: true,
  interval: '30s',
  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } as Resources,
  placement: LINUX_NODES,
};

/**
 * The Grafana of every observer: one replica, its sign-in the built-in admin with a password promfleet
 * generates, its state in an emptyDir (dashboards and datasources are provisioned, so a restart loses
 * only what users changed by hand), and the cluster's own Alertmanager as a datasource where it has one.
 */
export const DEFAULT_GRAFANA = {
  enabled: true,
  replicas: 1,
  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } } as Resources,
  placement: LINUX_NODES,
  adminUser: 'admin',
  localAlertmanager: true,
};

/** The Grafana Ingress: HTTPS with a certificate from the fleet PKI unless the fleet file says otherwise; Grafana signs users in itself. */
export const DEFAULT_GRAFANA_INGRESS = {
  tls: { source: 'pki' as const, secretName: 'grafana-ingress-tls' },
};

/** Sign-in through an OpenID Connect provider (grafana.auth.type: oidc), where the fleet file leaves a field out. */
export const DEFAULT_GRAFANA_OIDC = {
  name: 'Single sign-on',
  scopes: ['openid', 'email', 'profile'],
  usePkce: true,
  allowSignUp: true,
  autoLogin: false,
  disableLoginForm: false,
  roleAttributeStrict: false,
  allowedDomains: [] as string[],
  allowedGroups: [] as string[],
};

/**
 * An observer runs the workload stack for itself (operator, Prometheus with its sidecar, Alertmanager, exporters,
 * rules) and the ThanosRuler of the fleet-level alerts, unless the fleet file sets `selfMonitoring: false`.
 */
export const DEFAULT_SELF_MONITORING = true;

/** The ThanosRuler of an observer: the fleet-level alerts, evaluated through its own Querier. */
export const DEFAULT_THANOS_RULER = {
  // Two replicas, told apart by their replica label: the Alertmanager deduplicates their alerts.
  replicas: 2,
  evaluationInterval: '30s',
  // Its own rule results only (the series are the Querier's): a short local TSDB.
  retention: '24h',
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } } as Resources,
  placement: LINUX_NODES,
};

export const DEFAULT_STORE_GATEWAY = {
  replicas: 1,
  resources: { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '4Gi' } } as Resources,
  placement: LINUX_NODES,
  tls: true,
  // Thanos's own default size (--index-cache-size 250MB, whose units are powers of 2).
  indexCache: { type: 'inMemory' as const, maxSize: '250Mi' },
};

/**
 * The query frontend in front of the Querier: on by default, as kube-thanos users have it. It splits range
 * queries by day (Thanos's default split) and caches the results in each pod's memory.
 */
export const DEFAULT_QUERY_FRONTEND = {
  enabled: true,
  replicas: 2,
  resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } } as Resources,
  placement: LINUX_NODES,
  splitInterval: '24h',
  // Thanos's default for both --query-range.max-retries-per-request and --labels.max-retries-per-request.
  maxRetries: 5,
  cache: { type: 'inMemory' as const, maxSize: '128Mi' },
};

export const DEFAULT_PKI = {
  dir: '.pki',
  renewBeforeDays: 30,
  caValidityDays: 3650,
  leafValidityDays: 365,
  intermediate: false,
  organization: 'promfleet',
};

export const DEFAULT_GITOPS = {
  targetRevision: 'main',
  pathPrefix: 'dist',
  argocdNamespace: 'argocd',
  project: 'promfleet',
  name: 'promfleet',
  automated: { prune: true, selfHeal: true } as { prune: boolean; selfHeal: boolean } | null,
  renderProject: true,
  // The app-of-apps creates Applications in Argo CD's namespace, which amounts to admin rights: it stays in
  // a project the Argo CD admins manage, never in the fleet's restricted one.
  rootProject: 'default',
  /** The upstream repository folder with one file per operator CRD (and a kustomization.yaml listing them). */
  crds: {
    repoURL: 'https://github.com/prometheus-operator/prometheus-operator.git',
    path: 'example/prometheus-operator-crd',
    targetRevision: undefined as string | undefined,
  },
};

/**
 * The compactor of a bucket. Retention per resolution: raw samples for a month, the 5-minute downsampled
 * ones for a quarter, the 1-hour ones for a year (0d keeps one forever). Raw and 5m are long enough for the
 * next downsampling to run (Thanos refuses less than 40h and 10d). Deduplication of HA replicas is off: it is
 * experimental upstream and rewrites the bucket's blocks irreversibly.
 */
export const DEFAULT_COMPACTOR = {
  retention: { raw: '30d', fiveMinutes: '90d', oneHour: '1y' },
  downsampling: { enabled: true },
  deduplication: { enabled: false },
  // Compaction downloads the blocks of a group and writes the new one next to them.
  storage: { size: '100Gi' } as { size: string; storageClassName?: string },
  resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '4Gi' } } as Resources,
  placement: LINUX_NODES,
};

/** The key of the objstore configuration in each bucket Secret promfleet renders. */
export const OBJSTORE_KEY = 'objstore.yml';
