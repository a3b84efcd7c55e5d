// How the workload stack fits the cluster it lands on: managed clouds that gate the system priority
// classes, RBAC that matches what the pinned releases watch, series and disk kept in bounds, and a
// cluster that already runs a Prometheus Operator.
import { expect } from '@jest/globals';
import { CONTROLLER_ID_ANNOTATION } from '../lib/components/base';
import { NODE_EXPORTER_NAME } from '../lib/components/node-exporter';
import { OPERATOR_NAME } from '../lib/components/operator';
import { retentionSizeOf } from '../lib/components/prometheus';
import { syncWave } from '../lib/delivery/sync-waves';
import { DEFAULT_STACK } from '../lib/fleet/defaults';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, type RenderedObject } from './support/fleet';
import { hasPodTemplate, type ManifestOf } from './support/manifests';

const byCluster = (objects: RenderedObject[], cluster: string) => objects.filter((o) => o.cluster === cluster);

function one<K extends Parameters<typeof ofKind>[1]>(objects: RenderedObject[], kind: K, name: string): ManifestOf<K> {
  const found = ofKind(objects, kind).filter((o) => o.obj.metadata.name === name);
  expect([kind, name, found.length]).toEqual([kind, name, 1]);
  return found[0].obj;
}

/**
 * A fleet with one observer (the Querier alone: these tests are about `w`) and one workload cluster `w`, with these
 * stack settings (YAML, indented 6).
 */
const fleetWith = (overrides: string, extra = '') => `
clusters:
  - name: obs
    roles: [observer]
    selfMonitoring: false
  - name: w
    roles: [workload]
    thanos:
      endpoint: { host: "sidecar-{replica}.w.example.com" }${extra}
    overrides:
${overrides}
`;

// ---------- point 2: system priority classes on managed clouds ----------

/** Every priority class the pods of `namespace` run with: pod templates, and the pods the operator makes. */
function podPriorityClasses(objects: RenderedObject[], namespace: string): string[] {
  const classes = objects
    .filter((o) => o.obj.metadata.namespace === namespace)
    .flatMap(({ obj }) => {
      if (hasPodTemplate(obj)) return [obj.spec.template.spec.priorityClassName];
      if (obj.kind === 'Prometheus' || obj.kind === 'Alertmanager') return [obj.spec.priorityClassName];
      return [];
    })
    .filter((c): c is string => typeof c === 'string');
  return [...new Set(classes)].sort();
}

// The classes GKE admits outside kube-system only under a quota (its kube-system quota gcp-critical-pods).
const GATED = ['system-cluster-critical', 'system-node-critical'];

describe('system priority classes outside kube-system (GKE)', () => {
  const rendered = render(fleetFrom(defaultFleetText()));

  it.each(['workload-us', 'workload-eu'])('%s: a ResourceQuota selects every gated class its pods use', (cluster) => {
    const objs = byCluster(rendered.objects, cluster);
    const gated = podPriorityClasses(objs, 'monitoring').filter((c) => GATED.includes(c));
    // node-exporter runs at system-node-critical: without the quota GKE refuses its pods.
    expect(gated).toContain('system-node-critical');
    const quotas = ofKind(objs, 'ResourceQuota').filter((q) => q.obj.metadata.namespace === 'monitoring');
    expect(quotas).toHaveLength(1);
    const { spec } = quotas[0].obj;
    const expressions = spec.scopeSelector.matchExpressions;
    expect(expressions).toHaveLength(1);
    expect(expressions[0]).toMatchObject({ scopeName: 'PriorityClass', operator: 'In' });
    expect([...expressions[0].values].sort()).toEqual(gated);
    // Admits, never caps: more pods than the largest cluster has nodes (GKE: 15,000).
    expect(Number(String(spec.hard.pods).replace(/G$/, 'e9'))).toBeGreaterThanOrEqual(15_000);
    // Applied before the DaemonSet that needs it, by kubectl (file order) and by Argo CD (waves).
    const ds = ofKind(objs, 'DaemonSet')[0];
    expect(quotas[0].file < ds.file).toBe(true);
    expect(syncWave('v1', 'ResourceQuota')).toBeLessThan(syncWave('apps/v1', 'DaemonSet'));
  });

  it('renders no quota where no pod uses a gated class', () => {
    const objs = render(fleetFrom(fleetWith('      nodeExporter: { enabled: false }'))).objects;
    expect(podPriorityClasses(byCluster(objs, 'w'), 'monitoring').filter((c) => GATED.includes(c))).toEqual([]);
    expect(ofKind(objs, 'ResourceQuota')).toEqual([]);
  });
});

// ---------- point 3: RBAC of the pinned releases ----------

interface Need {
  readonly groups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}
const LIST = ['list', 'watch'];

/**
 * What each ClusterRole must grant, per the pinned release's upstream RBAC. A rendered role may
 * grant more (promfleet adds what its flags need), never less.
 */
const NEEDS: Record<string, Need[]> = {
  // kubernetes/kube-state-metrics v2.20.0, examples/standard/cluster-role.yaml
  'kube-state-metrics': [
    {
      groups: [''],
      resources: [
        'configmaps',
        'secrets',
        'nodes',
        'pods',
        'services',
        'serviceaccounts',
        'resourcequotas',
        'replicationcontrollers',
        'limitranges',
        'persistentvolumeclaims',
        'persistentvolumes',
        'namespaces',
        'endpoints',
      ],
      verbs: LIST,
    },
    { groups: ['apps'], resources: ['statefulsets', 'daemonsets', 'deployments', 'replicasets'], verbs: LIST },
    { groups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: LIST },
    { groups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: LIST },
    { groups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { groups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
    { groups: ['policy'], resources: ['poddisruptionbudgets'], verbs: LIST },
    { groups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: LIST },
    { groups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: LIST },
    { groups: ['storage.k8s.io'], resources: ['storageclasses', 'volumeattachments'], verbs: LIST },
    {
      groups: ['admissionregistration.k8s.io'],
      resources: [
        'mutatingadmissionpolicies',
        'mutatingadmissionpolicybindings',
        'mutatingwebhookconfigurations',
        'validatingadmissionpolicies',
        'validatingadmissionpolicybindings',
        'validatingwebhookconfigurations',
      ],
      verbs: LIST,
    },
    { groups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingressclasses', 'ingresses'], verbs: LIST },
    { groups: ['coordination.k8s.io'], resources: ['leases'], verbs: LIST },
    { groups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles'], verbs: LIST },
  ],
  // prometheus-operator/prometheus-operator v0.93.0, example/rbac/prometheus-operator/prometheus-operator-cluster-role.yaml
  [OPERATOR_NAME]: [
    {
      groups: ['monitoring.coreos.com'],
      resources: [
        'alertmanagers',
        'alertmanagers/finalizers',
        'alertmanagers/status',
        'alertmanagerconfigs',
        'prometheuses',
        'prometheuses/finalizers',
        'prometheuses/status',
        'prometheusagents',
        'prometheusagents/finalizers',
        'prometheusagents/status',
        'thanosrulers',
        'thanosrulers/finalizers',
        'thanosrulers/status',
        'scrapeconfigs',
        'scrapeconfigs/status',
        'servicemonitors',
        'servicemonitors/status',
        'podmonitors',
        'podmonitors/status',
        'probes',
        'probes/status',
        'prometheusrules',
        'prometheusrules/status',
      ],
      verbs: ['*'],
    },
    { groups: ['apps'], resources: ['statefulsets'], verbs: ['*'] },
    { groups: [''], resources: ['configmaps', 'secrets'], verbs: ['*'] },
    { groups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
    { groups: [''], resources: ['services', 'services/finalizers', 'endpoints'], verbs: ['get', 'create', 'update', 'delete'] },
    { groups: [''], resources: ['nodes'], verbs: LIST },
    { groups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
    { groups: ['events.k8s.io'], resources: ['events'], verbs: ['patch', 'create'] },
    { groups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
    { groups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
    // --kubelet-endpointslice=true writes the kubelet EndpointSlices (cmd/operator/main.go).
    { groups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'create', 'update', 'delete'] },
    // Its kube-rbac-proxy (kube-prometheus, manifests/prometheusOperator-clusterRole.yaml).
    { groups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { groups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ],
  // prometheus-operator/kube-prometheus, manifests/nodeExporter-clusterRole.yaml: its kube-rbac-proxy.
  'node-exporter': [
    { groups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { groups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ],
  // prometheus-operator/prometheus-operator v0.93.0, example/rbac/prometheus/prometheus-cluster-role.yaml
  'prometheus-k8s': [
    { groups: [''], resources: ['nodes', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
    { groups: [''], resources: ['configmaps'], verbs: ['get'] },
    { groups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
    { groups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
  ],
};
/** Non-resource URLs each role needs (same upstream files). */
const NEEDS_URLS: Record<string, string[]> = { 'prometheus-k8s': ['/metrics'] };

type Rule = ManifestOf<'ClusterRole'>['rules'][number];
const has = (list: string[] | undefined, v: string) => !!list && (list.includes(v) || list.includes('*'));

/** Every group/resource/verb of `needs` that no rule grants, as "group/resource verb". */
function missing(rules: Rule[], needs: Need[], urls: string[] = []): string[] {
  const out: string[] = [];
  for (const n of needs)
    for (const g of n.groups)
      for (const r of n.resources)
        for (const v of n.verbs)
          if (!rules.some((rule) => has(rule.apiGroups, g) && has(rule.resources, r) && (v === '*' ? rule.verbs.includes('*') : has(rule.verbs, v))))
            out.push(`${g || 'core'}/${r} ${v}`);
  for (const u of urls) if (!rules.some((rule) => has(rule.nonResourceURLs, u) && has(rule.verbs, 'get'))) out.push(`${u} get`);
  return out;
}

describe('RBAC in step with the pinned releases', () => {
  const objs = byCluster(render(fleetFrom(defaultFleetText())).objects, 'workload-eu');

  /** The ClusterRole bound to each ServiceAccount of the stack, by the account's name. */
  const roles = new Map(
    ofKind(objs, 'ClusterRoleBinding').map(({ obj }) => [
      obj.subjects[0].name,
      ofKind(objs, 'ClusterRole').find((r) => r.obj.metadata.name === obj.roleRef.name)!.obj.rules,
    ]),
  );

  it('has a table entry for every ClusterRole the stack renders', () => {
    expect([...roles.keys()].sort()).toEqual(Object.keys(NEEDS).sort());
  });

  it.each(Object.keys(NEEDS))('%s: grants every resource and verb its pinned release needs', (account) => {
    expect(missing(roles.get(account) ?? [], NEEDS[account], NEEDS_URLS[account])).toEqual([]);
  });

  it('reports a permission a role lacks', () => {
    const rules: Rule[] = [{ apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: LIST } as Rule];
    expect(missing(rules, [NEEDS['kube-state-metrics'][10]])).toContain('admissionregistration.k8s.io/validatingadmissionpolicies list');
  });
});

// ---------- point 6: series and disk ----------

type Relabel = { action: string; sourceLabels: string[]; regex: string; separator?: string };

/** Whether Prometheus keeps a series after these metric relabelings (drop/keep only, anchored regex). */
function kept(relabelings: Relabel[], labels: Record<string, string>): boolean {
  for (const r of relabelings) {
    const value = r.sourceLabels.map((l) => labels[l] ?? '').join(r.separator ?? ';');
    const match = new RegExp(`^(?:${r.regex})$`).test(value);
    if (r.action === 'drop' && match) return false;
    if (r.action === 'keep' && !match) return false;
  }
  return true;
}

describe('series and disk kept in bounds', () => {
  const rendered = render(fleetFrom(defaultFleetText()));
  const eu = byCluster(rendered.objects, 'workload-eu');

  it('drops the deprecated and high-cardinality kubelet and cAdvisor families, and keeps what dashboards read', () => {
    const endpoints = one(eu, 'ServiceMonitor', 'kubelet').spec.endpoints;
    const at = (p: string) => endpoints.find((e) => (e.path ?? '/metrics') === p)!.metricRelabelings as Relabel[];
    const kubelet = at('/metrics');
    const cadvisor = at('/metrics/cadvisor');
    for (const name of [
      'kubelet_pod_worker_latency_microseconds',
      'kubelet_docker_operations_errors',
      'scheduler_binding_latency_microseconds',
      'apiserver_request_count',
      'apiserver_storage_objects',
      'reflector_watches_total',
      'etcd_object_counts',
      'transformation_failures_total',
      'autoregister_depth',
      'crd_finalizer_work_duration',
      'rest_client_request_latency_seconds',
      'storage_operation_status_count',
    ])
      expect([name, kept(kubelet, { __name__: name })]).toEqual([name, false]);
    for (const name of ['kubelet_running_pods', 'kubelet_volume_stats_used_bytes', 'rest_client_requests_total', 'storage_operation_duration_seconds_bucket'])
      expect([name, kept(kubelet, { __name__: name })]).toEqual([name, true]);

    const pod = { namespace: 'web', pod: 'apache-0', container: 'apache' };
    expect(kept(cadvisor, { __name__: 'container_tasks_state', ...pod })).toBe(false);
    expect(kept(cadvisor, { __name__: 'container_network_tcp_usage_total', ...pod })).toBe(false);
    // Per-cgroup copies (no pod, no namespace) go; the same family per pod stays.
    expect(kept(cadvisor, { __name__: 'container_spec_memory_limit_bytes', id: '/system.slice/kubelet.service' })).toBe(false);
    expect(kept(cadvisor, { __name__: 'container_spec_memory_limit_bytes', ...pod })).toBe(true);
    // Block I/O per device of each container goes; the pod-level total (no container) stays.
    expect(kept(cadvisor, { __name__: 'container_blkio_device_usage_total', ...pod })).toBe(false);
    expect(kept(cadvisor, { __name__: 'container_blkio_device_usage_total', ...pod, container: '' })).toBe(true);
    for (const name of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes', 'container_cpu_cfs_throttled_periods_total'])
      expect([name, kept(cadvisor, { __name__: name, ...pod })]).toEqual([name, true]);
  });

  it('caps the TSDB at a share of its volume by default, in a size the CRD accepts', () => {
    const spec = one(eu, 'Prometheus', 'k8s').spec;
    expect(spec.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe('50Gi');
    // 80% of 50GiB; the operator's units are powers of 2.
    expect(spec.retentionSize).toBe('40GB');
    // The ByteSize pattern of the v0.93.0 CRD (pkg/apis/monitoring/v1/types.go).
    expect(spec.retentionSize).toMatch(/(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$/);
    expect(retentionSizeOf('100G')).toBe('76293MB');
    expect(retentionSizeOf('1Ti')).toBe('838860MB');
    expect(retentionSizeOf('1e11')).toBeUndefined();
  });

  it('keeps a retentionSize the fleet sets, and sets none without a volume', () => {
    const objs = render(
      fleetFrom(`
clusters:
  - name: obs
    roles: [observer]
  - name: a
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-{replica}.a.example.com" } }
    overrides: { prometheus: { retentionSize: 30GB } }
  - name: b
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-{replica}.b.example.com" } }
    overrides: { prometheus: { storage: null } }
`),
    ).objects;
    expect(one(byCluster(objs, 'a'), 'Prometheus', 'k8s').spec.retentionSize).toBe('30GB');
    expect(one(byCluster(objs, 'b'), 'Prometheus', 'k8s').spec.retentionSize).toBeUndefined();
  });

  it('gives the Thanos sidecar requests and a memory limit, from the fleet file or the defaults', () => {
    expect(one(eu, 'Prometheus', 'k8s').spec.thanos.resources).toEqual(DEFAULT_STACK.thanosSidecar.resources);
    expect(DEFAULT_STACK.thanosSidecar.resources).toEqual({
      requests: { cpu: expect.any(String), memory: expect.any(String) },
      limits: { memory: expect.any(String) },
    });
    const objs = render(fleetFrom(fleetWith('      thanosSidecar: { resources: { requests: { memory: 256Mi }, limits: { memory: 2Gi } } }'))).objects;
    expect(one(objs, 'Prometheus', 'k8s').spec.thanos.resources).toEqual({
      requests: { cpu: DEFAULT_STACK.thanosSidecar.resources.requests!.cpu, memory: '256Mi' },
      limits: { memory: '2Gi' },
    });
  });
});

// ---------- point 9: a cluster that already runs a Prometheus Operator ----------

describe('next to another Prometheus Operator', () => {
  const args = (objs: RenderedObject[]) => one(objs, 'Deployment', OPERATOR_NAME).spec.template.spec.containers[0].args;
  const annotation = (objs: RenderedObject[], kind: 'Prometheus' | 'Alertmanager', name: string) =>
    (one(objs, kind, name).metadata.annotations ?? {})[CONTROLLER_ID_ANNOTATION];

  it('by default: an unscoped operator that maintains the kubelet Service, and unannotated objects', () => {
    const objs = byCluster(render(fleetFrom(defaultFleetText())).objects, 'workload-eu');
    expect(args(objs).filter((a) => /^--(controller-id|namespaces)=/.test(a))).toEqual([]);
    expect(args(objs)).toContain('--kubelet-service=kube-system/kubelet');
    expect(annotation(objs, 'Prometheus', 'k8s')).toBeUndefined();
  });

  it('scopes the operator by controller id and namespaces, and hands it the stack objects by annotation', () => {
    const objs = render(
      fleetFrom(
        fleetWith(
          '      operator: { controllerId: promfleet, namespaces: [monitoring, web] }',
          '\n    serviceMonitors: [{ name: app, namespace: web, selector: { a: b }, endpoints: [{ port: metrics }] }]',
        ),
      ),
    ).objects;
    expect(args(objs)).toEqual(expect.arrayContaining(['--controller-id=promfleet', '--namespaces=monitoring,web']));
    expect(annotation(objs, 'Prometheus', 'k8s')).toBe('promfleet');
    expect(annotation(objs, 'Alertmanager', 'main')).toBe('promfleet');
  });

  it('with the operator off, annotates the objects for the operator that runs instead', () => {
    const objs = render(fleetFrom(fleetWith('      operator: { enabled: false, controllerId: platform }'))).objects;
    expect(ofKind(objs, 'Deployment').map((d) => d.obj.metadata.name)).not.toContain(OPERATOR_NAME);
    expect(annotation(objs, 'Prometheus', 'k8s')).toBe('platform');
  });

  it('leaves the kubelet Service to the other operator, and still scrapes through it', () => {
    const objs = render(fleetFrom(fleetWith('      kubelet: { manageService: false }'))).objects;
    expect(args(objs).filter((a) => a.startsWith('--kubelet-'))).toEqual([]);
    expect(one(objs, 'ServiceMonitor', 'kubelet').spec.namespaceSelector).toEqual({ matchNames: ['kube-system'] });
    const off = render(fleetFrom(fleetWith('      kubelet: { enabled: false }'))).objects;
    expect(args(off).filter((a) => a.startsWith('--kubelet-'))).toEqual([]);
    expect(ofKind(off, 'ServiceMonitor').map((m) => m.obj.metadata.name)).not.toContain('kubelet');
  });

  it('with node-exporter off, binds nothing to host port 9100', () => {
    const objs = render(fleetFrom(fleetWith('      nodeExporter: { enabled: false }'))).objects;
    const pods = ofKind(objs, 'Deployment', 'StatefulSet', 'DaemonSet').map((o) => o.obj.spec.template.spec);
    expect(pods.filter((p) => p.hostNetwork)).toEqual([]);
    expect(pods.flatMap((p) => p.containers.flatMap((c) => (c.ports ?? []).filter((port) => port.hostPort || port.containerPort === 9100)))).toEqual([]);
    expect(objs.some((o) => o.obj.metadata.name === NODE_EXPORTER_NAME)).toBe(false);
    expect(ofKind(objs, 'Service').flatMap((s) => s.obj.spec.ports.filter((p) => p.port === 9100))).toEqual([]);
  });

  it('rejects watched namespaces that leave out the stack or a monitored application', () => {
    expect(fleetProblems(fleetWith('      operator: { namespaces: [web] }'))).toEqual([
      expect.stringMatching(/^clusters\[1\]\.overrides\.operator\.namespaces: leaves out "monitoring", the stack namespace of cluster "w".*add it/),
    ]);
    const text = `
defaults:
  operator: { namespaces: [monitoring] }
clusters:
  - name: obs
    roles: [observer]
  - name: w
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-{replica}.w.example.com" } }
    podMonitors: [{ name: kafka, namespace: kafka, selector: { a: b }, endpoints: [{ port: metrics }] }]
`;
    expect(fleetProblems(text)).toEqual([
      expect.stringMatching(/^defaults\.operator\.namespaces: leaves out "kafka", the namespace of clusters\[1\]\.podMonitors\[0\]/),
    ]);
    expect(fleetProblems(fleetWith('      operator: { controllerId: "-bad" }'))).toEqual([
      expect.stringMatching(/^clusters\[1\]\.overrides\.operator\.controllerId: /),
    ]);
  });
});
