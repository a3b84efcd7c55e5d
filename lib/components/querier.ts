// The Thanos Querier of an observer cluster: one PromQL API over every StoreAPI of the fleet,
// reached over mTLS with a client certificate (from lib/pki, in a TlsSecret).
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_QUERIER, DEFAULT_STACK, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import type { QuerierIngress } from '../fleet/model';
import { image } from '../meta';
import { namespaceOf, NGINX_ANNOTATIONS, type PlacedComponentProps, type StackComponentProps } from './base';
import { podPlacement } from './common';
import { EndpointsConfigMap, type StoreEndpoint } from './endpoints';
import { THANOS_GRPC_PORT, THANOS_HTTP_PORT, thanosPodTemplate, ThanosServer, ThanosServerExtras } from './thanos-pod';
import { QUERIER_TLS_SECRET } from './tls-secret';

export const QUERIER_NAME = 'thanos-querier';
export const QUERIER_ENDPOINTS_CONFIGMAP = 'thanos-querier-endpoints';
export const QUERIER_ENDPOINTS_FILE = 'endpoints.yaml';
/** Where the client Secret (tls.crt, tls.key, ca.crt) is mounted. */
export const QUERIER_TLS_MOUNT = '/etc/thanos/tls';
export const QUERIER_ENDPOINTS_MOUNT = '/etc/thanos/endpoints';
/**
 * Whether a query whose answer misses a store (an unreachable cluster) still answers, with a warning: the
 * Querier's default (`--query.partial-response`), which Grafana's datasource asks for explicitly too.
 */
export const QUERIER_PARTIAL_RESPONSE = true;

/** How often Thanos re-reads the sd-config file (the kubelet projects ConfigMap changes within about a minute). */
export const ENDPOINTS_RELOAD_INTERVAL = '30s';

/** What the Ingress's TLS source and sign-in ask of cert-manager and ingress-nginx. */
export function ingressAnnotations(ing: QuerierIngress): Record<string, string> {
  const out: Record<string, string> = {};
  if (ing.tls.source === 'cert-manager') {
    // cert-manager's ingress-shim then keeps the Certificate of tls.secretName for the host.
    out[ing.tls.issuer.kind === 'Issuer' ? 'cert-manager.io/issuer' : 'cert-manager.io/cluster-issuer'] = ing.tls.issuer.name;
  }
  if (ing.auth.type === 'basic') {
    out[`${NGINX_ANNOTATIONS}/auth-type`] = 'basic';
    out[`${NGINX_ANNOTATIONS}/auth-secret`] = ing.auth.secretName;
    out[`${NGINX_ANNOTATIONS}/auth-realm`] = ing.auth.realm;
  } else if (ing.auth.type === 'oauth2-proxy') {
    // nginx asks auth-url about every request and sends a visitor who is not signed in to auth-signin.
    out[`${NGINX_ANNOTATIONS}/auth-url`] = ing.auth.url;
    out[`${NGINX_ANNOTATIONS}/auth-signin`] = ing.auth.signinUrl;
  }
  return out;
}

export interface ThanosQuerierProps extends StackComponentProps, PlacedComponentProps {
  /** The StoreAPIs to query: sidecars, Store Gateways and other stores, in this order in the sd-config. */
  readonly endpoints: StoreEndpoint[];
  /** @default DEFAULT_VERSIONS.thanos */
  readonly version?: string;
  /** @default 2 */
  readonly replicas?: number;
  /** @default DEFAULT_QUERIER.resources */
  readonly resources?: Resources;
  /**
   * An Ingress for the UI and HTTP API, with its TLS and sign-in. The Secrets it names must exist: a
   * stack renders them (ObserverMonitoring's `ingressCertificates`, `ingressBasicAuth`), or you do.
   * @default no Ingress
   */
  readonly ingress?: QuerierIngress;
  /**
   * External label that tells Prometheus replicas apart; the Querier deduplicates on it.
   * @default "prometheus_replica"
   */
  readonly replicaLabel?: string;
  /**
   * kubernetes.io/tls Secret with the Querier's client certificate (tls.crt, tls.key) and the CAs
   * of the servers it dials (ca.crt).
   * @default "thanos-querier-tls"
   */
  readonly tlsSecret?: string;
  /**
   * Read downsampled blocks for long ranges (a Store Gateway serves them).
   * @default false
   */
  readonly autoDownsampling?: boolean;
  /**
   * Monitor selector of a Prometheus running next to the Querier: a ServiceMonitor with these labels.
   * @default no ServiceMonitor
   */
  readonly monitorSelector?: Record<string, string>;
}

/** ConfigMap of endpoints, Deployment, Service, PDB, optional Ingress and ServiceMonitor. */
export class ThanosQuerier extends Construct {
  constructor(scope: Construct, id: string, props: ThanosQuerierProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const replicas = props.replicas ?? DEFAULT_QUERIER.replicas;
    const server = new ThanosServer(QUERIER_NAME, 'querier', namespace);

    new EndpointsConfigMap(this, 'endpoints', {
      name: QUERIER_ENDPOINTS_CONFIGMAP,
      namespace,
      key: QUERIER_ENDPOINTS_FILE,
      endpoints: props.endpoints,
      files: { certFile: `${QUERIER_TLS_MOUNT}/tls.crt`, keyFile: `${QUERIER_TLS_MOUNT}/tls.key`, caFile: `${QUERIER_TLS_MOUNT}/ca.crt` },
    });

    const args = [
      'query',
      `--grpc-address=0.0.0.0:${THANOS_GRPC_PORT}`,
      `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`,
      `--query.replica-label=${props.replicaLabel ?? DEFAULT_STACK.prometheus.replicaLabel}`,
      `--endpoint.sd-config-file=${QUERIER_ENDPOINTS_MOUNT}/${QUERIER_ENDPOINTS_FILE}`,
      `--endpoint.sd-config-reload-interval=${ENDPOINTS_RELOAD_INTERVAL}`,
      // A cluster that is down leaves a gap and a warning instead of failing every fleet-wide query.
      QUERIER_PARTIAL_RESPONSE ? '--query.partial-response' : '--no-query.partial-response',
      // Long ranges over Store Gateway data then read downsampled blocks.
      ...(props.autoDownsampling ? ['--query.auto-downsampling'] : []),
    ];
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: server.meta(),
      spec: {
        replicas,
        selector: { matchLabels: server.selector },
        template: thanosPodTemplate(server, {
          image: image('quay.io/thanos/thanos', props.version ?? DEFAULT_VERSIONS.thanos, props.imageRegistry),
          args,
          resources: props.resources ?? DEFAULT_QUERIER.resources,
          placement: podPlacement(props.placement, DEFAULT_QUERIER.placement, props.imagePullSecrets),
          // Whole-volume mounts (no subPath), so the kubelet delivers updated files to running pods.
          volumeMounts: [
            { name: 'tls', mountPath: QUERIER_TLS_MOUNT, readOnly: true },
            { name: 'endpoints', mountPath: QUERIER_ENDPOINTS_MOUNT, readOnly: true },
          ],
          volumes: [
            { name: 'tls', secret: { secretName: props.tlsSecret ?? QUERIER_TLS_SECRET } },
            { name: 'endpoints', configMap: { name: QUERIER_ENDPOINTS_CONFIGMAP } },
          ],
        }),
      },
    });
    new ThanosServerExtras(this, 'extras', { server, replicas, monitorSelector: props.monitorSelector });

    if (props.ingress) new ThanosUiIngress(this, 'ingress', { namespace, ingress: props.ingress, service: QUERIER_NAME });
  }
}

export interface ThanosUiIngressProps {
  /** Namespace of the Ingress and of `service`. */
  readonly namespace: string;
  readonly ingress: QuerierIngress;
  /** The Service whose `http` port serves the UI and HTTP API: the Querier's, or the query frontend's in front of it. */
  readonly service: string;
}

/**
 * The Ingress of the Querier UI and HTTP API, with its TLS and sign-in annotations. It is called thanos-querier
 * whichever Service it routes to: ingress-nginx's admission webhook refuses a second Ingress for the same host and
 * path, so an Ingress renamed when the query frontend is switched on or off would not apply until the old one is gone.
 */
export class ThanosUiIngress extends Construct {
  constructor(scope: Construct, id: string, props: ThanosUiIngressProps) {
    super(scope, id);
    const ing = props.ingress;
    new k8s.KubeIngress(this, 'ingress', {
      // The fleet file's annotations win, as everywhere.
      metadata: new ThanosServer(QUERIER_NAME, 'querier', props.namespace).meta({ ...ingressAnnotations(ing), ...(ing.annotations ?? {}) }),
      spec: {
        ingressClassName: ing.className,
        rules: [
          {
            host: ing.host,
            http: {
              paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: props.service, port: { name: 'http' } } } }],
            },
          },
        ],
        tls: ing.tls.source === 'none' ? undefined : [{ hosts: [ing.host], secretName: ing.tls.secretName }],
      },
    });
  }
}
