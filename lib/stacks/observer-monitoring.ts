// The observer of a fleet: the Thanos Querier over the sidecars of the workload clusters (mTLS),
// with an optional Store Gateway over the blocks they uploaded (in shards if need be), and an optional
// query frontend in front of the Querier, which clients and the UI Ingress then use.
import { Construct } from 'constructs';
import type { StoreEndpoint } from '../components/endpoints';
import { BasicAuthSecret } from '../components/basic-auth-secret';
import { BlackboxExporter, type BlackboxExporterProps, type ProbedStore, StoreProbes, type StoreProbesProps } from '../components/blackbox-exporter';
import { type PodSecurityLevel, StackNamespace } from '../components/namespace';
import { ObserverNetworkPolicies, type ObserverNetworkPoliciesProps } from '../components/network-policies';
import { prometheusPodSelector } from '../components/prometheus';
import { QUERIER_NAME, ThanosQuerier, type ThanosQuerierProps } from '../components/querier';
import type { FleetDashboard } from '../components/dashboards';
import { Grafana, type GrafanaProps } from '../components/grafana';
import { GrafanaDashboards } from '../components/grafana-dashboards';
import {
  GRAFANA_ADMIN_PASSWORD_KEY,
  GRAFANA_ADMIN_SECRET,
  GRAFANA_OAUTH_CLIENT_SECRET_KEY,
  GRAFANA_OAUTH_SECRET,
  GrafanaSecret,
} from '../components/grafana-secrets';
import { querierApiUrl, ThanosQueryFrontend, type ThanosQueryFrontendProps } from '../components/query-frontend';
import { storeGatewayEndpoints, ThanosStoreGateway, type ThanosStoreGatewayProps } from '../components/store-gateway';
import { FleetRules, type FleetRulesOptions } from '../components/fleet-rules';
import { serviceHost } from '../components/endpoints';
import type { RuleOverrides } from '../components/rule-families';
import { THANOS_HTTP_PORT } from '../components/thanos-pod';
import { ThanosRuler, type ThanosRulerProps } from '../components/thanos-ruler';
import { ThanosCompactor, type ThanosCompactorProps } from '../components/compactor';
import { QUERIER_TLS_SECRET, STORE_GATEWAY_TLS_SECRET, TlsSecret } from '../components/tls-secret';
import { DEFAULT_STACK, DEFAULT_STORE_GATEWAY, DEFAULT_VERSIONS } from '../fleet/defaults';
import type { BasicAuthCredential, PasswordCredential, TlsBundle } from '../pki';
import { enabled, part, type StackPart, type Toggle } from './part';

/** Certificates to render as a component's kubernetes.io/tls Secret. */
export interface WithCertificates {
  /**
   * The certificate chain, key and the CAs that verify the peer (from preparePki, say), rendered as
   * the component's `tlsSecret`: it holds a private key, so keep it out of Git.
   * @default not rendered: the Secret must exist
   */
  readonly certificates?: TlsBundle;
}

export interface ObserverQuerierOptions
  extends WithCertificates, Pick<ThanosQuerierProps, 'replicas' | 'resources' | 'placement' | 'ingress' | 'replicaLabel' | 'tlsSecret'> {
  /**
   * More StoreAPIs (a Thanos Ruler, another Querier), listed after the sidecars and the Store Gateway.
   * @default none
   */
  readonly extraStores?: StoreEndpoint[];
  /**
   * The certificate of the Ingress host (from preparePki, say), rendered as the Secret `ingress.tls.secretName`
   * when `ingress.tls.source` is pki: it holds a private key, so keep it out of Git.
   * @default not rendered: the Secret must exist
   */
  readonly ingressCertificates?: TlsBundle;
  /**
   * The htpasswd line of the Ingress's sign-in (from preparePki, say), rendered as the Secret
   * `ingress.auth.secretName` when `ingress.auth.type` is basic.
   * @default not rendered: the Secret must exist
   */
  readonly ingressBasicAuth?: BasicAuthCredential;
}

export interface ObserverGrafanaOptions extends Pick<
  GrafanaProps,
  'replicas' | 'resources' | 'placement' | 'ingress' | 'persistence' | 'auth' | 'adminUser' | 'alertmanagers' | 'localAlertmanagerUrl' | 'scrapeInterval'
> {
  /**
   * URL of the PromQL API of the default datasource: a query frontend's, say.
   * @default querierApiUrl(namespace, frontend): the query frontend's Service when there is one, else the Querier's
   */
  readonly datasourceUrl?: string;
  /**
   * The dashboards, one ConfigMap each, mounted into Grafana.
   * @default none
   */
  readonly dashboards?: readonly FleetDashboard[];
  /**
   * The admin's password (from preparePki, say), rendered as the Secret "grafana-admin": it holds
   * the password itself, so keep it out of Git.
   * @default not rendered: the Secret must exist
   */
  readonly admin?: PasswordCredential;
  /**
   * The OpenID Connect client secret, rendered as the Secret "grafana-oauth" when `auth.clientSecret` names a
   * credential of the secret store.
   * @default not rendered: the Secret must exist
   */
  readonly oauthClientSecret?: string;
  /**
   * The certificate of the Ingress host (from preparePki, say), rendered as the Secret `ingress.tls.secretName`
   * when `ingress.tls.source` is pki.
   * @default not rendered: the Secret must exist
   */
  readonly ingressCertificates?: TlsBundle;
}

/** The ThanosRuler of the fleet-level alerts, and the clusters they watch. */
export interface ObserverThanosRulerOptions
  extends
    Pick<ThanosRulerProps, 'replicas' | 'resources' | 'placement' | 'evaluationInterval' | 'labels' | 'alertmanagersUrl' | 'controllerId'>,
    FleetRulesOptions {
  /**
   * Fleet alerts left out or changed.
   * @default none
   */
  readonly overrides?: RuleOverrides;
}

export type ObserverStoreGatewayOptions = WithCertificates &
  Pick<ThanosStoreGatewayProps, 'objectStorage' | 'replicas' | 'resources' | 'placement' | 'storage' | 'tls' | 'tlsSecret' | 'indexCache' | 'sharding'>;

export type ObserverQueryFrontendOptions = Pick<ThanosQueryFrontendProps, 'replicas' | 'resources' | 'placement' | 'splitInterval' | 'maxRetries' | 'cache'>;

/** A sidecar the Querier dials, and the cluster it belongs to. */
export interface SidecarEndpoint extends StoreEndpoint {
  /**
   * The workload cluster whose Prometheus it serves: the `sidecar_cluster` label of its probe.
   * @default none
   */
  readonly cluster?: string;
}

export type ObserverProbesOptions = Toggle & Pick<BlackboxExporterProps, 'resources' | 'placement'> & Pick<StoreProbesProps, 'interval'>;

/** The compactor of one bucket (see ThanosCompactor). */
export type ObserverCompactorOptions = Pick<
  ThanosCompactorProps,
  'objectStorage' | 'retention' | 'downsampling' | 'deduplicationReplicaLabel' | 'storage' | 'resources' | 'placement'
>;

export interface ObserverMonitoringProps {
  /**
   * The Thanos sidecars of the workload clusters, each with the name its certificate carries, e.g.
   * `storeEndpoint('sidecar.eu.example.com')`.
   */
  readonly sidecars: SidecarEndpoint[];
  /** @default "monitoring" */
  readonly namespace?: string;
  /**
   * Render the Namespace; switch this off where something else creates it (a WorkloadMonitoring in
   * the same namespace, say).
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * The Pod Security profile the Namespace enforces; a namespace shared with a WorkloadMonitoring that
   * runs node-exporter needs `privileged`.
   * @default "restricted": every pod of the observer meets it
   */
  readonly podSecurity?: PodSecurityLevel;
  /**
   * Registry that replaces the upstream registry host of every image (see StackComponentProps).
   * @default the upstream registries
   */
  readonly imageRegistry?: string;
  /**
   * Names of Secrets in the namespace that every pod pulls its images with.
   * @default none
   */
  readonly imagePullSecrets?: readonly string[];
  /**
   * The Thanos release, the blackbox exporter's and Grafana's.
   * @default DEFAULT_VERSIONS.thanos, DEFAULT_VERSIONS.blackboxExporter, DEFAULT_VERSIONS.grafana
   */
  readonly versions?: { readonly thanos?: string; readonly blackboxExporter?: string; readonly grafana?: string };
  /**
   * Monitor selector of a Prometheus in the same cluster: the Querier and the Store Gateway then get
   * ServiceMonitors with these labels.
   * @default no ServiceMonitors
   */
  readonly monitorSelector?: Record<string, string>;
  /** @default the defaults of ThanosQuerierProps */
  readonly querier?: ObserverQuerierOptions;
  /**
   * A blackbox exporter that dials every store of the Querier as the Querier does (its client Secret, the same
   * server names) and a Probe per store group for the Prometheus of `monitorSelector`; without `monitorSelector`
   * nothing would drive the probes, and none are rendered.
   * @default enabled where `monitorSelector` is set
   */
  readonly probes?: ObserverProbesOptions;
  /**
   * A Store Gateway over the bucket the sidecars upload to; the Querier reads it too.
   * @default no Store Gateway
   */
  readonly storeGateway?: ObserverStoreGatewayOptions;
  /**
   * Grafana, with the Querier as its default datasource and the dashboards provisioned from ConfigMaps.
   * @default no Grafana
   */
  readonly grafana?: ObserverGrafanaOptions;
  /**
   * A query frontend in front of the Querier, which the Ingress then routes to.
   * @default no query frontend: clients use the Querier itself
   */
  readonly queryFrontend?: ObserverQueryFrontendOptions;
  /**
   * A ThanosRuler that evaluates the fleet-level alerts (FleetRules) through the Querier and sends them to the
   * Alertmanager of the namespace (a WorkloadMonitoring next to it). The operator must run in the cluster.
   * @default no ruler
   */
  readonly thanosRuler?: ObserverThanosRulerOptions;
  /**
   * The compactor of a bucket: exactly one per bucket, wherever its Store Gateways run.
   * @default no compactor
   */
  readonly compactor?: ObserverCompactorOptions;
  /**
   * A NetworkPolicy per component (see ObserverNetworkPolicies).
   * @default enabled, the Querier's HTTP API open to the stack's namespace and "ingress-nginx"
   */
  readonly networkPolicies?: Toggle & Pick<ObserverNetworkPoliciesProps, 'querierClients'>;
}

/** The parts of an observer stack, in apply order. */
export type ObserverPartId =
  | 'namespace'
  | 'network-policies'
  | 'querier'
  | 'store-gateway'
  | 'blackbox-exporter'
  | 'sidecar-probes'
  | 'query-frontend'
  | 'compactor'
  | 'thanos-ruler'
  | 'querier-tls'
  | 'store-gateway-tls'
  | 'querier-ingress-tls'
  | 'querier-basic-auth'
  | 'grafana'
  | 'grafana-dashboards'
  | 'grafana-admin'
  | 'grafana-oauth'
  | 'grafana-ingress-tls';

/**
 * The observer of a fleet, in any chart: one PromQL API over every workload cluster.
 *
 *   new ObserverMonitoring(chart, 'observer', { sidecars: [storeEndpoint('sidecar.eu.example.com')] });
 */
export class ObserverMonitoring extends Construct {
  /**
   * The stack's components with these props, wired to each other, each to be built into a scope of
   * your choice (see WorkloadMonitoring.parts).
   */
  static parts(props: ObserverMonitoringProps): StackPart<ObserverPartId>[] {
    const namespace = props.namespace ?? DEFAULT_STACK.namespace;
    const common = {
      namespace,
      imageRegistry: props.imageRegistry,
      imagePullSecrets: props.imagePullSecrets,
      version: props.versions?.thanos ?? DEFAULT_VERSIONS.thanos,
      monitorSelector: props.monitorSelector,
    };
    const q = props.querier ?? {};
    const gateway = props.storeGateway;
    const gatewayTls = gateway?.tls ?? DEFAULT_STORE_GATEWAY.tls;
    // The Querier's own Store Gateway, between the sidecars and the other stores.
    const gatewayEndpoints = gateway ? storeGatewayEndpoints(namespace, gatewayTls, gateway.sharding) : [];
    const endpoints = [...props.sidecars, ...gatewayEndpoints, ...(q.extraStores ?? [])];
    const frontend = props.queryFrontend;
    // The same stores, in the same order, as the probes label them.
    const probes = props.probes;
    const probed: ProbedStore[] | undefined =
      enabled(probes) && props.monitorSelector
        ? [
            ...props.sidecars.map((e): ProbedStore => ({ ...e, kind: 'sidecar' })),
            ...gatewayEndpoints.map((e): ProbedStore => ({ ...e, kind: 'store-gateway' })),
            ...(q.extraStores ?? []).map((e): ProbedStore => ({ address: e.address, serverName: e.serverName, kind: 'extra-store' })),
          ]
        : undefined;
    const parts: StackPart<ObserverPartId>[] = [];

    if (props.createNamespace ?? true) {
      const podSecurity = props.podSecurity ?? 'restricted';
      parts.push(part('namespace', (scope, id) => new StackNamespace(scope, id, { name: namespace, podSecurity })));
    }
    if (enabled(props.networkPolicies)) {
      parts.push(
        part(
          'network-policies',
          (scope, id) =>
            new ObserverNetworkPolicies(scope, id, {
              namespace,
              storeGateway: !!gateway,
              grafana: !!props.grafana,
              queryFrontend: !!frontend,
              thanosRuler: !!props.thanosRuler,
              compactor: !!props.compactor,
              querierClients: props.networkPolicies?.querierClients,
              // The ServiceMonitors are there for a Prometheus of this stack's kind, in the same namespace.
              scrapedBy: props.monitorSelector ? prometheusPodSelector() : undefined,
              blackboxExporter: !!probed,
            }),
        ),
      );
    }
    parts.push(
      part(
        'querier',
        (scope, id) =>
          new ThanosQuerier(scope, id, {
            ...common,
            endpoints,
            replicas: q.replicas,
            resources: q.resources,
            placement: q.placement,
            // With a frontend, the UI Ingress routes to it instead.
            ingress: frontend ? undefined : q.ingress,
            replicaLabel: q.replicaLabel,
            tlsSecret: q.tlsSecret,
            // Long ranges over the Store Gateway's blocks read their downsampled versions.
            autoDownsampling: !!gateway,
          }),
      ),
    );
    if (gateway) {
      parts.push(
        part(
          'store-gateway',
          (scope, id) =>
            new ThanosStoreGateway(scope, id, {
              ...common,
              objectStorage: gateway.objectStorage,
              replicas: gateway.replicas,
              resources: gateway.resources,
              placement: gateway.placement,
              storage: gateway.storage,
              tls: gatewayTls,
              tlsSecret: gateway.tlsSecret,
              indexCache: gateway.indexCache,
              sharding: gateway.sharding,
            }),
        ),
      );
    }
    const compactor = props.compactor;
    if (compactor) parts.push(part('compactor', (scope, id) => new ThanosCompactor(scope, id, { ...common, ...compactor })));
    if (frontend) {
      parts.push(
        part(
          'query-frontend',
          (scope, id) =>
            new ThanosQueryFrontend(scope, id, {
              ...common,
              downstreamUrl: querierApiUrl(namespace, false),
              replicas: frontend.replicas,
              resources: frontend.resources,
              placement: frontend.placement,
              splitInterval: frontend.splitInterval,
              maxRetries: frontend.maxRetries,
              cache: frontend.cache,
              ingress: q.ingress,
            }),
        ),
      );
    }
    if (probed) {
      parts.push(
        part(
          'blackbox-exporter',
          (scope, id) =>
            new BlackboxExporter(scope, id, {
              namespace,
              imageRegistry: props.imageRegistry,
              imagePullSecrets: props.imagePullSecrets,
              version: props.versions?.blackboxExporter,
              stores: probed,
              resources: probes?.resources,
              placement: probes?.placement,
              tlsSecret: q.tlsSecret,
            }),
        ),
        part(
          'sidecar-probes',
          (scope, id) => new StoreProbes(scope, id, { namespace, monitorSelector: props.monitorSelector, stores: probed, interval: probes?.interval }),
        ),
      );
    }
    const ruler = props.thanosRuler;
    if (ruler) {
      parts.push(
        part('thanos-ruler', (scope, id) => {
          const c = new Construct(scope, id);
          new ThanosRuler(c, 'ruler', {
            ...common,
            version: common.version,
            controllerId: ruler.controllerId,
            // The Querier's HTTP API, in-cluster: the ruler sees every store the Querier reads.
            queryEndpoints: [`${serviceHost(QUERIER_NAME, namespace)}:${THANOS_HTTP_PORT}`],
            alertmanagersUrl: ruler.alertmanagersUrl,
            labels: ruler.labels,
            replicas: ruler.replicas,
            resources: ruler.resources,
            placement: ruler.placement,
            evaluationInterval: ruler.evaluationInterval,
          });
          new FleetRules(c, 'rules', { namespace, clusters: ruler.clusters, observer: ruler.observer, overrides: ruler.overrides });
          return c;
        }),
      );
    }
    const querierCertificates = q.certificates;
    if (querierCertificates) {
      parts.push(
        part(
          'querier-tls',
          (scope, id) => new TlsSecret(scope, id, { name: q.tlsSecret ?? QUERIER_TLS_SECRET, namespace, app: 'thanos-querier', bundle: querierCertificates }),
        ),
      );
    }
    const ingressTls = q.ingress?.tls;
    const ingressCertificates = q.ingressCertificates;
    if (ingressTls?.source === 'pki' && ingressCertificates) {
      parts.push(
        part(
          'querier-ingress-tls',
          (scope, id) => new TlsSecret(scope, id, { name: ingressTls.secretName, namespace, app: 'thanos-querier', bundle: ingressCertificates }),
        ),
      );
    }
    const ingressAuth = q.ingress?.auth;
    const basicAuth = q.ingressBasicAuth;
    if (ingressAuth?.type === 'basic' && basicAuth) {
      parts.push(
        part(
          'querier-basic-auth',
          (scope, id) => new BasicAuthSecret(scope, id, { name: ingressAuth.secretName, namespace, app: 'thanos-querier', htpasswd: basicAuth.htpasswd }),
        ),
      );
    }
    const gatewayCertificates = gatewayTls ? gateway?.certificates : undefined;
    if (gateway && gatewayCertificates) {
      parts.push(
        part(
          'store-gateway-tls',
          (scope, id) =>
            new TlsSecret(scope, id, {
              name: gateway.tlsSecret ?? STORE_GATEWAY_TLS_SECRET,
              namespace,
              app: 'thanos-store-gateway',
              bundle: gatewayCertificates,
            }),
        ),
      );
    }
    if (props.grafana) parts.push(...grafanaParts(props.grafana, namespace, common, props.versions?.grafana, querierApiUrl(namespace, !!frontend)));
    return parts;
  }

  /** The namespace of the stack. */
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: ObserverMonitoringProps) {
    super(scope, id);
    this.namespace = props.namespace ?? DEFAULT_STACK.namespace;
    for (const p of ObserverMonitoring.parts(props)) p.build(this);
  }
}

/** Grafana, its dashboards, and the Secrets the stack has the material of. */
function grafanaParts(
  g: ObserverGrafanaOptions,
  namespace: string,
  common: Pick<GrafanaProps, 'imageRegistry' | 'imagePullSecrets' | 'monitorSelector'>,
  version: string | undefined,
  queryUrl: string,
): StackPart<ObserverPartId>[] {
  const dashboards = g.dashboards ?? [];
  const parts: StackPart<ObserverPartId>[] = [
    part(
      'grafana',
      (scope, id) =>
        new Grafana(scope, id, {
          ...common,
          namespace,
          version,
          datasourceUrl: g.datasourceUrl ?? queryUrl,
          adminUser: g.adminUser,
          replicas: g.replicas,
          resources: g.resources,
          placement: g.placement,
          ingress: g.ingress,
          persistence: g.persistence,
          auth: g.auth,
          alertmanagers: g.alertmanagers,
          localAlertmanagerUrl: g.localAlertmanagerUrl,
          scrapeInterval: g.scrapeInterval,
          dashboards,
        }),
    ),
    part('grafana-dashboards', (scope, id) => new GrafanaDashboards(scope, id, { namespace, dashboards })),
  ];
  const admin = g.admin;
  if (admin) {
    const values = { [GRAFANA_ADMIN_PASSWORD_KEY]: admin.password };
    parts.push(part('grafana-admin', (scope, id) => new GrafanaSecret(scope, id, { name: GRAFANA_ADMIN_SECRET, namespace, values })));
  }
  const clientSecret = g.oauthClientSecret;
  if (g.auth?.type === 'oidc' && 'credential' in g.auth.clientSecret && clientSecret !== undefined) {
    const values = { [GRAFANA_OAUTH_CLIENT_SECRET_KEY]: clientSecret };
    parts.push(part('grafana-oauth', (scope, id) => new GrafanaSecret(scope, id, { name: GRAFANA_OAUTH_SECRET, namespace, values })));
  }
  const tls = g.ingress?.tls;
  const certificates = g.ingressCertificates;
  if (tls?.source === 'pki' && certificates) {
    parts.push(part('grafana-ingress-tls', (scope, id) => new TlsSecret(scope, id, { name: tls.secretName, namespace, app: 'grafana', bundle: certificates })));
  }
  return parts;
}
