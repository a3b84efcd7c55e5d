// Pod placement from the fleet file: each component's node selector, tolerations and priority class, and
// the stack's image pull secrets, on exactly that component's pods (or its Prometheus/Alertmanager object).
import * as path from 'path';
import { parseDocument, stringify } from 'yaml';
import type { FleetInput } from '../lib/fleet/schema';
import { defaultFleetText, fleetFrom, fleetProblems, render, Rendered, validateRendered } from './support/fleet';

type Placement = { nodeSelector?: Record<string, string>; tolerations?: unknown[]; priorityClassName?: string; imagePullSecrets?: unknown[] };

/** The fleet component that owns each pod spec, by kind and name. */
const OWNERS: Record<string, string> = {
  'Deployment prometheus-operator': 'operator',
  'Deployment kube-state-metrics': 'kubeStateMetrics',
  'DaemonSet node-exporter': 'nodeExporter',
  'Prometheus k8s': 'prometheus',
  'Alertmanager main': 'alertmanager',
  'Deployment thanos-querier': 'querier',
  'StatefulSet thanos-store-gateway': 'storeGateway',
  'Deployment grafana': 'grafana',
  'Deployment thanos-query-frontend': 'frontend',
  'StatefulSet thanos-compact': 'compactor',
  'Deployment blackbox-exporter': 'probes',
};

/** Every pod spec of a render (pod templates, and the Prometheus and Alertmanager specs the operator turns into pods), by owner. */
function podSpecs(r: Rendered): { cluster: string; owner: string; spec: Placement }[] {
  return r.objects.flatMap((o) => {
    const obj = o.obj as unknown as { kind: string; metadata: { name: string }; spec?: { template?: { spec: Placement } } & Placement };
    const spec = ['Deployment', 'DaemonSet', 'StatefulSet'].includes(obj.kind)
      ? obj.spec?.template?.spec
      : ['Prometheus', 'Alertmanager'].includes(obj.kind)
        ? obj.spec
        : undefined;
    if (!spec) return [];
    const owner = OWNERS[`${obj.kind} ${obj.metadata.name}`];
    if (!owner) throw new Error(`a pod spec of no known component: ${obj.kind} ${obj.metadata.name}`);
    return [{ cluster: o.cluster, owner, spec }];
  });
}

const pick = (s: Placement) => ({
  nodeSelector: s.nodeSelector,
  tolerations: s.tolerations,
  priorityClassName: s.priorityClassName,
  imagePullSecrets: s.imagePullSecrets,
});

describe('pod placement', () => {
  const mine = (c: string) => ({
    nodeSelector: { pool: c.toLowerCase() },
    tolerations: [{ key: `dedicated-${c.toLowerCase()}`, operator: 'Exists' as const, effect: 'NoSchedule' as const }],
    priorityClassName: `${c.toLowerCase()}-critical`,
  });
  const fleet = parseDocument(defaultFleetText()).toJS() as FleetInput;
  const stackComponents = ['operator', 'prometheus', 'alertmanager', 'nodeExporter', 'kubeStateMetrics'] as const;
  fleet.defaults = { ...fleet.defaults, imagePullSecrets: ['regcred'] };
  for (const c of stackComponents) (fleet.defaults as Record<string, unknown>)[c] = { ...(fleet.defaults as Record<string, object>)[c], placement: mine(c) };
  const observer = fleet.clusters[0];
  observer.querier = {
    ...observer.querier,
    placement: mine('querier'),
    storeGateway: { bucket: 'metrics', placement: mine('storeGateway') },
    compactor: { bucket: 'metrics', placement: mine('compactor') },
    frontend: { placement: mine('frontend') },
    probes: { placement: mine('probes') },
  };
  observer.grafana = { placement: mine('grafana') };
  fleet.buckets = { metrics: { type: 'existingSecret', secret: { name: 'bucket', key: 'objstore.yml' } } };
  const placed = render(fleetFrom(stringify(fleet)));
  const defaults = render(fleetFrom(defaultFleetText()));

  it("renders each component's placement on exactly that component's pods, with the image pull secrets on every pod", () => {
    const specs = podSpecs(placed);
    expect(new Set(specs.map((s) => s.owner))).toEqual(new Set(Object.values(OWNERS)));
    for (const { cluster, owner, spec } of specs) {
      const want = mine(owner);
      // Node selectors merge with the default one; the other fields replace the defaults.
      const linux = ['prometheus', 'alertmanager'].includes(owner) ? {} : { 'kubernetes.io/os': 'linux' };
      expect([cluster, owner, pick(spec)]).toEqual([
        cluster,
        owner,
        { ...want, nodeSelector: { ...linux, ...want.nodeSelector }, imagePullSecrets: [{ name: 'regcred' }] },
      ]);
    }
  });

  it('keeps the defaults: node-exporter everywhere as system-node-critical, Linux nodes, nothing on the operator-managed pods', () => {
    const specs = podSpecs(defaults);
    expect(specs.length).toBeGreaterThan(6);
    const linux = { 'kubernetes.io/os': 'linux' };
    const expected: Record<string, Placement> = {
      operator: { nodeSelector: linux },
      kubeStateMetrics: { nodeSelector: linux },
      querier: { nodeSelector: linux },
      grafana: { nodeSelector: linux },
      frontend: { nodeSelector: linux },
      probes: { nodeSelector: linux },
      nodeExporter: { nodeSelector: linux, tolerations: [{ operator: 'Exists' }], priorityClassName: 'system-node-critical' },
      prometheus: {},
      alertmanager: {},
    };
    for (const { owner, spec } of specs) expect([owner, pick(spec)]).toEqual([owner, pick(expected[owner])]);
  });

  it('lets a cluster override one field of a component and keep the others', () => {
    const text = stringify({
      ...fleet,
      clusters: fleet.clusters.map((c) =>
        c.name === 'workload-us' ? { ...c, overrides: { prometheus: { placement: { priorityClassName: 'us-only' } } } } : c,
      ),
    });
    const r = render(fleetFrom(text));
    const byCluster = (name: string) => podSpecs(r).find((s) => s.cluster === name && s.owner === 'prometheus')!.spec;
    expect(byCluster('workload-us').priorityClassName).toBe('us-only');
    expect(byCluster('workload-us').tolerations).toEqual(mine('prometheus').tolerations);
    expect(byCluster('workload-eu').priorityClassName).toBe('prometheus-critical');
  });

  it("admits the gated priority classes the placements use, and only those, with the stack's quota", () => {
    const quotaClasses = (r: Rendered, cluster: string) =>
      r.objects
        .filter((o) => o.cluster === cluster && o.obj.kind === 'ResourceQuota')
        .flatMap(
          (o) => (o.obj as unknown as { spec: { scopeSelector: { matchExpressions: { values: string[] }[] } } }).spec.scopeSelector.matchExpressions[0].values,
        );
    // Every component in its own class: none is one that GKE gates, so no quota.
    expect(quotaClasses(placed, 'workload-eu')).toEqual([]);
    expect(quotaClasses(defaults, 'workload-eu')).toEqual(['system-node-critical']);
    const f = parseDocument(defaultFleetText()).toJS() as FleetInput;
    f.defaults = { ...f.defaults, prometheus: { ...f.defaults?.prometheus, placement: { priorityClassName: 'system-cluster-critical' } } };
    const r = render(fleetFrom(stringify(f)));
    expect(quotaClasses(r, 'workload-eu')).toEqual(['system-cluster-critical', 'system-node-critical']);
    expect(podSpecs(r).find((s) => s.cluster === 'workload-eu' && s.owner === 'prometheus')!.spec.priorityClassName).toBe('system-cluster-critical');
  });

  it('passes schema validation (core kinds and the imported CRDs)', () => {
    for (const cluster of ['observer', 'workload-eu']) {
      expect(validateRendered(path.join(placed.outDir, cluster)).findings).toEqual([]);
    }
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      'a toleration without key that is not Exists',
      { tolerations: [{ effect: 'NoSchedule' }] },
      /^defaults\.prometheus\.placement\.tolerations\[0\]\.operator: a toleration without key must have operator: Exists/,
    ],
    [
      'tolerationSeconds without NoExecute',
      { tolerations: [{ key: 'spot', operator: 'Exists', tolerationSeconds: 30 }] },
      /^defaults\.prometheus\.placement\.tolerations\[0\]\.tolerationSeconds: tolerationSeconds needs effect: NoExecute/,
    ],
    ['a priority class that is no DNS name', { priorityClassName: 'High Priority' }, /^defaults\.prometheus\.placement\.priorityClassName: must be a DNS name/],
  ])('rejects %s, naming the field', (_what, placement, message) => {
    const f = parseDocument(defaultFleetText()).toJS() as FleetInput;
    f.defaults = { ...f.defaults, prometheus: { ...f.defaults?.prometheus, placement: placement } };
    expect(fleetProblems(stringify(f))).toEqual([expect.stringMatching(message)]);
  });
});
