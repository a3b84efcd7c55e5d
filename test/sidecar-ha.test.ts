// HA through the sidecar path (issue 14, points 1 and 4): the observer's Querier reaches every
// Prometheus replica of every workload cluster at an address of its own, through a load balancer
// per replica or through a TLS-passthrough Ingress, and the fleet checks reject a fleet in which a
// replica cannot be reached on its own.
import { SIDECAR_TLS_SECRET } from '../lib/components/thanos-sidecar';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, type Rendered } from './support/fleet';
import { renderedSdConfig, renderedTlsSecret } from './support/observer-fleet';
import { certificateCoversHost } from '../lib/pki/inspect';
import { POD_NAME_LABEL, sidecarRoute } from './support/sidecar-routes';

const WORKLOADS = ['workload-eu', 'workload-us'];

/**
 * The observer Querier's endpoints in other clusters: its own Prometheus (it monitors itself) is dialled in-cluster,
 * pod by pod (test/observer-self.test.ts).
 */
function remoteEndpoints(r: Rendered) {
  return renderedSdConfig(r, 'observer').endpoints.filter((e) => !e.address.includes('.prometheus-operated.'));
}

/** The Querier's endpoints that the workload cluster `cluster` answers. */
function endpointsOf(r: Rendered, cluster: string) {
  return remoteEndpoints(r)
    .map((e) => ({ ...e, route: sidecarRoute(r, e.address) }))
    .filter((e) => e.route.cluster === cluster);
}

describe('the default fleet: every Prometheus replica is reached on its own', () => {
  const r = render(fleetFrom(defaultFleetText()));

  it.each(WORKLOADS)('%s: one sidecar Service per replica, each selecting exactly one Prometheus pod', (cluster) => {
    const services = ofKind(r.objects, 'Service').filter((s) => s.cluster === cluster && s.file.endsWith('21-thanos-sidecar.yaml'));
    expect(services.map((s) => [s.obj.metadata?.name, s.obj.spec?.selector?.[POD_NAME_LABEL]])).toEqual([
      ['thanos-sidecar-0', 'prometheus-k8s-0'],
      ['thanos-sidecar-1', 'prometheus-k8s-1'],
    ]);
    // The selector still narrows to this Prometheus' pods: the pod name alone is not unique across StatefulSets.
    for (const s of services) expect(s.obj.spec?.selector).toMatchObject({ 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'k8s' });
  });

  it.each(WORKLOADS)("%s: the observer's Querier lists one endpoint per replica, each routed to a different pod", (cluster) => {
    const endpoints = endpointsOf(r, cluster);
    expect(endpoints.map((e) => e.route.pod).sort()).toEqual(['prometheus-k8s-0', 'prometheus-k8s-1']);
    // Each endpoint is verified with its own name, which is the host it dials.
    for (const e of endpoints) expect(e.client_config.server_name).toBe(e.address.slice(0, e.address.lastIndexOf(':')));
  });

  it('workload-eu: each replica has its own internal load balancer and DNS name from the host pattern', () => {
    const endpoints = endpointsOf(r, 'workload-eu');
    expect(endpoints.map((e) => [e.address, e.route.via, e.route.service])).toEqual([
      ['sidecar-0.workload-eu.example.com:10901', 'service', 'thanos-sidecar-0'],
      ['sidecar-1.workload-eu.example.com:10901', 'service', 'thanos-sidecar-1'],
    ]);
    const services = ofKind(r.objects, 'Service').filter((s) => s.cluster === 'workload-eu' && s.obj.metadata?.name?.startsWith('thanos-sidecar-'));
    for (const s of services) {
      expect(s.obj.spec?.type).toBe('LoadBalancer');
      expect(s.obj.spec?.loadBalancerSourceRanges).toEqual(['10.0.0.0/8']);
      // The pods see the observer's own address, which the sidecar's NetworkPolicy checks against the same ranges.
      expect(s.obj.spec?.externalTrafficPolicy).toBe('Local');
      expect(s.obj.metadata?.annotations).toMatchObject({ 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' });
    }
  });

  it('workload-us: the Querier dials the Ingress hosts on 443, routed by SNI to each replica; nothing else is exposed', () => {
    const endpoints = endpointsOf(r, 'workload-us');
    expect(endpoints.map((e) => [e.address, e.client_config.server_name, e.route.via, e.route.service])).toEqual([
      ['sidecar-0.workload-us.example.com:443', 'sidecar-0.workload-us.example.com', 'ingress', 'thanos-sidecar-0'],
      ['sidecar-1.workload-us.example.com:443', 'sidecar-1.workload-us.example.com', 'ingress', 'thanos-sidecar-1'],
    ]);
    const [ingress] = ofKind(r.objects, 'Ingress').filter((i) => i.cluster === 'workload-us');
    expect(ingress.obj.spec?.ingressClassName).toBe('nginx');
    // Every rule of the Ingress is a name the Querier dials: no host that only widens exposure.
    expect(ingress.obj.spec?.rules?.map((rule) => rule.host)).toEqual(endpoints.map((e) => e.client_config.server_name));
    const exposed = ofKind(r.objects, 'Service').filter((s) => s.cluster === 'workload-us' && (s.obj.spec?.type ?? 'ClusterIP') !== 'ClusterIP');
    expect(exposed.map((s) => s.obj.metadata?.name)).toEqual([]);
  });

  it.each(WORKLOADS)('%s: the one sidecar certificate covers the name of every replica', (cluster) => {
    const { cert } = renderedTlsSecret(r, cluster, SIDECAR_TLS_SECRET);
    const names = endpointsOf(r, cluster).map((e) => e.client_config.server_name!);
    expect(names).toHaveLength(2);
    for (const name of names) expect([name, certificateCoversHost(cert, name)]).toEqual([name, true]);
  });
});

/** An observer and one workload cluster "eu" whose `thanos` section is `thanos`, then `extra`. */
const fleet = (thanos: string, extra = '') => `
clusters:
  - name: observer
    roles: [observer]
  - name: eu
    roles: [workload]
    thanos:
${thanos}${extra}
`;

describe('the replica hosts of a fleet file', () => {
  it('lists one name per replica under hosts, in replica order, and follows prometheus.replicas', () => {
    const r = render(
      fleetFrom(
        fleet('      endpoint: { hosts: [a.example.com, b.example.com, c.example.com], port: 443 }', '\n    overrides: { prometheus: { replicas: 3 } }'),
      ),
    );
    expect(remoteEndpoints(r).map((e) => [e.address, sidecarRoute(r, e.address).pod])).toEqual([
      ['a.example.com:443', 'prometheus-k8s-0'],
      ['b.example.com:443', 'prometheus-k8s-1'],
      ['c.example.com:443', 'prometheus-k8s-2'],
    ]);
  });

  it('accepts a plain host for a single replica', () => {
    const r = render(fleetFrom(fleet('      endpoint: { host: sidecar.eu.example.com }', '\n    overrides: { prometheus: { replicas: 1 } }')));
    expect(remoteEndpoints(r).map((e) => [e.address, sidecarRoute(r, e.address).pod])).toEqual([['sidecar.eu.example.com:10901', 'prometheus-k8s-0']]);
  });

  it.each([
    [
      'a plain host for two replicas',
      fleet('      endpoint: { host: sidecar.eu.example.com }'),
      'clusters[1].thanos.endpoint.host: "sidecar.eu.example.com" is one name, but prometheus.replicas is 2 and the observer must reach each replica on its own to deduplicate them: write "{replica}" where the replica number goes, e.g. "sidecar-{replica}.eu.example.com", or list one name per replica under hosts',
    ],
    [
      'a plain Ingress host for two replicas',
      fleet('      ingress: { host: grpc.eu.example.com, className: nginx }'),
      'clusters[1].thanos.ingress.host: "grpc.eu.example.com" is one name, but prometheus.replicas is 2 and the observer must reach each replica on its own to deduplicate them: write "{replica}" where the replica number goes, e.g. "grpc-{replica}.eu.example.com", or list one name per replica under hosts',
    ],
    [
      'fewer hosts than replicas',
      fleet('      endpoint: { hosts: [a.example.com] }'),
      'clusters[1].thanos.endpoint.hosts: lists 1 name for 2 Prometheus replicas (prometheus.replicas); list one per replica, in replica order',
    ],
    [
      'a host twice in the list',
      fleet('      endpoint: { hosts: [a.example.com, a.example.com] }'),
      'clusters[1].thanos.endpoint.hosts[1]: "a.example.com" is already the name of clusters[1].thanos.endpoint.hosts[0] (replica 0); each Prometheus replica needs a DNS name of its own',
    ],
    [
      'host and hosts',
      fleet('      endpoint: { host: "s-{replica}.example.com", hosts: [a.example.com, b.example.com] }'),
      'clusters[1].thanos.endpoint.hosts: and host both name the replicas; keep one of them',
    ],
    [
      'neither endpoint nor ingress',
      fleet('      listenLocal: false'),
      'clusters[1].thanos.endpoint: is required: set thanos.endpoint.host (a load balancer per Prometheus replica, e.g. "sidecar-{replica}.example.com"), or thanos.ingress.host to go through an Ingress in TLS-passthrough mode',
    ],
  ])('rejects %s', (_what, text, problem) => {
    expect(fleetProblems(text)).toEqual([problem]);
  });

  it('gives each replica its own node port with NodePort Services, and the Querier dials those ports', () => {
    const r = render(fleetFrom(fleet('      endpoint: { host: "sidecar-{replica}.eu.example.com", port: 31901 }\n      service: { type: NodePort }')));
    expect(remoteEndpoints(r).map((e) => [e.address, sidecarRoute(r, e.address).pod])).toEqual([
      ['sidecar-0.eu.example.com:31901', 'prometheus-k8s-0'],
      ['sidecar-1.eu.example.com:31902', 'prometheus-k8s-1'],
    ]);
  });

  it.each([
    ['no port', '      endpoint: { host: "sidecar-{replica}.eu.example.com" }\n      service: { type: NodePort }', 'is not set'],
    [
      'the last replica past the range',
      '      endpoint: { host: "sidecar-{replica}.eu.example.com", port: 32767 }\n      service: { type: NodePort }',
      'is 32767',
    ],
  ])('rejects NodePort Services with %s', (_what, thanos, got) => {
    expect(fleetProblems(fleet(thanos))).toEqual([
      `clusters[1].thanos.endpoint.port: ${got}, but with service.type NodePort the observer dials the node ports themselves, one per replica (port, port + 1, ...), and they must lie in the API server's node-port range: set a port from 30000 to 32766`,
    ]);
  });

  it('rejects a replica name that another cluster uses', () => {
    const text = `${fleet('      endpoint: { host: "sidecar-{replica}.example.com" }')}  - name: us
    roles: [workload]
    thanos:
      ingress: { hosts: [grpc.example.com, sidecar-1.example.com], className: nginx }
`;
    expect(fleetProblems(text)).toEqual([
      'clusters[2].thanos.ingress.hosts[1]: "sidecar-1.example.com" is already the name of clusters[1].thanos.endpoint.host (replica 1); each Prometheus replica needs a DNS name of its own',
    ]);
  });

  it('rejects a fleet whose replicas no observer in another cluster can reach (ClusterIP Services without an Ingress)', () => {
    const model = fleetFrom(fleet('      endpoint: { host: "sidecar-{replica}.eu.example.com" }\n      service: { type: ClusterIP }'));
    expect(() => render(model)).toThrow(
      /clusters\[1\]\.thanos\.service\.type: is ClusterIP, so no replica of "eu" is reachable from observer "observer", which runs in another cluster/,
    );
  });
});

describe('the sidecar Ingress is a working path or rejected', () => {
  it.each([
    [
      'an Ingress next to the endpoint (two paths, one of them never dialled)',
      '      endpoint: { host: "sidecar-{replica}.eu.example.com" }\n      ingress: { host: "grpc-{replica}.eu.example.com", className: nginx }',
      'clusters[1].thanos.ingress: and thanos.endpoint are two ways to reach the same sidecars, and the observer dials only one: keep thanos.ingress (dialled on port 443) and remove thanos.endpoint, or remove thanos.ingress',
    ],
    [
      'a LoadBalancer Service behind the Ingress',
      '      ingress: { host: "grpc-{replica}.eu.example.com", className: nginx }\n      service: { type: LoadBalancer }',
      'clusters[1].thanos.service.type: is LoadBalancer, but with thanos.ingress the observer dials the Ingress: a LoadBalancer Service would expose every sidecar a second time, past the Ingress; remove type (the Services are ClusterIP) or remove thanos.ingress',
    ],
    [
      'sourceRanges behind the Ingress',
      '      ingress: { host: "grpc-{replica}.eu.example.com", className: nginx }\n      service: { sourceRanges: [10.0.0.0/8] }',
      "clusters[1].thanos.service.sourceRanges: only applies to a LoadBalancer Service, not ClusterIP; remove it: behind thanos.ingress the Services are ClusterIP, so restrict the Ingress controller's load balancer instead",
    ],
    [
      'a class whose passthrough annotation promfleet does not know, without annotations',
      '      ingress: { host: "grpc-{replica}.eu.example.com", className: traefik }',
      'clusters[1].thanos.ingress.className: is "traefik", whose TLS-passthrough annotation promfleet does not know; without passthrough the controller terminates TLS and the sidecar never sees the observer\'s client certificate: set className: nginx (its controller run with --enable-ssl-passthrough), or put your controller\'s passthrough annotation under thanos.ingress.annotations',
    ],
  ])('rejects %s', (_what, thanos, problem) => {
    expect(fleetProblems(fleet(thanos))).toEqual([problem]);
  });

  it("renders another class with the user's passthrough annotation, and no nginx annotation", () => {
    const r = render(
      fleetFrom(fleet('      ingress: { host: "grpc-{replica}.eu.example.com", className: haproxy, annotations: { haproxy.org/ssl-passthrough: "true" } }')),
    );
    const [ingress] = ofKind(r.objects, 'Ingress').filter((i) => i.cluster === 'eu');
    const annotations = ingress.obj.metadata?.annotations ?? {};
    expect(annotations['haproxy.org/ssl-passthrough']).toBe('true');
    expect(Object.keys(annotations).filter((k) => k.startsWith('nginx.'))).toEqual([]);
    expect(ingress.obj.spec?.rules?.map((rule) => [rule.host, rule.http?.paths[0].backend.service?.name])).toEqual([
      ['grpc-0.eu.example.com', 'thanos-sidecar-0'],
      ['grpc-1.eu.example.com', 'thanos-sidecar-1'],
    ]);
    expect(remoteEndpoints(r).map((e) => e.address)).toEqual(['grpc-0.eu.example.com:443', 'grpc-1.eu.example.com:443']);
  });
});
