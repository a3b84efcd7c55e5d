// How the observer reaches a workload cluster's Thanos sidecar: the Service that exposes its gRPC
// port (a cloud load balancer by default), and an optional Ingress that passes TLS through.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_SIDECAR_PORT } from '../fleet/defaults';
import type { SidecarIngress, SidecarService } from '../fleet/model';
import { meta } from '../meta';
import { SIDECAR_SERVICE } from '../names';
import { namespaceOf, type NamespacedProps } from './base';
import { prometheusPodSelector } from './prometheus';
import { SIDECAR_GRPC_PORT_NAME } from './thanos-sidecar';

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
export function sidecarServiceAnnotations(service: SidecarService, host: string): Record<string, string> {
  const type = service.type ?? 'LoadBalancer';
  return {
    ...(type === 'LoadBalancer' ? loadBalancerAnnotations(service.loadBalancer ?? {}) : {}),
    // external-dns publishes the endpoint name for the load balancer (or the nodes of a NodePort).
    ...(type !== 'ClusterIP' ? { 'external-dns.alpha.kubernetes.io/hostname': host } : {}),
    ...(service.annotations ?? {}),
  };
}

/**
 * ingress-nginx must pass TLS through untouched: the sidecar terminates mTLS itself, so the
 * observer's client certificate reaches it. The controller needs --enable-ssl-passthrough.
 */
export const NGINX_PASSTHROUGH = { 'nginx.ingress.kubernetes.io/ssl-passthrough': 'true' };

export interface ThanosSidecarEndpointProps extends NamespacedProps {
  /** Host name (and port) the observer dials; external-dns publishes the host unless the Service is a ClusterIP. */
  readonly endpoint: { readonly host: string; readonly port?: number };
  /**
   * The Service that exposes the sidecar's gRPC port.
   * @default an internal LoadBalancer without cloud annotations (set loadBalancer.provider for those)
   */
  readonly service?: SidecarService;
  /**
   * An Ingress in front of the Service, passing TLS through to the sidecar.
   * @default no Ingress
   */
  readonly ingress?: SidecarIngress;
  /**
   * Labels of the Prometheus pods the sidecar runs in.
   * @default prometheusPodSelector()
   */
  readonly podSelector?: Record<string, string>;
}

/** How the observer reaches a sidecar: the Service exposing its gRPC port, and an optional Ingress. */
export class ThanosSidecarEndpoint extends Construct {
  constructor(scope: Construct, id: string, props: ThanosSidecarEndpointProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const service = props.service ?? {};
    const type = service.type ?? 'LoadBalancer';

    new k8s.KubeService(this, 'service', {
      metadata: meta(SIDECAR_SERVICE, 'thanos-sidecar', { namespace, annotations: sidecarServiceAnnotations(service, props.endpoint.host) }),
      spec: {
        type,
        selector: props.podSelector ?? prometheusPodSelector(),
        ports: [
          {
            name: SIDECAR_GRPC_PORT_NAME,
            port: props.endpoint.port ?? DEFAULT_SIDECAR_PORT,
            targetPort: k8s.IntOrString.fromString(SIDECAR_GRPC_PORT_NAME),
            protocol: 'TCP',
          },
        ],
        ...(type === 'LoadBalancer' && service.sourceRanges?.length ? { loadBalancerSourceRanges: service.sourceRanges } : {}),
      },
    });

    const ingress = props.ingress;
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
