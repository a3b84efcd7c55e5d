// The observer of a fleet: the Thanos Querier over the sidecars of the workload clusters (mTLS),
// with an optional Store Gateway over the blocks they uploaded.
import { Construct } from 'constructs';
import type { StoreEndpoint } from '../components/endpoints';
import { BasicAuthSecret } from '../components/basic-auth-secret';
import { type PodSecurityLevel, StackNamespace } from '../components/namespace';
import { ObserverNetworkPolicies, type ObserverNetworkPoliciesProps } from '../components/network-policies';
import { prometheusPodSelector } from '../components/prometheus';
import { ThanosQuerier, type ThanosQuerierProps } from '../components/querier';
import { storeGatewayEndpoint, ThanosStoreGateway, type ThanosStoreGatewayProps } from '../components/store-gateway';
import { ThanosCompactor, type ThanosCompactorProps } from '../components/compactor';
import { QUERIER_TLS_SECRET, STORE_GATEWAY_TLS_SECRET, TlsSecret } from '../components/tls-secret';
import { DEFAULT_STACK, DEFAULT_STORE_GATEWAY, DEFAULT_VERSIONS } from '../fleet/defaults';
import type { BasicAuthCredential, TlsBundle } from '../pki';
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

export type ObserverStoreGatewayOptions = WithCertificates &
  Pick<ThanosStoreGatewayProps, 'objectStorage' | 'replicas' | 'resources' | 'placement' | 'storage' | 'tls' | 'tlsSecret'>;

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
  readonly sidecars: StoreEndpoint[];
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
   * The Thanos release.
   * @default DEFAULT_VERSIONS.thanos
   */
  readonly versions?: { readonly thanos?: string };
  /**
   * Monitor selector of a Prometheus in the same cluster: the Querier and the Store Gateway then get
   * ServiceMonitors with these labels.
   * @default no ServiceMonitors
   */
  readonly monitorSelector?: Record<string, string>;
  /** @default the defaults of ThanosQuerierProps */
  readonly querier?: ObserverQuerierOptions;
  /**
   * A Store Gateway over the bucket the sidecars upload to; the Querier reads it too.
   * @default no Store Gateway
   */
  readonly storeGateway?: ObserverStoreGatewayOptions;
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
  | 'compactor'
  | 'querier-tls'
  | 'store-gateway-tls'
  | 'querier-ingress-tls'
  | 'querier-basic-auth';

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
    const endpoints = [...props.sidecars, ...(gateway ? [storeGatewayEndpoint(namespace, gatewayTls)] : []), ...(q.extraStores ?? [])];
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
              compactor: !!props.compactor,
              querierClients: props.networkPolicies?.querierClients,
              // The ServiceMonitors are there for a Prometheus of this stack's kind, in the same namespace.
              scrapedBy: props.monitorSelector ? prometheusPodSelector() : undefined,
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
            ingress: q.ingress,
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
            }),
        ),
      );
    }
    const compactor = props.compactor;
    if (compactor) parts.push(part('compactor', (scope, id) => new ThanosCompactor(scope, id, { ...common, ...compactor })));
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
