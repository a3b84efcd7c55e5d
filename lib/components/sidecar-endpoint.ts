// How the observer reaches a workload cluster's Thanos sidecars: one Service per Prometheus replica
// that exposes its gRPC port (a cloud load balancer by default), or an Ingress that passes TLS through.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_SIDECAR_PORT } from '../fleet/defaults';
import { sidecarNodePort } from '../fleet/sidecar-hosts';
import type { SidecarIngress, SidecarService } from '../fleet/model';
import { meta } from '../meta';
import { SIDECAR_SERVICE, sidecarReplicaService } from '../names';
import { namespaceOf, NGINX_ANNOTATIONS, type NamespacedProps } from './base';
import { PROMETHEUS_NAME, prometheusPodName, prometheusPodSelector } from './prometheus';
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
export const NGINX_PASSTHROUGH = { [`${NGINX_ANNOTATIONS}/ssl-passthrough`]: 'true' };

/** The label the StatefulSet controller gives each pod: it selects one Prometheus replica. */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';

export interface ThanosSidecarEndpointProps extends NamespacedProps {
  /**
   * The name the observer dials for each Prometheus replica, in replica order: replica i gets the Service
   * `thanos-sidecar-<i>`, which selects pod `prometheus-k8s-<i>` only, and (with `ingress`) an Ingress rule for the name.
   * Without an Ingress, external-dns publishes each name for its Service unless the Services are ClusterIP.
   */
  readonly hosts: readonly string[];
  /**
   * Port of the Services. Without an Ingress it is the port the observer dials; behind one, it dials the controller's 443.
   * @default 10901
   */
  readonly port?: number;
  /**
   * The Services that expose each replica's sidecar gRPC port.
   * @default an internal LoadBalancer per replica without cloud annotations (set loadBalancer.provider for those)
   */
  readonly service?: SidecarService;
  /**
   * An Ingress in TLS-passthrough mode in front of the Services, one rule per host (set service.type: ClusterIP with it).
   * @default no Ingress
   */
  readonly ingress?: SidecarIngress;
  /**
   * Name of the Prometheus object whose pods run the sidecar.
   * @default "k8s"
   */
  readonly prometheusName?: string;
}

/**
 * How the observer reaches each sidecar: one Service per Prometheus replica, so that every replica is
 * dialled on its own (the Querier deduplicates them, and keeps answering when one restarts), and an
 * optional Ingress that passes TLS through to them.
 */
export class ThanosSidecarEndpoint extends Construct {
  constructor(scope: Construct, id: string, props: ThanosSidecarEndpointProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const service = props.service ?? {};
    const type = service.type ?? 'LoadBalancer';
    const name = props.prometheusName ?? PROMETHEUS_NAME;

    props.hosts.forEach((host, replica) => {
      new k8s.KubeService(this, `service-${replica}`, {
        metadata: meta(sidecarReplicaService(replica), 'thanos-sidecar', {
          namespace,
          app: SIDECAR_SERVICE,
          annotations: sidecarServiceAnnotations(service, host),
        }),
        spec: {
          type,
          selector: { ...prometheusPodSelector(name), [POD_NAME_LABEL]: prometheusPodName(replica, name) },
          ports: [
            {
              name: SIDECAR_GRPC_PORT_NAME,
              port: props.port ?? DEFAULT_SIDECAR_PORT,
              targetPort: k8s.IntOrString.fromString(SIDECAR_GRPC_PORT_NAME),
              protocol: 'TCP',
              ...(type === 'NodePort' ? { nodePort: sidecarNodePort(props.port ?? DEFAULT_SIDECAR_PORT, replica) } : {}),
            },
          ],
          // Local keeps the observer's address as the source, so the sidecar's NetworkPolicy can admit only sourceRanges.
          ...(type === 'LoadBalancer' ? { externalTrafficPolicy: 'Local' } : {}),
          ...(type === 'LoadBalancer' && service.sourceRanges?.length ? { loadBalancerSourceRanges: service.sourceRanges } : {}),
        },
      });
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
          // The controller routes on the SNI name, which the Querier sets to the host it dials: one rule per replica.
          rules: props.hosts.map((host, replica) => ({
            host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: sidecarReplicaService(replica), port: { name: SIDECAR_GRPC_PORT_NAME } } },
                },
              ],
            },
          })),
        },
      });
    }
  }
}
