// The observer watches itself: by default an observer-only cluster runs the workload stack for itself (its sidecar
// read by its own Querier, in-cluster) and a ThanosRuler with the fleet-level alerts, which queries that Querier and
// sends to that Alertmanager; `selfMonitoring: false` renders the Querier alone.
import { FLEET_RULES_NAME } from '../lib/components/fleet-rules';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, type Rendered, validateRendered } from './support/fleet';
import { find, renderedSdConfig } from './support/observer-fleet';
import { matches, prometheusSelects, SELECTION } from './support/selection';

const SELF_OFF = defaultFleetText().replace('    roles: [observer]\n', '    roles: [observer]\n    selfMonitoring: false\n');

function kindsOf(r: Rendered, cluster: string): string[] {
  return [...new Set(r.objects.filter((o) => o.cluster === cluster).map((o) => o.obj.kind))].sort();
}

/** `name.namespace.svc[:port]` -> its parts. */
function serviceAddress(host: string): { name: string; namespace: string } {
  const m = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc$/.exec(host);
  if (!m) throw new Error(`${host} is not a Service address`);
  return { name: m[1], namespace: m[2] };
}

describe('default fleet: the observer monitors itself', () => {
  const r = render(fleetFrom(defaultFleetText()));
  const inObserver = r.objects.filter((o) => o.cluster === 'observer');

  it('renders the operator, Prometheus with its sidecar, Alertmanager, the exporters and the ThanosRuler next to the Querier', () => {
    const names = (kind: 'Deployment' | 'DaemonSet' | 'Prometheus' | 'Alertmanager' | 'ThanosRuler') =>
      ofKind(inObserver, kind).map((o) => o.obj.metadata.name);
    expect(names('Deployment').sort()).toEqual([
      'blackbox-exporter',
      'grafana',
      'kube-state-metrics',
      'prometheus-operator',
      'thanos-querier',
      'thanos-query-frontend',
    ]);
    expect(names('DaemonSet')).toEqual(['node-exporter']);
    expect(names('Alertmanager')).toEqual(['main']);
    expect(names('ThanosRuler')).toEqual(['fleet']);
    const prometheus = find(r, 'observer', 'Prometheus', 'k8s').obj;
    expect(prometheus.spec.thanos.image).toMatch(/thanos/);
    expect(prometheus.spec.externalLabels).toEqual({ cluster: 'observer' });
    expect(find(r, 'observer', 'ThanosRuler', 'fleet').file).toBe('observer/75-thanos-ruler.yaml');
    // node-exporter runs on the host: the namespace cannot enforce the restricted profile.
    expect(find(r, 'observer', 'Namespace', 'monitoring').obj.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  it('reads its own sidecar in-cluster, one endpoint per replica, and exposes it nowhere', () => {
    const addresses = renderedSdConfig(r, 'observer').endpoints.map((e) => e.address);
    expect(addresses.slice(0, 2)).toEqual([
      'prometheus-k8s-0.prometheus-operated.monitoring.svc:10901',
      'prometheus-k8s-1.prometheus-operated.monitoring.svc:10901',
    ]);
    expect(ofKind(inObserver, 'Service').filter((s) => s.obj.metadata.name.startsWith('thanos-sidecar'))).toEqual([]);
    expect(ofKind(inObserver, 'Ingress').map((i) => i.obj.metadata.name)).toEqual(['thanos-querier']);
    // Only the Querier next to it, and the blackbox exporter that probes the path as the Querier dials it, may call the sidecar's gRPC.
    const policy = find(r, 'observer', 'NetworkPolicy', 'prometheus-k8s').obj;
    const grpc = policy.spec.ingress.filter((rule) => rule.ports.some((p) => p.port === 10901));
    expect(grpc).toHaveLength(1);
    expect(grpc[0].from).toHaveLength(2);
    const pods = (kind: 'Deployment', name: string) => find(r, 'observer', kind, name).obj.spec.template.metadata.labels;
    for (const name of ['thanos-querier', 'blackbox-exporter']) expect(grpc[0].from.some((f) => matches(f.podSelector, pods('Deployment', name)))).toBe(true);
    for (const f of grpc[0].from) expect(matches(f.podSelector, find(r, 'observer', 'Prometheus', 'k8s').obj.spec.podMetadata.labels)).toBe(false);
  });

  it('renders the Querier rule family for its own Prometheus, which scrapes the Querier', () => {
    const rules = ofKind(inObserver, 'PrometheusRule').map((o) => o.obj.metadata.name);
    expect(rules).toContain('promfleet-thanos-query');
    expect(rules).not.toContain('promfleet-thanos-store');
    const querierMonitor = find(r, 'observer', 'ServiceMonitor', 'thanos-querier');
    expect(prometheusSelects(r.objects, find(r, 'observer', 'Prometheus', 'k8s'), SELECTION.ServiceMonitor, querierMonitor)).toBe(true);
  });

  it("points the ThanosRuler's query endpoint at the rendered Querier Service's HTTP port", () => {
    const ruler = find(r, 'observer', 'ThanosRuler', 'fleet').obj;
    expect(ruler.spec.queryEndpoints).toHaveLength(1);
    const [host, port] = ruler.spec.queryEndpoints[0].split(':');
    const { name, namespace } = serviceAddress(host);
    expect(namespace).toBe(ruler.metadata.namespace);
    const service = find(r, 'observer', 'Service', name).obj;
    const servicePort = service.spec.ports.find((p) => p.port === Number(port));
    expect(servicePort?.name).toBe('http');
    const querier = find(r, 'observer', 'Deployment', 'thanos-querier').obj;
    expect(matches({ matchLabels: service.spec.selector }, querier.spec.template.metadata.labels)).toBe(true);
    const container = querier.spec.template.spec.containers[0];
    expect(container.ports.find((p) => p.name === servicePort?.targetPort)?.containerPort).toBe(Number(port));
  });

  it("sends the ThanosRuler's alerts to every replica of the rendered Alertmanager, and lets them through its NetworkPolicy", () => {
    const ruler = find(r, 'observer', 'ThanosRuler', 'fleet').obj;
    const alertmanager = find(r, 'observer', 'Alertmanager', 'main').obj;
    expect(ruler.spec.alertmanagersUrl).toHaveLength(1);
    // SRV records of a named port under the operator's governing Service of the Alertmanager's StatefulSet.
    const m = /^dnssrv\+http:\/\/_([a-z-]+)\._tcp\.(.+)$/.exec(ruler.spec.alertmanagersUrl[0]);
    expect(m).not.toBeNull();
    const { name, namespace } = serviceAddress(m![2]);
    expect([name, namespace]).toEqual(['alertmanager-operated', alertmanager.metadata.namespace]);
    // The named port is the Alertmanager's web port, as the rendered Service in front of it serves it.
    const service = find(r, 'observer', 'Service', 'alertmanager-main').obj;
    expect(service.spec.ports.find((p) => p.targetPort === m![1])?.port).toBe(9093);
    const policy = find(r, 'observer', 'NetworkPolicy', 'alertmanager-main').obj;
    const rulerPods = find(r, 'observer', 'Service', 'thanos-ruler').obj.spec.selector;
    expect(
      policy.spec.ingress.some((rule) => rule.from.some((f) => f.podSelector && matches(f.podSelector, rulerPods)) && rule.ports.some((p) => p.port === 9093)),
    ).toBe(true);
  });

  it('keeps the fleet rules and the stack rules apart: the ruler selects only the fleet rules, no Prometheus selects them', () => {
    const ruler = find(r, 'observer', 'ThanosRuler', 'fleet');
    const rules = ofKind(inObserver, 'PrometheusRule');
    const selectedByRuler = rules.filter(
      (o) => matches(ruler.obj.spec.ruleSelector, o.obj.metadata.labels) && o.obj.metadata.namespace === ruler.obj.metadata.namespace,
    );
    expect(selectedByRuler.map((o) => o.obj.metadata.name)).toEqual([FLEET_RULES_NAME]);
    for (const cluster of ['observer', 'workload-eu', 'workload-us']) {
      for (const prometheus of ofKind(r.objects, 'Prometheus').filter((p) => p.cluster === cluster)) {
        const selected = ofKind(r.objects, 'PrometheusRule')
          .filter((o) => o.cluster === cluster && prometheusSelects(r.objects, prometheus, SELECTION.PrometheusRule, o))
          .map((o) => o.obj.metadata.name);
        expect(selected.length).toBeGreaterThan(10);
        expect(selected).not.toContain(FLEET_RULES_NAME);
      }
    }
    // Even a fleet rule that carries the monitor selector's labels stays the ruler's.
    const fleetRule = find(r, 'observer', 'PrometheusRule', FLEET_RULES_NAME);
    const disguised = {
      ...fleetRule,
      obj: { ...fleetRule.obj, metadata: { ...fleetRule.obj.metadata, labels: { ...fleetRule.obj.metadata.labels, 'prometheus.io/monitor': 'true' } } },
    };
    expect(prometheusSelects(r.objects, find(r, 'observer', 'Prometheus', 'k8s'), SELECTION.PrometheusRule, disguised)).toBe(false);
  });

  it('watches every cluster the Querier reads, itself included, with `cluster` on every alert', () => {
    const rule = find(r, 'observer', 'PrometheusRule', FLEET_RULES_NAME).obj;
    const watched = rule.spec.groups.flatMap((g) => g.rules.map((x) => x.labels.cluster));
    expect([...new Set(watched)]).toEqual(['observer', 'workload-eu', 'workload-us']);
    // The ruler's own external label must not be `cluster`: Thanos would write it over every alert's.
    expect(Object.keys(find(r, 'observer', 'ThanosRuler', 'fleet').obj.spec.labels)).not.toContain('cluster');
  });

  it('validates against the CRD and Kubernetes schemas', () => {
    const report = validateRendered(`${r.outDir}/observer`);
    expect(report.findings).toEqual([]);
    expect(report.objects).toBe(inObserver.length);
  });
});

describe('selfMonitoring: false', () => {
  const r = render(fleetFrom(SELF_OFF));

  it('renders the Querier alone on the observer: no operator, Prometheus, Alertmanager nor ThanosRuler', () => {
    expect(kindsOf(r, 'observer')).toEqual(['ConfigMap', 'Deployment', 'Ingress', 'Namespace', 'NetworkPolicy', 'PodDisruptionBudget', 'Secret', 'Service']);
    expect(
      ofKind(r.objects, 'Deployment')
        .filter((o) => o.cluster === 'observer')
        .map((o) => o.obj.metadata.name),
    ).toEqual(['thanos-querier', 'thanos-query-frontend', 'grafana']);
    expect(renderedSdConfig(r, 'observer').endpoints.map((e) => e.address)).not.toContain('prometheus-k8s-0.prometheus-operated.monitoring.svc:10901');
    expect(find(r, 'observer', 'Namespace', 'monitoring').obj.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('the fleet file', () => {
  it('sizes and places the ThanosRuler from querier.ruler, and rejects a bad value naming the field', () => {
    const tuned = defaultFleetText().replace(
      '    querier:\n      replicas: 2\n',
      '    querier:\n      replicas: 2\n      ruler: { replicas: 3, evaluationInterval: 1m, resources: { requests: { cpu: 200m, memory: 256Mi }, limits: { memory: 1Gi } }, placement: { nodeSelector: { pool: monitoring } } }\n',
    );
    expect(tuned).not.toBe(defaultFleetText());
    const spec = find(render(fleetFrom(tuned)), 'observer', 'ThanosRuler', 'fleet').obj.spec;
    expect([spec.replicas, spec.evaluationInterval]).toEqual([3, '1m']);
    expect(spec.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } });
    // Merged over the default node selector, as every component's placement.
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', pool: 'monitoring' });
    const defaults = find(render(fleetFrom(defaultFleetText())), 'observer', 'ThanosRuler', 'fleet').obj.spec;
    expect([defaults.replicas, defaults.evaluationInterval]).toEqual([2, '30s']);
    expect(fleetProblems(tuned.replace('replicas: 3,', 'replicas: 0,'))).toEqual([expect.stringMatching(/^clusters\[0\]\.querier\.ruler\.replicas: /)]);
  });

  it('keeps selfMonitoring to observers, and false only where no role needs Prometheus', () => {
    const text = defaultFleetText().replace(
      '  - name: workload-us\n    roles: [workload]\n',
      '  - name: workload-us\n    roles: [workload]\n    selfMonitoring: true\n',
    );
    expect(fleetProblems(text)).toEqual(['clusters[2].selfMonitoring: is only for observer clusters (a workload cluster always runs Prometheus); remove it']);
    const dual = defaultFleetText().replace(
      '    roles: [observer]\n',
      '    roles: [observer, workload]\n    selfMonitoring: false\n    thanos: { endpoint: { host: "s-{replica}.o.example.com" } }\n',
    );
    expect(fleetProblems(dual)).toEqual([
      'clusters[0].selfMonitoring: is false, but the workload role runs Prometheus on this cluster anyway; remove selfMonitoring, or remove "workload" from roles',
    ]);
  });

  it('lets a self-monitoring observer carry external labels and a sidecar endpoint, and refuses them without self-monitoring', () => {
    const labelled = defaultFleetText().replace('    roles: [observer]\n', '    roles: [observer]\n    externalLabels: { region: eu-central-1 }\n');
    expect(fleetProblems(labelled)).toEqual([]);
    expect(fleetFrom(labelled).clusters[0].workload?.externalLabels).toEqual({ cluster: 'observer', region: 'eu-central-1' });
    const off = SELF_OFF.replace('    selfMonitoring: false\n', '    selfMonitoring: false\n    externalLabels: { region: eu-central-1 }\n');
    expect(fleetProblems(off)).toEqual([
      'clusters[0].externalLabels: label a Prometheus, and this cluster runs none; remove selfMonitoring: false (the observer then monitors itself) or remove them',
    ]);
  });
});

describe('two observers', () => {
  const twoObservers = (backup: string) =>
    defaultFleetText().replace('  - name: workload-eu\n', `  - name: backup\n    roles: [observer]\n${backup}  - name: workload-eu\n`);

  it("read each other's Prometheus only where it declares an endpoint; each reads its own in-cluster", () => {
    const r = render(fleetFrom(twoObservers('')));
    const hub = renderedSdConfig(r, 'observer').endpoints.map((e) => e.address);
    const backup = renderedSdConfig(r, 'backup').endpoints.map((e) => e.address);
    expect(hub.filter((a) => a.includes('prometheus-operated'))).toEqual([
      'prometheus-k8s-0.prometheus-operated.monitoring.svc:10901',
      'prometheus-k8s-1.prometheus-operated.monitoring.svc:10901',
    ]);
    expect(backup.filter((a) => a.includes('prometheus-operated'))).toEqual(hub.filter((a) => a.includes('prometheus-operated')));
    expect(hub).toHaveLength(6);
    // Each ruler watches what its Querier reads.
    const watched = (rendered: Rendered, c: string) => [
      ...new Set(find(rendered, c, 'PrometheusRule', FLEET_RULES_NAME).obj.spec.groups.flatMap((g) => g.rules.map((x) => x.labels.cluster))),
    ];
    expect(watched(r, 'backup')).toEqual(['backup', 'workload-eu', 'workload-us']);
    expect(watched(r, 'observer')).toEqual(['observer', 'workload-eu', 'workload-us']);

    const exposed = render(fleetFrom(twoObservers('    thanos: { endpoint: { host: "sidecar-{replica}.backup.example.com" } }\n')));
    expect(renderedSdConfig(exposed, 'observer').endpoints.map((e) => e.address)).toContain('sidecar-1.backup.example.com:10901');
    expect(
      ofKind(exposed.objects, 'Service')
        .filter((s) => s.cluster === 'backup')
        .map((s) => s.obj.metadata.name),
    ).toContain('thanos-sidecar-1');
    expect(watched(exposed, 'observer')).toEqual(['observer', 'backup', 'workload-eu', 'workload-us']);
  });
});
