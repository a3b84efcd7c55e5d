// The Thanos sidecar: its part of the Prometheus spec (spec.thanos, served with mTLS) and
// how the observer reaches it (the exposing Service). The Secret comes from lib/pki.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { PrometheusSpecThanos, PrometheusSpecThanosGrpcServerTlsConfigMinVersion } from '../../imports/prometheus-monitoring.coreos.com';
import type { SidecarModel, WorkloadCluster } from '../fleet/model';
import { image, meta } from '../meta';
import { SIDECAR_SERVICE } from '../names';

/** kubernetes.io/tls Secret holding the sidecar's server certificate and the client CA. */
export const SIDECAR_TLS_SECRET = 'thanos-sidecar-tls';
/** Where the thanos container mounts that Secret (spec.secrets adds it as volume `secret-<name>`). */
export const SIDECAR_TLS_MOUNT = `/etc/thanos/tls`;
export const SIDECAR_GRPC_PORT = 10901;
export const SIDECAR_HTTP_PORT = 10902;
/** Name of the Service port (on `prometheus-k8s`) that exposes the sidecar's HTTP metrics in-cluster. */
export const SIDECAR_HTTP_PORT_NAME = 'thanos-http';
/** `job` label of the sidecar's metrics (its ServiceMonitor shares the Prometheus Service). */
export const SIDECAR_JOB = 'thanos-sidecar';
/** Container port name the operator gives the sidecar's gRPC port. */
export const SIDECAR_GRPC_PORT_NAME = 'grpc';

/** spec.thanos of a workload cluster's Prometheus. */
export function sidecarSpec(cluster: WorkloadCluster): PrometheusSpecThanos {
  const { versions, imageRegistry } = cluster.stack;
  const { sidecar } = cluster.workload;
  return {
    image: image('quay.io/thanos/thanos', versions.thanos, imageRegistry),
    version: versions.thanos,
    // Reachable from outside the pod: the observer dials it through the Service.
    listenLocal: sidecar.listenLocal || undefined,
    grpcServerTlsConfig: {
      certFile: `${SIDECAR_TLS_MOUNT}/tls.crt`,
      keyFile: `${SIDECAR_TLS_MOUNT}/tls.key`,
      // A CA makes the sidecar require and verify client certificates.
      caFile: `${SIDECAR_TLS_MOUNT}/ca.crt`,
      minVersion: PrometheusSpecThanosGrpcServerTlsConfigMinVersion.TLS13,
    },
    volumeMounts: [{ name: `secret-${SIDECAR_TLS_SECRET}`, mountPath: SIDECAR_TLS_MOUNT, readOnly: true }],
    ...(sidecar.objectStorage ? { objectStorageConfig: { name: sidecar.objectStorage.name, key: sidecar.objectStorage.key } } : {}),
  };
}

/** Annotations that make each cloud's controller build an internal or an internet-facing L4 load balancer. */
export function loadBalancerAnnotations(lb: { scope?: 'internal' | 'external'; provider?: 'aws' | 'gcp' | 'azure' | 'none' }): Record<string, string> {
  const internal = (lb.scope ?? 'internal') === 'internal';
  switch (lb.provider) {
    case 'aws':
      // NLB (TCP passthrough keeps mTLS end to end); `scheme` for the AWS Load Balancer Controller,
      // `internal` for the in-tree controller.
      return {
        'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb',
        'service.beta.kubernetes.io/aws-load-balancer-scheme': internal ? 'internal' : 'internet-facing',
        ...(internal ? { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' } : {}),
      };
    case 'gcp':
      return internal ? { 'networking.gke.io/load-balancer-type': 'Internal' } : {};
    case 'azure':
      return { 'service.beta.kubernetes.io/azure-load-balancer-internal': internal ? 'true' : 'false' };
    default:
      return {};
  }
}

/** Annotations of the exposing Service: cloud load balancer, external-dns host name, then the user's own. */
export function sidecarServiceAnnotations(sidecar: SidecarModel): Record<string, string> {
  const { service, endpoint } = sidecar;
  return {
    ...(service.type === 'LoadBalancer' ? loadBalancerAnnotations(service.loadBalancer ?? {}) : {}),
    // external-dns publishes the endpoint name for the load balancer (or the nodes of a NodePort).
    ...(service.type !== 'ClusterIP' ? { 'external-dns.alpha.kubernetes.io/hostname': endpoint.host } : {}),
    ...(service.annotations ?? {}),
  };
}

/**
 * ingress-nginx must pass TLS through untouched: the sidecar terminates mTLS itself, so the
 * observer's client certificate reaches it. The controller needs --enable-ssl-passthrough.
 */
export const NGINX_PASSTHROUGH = { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' };

export interface ThanosSidecarProps {
  readonly cluster: WorkloadCluster;
  /** Labels the operator puts on the Prometheus pods (the sidecar runs in them). */
  readonly podSelector: Record<string, string>;
}

/** Exposure of the sidecar gRPC port to the observer (Service, optional Ingress). */
export class ThanosSidecar extends Construct {
  constructor(scope: Construct, id: string, props: ThanosSidecarProps) {
    super(scope, id);
    const { sidecar } = props.cluster.workload;
    const namespace = props.cluster.stack.namespace;
    const { type } = sidecar.service;

    new k8s.KubeService(this, 'service', {
      metadata: meta(SIDECAR_SERVICE, 'thanos-sidecar', { namespace, annotations: sidecarServiceAnnotations(sidecar) }),
      spec: {
        type,
        selector: props.podSelector,
        ports: [{ name: SIDECAR_GRPC_PORT_NAME, port: sidecar.endpoint.port, targetPort: k8s.IntOrString.fromString(SIDECAR_GRPC_PORT_NAME), protocol: 'TCP' }],
        ...(type === 'LoadBalancer' && sidecar.service.sourceRanges?.length ? { loadBalancerSourceRanges: sidecar.service.sourceRanges } : {}),
      },
    });

    const ingress = sidecar.ingress;
    if (ingress) {
      new k8s.KubeIngress(this, 'ingress', {
        metadata: meta(SIDECAR_SERVICE, 'thanos-sidecar', {
          namespace,
          annotations: { ...(ingress.className === 'nginx' ? NGINX_PASSTHROUGH : {}), ...(ingress.annotations ?? {}) },
        }),
        spec: {
          ...(ingress.className ? { ingressClassName: ingress.className } : {}),
          rules: [
            {
              host: ingress.host,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: SIDECAR_SERVICE, port: { name: SIDECAR_GRPC_PORT_NAME } } },
                  },
                ],
              },
            },
          ],
        },
      });
    }
  }
}
