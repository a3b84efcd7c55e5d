// Least exposure, checked on the rendered objects: exporters listen on loopback behind kube-rbac-proxy
// and are scraped over HTTPS with a token; NetworkPolicies let in exactly the stack's own connections
// (computed by evaluating them the way Kubernetes does); namespaces enforce a Pod Security profile
// that every pod of the stack meets.
import { expect } from '@jest/globals';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, type RenderedObject } from './support/fleet';
import { hasPodTemplate, type ManifestOf } from './support/manifests';
import { HUB_FLEET } from './support/observer-fleet';
import { matches, unselected } from './support/selection';
import { RICH_FLEET } from './support/workload-fleet';

const NS = 'monitoring';
const TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

interface Port {
  name?: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}
interface Container {
  name: string;
  args: string[];
  ports: Port[];
}
/** A pod of the stack as Kubernetes will run it: from a pod template, or as the operator builds it. */
interface Pod {
  owner: string;
  labels: Record<string, string>;
  hostNetwork: boolean;
  containers: Container[];
}

/**
 * Pods of a namespace. Prometheus and Alertmanager pods are built by the operator (v0.93): their
 * reserved labels and container ports are the operator's, written down here from its source.
 */
function podsOf(objs: RenderedObject[], namespace: string): Pod[] {
  const pods: Pod[] = [];
  const tcp = (name: string, port: number): Port => ({ name, port, protocol: 'TCP' });
  for (const { obj } of objs) {
    if (obj.metadata.namespace !== namespace) continue;
    if (hasPodTemplate(obj)) {
      const spec = obj.spec.template.spec;
      pods.push({
        owner: `${obj.kind}/${obj.metadata.name}`,
        labels: obj.spec.template.metadata.labels,
        hostNetwork: spec.hostNetwork === true,
        containers: spec.containers.map((c) => ({
          name: c.name,
          args: c.args ?? [],
          ports: (c.ports ?? []).map((p) => ({ name: p.name, port: p.containerPort, protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' })),
        })),
      });
    } else if (obj.kind === 'Prometheus') {
      const name = obj.metadata.name;
      pods.push({
        owner: `Prometheus/${name}`,
        labels: {
          'app.kubernetes.io/name': 'prometheus',
          'app.kubernetes.io/instance': name,
          'app.kubernetes.io/managed-by': 'prometheus-operator',
          'operator.prometheus.io/name': name,
          prometheus: name,
          ...obj.spec.podMetadata?.labels,
        },
        hostNetwork: false,
        containers: [
          { name: 'prometheus', args: [], ports: [tcp('web', 9090)] },
          { name: 'config-reloader', args: [], ports: [tcp('reloader-web', 8080)] },
          ...(obj.spec.thanos ? [{ name: 'thanos-sidecar', args: [], ports: [tcp('grpc', 10901), tcp('http', 10902)] }] : []),
        ],
      });
    } else if (obj.kind === 'Alertmanager') {
      const name = obj.metadata.name;
      pods.push({
        owner: `Alertmanager/${name}`,
        labels: {
          'app.kubernetes.io/name': 'alertmanager',
          'app.kubernetes.io/instance': name,
          'app.kubernetes.io/managed-by': 'prometheus-operator',
          alertmanager: name,
          ...obj.spec.podMetadata?.labels,
        },
        hostNetwork: false,
        containers: [
          { name: 'alertmanager', args: [], ports: [tcp('web', 9093), tcp('mesh-tcp', 9094), { name: 'mesh-udp', port: 9094, protocol: 'UDP' }] },
          { name: 'config-reloader', args: [], ports: [tcp('reloader-web', 8080)] },
        ],
      });
    }
  }
  return pods;
}

type NetworkPolicy = ManifestOf<'NetworkPolicy'>;
/** A client: a pod (namespace and labels) or an address outside the cluster. */
type Client = { namespace: string; labels: Record<string, string> } | { ip: string };

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const n = (a: string) => a.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}

function peerMatches(policy: NetworkPolicy, peer: NetworkPolicy['spec']['ingress'][number]['from'][number], client: Client): boolean {
  if ('ip' in client) return peer.ipBlock ? inCidr(client.ip, peer.ipBlock.cidr) : false;
  if (peer.ipBlock) return false; // A pod's address is not known here: never counted as inside a block.
  const nsOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': client.namespace })
    : client.namespace === policy.metadata.namespace;
  return nsOk && (peer.podSelector ? matches(peer.podSelector, client.labels) : true);
}

/**
 * Whether the NetworkPolicies of `objs` let `client` connect to `port` of `pod` (Kubernetes
 * semantics: a pod no Ingress policy selects accepts everything; otherwise some rule of a selecting
 * policy must admit the client and the port).
 */
function admits(objs: RenderedObject[], namespace: string, pod: Pod, port: Port, client: Client): boolean {
  if (pod.hostNetwork) return true;
  const policies = ofKind(objs, 'NetworkPolicy')
    .map((o) => o.obj)
    .filter((p) => p.metadata.namespace === namespace && (p.spec.policyTypes ?? ['Ingress']).includes('Ingress') && matches(p.spec.podSelector, pod.labels));
  if (!policies.length) return true;
  return policies.some((policy) =>
    (policy.spec.ingress ?? []).some((rule) => {
      const fromOk = !rule.from?.length || rule.from.some((peer) => peerMatches(policy, peer, client));
      const portOk =
        !rule.ports?.length ||
        rule.ports.some((p) => (p.protocol ?? 'TCP') === port.protocol && (p.port === undefined || p.port === port.port || p.port === port.name));
      return fromOk && portOk;
    }),
  );
}

/** The container port a Service port leads to, on each pod it selects. */
function serviceTargets(objs: RenderedObject[], namespace: string, service: ManifestOf<'Service'>, portName: string): { pod: Pod; port: Port }[] {
  const sp = service.spec.ports.find((p) => p.name === portName);
  if (!sp) throw new Error(`Service ${service.metadata.name} has no port ${portName}`);
  const target = sp.targetPort ?? sp.port;
  return podsOf(objs, namespace)
    .filter((pod) => service.spec.selector && matches({ matchLabels: service.spec.selector }, pod.labels))
    .flatMap((pod) => {
      const port = pod.containers.flatMap((c) => c.ports).find((p) => p.name === target || p.port === target);
      return port ? [{ pod, port }] : [];
    });
}

/** Every (pod, port) the stack's Prometheus scrapes in `namespace`, through the ServiceMonitors and PodMonitors it selects. */
function scrapedPorts(objs: RenderedObject[], namespace: string): { monitor: string; pod: Pod; port: Port }[] {
  const selected = new Set(unselected(objs));
  const out: { monitor: string; pod: Pod; port: Port }[] = [];
  for (const sm of ofKind(objs, 'ServiceMonitor')) {
    if (selected.has(sm) || !sm.obj.spec.namespaceSelector.matchNames.includes(namespace)) continue;
    const services = ofKind(objs, 'Service').filter((s) => s.obj.metadata.namespace === namespace && matches(sm.obj.spec.selector, s.obj.metadata.labels));
    for (const s of services) {
      for (const e of sm.obj.spec.endpoints) {
        for (const t of serviceTargets(objs, namespace, s.obj, e.port)) out.push({ monitor: sm.obj.metadata.name, ...t });
      }
    }
  }
  for (const pm of ofKind(objs, 'PodMonitor')) {
    if (selected.has(pm) || !pm.obj.spec.namespaceSelector.matchNames.includes(namespace)) continue;
    for (const pod of podsOf(objs, namespace).filter((p) => matches(pm.obj.spec.selector, p.labels))) {
      for (const e of pm.obj.spec.podMetricsEndpoints) {
        const port = pod.containers.flatMap((c) => c.ports).find((p) => p.name === e.port);
        if (port) out.push({ monitor: pm.obj.metadata.name, pod, port });
      }
    }
  }
  return out;
}

const prometheusClient = (objs: RenderedObject[]): Client => ({
  namespace: NS,
  labels: podsOf(objs, NS).find((p) => p.owner.startsWith('Prometheus/'))!.labels,
});

const byCluster = (objs: RenderedObject[], cluster: string) => objs.filter((o) => o.cluster === cluster);

/** HUB_FLEET with source ranges on the hub's own sidecar: its Querier must still reach its Prometheus pods. */
const HUB_WITH_RANGES = HUB_FLEET.replace(
  'endpoint: { host: "sidecar-{replica}.hub.example.com" }',
  'endpoint: { host: "sidecar-{replica}.hub.example.com" }\n      service: { sourceRanges: [192.0.2.0/24] }',
);
if (HUB_WITH_RANGES === HUB_FLEET) throw new Error('HUB_FLEET changed: the source ranges were not added to the hub');

const fleets = {
  default: render(fleetFrom(defaultFleetText())).objects,
  rich: render(fleetFrom(RICH_FLEET)).objects,
  hub: render(fleetFrom(HUB_WITH_RANGES)).objects,
};
const clusters = Object.entries(fleets).flatMap(([fleet, objs]) =>
  [...new Set(objs.map((o) => o.cluster))].filter((c) => !c.startsWith('_')).map((c) => [`${fleet}/${c}`, byCluster(objs, c)] as const),
);
const workloads = clusters.filter(([, objs]) => ofKind(objs, 'Prometheus').length > 0);
const exporterApps = ['node-exporter', 'kube-state-metrics', 'prometheus-operator'];

describe('exporters behind kube-rbac-proxy, scraped over HTTPS with a token', () => {
  it('node-exporter binds loopback; the only host-port listener is kube-rbac-proxy over HTTPS on the node IP', () => {
    const ds = ofKind(byCluster(fleets.default, 'workload-eu'), 'DaemonSet').find((o) => o.obj.metadata.name === 'node-exporter')!.obj.spec.template.spec;
    expect(ds.hostNetwork).toBe(true);
    const exporter = ds.containers.find((c) => c.name === 'node-exporter')!;
    const listen = exporter.args.filter((a) => a.startsWith('--web.listen-address='));
    expect(listen).toEqual([expect.stringMatching(/^--web\.listen-address=127\.0\.0\.1:\d+$/)]);
    const hostPorts = ds.containers.flatMap((c) => (c.ports ?? []).filter((p) => p.hostPort !== undefined).map((p) => [c.name, p.containerPort, p.hostPort]));
    expect(hostPorts).toEqual([['kube-rbac-proxy', 9100, 9100]]);
    const proxy = ds.containers.find((c) => c.name === 'kube-rbac-proxy')!;
    expect(proxy.image).toMatch(/^quay\.io\/brancz\/kube-rbac-proxy:v\d+\.\d+\.\d+$/);
    expect(proxy.args).toContain('--secure-listen-address=[$(IP)]:9100');
    expect(proxy.args).toContain(`--upstream=http://${listen[0].split('=')[1]}/`);
    expect(proxy.args).toContain('--tls-min-version=VersionTLS12');
    expect(proxy.env).toEqual([{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }]);
    expect(proxy.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(ds.securityContext.runAsNonRoot).toBe(true);
  });

  it.each(workloads)(
    '%s: every port scraped on node-exporter, kube-state-metrics and the operator is a kube-rbac-proxy over HTTPS with the token',
    (_, objs) => {
      const scraped = scrapedPorts(objs, NS).filter((s) => exporterApps.includes(s.pod.labels['app.kubernetes.io/name']));
      expect(scraped.length).toBeGreaterThan(0);
      for (const { monitor, pod, port } of scraped) {
        const sm = ofKind(objs, 'ServiceMonitor').find((o) => o.obj.metadata.name === monitor)!.obj;
        for (const e of sm.spec.endpoints) {
          expect([monitor, e.scheme, e.bearerTokenFile]).toEqual([monitor, 'https', TOKEN]);
        }
        const proxy = pod.containers.find((c) => c.ports.includes(port))!;
        expect([pod.owner, proxy.name]).toEqual([pod.owner, expect.stringMatching(/^kube-rbac-proxy/)]);
        const upstream = proxy.args.find((a) => a.startsWith('--upstream='))!;
        expect(upstream).toMatch(/^--upstream=http:\/\/127\.0\.0\.1:\d+\/$/);
      }
    },
  );

  it.each(workloads)('%s: the exporters themselves listen on loopback only, and their probes pass the proxy on its ignored paths', (_, objs) => {
    for (const { obj } of ofKind(objs, 'Deployment', 'DaemonSet').filter((o) => exporterApps.includes(o.obj.metadata.name))) {
      const spec = obj.spec.template.spec;
      const main = spec.containers.find((c) => c.name === obj.metadata.name)!;
      expect([obj.metadata.name, main.ports]).toEqual([obj.metadata.name, undefined]);
      const binds = main.args.filter((a) => /^--(web\.listen-address|host|telemetry-host)=/.test(a));
      expect([obj.metadata.name, binds.length > 0, binds.every((a) => /=127\.0\.0\.1(:\d+)?$/.test(a))]).toEqual([obj.metadata.name, true, true]);
      for (const probe of [main.livenessProbe, main.readinessProbe]) {
        const proxy = spec.containers.find((c) => (c.ports ?? []).some((p) => p.containerPort === probe.httpGet.port))!;
        expect([obj.metadata.name, probe.httpGet.scheme, proxy.name]).toEqual([obj.metadata.name, 'HTTPS', expect.stringMatching(/^kube-rbac-proxy/)]);
        const ignored = proxy.args
          .find((a) => a.startsWith('--ignore-paths='))!
          .split('=')[1]
          .split(',');
        expect(ignored).toContain(probe.httpGet.path);
      }
    }
  });

  it.each(workloads)('%s: each proxy may review tokens, and Prometheus may get /metrics', (_, objs) => {
    const roles = ofKind(objs, 'ClusterRole');
    const grants = (sa: string, group: string, resource: string) => {
      const binding = ofKind(objs, 'ClusterRoleBinding').find((b) => b.obj.subjects.some((s) => s.name === sa && s.namespace === NS));
      const role = roles.find((r) => r.obj.metadata.name === binding?.obj.roleRef.name)?.obj;
      return (role?.rules ?? []).some((r) => r.apiGroups?.includes(group) && r.resources?.includes(resource) && r.verbs.includes('create'));
    };
    const proxied = ofKind(objs, 'Deployment', 'DaemonSet').filter((o) =>
      o.obj.spec.template.spec.containers.some((c) => c.name.startsWith('kube-rbac-proxy')),
    );
    expect(proxied.length).toBeGreaterThan(0);
    for (const { obj } of proxied) {
      const sa = obj.spec.template.spec.serviceAccountName;
      expect([sa, obj.spec.template.spec.automountServiceAccountToken]).toEqual([sa, true]);
      expect([sa, grants(sa, 'authentication.k8s.io', 'tokenreviews'), grants(sa, 'authorization.k8s.io', 'subjectaccessreviews')]).toEqual([sa, true, true]);
    }
    const prom = roles.find((r) => r.obj.metadata.name.endsWith(':prometheus-k8s'))!.obj;
    expect(prom.rules.some((r) => r.nonResourceURLs?.includes('/metrics') && r.verbs.includes('get'))).toBe(true);
  });
});

describe('a NetworkPolicy per component, letting in exactly the stack’s own connections', () => {
  it.each(clusters)('%s: every pod of the stack off the host network is selected by an Ingress policy', (_, objs) => {
    const pods = podsOf(objs, NS).filter((p) => !p.hostNetwork);
    expect(pods.length).toBeGreaterThan(0);
    const policies = ofKind(objs, 'NetworkPolicy').map((o) => o.obj);
    for (const pod of pods) {
      expect([pod.owner, policies.filter((p) => p.spec.policyTypes.includes('Ingress') && matches(p.spec.podSelector, pod.labels)).length]).toEqual([
        pod.owner,
        1,
      ]);
    }
  });

  it.each(workloads)('%s: every port Prometheus scrapes, and Alertmanager’s alert port, admit the Prometheus pods', (_, objs) => {
    const prometheus = prometheusClient(objs);
    const scraped = scrapedPorts(objs, NS);
    expect(scraped.length).toBeGreaterThan(3);
    for (const { monitor, pod, port } of scraped)
      expect([monitor, pod.owner, port.port, admits(objs, NS, pod, port, prometheus)]).toEqual([monitor, pod.owner, port.port, true]);
    for (const am of ofKind(objs, 'Prometheus').flatMap((p) => p.obj.spec.alerting?.alertmanagers ?? [])) {
      const svc = ofKind(objs, 'Service').find((s) => s.obj.metadata.name === am.name)!.obj;
      const targets = serviceTargets(objs, NS, svc, String(am.port));
      expect(targets.length).toBeGreaterThan(0);
      for (const { pod, port } of targets) expect([pod.owner, admits(objs, NS, pod, port, prometheus)]).toEqual([pod.owner, true]);
    }
  });

  it('detects a scraped port that no policy lets Prometheus reach', () => {
    const objs = byCluster(fleets.default, 'workload-eu');
    const ksm = ofKind(objs, 'NetworkPolicy').find((p) => p.obj.metadata.name === 'kube-state-metrics')!;
    const rules = ksm.obj.spec.ingress.map((r) => ({ ...r, ports: r.ports.filter((p) => p.port !== 9443) }));
    const narrowed = { ...ksm, obj: { ...ksm.obj, spec: { ...ksm.obj.spec, ingress: rules } } } as RenderedObject;
    const mutated = [...objs.filter((o) => o !== ksm), narrowed];
    const blocked = scrapedPorts(mutated, NS).filter(({ pod, port }) => !admits(mutated, NS, pod, port, prometheusClient(mutated)));
    expect(blocked.map(({ monitor, port }) => [monitor, port.port])).toEqual([['kube-state-metrics', 9443]]);
  });

  it.each(workloads)('%s: Alertmanager replicas gossip on the mesh port, TCP and UDP, with each other only', (_, objs) => {
    const am = podsOf(objs, NS).find((p) => p.owner.startsWith('Alertmanager/'));
    if (!am) return expect(ofKind(objs, 'Alertmanager')).toEqual([]);
    const mesh = am.containers.flatMap((c) => c.ports).filter((p) => p.port === 9094);
    expect(mesh.map((p) => p.protocol).sort()).toEqual(['TCP', 'UDP']);
    for (const port of mesh) {
      expect(admits(objs, NS, am, port, { namespace: NS, labels: am.labels })).toBe(true);
      expect(admits(objs, NS, am, port, prometheusClient(objs))).toBe(false);
    }
  });

  it.each(clusters)('%s: a pod elsewhere in the cluster reaches only an open sidecar, never the Querier behind its sign-in', (name, objs) => {
    const stranger: Client = { namespace: 'default', labels: { app: 'curious' } };
    const open = podsOf(objs, NS).flatMap((pod) =>
      pod.hostNetwork
        ? []
        : pod.containers.flatMap((c) => c.ports.filter((port) => admits(objs, NS, pod, port, stranger)).map((p) => `${pod.owner}:${p.port}`)),
    );
    // The Querier answers its own namespace and the Ingress controller's only: its sign-in is on the Ingress.
    const querier: string[] = [];
    const openSidecar = ['Prometheus/k8s:10901'];
    const expected: Record<string, string[]> = {
      'default/observer': querier,
      // Behind a load balancer with source ranges: pods are not among them.
      'default/workload-eu': [],
      // An Ingress controller (an in-cluster client) passes the observer's calls on.
      'default/workload-us': openSidecar,
      'rich/obs': querier,
      // Load balancers with source ranges.
      'rich/eu': [],
      // A ClusterIP Service: whatever fronts it is in-cluster.
      'rich/us': openSidecar,
      // Its sidecar has source ranges; its own Querier is let in by labels, not as a stranger.
      'hub/hub': querier,
      'hub/backup': querier,
      // Load balancers without source ranges.
      'hub/eu': openSidecar,
      'hub/us': openSidecar,
    };
    expect(Object.keys(expected)).toContain(name);
    expect(open).toEqual(expected[name]);
  });

  it('lets the Ingress controller’s namespace and the stack’s own reach the HTTP API (the query frontend’s); querierClients changes who', () => {
    // The default fleet serves the HTTP API through the query frontend.
    const apiPort = (objs: RenderedObject[], owner = 'Deployment/thanos-query-frontend') => {
      const pod = podsOf(objs, NS).find((p) => p.owner === owner)!;
      return { pod, port: pod.containers.flatMap((c) => c.ports).find((p) => p.port === 10902)! };
    };
    const reaches = (objs: RenderedObject[], namespace: string) => {
      const { pod, port } = apiPort(objs);
      return admits(objs, NS, pod, port, { namespace, labels: { 'app.kubernetes.io/name': 'ingress-nginx' } });
    };
    const observer = byCluster(fleets.default, 'observer');
    expect([reaches(observer, 'ingress-nginx'), reaches(observer, NS), reaches(observer, 'default')]).toEqual([true, true, false]);
    const withClients = (value: string) =>
      byCluster(
        render(fleetFrom(defaultFleetText().replace('defaults:\n', `defaults:\n  networkPolicies: { querierClients: ${value} }\n`))).objects,
        'observer',
      );
    const grafana = withClients('[grafana]');
    expect([reaches(grafana, 'grafana'), reaches(grafana, 'ingress-nginx'), reaches(grafana, NS)]).toEqual([true, false, true]);
    const none = withClients('[]');
    expect([reaches(none, 'ingress-nginx'), reaches(none, NS)]).toEqual([false, true]);
    // A controller on the host network arrives from node addresses, which no namespace selector matches.
    const open = withClients('null');
    expect([reaches(open, 'default'), reaches(open, 'anything')]).toEqual([true, true]);
  });

  it('behind the query frontend, the Querier’s HTTP API answers the frontend’s namespace only; without one, the clients', () => {
    const querier = (objs: RenderedObject[]) => {
      const pod = podsOf(objs, NS).find((p) => p.owner === 'Deployment/thanos-querier')!;
      return { pod, port: pod.containers.flatMap((c) => c.ports).find((p) => p.port === 10902)! };
    };
    const observer = byCluster(fleets.default, 'observer');
    const frontend: Client = { namespace: NS, labels: podsOf(observer, NS).find((p) => p.owner === 'Deployment/thanos-query-frontend')!.labels };
    const nginx = (namespace: string): Client => ({ namespace, labels: { 'app.kubernetes.io/name': 'ingress-nginx' } });
    const { pod, port } = querier(observer);
    expect([admits(observer, NS, pod, port, frontend), admits(observer, NS, pod, port, nginx('ingress-nginx'))]).toEqual([true, false]);
    const direct = byCluster(
      render(fleetFrom(defaultFleetText().replace('    querier:\n', '    querier:\n      frontend: { enabled: false }\n'))).objects,
      'observer',
    );
    expect(podsOf(direct, NS).some((p) => p.owner === 'Deployment/thanos-query-frontend')).toBe(false);
    const d = querier(direct);
    expect([admits(direct, NS, d.pod, d.port, nginx('ingress-nginx')), admits(direct, NS, d.pod, d.port, nginx('default'))]).toEqual([true, false]);
  });

  it('opens the sidecar’s gRPC to exactly the fleet’s source ranges', () => {
    const objs = byCluster(fleets.default, 'workload-eu');
    const policy = ofKind(objs, 'NetworkPolicy').find((p) => p.obj.metadata.name === 'prometheus-k8s')!.obj;
    const grpcRules = policy.spec.ingress.filter((r) => r.ports.some((p) => p.port === 10901));
    expect(grpcRules.map((r) => r.from)).toEqual([[{ ipBlock: { cidr: '10.0.0.0/8' } }]]);
    const services = ofKind(objs, 'Service').filter((s) => s.obj.metadata.name.startsWith('thanos-sidecar-'));
    expect(services).toHaveLength(2);
    for (const svc of services) expect(grpcRules[0].from.map((f) => f.ipBlock.cidr)).toEqual(svc.obj.spec.loadBalancerSourceRanges);
    const prom = podsOf(objs, NS).find((p) => p.owner === 'Prometheus/k8s')!;
    const grpc = prom.containers.flatMap((c) => c.ports).find((p) => p.port === 10901)!;
    expect(admits(objs, NS, prom, grpc, { ip: '10.1.2.3' })).toBe(true);
    expect(admits(objs, NS, prom, grpc, { ip: '192.0.2.1' })).toBe(false);
  });

  it('lets an observer’s Querier in the same namespace reach its own sidecars, and the Store Gateway', () => {
    const objs = byCluster(fleets.hub, 'hub');
    const pods = podsOf(objs, NS);
    const querier: Client = { namespace: NS, labels: pods.find((p) => p.owner === 'Deployment/thanos-querier')!.labels };
    const prom = pods.find((p) => p.owner === 'Prometheus/k8s')!;
    const grpc = prom.containers.flatMap((c) => c.ports).find((p) => p.port === 10901)!;
    expect(admits(objs, NS, prom, grpc, querier)).toBe(true);
    expect(admits(objs, NS, prom, grpc, { ip: '192.0.2.7' })).toBe(true);
    expect(admits(objs, NS, prom, grpc, { ip: '198.51.100.7' })).toBe(false);
    const gateway = pods.find((p) => p.owner === 'StatefulSet/thanos-store-gateway')!;
    const sgGrpc = gateway.containers.flatMap((c) => c.ports).find((p) => p.name === 'grpc')!;
    expect(admits(objs, NS, gateway, sgGrpc, querier)).toBe(true);
    expect(admits(objs, NS, gateway, sgGrpc, prometheusClient(objs))).toBe(false);
  });

  it('restricts the egress of the operator and kube-state-metrics to the API server ports; a setting changes them', () => {
    const egress = (objs: RenderedObject[]) =>
      ofKind(objs, 'NetworkPolicy')
        .filter((p) => p.obj.spec.policyTypes.includes('Egress'))
        .map((p) => [p.obj.metadata.name, p.obj.spec.egress.map((r) => [r.to, r.ports.map((x) => `${x.protocol}/${x.port}`)])]);
    expect(egress(byCluster(fleets.default, 'workload-eu'))).toEqual([
      ['prometheus-operator', [[undefined, ['TCP/443', 'TCP/6443']]]],
      ['kube-state-metrics', [[undefined, ['TCP/443', 'TCP/6443']]]],
    ]);
    const text = defaultFleetText().replace('defaults:\n', 'defaults:\n  networkPolicies: { apiServerPorts: [8443] }\n');
    const objs = byCluster(render(fleetFrom(text)).objects, 'workload-eu');
    expect(egress(objs).map(([, rules]) => rules)).toEqual([[[undefined, ['TCP/8443']]], [[undefined, ['TCP/8443']]]]);
  });

  it('renders no NetworkPolicy when switched off, and rejects an empty port list naming the field', () => {
    const text = defaultFleetText().replace('defaults:\n', 'defaults:\n  networkPolicies: { enabled: false }\n');
    const objs = render(fleetFrom(text)).objects;
    expect(ofKind(objs, 'NetworkPolicy')).toEqual([]);
    expect(objs.some((o) => o.file.endsWith('network-policies.yaml'))).toBe(false);
    const bad = defaultFleetText().replace('defaults:\n', 'defaults:\n  networkPolicies: { apiServerPorts: [] }\n');
    expect(fleetProblems(bad)).toEqual([expect.stringMatching(/^defaults\.networkPolicies\.apiServerPorts: must list at least one port/)]);
  });
});

describe('Pod Security Admission labels', () => {
  const level = (objs: RenderedObject[]) => ofKind(objs, 'Namespace').find((n) => n.obj.metadata.name === NS)!.obj.metadata.labels;

  it.each(clusters)('%s: enforce, warn and audit one profile: privileged only where node-exporter runs', (_, objs) => {
    const labels = level(objs);
    const enforce = labels['pod-security.kubernetes.io/enforce'];
    const nodeExporter = ofKind(objs, 'DaemonSet').some((d) => d.obj.metadata.name === 'node-exporter');
    expect(enforce).toBe(nodeExporter ? 'privileged' : 'restricted');
    for (const mode of ['warn', 'audit']) expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe(enforce);
    for (const mode of ['enforce', 'warn', 'audit']) expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe('latest');
  });

  it.each(clusters)('%s: in a restricted namespace, every pod meets the restricted profile', (_, objs) => {
    if (level(objs)['pod-security.kubernetes.io/enforce'] !== 'restricted') return;
    for (const { obj } of objs) {
      if (obj.metadata.namespace !== NS) continue;
      if (hasPodTemplate(obj)) {
        const spec = obj.spec.template.spec;
        expect([obj.metadata.name, spec.hostNetwork, spec.hostPID, (spec.volumes ?? []).some((v) => v.hostPath)]).toEqual([
          obj.metadata.name,
          undefined,
          undefined,
          false,
        ]);
        expect([obj.metadata.name, spec.securityContext.runAsNonRoot, spec.securityContext.seccompProfile]).toEqual([
          obj.metadata.name,
          true,
          { type: 'RuntimeDefault' },
        ]);
        for (const c of spec.containers) {
          expect([c.name, c.securityContext]).toEqual([c.name, expect.objectContaining({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } })]);
        }
      }
      // The operator hardens its own containers; the pod-level settings are ours.
      if (obj.kind === 'Prometheus' || obj.kind === 'Alertmanager') {
        expect([obj.kind, obj.spec.securityContext]).toEqual([
          obj.kind,
          expect.objectContaining({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }),
        ]);
      }
    }
  });
});
