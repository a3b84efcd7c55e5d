// The workload stack: what each workload cluster gets, that selectors really select, images and
// overrides, sidecar exposure, Alertmanager configuration and alert rules.
import * as fs from 'fs';
import * as path from 'path';
import { expect } from '@jest/globals';
import { App } from 'cdk8s';
import { parseAllDocuments, stringify } from 'yaml';
import {
  ALERTMANAGER_CONFIG_KEY,
  ALERTMANAGER_CONFIG_SECRET,
  ALERTMANAGER_SECRETS_DIR,
  alertmanagerConfig,
  alertmanagerPodLabels,
  receiverSecrets,
} from '../lib/components/alertmanager';
import { API_SERVER_SERVICE } from '../lib/components/control-plane';
import { KUBELET_SERVICE } from '../lib/components/monitors';
import { OPERATOR_NAME } from '../lib/components/operator';
import { prometheusPodLabels } from '../lib/components/prometheus';
import { renderFamily, type RuleFamily } from '../lib/components/rule-families';
import { checkRuleGroups, promqlSyntaxError, StackRules } from '../lib/components/rules';
import { FileChart } from '../lib/file-chart';
import { DEFAULT_VERSIONS } from '../lib/fleet/defaults';
import { SIDECAR_SERVICE, sidecarReplicaService } from '../lib/names';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, RenderedObject, tmpDir, validateRendered } from './support/fleet';
import { UNKNOWN_FIELD } from '../lib/validate/problems';
import { matches, monitorNamespaceIncludes, unselected } from './support/selection';
import { hasPodTemplate, isKind, type Kind, type Manifest, type ManifestOf } from './support/manifests';
import { RICH_FLEET } from './support/workload-fleet';

const WORKLOADS = ['workload-eu', 'workload-us'];

/** The parts of the rendered alertmanager.yaml these tests read. */
interface AlertmanagerYaml {
  receivers: {
    name: string;
    slack_configs?: { api_url_file: string }[];
    pagerduty_configs?: { routing_key_file: string }[];
    email_configs?: { auth_password_file?: string }[];
  }[];
  route: { receiver: string; routes: { receiver: string; matchers?: string[] }[] };
}

function byCluster(objects: RenderedObject[], cluster: string): RenderedObject[] {
  return objects.filter((o) => o.cluster === cluster);
}

function one<K extends Kind>(objects: RenderedObject[], kind: K, name: string): RenderedObject<ManifestOf<K>> {
  const found = ofKind(objects, kind).filter((o) => o.obj.metadata.name === name);
  expect([kind, name, found.length]).toEqual([kind, name, 1]);
  return found[0];
}

/** Every image reference of a cluster: containers, custom resources, the config-reloader flag. */
function images(objects: RenderedObject[]): string[] {
  const out: string[] = [];
  for (const { obj } of objects) {
    if (hasPodTemplate(obj)) {
      for (const c of obj.spec.template.spec.containers) {
        out.push(c.image);
        for (const a of c.args ?? []) if (a.startsWith('--prometheus-config-reloader=')) out.push(a.split('=')[1]);
      }
    }
    if (isKind(obj, 'Prometheus', 'Alertmanager')) out.push(obj.spec.image);
    if (isKind(obj, 'Prometheus') && obj.spec.thanos) out.push(obj.spec.thanos.image);
  }
  return out;
}

/** Annotations of an object, without those the Argo CD delivery adds (sync waves, options). */
function ownAnnotations(obj: { metadata: { annotations?: Record<string, string> } }): Record<string, string> {
  return Object.fromEntries(Object.entries(obj.metadata.annotations ?? {}).filter(([k]) => !k.startsWith('argocd.argoproj.io/')));
}

/** Labels of the pods behind each workload: pod templates, and what the operator sets on its pods. */
function podLabelSets(objects: RenderedObject[], namespace: string): Record<string, string>[] {
  return objects
    .filter((o) => o.obj.metadata.namespace === namespace)
    .flatMap(({ obj }) => {
      if (hasPodTemplate(obj)) return [obj.spec.template.metadata.labels];
      // The operator's StatefulSet makes pod prometheus-<name>-<i> for each replica; its controller labels each with that name.
      if (obj.kind === 'Prometheus') {
        return Array.from({ length: obj.spec.replicas ?? 1 }, (_, i) => ({
          ...prometheusPodLabels(obj.metadata.name),
          ...obj.spec.podMetadata?.labels,
          'statefulset.kubernetes.io/pod-name': `prometheus-${obj.metadata.name}-${i}`,
        }));
      }
      if (obj.kind === 'Alertmanager') return [{ ...alertmanagerPodLabels(obj.metadata.name), ...obj.spec.podMetadata?.labels }];
      return [];
    });
}

describe('default fleet: workload clusters', () => {
  const rendered = render(fleetFrom(defaultFleetText()));

  it('renders the whole stack, one numbered file per component', () => {
    for (const cluster of WORKLOADS) {
      const files = [...new Set(byCluster(rendered.objects, cluster).map((o) => path.basename(o.file)))].filter((f) => !f.includes('tls'));
      expect(files).toEqual(
        expect.arrayContaining([
          '00-namespace.yaml',
          '10-operator.yaml',
          '20-prometheus.yaml',
          '21-thanos-sidecar.yaml',
          '30-alertmanager.yaml',
          '40-node-exporter.yaml',
          '41-kube-state-metrics.yaml',
          '50-monitors.yaml',
          '51-control-plane.yaml',
          '55-rules.yaml',
        ]),
      );
    }
    // The default fleet's application monitors live on workload-eu only, outside the cluster folder; both clusters'
    // platforms (kubeadm, eks) need discovery Services in kube-system, which go there too.
    expect([...rendered.files.keys()].filter((f) => f.startsWith('_app-monitors/')).sort()).toEqual([
      '_app-monitors/workload-eu/kafka.yaml',
      '_app-monitors/workload-eu/kube-system.yaml',
      '_app-monitors/workload-eu/web.yaml',
      '_app-monitors/workload-us/kube-system.yaml',
    ]);
    // The observer monitors itself with the same stack (test/observer-self.test.ts): one Prometheus, its own.
    expect(byCluster(rendered.objects, 'observer').filter((o) => o.obj.kind === 'Prometheus')).toHaveLength(1);
  });

  it('pins upstream images to the default versions', () => {
    const all = images(byCluster(rendered.objects, 'workload-eu')).sort();
    expect([...new Set(all)]).toEqual(
      [
        `quay.io/prometheus-operator/prometheus-operator:${DEFAULT_VERSIONS.prometheusOperator}`,
        `quay.io/prometheus-operator/prometheus-config-reloader:${DEFAULT_VERSIONS.prometheusOperator}`,
        `quay.io/prometheus/prometheus:${DEFAULT_VERSIONS.prometheus}`,
        `quay.io/prometheus/alertmanager:${DEFAULT_VERSIONS.alertmanager}`,
        `quay.io/thanos/thanos:${DEFAULT_VERSIONS.thanos}`,
        `quay.io/prometheus/node-exporter:${DEFAULT_VERSIONS.nodeExporter}`,
        `registry.k8s.io/kube-state-metrics/kube-state-metrics:${DEFAULT_VERSIONS.kubeStateMetrics}`,
        `quay.io/brancz/kube-rbac-proxy:${DEFAULT_VERSIONS.kubeRbacProxy}`,
      ].sort(),
    );
    expect(DEFAULT_VERSIONS.prometheusOperator).toBe('v0.93.0');
    expect(DEFAULT_VERSIONS.prometheus).toMatch(/^v3\./);
    expect(DEFAULT_VERSIONS.alertmanager).toMatch(/^v0\.3\d\./);
    expect(DEFAULT_VERSIONS.thanos).toMatch(/^v0\.42\./);
  });

  it('configures Prometheus as the fleet file says', () => {
    const objs = byCluster(rendered.objects, 'workload-eu');
    const prom = one(objs, 'Prometheus', 'k8s').obj.spec;
    expect(prom.replicas).toBe(2);
    expect(prom.externalLabels).toEqual({ cluster: 'workload-eu', region: 'eu-west-1' });
    expect(prom.replicaExternalLabelName).toBe('prometheus_replica');
    expect(prom.retention).toBe('15d');
    expect(prom.storage.volumeClaimTemplate.spec.resources.requests.storage).toBe('50Gi');
    expect(prom.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(prom.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    for (const s of ['serviceMonitorSelector', 'podMonitorSelector', 'probeSelector'] as const) {
      expect(prom[s]).toEqual({ matchLabels: { 'prometheus.io/monitor': 'true' } });
    }
    // The fleet-level rules are an observer's ThanosRuler's, whatever labels they carry.
    expect(prom.ruleSelector).toEqual({
      matchLabels: { 'prometheus.io/monitor': 'true' },
      matchExpressions: [{ key: 'promfleet.io/rule-scope', operator: 'NotIn', values: ['fleet'] }],
    });
    // The sidecar listens on every interface so the observer can reach it.
    expect(prom.thanos.listenLocal).toBeUndefined();
    expect(prom.thanos.image).toBe(`quay.io/thanos/thanos:${DEFAULT_VERSIONS.thanos}`);
    expect(prom.thanos.version).toBe(DEFAULT_VERSIONS.thanos);
    // Alerts go to the cluster's own Alertmanager Service.
    const am = prom.alerting.alertmanagers[0];
    expect(am).toMatchObject({ namespace: 'monitoring', port: 'web', apiVersion: 'v2' });
    const svc = one(objs, 'Service', am.name).obj;
    expect(svc.spec.ports.map((p) => p.name)).toContain('web');
    expect(matches({ matchLabels: svc.spec.selector }, alertmanagerPodLabels())).toBe(true);
  });

  it('hardens every pod template: non-root, read-only root filesystem, resources, probes', () => {
    for (const cluster of WORKLOADS) {
      for (const { obj } of ofKind(byCluster(rendered.objects, cluster), 'Deployment', 'StatefulSet', 'DaemonSet')) {
        const pod = obj.spec.template.spec;
        expect([obj.metadata.name, pod.securityContext.runAsNonRoot]).toEqual([obj.metadata.name, true]);
        for (const c of pod.containers) {
          expect([obj.metadata.name, c.securityContext]).toEqual([
            obj.metadata.name,
            expect.objectContaining({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }),
          ]);
          expect([obj.metadata.name, c.resources.requests]).toEqual([
            obj.metadata.name,
            expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
          ]);
          expect([obj.metadata.name, !!c.livenessProbe, !!c.readinessProbe]).toEqual([obj.metadata.name, true, true]);
        }
      }
    }
  });

  it('mounts host filesystems read-only into node-exporter and tolerates every taint', () => {
    const ds = one(byCluster(rendered.objects, 'workload-eu'), 'DaemonSet', 'node-exporter').obj.spec.template.spec;
    expect(ds.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.volumes.map((v) => v.hostPath.path).sort()).toEqual(['/', '/proc', '/sys']);
    expect(ds.containers[0].volumeMounts.every((m) => m.readOnly)).toBe(true);
  });

  it('gives the operator the config-reloader flag, its RBAC and a Service on 8443 (kube-rbac-proxy)', () => {
    const objs = byCluster(rendered.objects, 'workload-eu');
    const dep = one(objs, 'Deployment', OPERATOR_NAME).obj.spec.template.spec;
    expect(dep.containers[0].args).toContain(
      `--prometheus-config-reloader=quay.io/prometheus-operator/prometheus-config-reloader:${DEFAULT_VERSIONS.prometheusOperator}`,
    );
    expect(dep.containers[0].args).toContain('--kubelet-service=kube-system/kubelet');
    // Prometheus discovers the kubelet through EndpointSlices: the deprecated Endpoints copy is not maintained.
    expect(one(objs, 'Prometheus', 'k8s').obj.spec.serviceDiscoveryRole).toBe('EndpointSlice');
    expect(dep.containers[0].args).toEqual(expect.arrayContaining(['--kubelet-endpointslice=true', '--kubelet-endpoints=false']));
    expect(one(objs, 'Service', OPERATOR_NAME).obj.spec.ports).toEqual([{ name: 'https', port: 8443, targetPort: 'https' }]);
    const role = ofKind(objs, 'ClusterRole').find((o) => o.obj.metadata.name.endsWith(`:${OPERATOR_NAME}`))!.obj;
    const crds = role.rules.find((r) => r.apiGroups.includes('monitoring.coreos.com'));
    expect(crds?.resources).toEqual(
      expect.arrayContaining(['prometheuses', 'alertmanagers', 'servicemonitors', 'podmonitors', 'prometheusrules', 'probes', 'thanosrulers', 'scrapeconfigs']),
    );
    const binding = one(objs, 'ClusterRoleBinding', role.metadata.name).obj;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: 'monitoring' }]);
    expect(dep.serviceAccountName).toBe(OPERATOR_NAME);
  });

  it('exposes each sidecar replica on gRPC to the observer: internal AWS NLB, source ranges, external-dns', () => {
    const eu = byCluster(rendered.objects, 'workload-eu');
    for (const i of [0, 1]) {
      const svc = one(eu, 'Service', sidecarReplicaService(i)).obj;
      expect(svc.spec.type).toBe('LoadBalancer');
      expect(svc.spec.ports).toEqual([{ name: 'grpc', port: 10901, targetPort: 'grpc', protocol: 'TCP' }]);
      expect(svc.spec.selector).toEqual({
        'app.kubernetes.io/name': 'prometheus',
        'operator.prometheus.io/name': 'k8s',
        'statefulset.kubernetes.io/pod-name': `prometheus-k8s-${i}`,
      });
      expect(svc.spec.loadBalancerSourceRanges).toEqual(['10.0.0.0/8']);
      expect(svc.metadata.annotations).toMatchObject({
        'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal',
        'service.beta.kubernetes.io/aws-load-balancer-internal': 'true',
        'external-dns.alpha.kubernetes.io/hostname': `sidecar-${i}.workload-eu.example.com`,
      });
    }
    // No Service load-balances over both replicas: the Querier would reach only one of them.
    expect(ofKind(eu, 'Service').filter((s) => s.obj.metadata.name === SIDECAR_SERVICE)).toEqual([]);
    const us = byCluster(rendered.objects, 'workload-us');
    const ingress = one(us, 'Ingress', SIDECAR_SERVICE).obj;
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/ssl-passthrough']).toBe('true');
    expect(ingress.spec.rules.map((r) => [r.host, r.http.paths[0].backend.service])).toEqual([
      ['sidecar-0.workload-us.example.com', { name: 'thanos-sidecar-0', port: { name: 'grpc' } }],
      ['sidecar-1.workload-us.example.com', { name: 'thanos-sidecar-1', port: { name: 'grpc' } }],
    ]);
    for (const i of [0, 1]) expect(one(us, 'Service', sidecarReplicaService(i)).obj.spec.type).toBe('ClusterIP');
  });
});

describe('selection: every monitor, rule and Service reaches something real', () => {
  const rendered = render(fleetFrom(RICH_FLEET));
  const clusters = ['eu', 'us'];

  it.each(clusters)('%s: every ServiceMonitor, PodMonitor and PrometheusRule is selected by a Prometheus', (cluster) => {
    const objs = byCluster(rendered.objects, cluster);
    const monitors = ofKind(objs, 'ServiceMonitor', 'PodMonitor', 'PrometheusRule');
    expect(monitors.length).toBeGreaterThan(3);
    expect(unselected(objs).map((o) => `${o.obj.kind} ${o.obj.metadata.namespace}/${o.obj.metadata.name}`)).toEqual([]);
  });

  it('detects a monitor that no Prometheus selects (wrong label or namespace)', () => {
    const objs = byCluster(rendered.objects, 'eu');
    const sm = ofKind(objs, 'ServiceMonitor')[0];
    const relabelled = { ...sm, obj: { ...sm.obj, metadata: { ...sm.obj.metadata, labels: { 'prometheus.io/monitor': 'true' } } } };
    expect(unselected([...objs, relabelled])).toEqual([relabelled]);
    const prom = ofKind(objs, 'Prometheus')[0];
    // As if rendered without the field: the Prometheus then looks in its own namespace only.
    const { podMonitorNamespaceSelector: _dropped, ...spec } = prom.obj.spec;
    const ownNamespaceOnly = { ...prom, obj: { ...prom.obj, spec } } as RenderedObject;
    const others = objs.filter((o) => o !== prom);
    expect(unselected([...others, ownNamespaceOnly]).map((o) => o.obj.metadata.name)).toEqual(['kafka']);
  });

  it('labels application monitors with the cluster monitor selector, in their own namespaces', () => {
    const objs = byCluster(rendered.objects, 'eu');
    const sm = one(objs, 'ServiceMonitor', 'apache-exporter').obj;
    expect(sm.metadata.namespace).toBe('web');
    expect(sm.metadata.labels.team).toBe('platform');
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', scheme: 'https' }]);
    const pm = one(objs, 'PodMonitor', 'kafka').obj;
    expect(pm.metadata.namespace).toBe('kafka');
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics' }]);
    // Prometheus may discover targets in those namespaces: its ClusterRole covers all of them.
    const role = ofKind(objs, 'ClusterRole').find((o) => o.obj.metadata.name.endsWith(':prometheus-k8s'))!.obj;
    expect(role.rules[0]).toEqual({ apiGroups: [''], resources: expect.arrayContaining(['pods', 'services', 'endpoints']), verbs: ['get', 'list', 'watch'] });
  });

  it.each(clusters)('%s: every Service selector matches the pods of a rendered workload or operator-created pods', (cluster) => {
    const objs = byCluster(rendered.objects, cluster);
    const services = ofKind(objs, 'Service').filter((o) => o.obj.spec.selector);
    expect(services.length).toBeGreaterThan(3);
    for (const { obj } of services) {
      const pods = podLabelSets(objs, obj.metadata.namespace);
      expect([obj.metadata.name, pods.some((l) => matches({ matchLabels: obj.spec.selector }, l))]).toEqual([obj.metadata.name, true]);
    }
    for (const { obj } of ofKind(objs, 'PodDisruptionBudget')) {
      const pods = podLabelSets(objs, obj.metadata.namespace);
      expect([obj.metadata.name, pods.some((l) => matches(obj.spec.selector, l))]).toEqual([obj.metadata.name, true]);
    }
  });

  it.each(clusters)('%s: every stack ServiceMonitor selects a rendered Service with the ports it scrapes', (cluster) => {
    const objs = byCluster(rendered.objects, cluster);
    const stackMonitors = ofKind(objs, 'ServiceMonitor').filter((o) => o.obj.metadata.namespace === 'monitoring');
    for (const sm of stackMonitors) {
      if (sm.obj.spec.namespaceSelector.matchNames[0] === KUBELET_SERVICE.namespace) {
        // The operator maintains this Service (--kubelet-service) with these labels.
        expect(sm.obj.spec.selector.matchLabels).toEqual(KUBELET_SERVICE.labels);
        continue;
      }
      if (sm.obj.spec.namespaceSelector.matchNames[0] === API_SERVER_SERVICE.namespace) {
        // Every cluster has the API server's `default/kubernetes` Service, with these labels.
        expect(sm.obj.spec.selector.matchLabels).toEqual(API_SERVER_SERVICE.labels);
        continue;
      }
      const targets = ofKind(objs, 'Service').filter(
        (o) => monitorNamespaceIncludes(sm, o.obj.metadata.namespace) && matches(sm.obj.spec.selector, o.obj.metadata.labels),
      );
      expect([sm.obj.metadata.name, targets.length]).toEqual([sm.obj.metadata.name, 1]);
      const ports = targets[0].obj.spec.ports.map((p) => p.name);
      for (const e of sm.obj.spec.endpoints) expect([sm.obj.metadata.name, ports]).toEqual([sm.obj.metadata.name, expect.arrayContaining([e.port])]);
    }
  });

  it('applies the registry mirror and version overrides to every image of that cluster only', () => {
    const eu = images(byCluster(rendered.objects, 'eu'));
    expect(eu.length).toBeGreaterThan(6);
    for (const img of eu) expect(img).toMatch(/^mirror\.example\.com\/cache\//);
    expect(eu).toContain('mirror.example.com/cache/prometheus/prometheus:v3.14.0');
    expect(eu).toContain(`mirror.example.com/cache/kube-state-metrics/kube-state-metrics:${DEFAULT_VERSIONS.kubeStateMetrics}`);
    expect(eu).toContain(`mirror.example.com/cache/prometheus-operator/prometheus-config-reloader:${DEFAULT_VERSIONS.prometheusOperator}`);
    for (const img of images(byCluster(rendered.objects, 'us'))) expect(img).toMatch(/^(quay\.io|registry\.k8s\.io)\//);
  });

  it('drops what a cluster switches off: operator, node-exporter, kubelet scraping, PDBs of single replicas', () => {
    const us = byCluster(rendered.objects, 'us');
    expect(us.some((o) => o.file.endsWith('10-operator.yaml'))).toBe(false);
    expect(us.some((o) => o.obj.metadata.name === OPERATOR_NAME || o.obj.metadata.name.endsWith(`:${OPERATOR_NAME}`))).toBe(false);
    expect(us.some((o) => o.obj.kind === 'DaemonSet')).toBe(false);
    expect(us.some((o) => o.obj.kind === 'ServiceMonitor' && o.obj.metadata.name === 'kubelet')).toBe(false);
    expect(us.filter((o) => o.obj.kind === 'PodDisruptionBudget')).toEqual([]);
    const prom = one(us, 'Prometheus', 'k8s').obj.spec;
    expect(prom.replicas).toBe(1);
    expect(prom.storage).toBeUndefined();
    const eu = byCluster(rendered.objects, 'eu');
    expect(ofKind(eu, 'PodDisruptionBudget').map((o) => o.obj.spec.maxUnavailable)).toEqual([1, 1]);
    expect(one(eu, 'ServiceMonitor', 'kubelet').obj.spec.endpoints.map((e) => e.path ?? '/metrics')).toEqual([
      '/metrics',
      '/metrics/cadvisor',
      '/metrics/probes',
      '/metrics/resource',
    ]);
  });

  it('renders the sidecar exposure the cluster asks for', () => {
    const eu = byCluster(rendered.objects, 'eu');
    const svc = one(eu, 'Service', sidecarReplicaService(1)).obj;
    expect(svc.spec.ports[0]).toMatchObject({ name: 'grpc', port: 443, targetPort: 'grpc' });
    expect(svc.spec.loadBalancerSourceRanges).toEqual(['203.0.113.0/24']);
    expect(ownAnnotations(svc)).toEqual({
      'service.beta.kubernetes.io/azure-load-balancer-internal': 'false',
      'external-dns.alpha.kubernetes.io/hostname': 'sidecar-1.eu.example.com',
      'example.com/owner': 'platform',
    });
    const prom = one(eu, 'Prometheus', 'k8s').obj.spec;
    expect(prom.thanos.objectStorageConfig).toEqual({ name: 'thanos-objstore', key: 'objstore.yml' });
    const us = one(byCluster(rendered.objects, 'us'), 'Service', sidecarReplicaService(0)).obj;
    expect(us.spec.type).toBe('ClusterIP');
    expect(ownAnnotations(us)).toEqual({});
    expect(us.spec.loadBalancerSourceRanges).toBeUndefined();
  });

  it('builds the Alertmanager config Secret with credentials referenced as files, never inlined', () => {
    const eu = byCluster(rendered.objects, 'eu');
    const secret = one(eu, 'Secret', ALERTMANAGER_CONFIG_SECRET).obj;
    const am = one(eu, 'Alertmanager', 'main').obj.spec;
    expect(am.configSecret).toBe(ALERTMANAGER_CONFIG_SECRET);
    expect(am.secrets).toEqual(['alert-credentials', 'smtp']);
    const config = parseAllDocuments(secret.stringData[ALERTMANAGER_CONFIG_KEY])[0].toJS() as AlertmanagerYaml;
    const receivers = Object.fromEntries(config.receivers.map((r) => [r.name, r]));
    expect(receivers['team-slack'].slack_configs?.[0].api_url_file).toBe(`${ALERTMANAGER_SECRETS_DIR}/alert-credentials/slack-url`);
    expect(receivers.pager.pagerduty_configs?.[0].routing_key_file).toBe(`${ALERTMANAGER_SECRETS_DIR}/alert-credentials/pagerduty-key`);
    expect(receivers.mail.email_configs?.[0].auth_password_file).toBe(`${ALERTMANAGER_SECRETS_DIR}/smtp/password`);
    expect(receivers.null).toEqual({ name: 'null' });
    const text = secret.stringData[ALERTMANAGER_CONFIG_KEY];
    for (const inline of ['api_url:', 'routing_key:', 'auth_password:', 'url:', 'service_key:']) expect(text).not.toContain(inline);
    expect(config.route.receiver).toBe('team-slack');
    expect(config.route.routes[0]).toEqual({ receiver: 'null', matchers: ['alertname="Watchdog"'] });
    expect(config.route.routes[1]).toEqual({ receiver: 'null', matchers: ['alertname="InfoInhibitor"'] });
    expect(config.route.routes.slice(2).map((r) => r.receiver)).toEqual(['pager', 'mail']);
  });

  it('references webhook URLs as files, and leaves Watchdog to a route of yours that handles it', () => {
    const am = {
      ...fleetFrom(RICH_FLEET).clusters[1].stack.alertmanager,
      receivers: [{ name: 'deadmans-switch', webhook: { url: { name: 'dms', key: 'url' } } }],
      route: { receiver: 'deadmans-switch', routes: [{ receiver: 'deadmans-switch', matchers: ['alertname = Watchdog'], repeatInterval: '1m' }] },
    };
    const config = alertmanagerConfig(am) as { route: { routes: unknown[] }; receivers: unknown[] };
    expect(config.receivers).toEqual([
      { name: 'null' },
      { name: 'deadmans-switch', webhook_configs: [{ url_file: `${ALERTMANAGER_SECRETS_DIR}/dms/url`, send_resolved: true }] },
    ]);
    expect(config.route.routes).toEqual([
      { receiver: 'null', matchers: ['alertname="InfoInhibitor"'] },
      { receiver: 'deadmans-switch', matchers: ['alertname = Watchdog'], repeat_interval: '1m' },
    ]);
    expect(receiverSecrets(am)).toEqual(['dms']);
  });

  it('passes schema validation, with no field the CRDs do not define', () => {
    const report = validateRendered(rendered.outDir);
    expect(report.findings).toEqual([]);
    expect(report.objects).toBe(rendered.objects.length);
  });

  it('the schema check reports a field the schema does not define', () => {
    const file = path.join(rendered.outDir, 'eu', '20-prometheus.yaml');
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as Manifest);
    const prom = docs.find((d) => isKind(d, 'Prometheus'))!;
    Object.assign(prom.spec.thanos, { grpcListenAddress: '0.0.0.0:10901' });
    Object.assign(prom.spec, { retentionDays: 15 });
    const svc = docs.find((d) => isKind(d, 'Service'))!;
    Object.assign(svc.spec.ports[0], { nodeport: 30000 });
    const tampered = path.join(tmpDir(), 'tampered.yaml');
    fs.writeFileSync(tampered, docs.map((d) => stringify(d)).join('---\n'));
    const errors = validateRendered(tampered).findings.map((e) => `${e.kind} ${e.field}: ${e.problem}`);
    expect(errors.sort()).toEqual([
      `Prometheus spec.retentionDays: ${UNKNOWN_FIELD}`,
      `Prometheus spec.thanos.grpcListenAddress: ${UNKNOWN_FIELD}`,
      `Service spec.ports[0].nodeport: ${UNKNOWN_FIELD}`,
    ]);
  });
});

describe('alert rules', () => {
  const rendered = render(fleetFrom(RICH_FLEET));
  const rules = (cluster: string) => ofKind(byCluster(rendered.objects, cluster), 'PrometheusRule');
  const alertsOf = (cluster: string) => rules(cluster).flatMap((r) => r.obj.spec.groups.flatMap((g) => g.rules.map((x) => x.alert)));

  it('renders one PrometheusRule per rule family, for the components each cluster runs', () => {
    // eu runs everything the catalogue's families need; of the control plane, its platform (generic) exposes the API server.
    const names = (cluster: string) => rules(cluster).map((r) => `${path.basename(r.file)} ${r.obj.metadata.name}`);
    const families = [
      'general',
      'prometheus',
      'alertmanager',
      'prometheus-operator',
      'node-exporter',
      'kubernetes-nodes',
      'kube-state-metrics',
      'kubernetes-apps',
      'kubernetes-resources',
      'kubernetes-storage',
      'kubernetes-system',
      'kube-apiserver',
      'thanos-sidecar',
    ];
    expect(names('eu')).toEqual(families.map((f) => `55-rules.yaml promfleet-${f}`));
    // us: without node-exporter, and without an operator of its own, nothing scrapes the kubelet; the API server is.
    const us = ['general', 'prometheus', 'alertmanager', 'kube-state-metrics', 'kubernetes-apps', 'kube-apiserver', 'thanos-sidecar'];
    expect(names('us')).toEqual(us.map((f) => `55-rules.yaml promfleet-${f}`));
    expect(alertsOf('eu')).toEqual(expect.arrayContaining(['Watchdog', 'PrometheusBadConfig', 'AlertmanagerFailedReload', 'PrometheusOperatorNotReady']));
    expect(alertsOf('us')).not.toContain('PrometheusOperatorNotReady');
  });

  it("renders the API server's error-budget burn alerts, one per pair of windows, and its 30-day availability every 3 minutes", () => {
    const apiserver = rules('eu').find((r) => r.obj.metadata.name === 'promfleet-kube-apiserver')!.obj.spec.groups;
    const burn = apiserver.flatMap((g) => g.rules).filter((r) => r.alert === 'KubeAPIErrorBudgetBurn');
    expect(burn.map((r) => [r.labels, r.for])).toEqual([
      [{ long: '1h', short: '5m', severity: 'critical' }, '2m'],
      [{ long: '6h', short: '30m', severity: 'critical' }, '15m'],
      [{ long: '1d', short: '2h', severity: 'warning' }, '1h'],
      [{ long: '3d', short: '6h', severity: 'warning' }, '3h'],
    ]);
    // 14.4 times a 1% budget over 1h and 5m.
    expect(burn[0].expr).toBe(
      'sum by (cluster) (apiserver_request:burnrate1h) > (14.4 * 0.01) and on (cluster) sum by (cluster) (apiserver_request:burnrate5m) > (14.4 * 0.01)',
    );
    expect(apiserver.find((g) => g.name === 'kube-apiserver-availability.rules')?.interval).toBe('3m');
    expect(alertsOf('eu')).toEqual(expect.arrayContaining(['KubeAPIDown', 'KubeClientCertificateExpiration', 'KubeAggregatedAPIDown']));
  });

  it('gives each alert its severity label, summary, description and upstream runbook', () => {
    const rule = rules('eu')
      .flatMap((r) => r.obj.spec.groups.flatMap((g) => g.rules))
      .find((r) => r.alert === 'PrometheusBadConfig');
    expect(rule).toEqual({
      alert: 'PrometheusBadConfig',
      expr: 'max_over_time(prometheus_config_last_reload_successful{job="prometheus-k8s"}[5m]) == 0',
      for: '10m',
      labels: { severity: 'critical' },
      annotations: {
        summary: expect.any(String),
        description: expect.stringContaining('{{ $labels.namespace }}/{{ $labels.pod }}'),
        runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/prometheus/prometheusbadconfig',
      },
    });
  });

  it('fails the synth on a bad expression, naming the rule', () => {
    const broken: RuleFamily = {
      name: 'custom',
      needs: ['prometheus'],
      groups: [
        { name: 'custom', rules: [{ alert: 'BrokenRule', expr: 'sum by (cluster) (rate(up[5m]) > 1', severity: 'warning', summary: 's', description: 'd' }] },
      ],
    };
    expect(() => checkRuleGroups(renderFamily(broken))).toThrow(/alert rule "BrokenRule" \(group "custom"\): invalid PromQL/);
    const app = new App({ outdir: tmpDir() });
    expect(() => new StackRules(new FileChart(app, '55-rules'), 'rules', { families: [broken] })).toThrow(/BrokenRule/);
    expect(promqlSyntaxError('sum by (cluster (up)')).toEqual({ offset: expect.any(Number), near: expect.any(String) });
  });
});

describe('fleet validation of workload settings', () => {
  it('rejects a route to a receiver that does not exist', () => {
    expect(fleetProblems(RICH_FLEET.replace('- receiver: pager\n', '- receiver: pagr\n'))).toEqual([
      expect.stringMatching(
        /^defaults\.alertmanager\.route\.routes\[0\]\.receiver: "pagr" is not a receiver of clusters "obs", "eu", "us"; use one of "null", "team-slack", "pager", "mail"/,
      ),
    ]);
  });

  it('rejects two receivers with one name', () => {
    expect(fleetProblems(RICH_FLEET.replace('- name: mail', '- name: pager'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^defaults\.alertmanager\.receivers\[2\]\.name: "pager" is already the name of receivers\[1\]/)]),
    );
  });

  it('rejects a malformed matcher', () => {
    expect(fleetProblems(RICH_FLEET.replace(`['severity="critical"']`, `['severity=="critical"']`))).toEqual([
      expect.stringMatching(/^defaults\.alertmanager\.route\.routes\[0\]\.matchers\[0\]: must be a matcher such as severity="critical"/),
    ]);
  });

  it('rejects load-balancer options on a Service that is not a LoadBalancer', () => {
    const text = RICH_FLEET.replace('service: { type: ClusterIP }', 'service: { type: ClusterIP, sourceRanges: [10.0.0.0/8] }');
    expect(fleetProblems(text)).toEqual([
      expect.stringMatching(/^clusters\[2\]\.thanos\.service\.sourceRanges: only applies to a LoadBalancer Service, not ClusterIP/),
    ]);
  });

  it('rejects a load-balancer scope without a provider, which would render no annotation', () => {
    const text = RICH_FLEET.replace('loadBalancer: { scope: external, provider: azure }', 'loadBalancer: { scope: internal }');
    expect(fleetProblems(text)).toEqual([
      expect.stringMatching(/^clusters\[1\]\.thanos\.service\.loadBalancer\.scope: has no effect without loadBalancer\.provider/),
    ]);
  });

  it('rejects unknown keys in component settings', () => {
    expect(fleetProblems(RICH_FLEET.replace('nodeExporter: { enabled: false }', 'nodeExporter: { enabled: false, tolerations: [] }'))).toEqual([
      expect.stringMatching(/^clusters\[2\]\.overrides\.nodeExporter\.tolerations: unknown key/),
    ]);
  });
});
