// Follows an address the Querier dials to the pod that answers it, through the rendered objects
// only: the workload Service that external-dns publishes under that name (a load balancer or
// NodePort), or the rule of a TLS-passthrough Ingress whose host is that name (port 443), then the
// Service's selector. A path the rendered objects do not carry is an error, not a guess.
import { ofKind, type Rendered } from './fleet';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const EXTERNAL_DNS = 'external-dns.alpha.kubernetes.io/hostname';
const PASSTHROUGH = 'nginx.ingress.kubernetes.io/ssl-passthrough';

export interface SidecarRoute {
  /** The workload cluster that answers. */
  readonly cluster: string;
  /** `service` or `ingress`: what carries the address; `pod`: the per-pod DNS name in the dialling cluster itself. */
  readonly via: 'service' | 'ingress' | 'pod';
  /** The Service that selects the pod. */
  readonly service: string;
  /** The one Prometheus pod the Service selects, by its StatefulSet pod-name label. */
  readonly pod: string | undefined;
}

/**
 * Every rendered route for `address` (host:port) dialled from cluster `from`; a correct fleet has exactly one. A
 * Prometheus pod's own name under the operator's headless Service reaches that pod of `from` itself, when it runs one.
 */
export function sidecarRoutes(r: Rendered, address: string, from?: string): SidecarRoute[] {
  const host = address.slice(0, address.lastIndexOf(':'));
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  const services = ofKind(r.objects, 'Service');
  const routes: SidecarRoute[] = [];
  const inCluster = /^(prometheus-([a-z0-9-]+)-\d+)\.prometheus-operated\.([a-z0-9-]+)\.svc$/.exec(host);
  if (inCluster && from) {
    const [, pod, name, namespace] = inCluster;
    const runs = ofKind(r.objects, 'Prometheus').some((p) => p.cluster === from && p.obj.metadata.name === name && p.obj.metadata.namespace === namespace);
    if (runs) routes.push({ cluster: from, via: 'pod', service: 'prometheus-operated', pod });
  }
  for (const s of services) {
    const spec = s.obj.spec ?? {};
    if (s.obj.metadata?.annotations?.[EXTERNAL_DNS] !== host) continue;
    if (spec.type !== 'LoadBalancer' && spec.type !== 'NodePort') continue;
    // A load balancer listens on the Service port; a NodePort Service only on its node port, on every node.
    if (!(spec.ports ?? []).some((p) => (spec.type === 'NodePort' ? p.nodePort : p.port) === port)) continue;
    routes.push({ cluster: s.cluster, via: 'service', service: s.obj.metadata.name, pod: spec.selector?.[POD_NAME_LABEL] });
  }
  if (port === 443) {
    for (const ing of ofKind(r.objects, 'Ingress')) {
      if (ing.obj.metadata?.annotations?.[PASSTHROUGH] !== 'true') continue;
      for (const rule of ing.obj.spec?.rules ?? []) {
        if (rule.host !== host) continue;
        const name = rule.http?.paths.find((p) => p.path === '/')?.backend.service?.name;
        const svc = services.find(
          (s) => s.cluster === ing.cluster && s.obj.metadata?.namespace === ing.obj.metadata?.namespace && s.obj.metadata?.name === name,
        );
        if (svc) routes.push({ cluster: ing.cluster, via: 'ingress', service: name!, pod: svc.obj.spec?.selector?.[POD_NAME_LABEL] });
      }
    }
  }
  return routes;
}

/** The one route of `address`; throws when the rendered objects carry none or several. */
export function sidecarRoute(r: Rendered, address: string, from?: string): SidecarRoute {
  const routes = sidecarRoutes(r, address, from);
  if (routes.length !== 1) throw new Error(`${address}: ${routes.length} rendered routes (${JSON.stringify(routes)}), expected exactly one`);
  return routes[0];
}
