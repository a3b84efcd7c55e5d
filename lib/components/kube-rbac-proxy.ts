// kube-rbac-proxy in front of an exporter's metrics: the exporter listens on 127.0.0.1 only and the
// proxy serves its metrics over HTTPS to callers whose token may `get` the path (a TokenReview and a
// SubjectAccessReview per caller, cached). Prometheus scrapes it with its service-account token.
import { k8s } from 'cdk8s-plus-27';
import { ServiceMonitorSpecEndpoints, ServiceMonitorSpecEndpointsScheme } from '../../imports/servicemonitor-monitoring.coreos.com';
import { DEFAULT_VERSIONS, KUBE_RBAC_PROXY_RESOURCES } from '../fleet/defaults';
import { image } from '../meta';
import { coreResources, RESTRICTED_CONTAINER } from './common';

/** What the proxy needs to check a caller: create TokenReviews and SubjectAccessReviews. */
export const KUBE_RBAC_PROXY_RULES: k8s.PolicyRule[] = [
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

/** TLS 1.2 and later with ECDHE and AEAD ciphers only (TLS 1.3 suites are not configurable in Go). */
export const KUBE_RBAC_PROXY_TLS_FLAGS = [
  '--tls-min-version=VersionTLS12',
  '--tls-cipher-suites=' +
    [
      'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256',
      'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
      'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305',
      'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
    ].join(','),
];

/** The token file of the Prometheus pods' service account. */
export const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export interface KubeRbacProxyOptions {
  /** Container name. */
  readonly name: string;
  /** Name of the HTTPS container port (the Service and the ServiceMonitor use it). */
  readonly portName: string;
  readonly port: number;
  /** Port of the exporter on 127.0.0.1. */
  readonly upstreamPort: number;
  /**
   * Also bind the port on the node (host-network pods only), and listen on the pod IP only.
   * @default false: every interface of the pod
   */
  readonly hostPort?: boolean;
  /**
   * Paths passed through without a token: the health endpoints the kubelet probes.
   * @default none
   */
  readonly ignorePaths?: string[];
  /** @default DEFAULT_VERSIONS.kubeRbacProxy */
  readonly version?: string;
  /** @default the upstream registry */
  readonly imageRegistry?: string;
}

/** A hardened kube-rbac-proxy container serving `upstreamPort` of 127.0.0.1 over HTTPS on `port`. */
export function kubeRbacProxyContainer(o: KubeRbacProxyOptions): k8s.Container {
  const port = k8s.IntOrString.fromString(o.portName);
  return {
    name: o.name,
    image: image('quay.io/brancz/kube-rbac-proxy', o.version ?? DEFAULT_VERSIONS.kubeRbacProxy, o.imageRegistry),
    args: [
      // On the host network, the pod IP is the node's: bind that one address, not every interface of the node.
      o.hostPort ? `--secure-listen-address=[$(IP)]:${o.port}` : `--secure-listen-address=:${o.port}`,
      ...KUBE_RBAC_PROXY_TLS_FLAGS,
      `--upstream=http://127.0.0.1:${o.upstreamPort}/`,
      ...(o.ignorePaths?.length ? [`--ignore-paths=${o.ignorePaths.join(',')}`] : []),
    ],
    ...(o.hostPort ? { env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }] } : {}),
    ports: [{ name: o.portName, containerPort: o.port, ...(o.hostPort ? { hostPort: o.port } : {}) }],
    resources: coreResources(KUBE_RBAC_PROXY_RESOURCES),
    securityContext: RESTRICTED_CONTAINER,
    // The proxy itself: is it accepting connections. The exporter's probes go through it (ignorePaths).
    livenessProbe: { tcpSocket: { port }, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    readinessProbe: { tcpSocket: { port }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

/**
 * A probe of the exporter behind the proxy, on a path the proxy passes through without a token. By
 * number: the kubelet looks a port name up in the probed container only, and the port is the proxy's.
 */
export function proxiedProbe(path: string, port: number, periodSeconds = 10): k8s.Probe {
  return {
    httpGet: { path, port: k8s.IntOrString.fromNumber(port), scheme: 'HTTPS' },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 3,
  };
}

/**
 * A ServiceMonitor endpoint of a port behind kube-rbac-proxy: HTTPS with the Prometheus token. The
 * proxy's certificate is self-signed at start-up, so it is not verified (as kube-prometheus does);
 * the token is what keeps the metrics private.
 */
export function proxiedEndpoint(port: string, extra: Omit<ServiceMonitorSpecEndpoints, 'port'> = {}): ServiceMonitorSpecEndpoints {
  return {
    port,
    scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
    bearerTokenFile: SERVICE_ACCOUNT_TOKEN,
    tlsConfig: { insecureSkipVerify: true },
    ...extra,
  };
}
