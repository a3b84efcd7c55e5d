// Platforms and the control plane: each platform scrapes what it exposes, every control-plane monitor
// finds a Service with its port and gives the job label the rule catalogue selects on, and etcd's client
// certificate goes from the user's files into the PKI store and a git-ignored Secret only.
import * as age from 'age-encryption';
import * as fs from 'fs';
import * as path from 'path';
import { controlPlaneNotes } from '../lib/delivery/summary';
import { FleetError } from '../lib/fleet/errors';
import { CONTROL_PLANE_TARGETS, PLATFORM_TARGETS, PLATFORMS, type ControlPlaneTarget, type Platform } from '../lib/fleet/platforms';
import { API_SERVER_METRIC_DROPS } from '../lib/components/control-plane';
import { JOB } from '../lib/components/rule-families/types';
import { clusterCertSummary, preparePkiSync } from '../lib/pki';
import { rulesNeedsMet } from '../lib/stacks/rule-needs';
import { makeEtcdFiles } from './support/etcd';
import {
  defaultFleetText,
  fleetFrom,
  fleetProblems,
  ofKind,
  render,
  ROOT,
  runMain,
  testPki,
  tmpDir,
  validateRendered,
  type RenderedObject,
} from './support/fleet';
import type { ManifestOf } from './support/manifests';
import { unselected } from './support/selection';

type ServiceMonitor = RenderedObject<ManifestOf<'ServiceMonitor'>>;
type Service = RenderedObject<ManifestOf<'Service'>>;

const workload = (name: string, extra = '') => `
  - name: ${name}
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-{replica}.${name}.example.com" } }${extra}`;

/** One workload cluster per platform (kubeadm with etcd's client files), and a kubeadm cluster without them. */
function platformFleet(): string {
  const clusters = PLATFORMS.map((p) =>
    workload(
      `wl-${p}`,
      p === 'generic'
        ? ''
        : `\n    platform: ${p}` +
            (p === 'kubeadm'
              ? '\n    controlPlane: { etcd: { tls: { ca: etcd/ca.crt, cert: etcd/apiserver-etcd-client.crt, key: etcd/apiserver-etcd-client.key } } }'
              : ''),
    ),
  );
  return `clusters:\n  - name: observer\n    roles: [observer]${clusters.join('')}${workload('wl-kubeadm-plain', '\n    platform: kubeadm')}\n`;
}

// The Services that exist in every cluster: the API server's, and the kubelets' that the operator maintains.
const WELL_KNOWN: { namespace: string; name: string; labels: Record<string, string>; ports: string[] }[] = [
  { namespace: 'default', name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' }, ports: ['https'] },
  { namespace: 'kube-system', name: 'kubelet', labels: { 'app.kubernetes.io/name': 'kubelet' }, ports: ['https-metrics', 'http-metrics', 'cadvisor'] },
];

/** The job label of the upstream rules, per target. */
const JOB_OF: Record<ControlPlaneTarget, string> = {
  apiserver: JOB.apiserver,
  kubelet: JOB.kubelet,
  coredns: JOB.coredns,
  'kube-scheduler': JOB.scheduler,
  'kube-controller-manager': JOB.controllerManager,
  'kube-proxy': JOB.kubeProxy,
  etcd: JOB.etcd,
};
const CONTROL_PLANE_JOBS = new Set(Object.values(JOB_OF));

interface Target {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  ports: string[];
}

const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

/** The Services (rendered or well-known) a ServiceMonitor selects, and the job label each target gets. */
function scrapeJobs(m: ServiceMonitor, services: Service[]): { service: Target; job: string }[] {
  const rendered: Target[] = services.map((s) => ({
    namespace: s.obj.metadata.namespace ?? '',
    name: s.obj.metadata.name,
    labels: s.obj.metadata.labels ?? {},
    ports: (s.obj.spec?.ports ?? []).map((p) => p.name ?? ''),
  }));
  const namespaces = m.obj.spec.namespaceSelector?.matchNames ?? [m.obj.metadata.namespace];
  return [...rendered, ...WELL_KNOWN]
    .filter((s) => namespaces.includes(s.namespace) && selects(m.obj.spec.selector.matchLabels, s.labels))
    .map((service) => {
      // As the operator does: the Service label named by jobLabel, else the Service name; a relabeling may replace it.
      let job = (m.obj.spec.jobLabel && service.labels[m.obj.spec.jobLabel]) || service.name;
      for (const r of m.obj.spec.endpoints[0].relabelings ?? []) if (r.targetLabel === 'job' && r.replacement) job = r.replacement;
      return { service, job };
    });
}

describe('platforms and the control plane', () => {
  const dir = tmpDir();
  const etcd = makeEtcdFiles(dir);
  const fleet = fleetFrom(platformFleet(), dir);
  const pkiDir = path.join(tmpDir(), 'pki');
  const pki = testPki(fleet, pkiDir);
  const r = render(fleet, undefined, pki);
  const of = (cluster: string) => r.objects.filter((o) => o.cluster === cluster);

  /** What a cluster scrapes, read from its rendered monitors: the job of each selected Service. */
  function scrapedJobs(cluster: string): string[] {
    const objects = of(cluster);
    const services = ofKind(objects, 'Service');
    const jobs = ofKind(objects, 'ServiceMonitor').flatMap((m) => scrapeJobs(m, services).map((s) => s.job));
    return [...new Set(jobs.filter((j) => CONTROL_PLANE_JOBS.has(j)))].sort();
  }

  it.each([
    ['generic', ['apiserver', 'kubelet']],
    ['kubeadm', ['apiserver', 'coredns', 'kube-controller-manager', 'kube-etcd', 'kube-proxy', 'kube-scheduler', 'kubelet']],
    ['eks', ['apiserver', 'coredns', 'kube-proxy', 'kubelet']],
    ['gke', ['apiserver', 'kubelet']],
    ['aks', ['apiserver', 'coredns', 'kubelet']],
    ['k3s', ['apiserver', 'coredns', 'kubelet']],
  ] as [Platform, string[]][])('%s scrapes exactly %j', (platform, jobs) => {
    expect(scrapedJobs(`wl-${platform}`)).toEqual(jobs);
  });

  /** The rendered PrometheusRules of the control-plane families, by family, in file order. */
  const CONTROL_PLANE_FAMILIES = ['kube-scheduler', 'kube-controller-manager', 'kube-proxy', 'etcd', 'coredns'];
  const controlPlaneRules = (cluster: string) =>
    ofKind(of(cluster), 'PrometheusRule').filter((r) => CONTROL_PLANE_FAMILIES.includes(r.obj.metadata.name.replace(/^promfleet-/, '')));

  it.each([
    ['generic', []],
    ['kubeadm', ['kube-scheduler', 'kube-controller-manager', 'kube-proxy', 'etcd', 'coredns']],
    ['kubeadm-plain', ['kube-scheduler', 'kube-controller-manager', 'kube-proxy', 'coredns']],
    ['eks', ['kube-proxy', 'coredns']],
    ['gke', []],
    ['aks', ['coredns']],
    ['k3s', ['coredns']],
  ] as [string, string[]][])('%s gets the rule families of the control plane it scrapes: %j', (platform, families) => {
    const rules = controlPlaneRules(`wl-${platform}`);
    expect(rules.map((r) => r.obj.metadata.name)).toEqual(families.map((f) => `promfleet-${f}`));
    // Each rule reads a job that a monitor of the cluster scrapes: no alert waits on a target that is not there.
    const jobs = new Set(
      rules.flatMap((r) => r.obj.spec.groups.flatMap((g) => g.rules.flatMap((x) => [...String(x.expr).matchAll(/job="([^"]+)"/g)].map((m) => m[1])))),
    );
    expect([...jobs].filter((j) => !scrapedJobs(`wl-${platform}`).includes(j))).toEqual([]);
    expect(jobs.size).toBe(families.length);
  });

  it('a self-managed cluster gets at least the 155 alert rules and 94 recording rules kube-prometheus-stack 88.5.3 renders by default', () => {
    const rules = ofKind(of('wl-kubeadm'), 'PrometheusRule').flatMap((r) => r.obj.spec.groups.flatMap((g) => g.rules));
    const alerts = rules.filter((x) => x.alert);
    expect(alerts.length).toBeGreaterThanOrEqual(155);
    // Every alert carries a severity, and a runbook where upstream has one: the families' own checks, seen on the rendered rules.
    expect(alerts.filter((a) => !a.labels?.severity)).toEqual([]);
    const records = rules.filter((x) => x.record);
    expect(records.length).toBeGreaterThanOrEqual(94);
    // Counted rules are distinct rules: no record is rendered twice with the same labels and expression.
    const keys = records.map((r) => JSON.stringify([r.record, r.labels ?? {}, r.expr]));
    expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
    // The records the upstream dashboards read by name are all there.
    const names = new Set(records.map((r) => r.record));
    for (const name of ['count:up1', 'count:up0', 'instance:node_network_receive_bytes_physical:rate5m', 'namespace_workload_pod:kube_pod_owner:relabel']) {
      expect(names).toContain(name);
    }
  });

  it('kubeadm without etcd client files scrapes all but etcd, and the summary says how to add it', () => {
    expect(scrapedJobs('wl-kubeadm-plain')).toEqual(['apiserver', 'coredns', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler', 'kubelet']);
    expect(ofKind(of('wl-kubeadm-plain'), 'Secret').map((s) => s.obj.metadata.name)).not.toContain('etcd-client-tls');
    const at = fleet.clusters.findIndex((c) => c.name === 'wl-kubeadm-plain');
    expect(controlPlaneNotes(fleet)).toEqual([expect.stringContaining(`wl-kubeadm-plain: etcd is not scraped`)]);
    expect(controlPlaneNotes(fleet)[0]).toContain(`clusters[${at}].controlPlane.etcd.tls`);
  });

  it('every control-plane ServiceMonitor selects a Service that has its ports, and sets the job the rules select on', () => {
    const clusters = fleet.clusters.filter((c) => c.name !== 'observer').map((c) => c.name);
    let checked = 0;
    for (const cluster of clusters) {
      const objects = of(cluster);
      const services = ofKind(objects, 'Service');
      for (const m of ofKind(objects, 'ServiceMonitor').filter(
        (x) => x.obj.metadata.labels?.['app.kubernetes.io/component'] === 'control-plane' || x.obj.metadata.name === 'kubelet',
      )) {
        const found = scrapeJobs(m, services);
        expect({ monitor: `${cluster}/${m.obj.metadata.name}`, services: found.length }).toEqual({ monitor: `${cluster}/${m.obj.metadata.name}`, services: 1 });
        const [{ service, job }] = found;
        expect(CONTROL_PLANE_JOBS).toContain(job);
        for (const e of m.obj.spec.endpoints) expect(service.ports).toContain(e.port);
        checked++;
      }
    }
    // generic 2, kubeadm 7, eks 4, gke 2, aks 3, k3s 3, kubeadm without etcd 6 (kubelet included).
    expect(checked).toBe(27);
  });

  it('the discovery Services select the control-plane pods by their usual labels, headless, in kube-system', () => {
    const services = ofKind(of('wl-kubeadm'), 'Service').filter((s) => s.obj.metadata.namespace === 'kube-system');
    const selectorOf = (app: string) => services.find((s) => s.obj.metadata.labels?.['app.kubernetes.io/name'] === app)?.obj.spec;
    expect(selectorOf('kube-scheduler')?.selector).toEqual({ component: 'kube-scheduler', tier: 'control-plane' });
    expect(selectorOf('kube-controller-manager')?.selector).toEqual({ component: 'kube-controller-manager', tier: 'control-plane' });
    expect(selectorOf('kube-etcd')?.selector).toEqual({ component: 'etcd', tier: 'control-plane' });
    expect(selectorOf('kube-proxy')?.selector).toEqual({ 'k8s-app': 'kube-proxy' });
    expect(selectorOf('coredns')?.selector).toEqual({ 'k8s-app': 'kube-dns' });
    for (const s of services) expect(s.obj.spec?.clusterIP).toBe('None');
    // Outside the stack namespace, they are applied apart, like the application monitors.
    for (const s of services) expect(s.file).toBe('_app-monitors/wl-kubeadm/kube-system.yaml');
  });

  it('every object passes independent schema validation (Kubernetes and the operator CRDs)', () => {
    const report = validateRendered(r.outDir);
    expect(report.findings).toEqual([]);
    expect(report.objects).toBe(r.objects.length);
  });

  it("the cluster's Prometheus selects every control-plane ServiceMonitor", () => {
    for (const c of fleet.clusters.filter((x) => x.name !== 'observer')) expect(unselected(of(c.name))).toEqual([]);
  });

  it('the kubelet monitor scrapes resource, cAdvisor and probe metrics with honorLabels', () => {
    const kubelet = ofKind(of('wl-generic'), 'ServiceMonitor').find((m) => m.obj.metadata.name === 'kubelet');
    expect(kubelet?.obj.spec.endpoints.map((e) => e.path ?? '/metrics')).toEqual(['/metrics', '/metrics/cadvisor', '/metrics/probes', '/metrics/resource']);
    for (const e of kubelet?.obj.spec.endpoints ?? []) expect(e.honorLabels).toBe(true);
  });

  it("Prometheus' NetworkPolicy leaves its egress open, so it reaches the control plane on the nodes", () => {
    const policy = ofKind(of('wl-kubeadm'), 'NetworkPolicy').find((p) => p.obj.metadata.labels?.['app.kubernetes.io/name'] === 'prometheus');
    expect(policy).toBeDefined();
    expect(policy?.obj.spec?.policyTypes).not.toContain('Egress');
  });

  it('etcd is scraped with the imported client certificate, which only the store and the git-ignored secrets/ hold', () => {
    const monitor = ofKind(of('wl-kubeadm'), 'ServiceMonitor').find((m) => m.obj.metadata.name === 'kube-etcd');
    const tls = monitor?.obj.spec.endpoints[0].tlsConfig;
    expect(monitor?.obj.spec.endpoints[0].scheme).toBe('https');
    expect(tls?.keySecret).toEqual({ name: 'etcd-client-tls', key: 'tls.key' });
    expect(tls?.cert?.secret).toEqual({ name: 'etcd-client-tls', key: 'tls.crt' });
    expect(tls?.ca?.secret).toEqual({ name: 'etcd-client-tls', key: 'ca.crt' });
    const secret = ofKind(of('wl-kubeadm'), 'Secret').find((s) => s.obj.metadata.name === 'etcd-client-tls');
    expect(secret?.file).toBe('wl-kubeadm/secrets/etcd-client-tls.yaml');
    expect(secret?.obj.metadata.namespace).toBe(monitor?.obj.metadata.namespace);
    const keyPem = fs.readFileSync(etcd.key, 'utf8');
    expect(Buffer.from(secret?.obj.data?.['tls.key'] ?? '', 'base64').toString()).toBe(keyPem);
    expect(Buffer.from(secret?.obj.data?.['ca.crt'] ?? '', 'base64').toString()).toBe(fs.readFileSync(etcd.ca, 'utf8'));
    // Imported into the store, private; nowhere in dist/ but secrets/.
    expect(fs.readFileSync(path.join(pkiDir, 'etcd-client', 'wl-kubeadm.key'), 'utf8')).toBe(keyPem);
    expect(fs.statSync(path.join(pkiDir, 'etcd-client', 'wl-kubeadm.key')).mode & 0o077).toBe(0);
    const b64 = Buffer.from(keyPem).toString('base64');
    const body = keyPem.split('\n')[1];
    const leaks = [...r.files].filter(([file, text]) => !file.split('/').includes('secrets') && (text.includes(body) || text.includes(b64)));
    expect(leaks.map(([f]) => f)).toEqual([]);
  });

  it('once imported, the store is the source: the user may delete the files, and a synth in CI reads only the store', () => {
    const copy = tmpDir();
    fs.cpSync(dir, copy, { recursive: true });
    const moved = fleetFrom(platformFleet(), copy);
    fs.rmSync(path.join(copy, 'etcd'), { recursive: true });
    const again = preparePkiSync({ ...moved, pki: { ...moved.pki, dir: pkiDir } });
    expect(again.etcdClient('wl-kubeadm')?.key).toBe(fs.readFileSync(etcd.key, 'utf8'));
    const ci = preparePkiSync({ ...moved, pki: { ...moved.pki, dir: pkiDir } }, { issue: false });
    expect(ci.withheld).toBeUndefined();
    expect(ci.etcdClient('wl-kubeadm')?.cert).toBe(fs.readFileSync(etcd.cert, 'utf8'));
  });

  it('the summary says where the pair went and when it expires, and warns before it does', () => {
    expect(clusterCertSummary(pki.report, 'wl-kubeadm')).toMatch(
      /etcd client certificate imported into .*etcd-client\/wl-kubeadm\.crt, expires \d{4}-\d\d-\d\d/,
    );
    expect(pki.report.warnings.filter((w) => w.includes('etcd'))).toEqual([]);
    const soon = tmpDir();
    makeEtcdFiles(soon, 'etcd', 20);
    const short = fleetFrom(platformFleet(), soon);
    const expiring = preparePkiSync({ ...short, pki: { ...short.pki, dir: path.join(tmpDir(), 'pki') } });
    const at = short.clusters.findIndex((c) => c.name === 'wl-kubeadm');
    expect(expiring.report.warnings.filter((w) => w.includes('etcd'))).toEqual([
      expect.stringMatching(new RegExp(`etcd client certificate of wl-kubeadm .* expires on .*clusters\\[${at}\\]\\.controlPlane\\.etcd\\.tls`)),
    ]);
  });
});

describe("the API server's metric drops", () => {
  it('drop the fine request buckets whether Prometheus writes their bound as "2" or "2.0", and keep those the rules read', () => {
    const bucketDrop = API_SERVER_METRIC_DROPS.find((r) => r.sourceLabels?.includes('le'));
    // Prometheus anchors the regex and joins the source labels with ";".
    const re = new RegExp(`^(?:${bucketDrop?.regex ?? ''})$`);
    const drops = (le: string) => re.test(`apiserver_request_sli_duration_seconds_bucket;${le}`);
    for (const le of ['0.15', '2', '2.0', '3.5', '50', '50.0']) expect([le, drops(le)]).toEqual([le, true]);
    // The bounds the SLO, burn-rate and latency rules read (Prometheus 3 writes whole numbers with ".0").
    for (const le of ['0.05', '0.1', '0.25', '0.5', '1', '1.0', '2.5', '5', '5.0', '10', '10.0', '30.0', '60.0', '+Inf'])
      expect([le, drops(le)]).toEqual([le, false]);
  });
});

describe('rule needs', () => {
  const controlPlaneNeeds = (source: Parameters<typeof rulesNeedsMet>[0]) =>
    [...rulesNeedsMet(source)].filter((n) => ['apiserver', 'coredns', 'kube-scheduler', 'kube-controller-manager', 'kube-proxy', 'etcd'].includes(n)).sort();

  it('the rule families of the control plane follow what the platform scrapes', () => {
    expect(controlPlaneNeeds({})).toEqual(['apiserver']);
    expect(controlPlaneNeeds({ platform: 'eks' })).toEqual(['apiserver', 'coredns', 'kube-proxy']);
    expect(controlPlaneNeeds({ platform: 'kubeadm' })).toEqual(['apiserver', 'coredns', 'kube-controller-manager', 'kube-proxy', 'kube-scheduler']);
    expect(controlPlaneNeeds({ platform: 'kubeadm', etcd: {} })).toContain('etcd');
    expect(controlPlaneNeeds({ platform: 'kubeadm', etcd: {}, controlPlaneExclude: ['kube-proxy', 'etcd'] })).toEqual([
      'apiserver',
      'coredns',
      'kube-controller-manager',
      'kube-scheduler',
    ]);
  });
});

describe('controlPlane.exclude', () => {
  it('leaves out what the platform exposes but the cluster does not want scraped, with its Service', () => {
    const text = `clusters:\n  - name: observer\n    roles: [observer]${workload('wl', '\n    platform: kubeadm\n    controlPlane: { exclude: [kube-proxy, kube-scheduler, kube-controller-manager] }')}\n`;
    const fleet = fleetFrom(text);
    const r = render(fleet);
    const objects = r.objects.filter((o) => o.cluster === 'wl');
    const services = ofKind(objects, 'Service');
    const jobs = ofKind(objects, 'ServiceMonitor').flatMap((m) => scrapeJobs(m, services).map((s) => s.job));
    expect(jobs.filter((j) => CONTROL_PLANE_JOBS.has(j)).sort()).toEqual(['apiserver', 'coredns', 'kubelet']);
    expect(services.filter((s) => s.obj.metadata.namespace === 'kube-system').map((s) => s.obj.metadata.name)).toEqual(['coredns-prometheus-discovery']);
    // etcd is not listed, so the summary still says how to scrape it.
    expect(controlPlaneNotes(fleet)).toHaveLength(1);
  });

  it('etcd both excluded and given a client certificate, and an unknown component, name the field', () => {
    const text = (cp: string) => `clusters:\n  - name: observer\n    roles: [observer]${workload('wl', `\n    platform: kubeadm\n    controlPlane: ${cp}`)}\n`;
    expect(fleetProblems(text('{ exclude: [etcd], etcd: { tls: { ca: a, cert: b, key: c } } }'))).toEqual([
      expect.stringMatching(/^clusters\[1\]\.controlPlane\.etcd: .*exclude lists/),
    ]);
    expect(fleetProblems(text('{ exclude: [kubelet] }'))).toEqual([
      expect.stringMatching(/^clusters\[1\]\.controlPlane\.exclude\[0\]: must be one of apiserver, coredns/),
    ]);
  });
});

describe('etcd client files: errors name the field', () => {
  const tls = (ca: string, cert: string, key: string) =>
    `clusters:\n  - name: observer\n    roles: [observer]${workload('wl', `\n    platform: kubeadm\n    controlPlane: { etcd: { tls: { ca: ${ca}, cert: ${cert}, key: ${key} } } }`)}\n`;
  const etcdProblems = (text: string, dir: string, now?: Date): string[] => {
    const fleet = fleetFrom(text, dir);
    try {
      preparePkiSync({ ...fleet, pki: { ...fleet.pki, dir: path.join(tmpDir(), 'pki') } }, { now });
    } catch (e) {
      if (e instanceof FleetError) return e.problems.map((p) => `${p.path}: ${p.message}`);
      throw e;
    }
    return [];
  };
  const dir = tmpDir();
  makeEtcdFiles(dir);
  makeEtcdFiles(dir, 'other');
  const good = ['etcd/ca.crt', 'etcd/apiserver-etcd-client.crt', 'etcd/apiserver-etcd-client.key'] as const;

  it('accepts a matching pair', () => {
    expect(etcdProblems(tls(...good), dir)).toEqual([]);
  });

  it('a missing file, with nothing imported yet', () => {
    expect(etcdProblems(tls('none/ca.crt', 'none/client.crt', 'none/client.key'), dir)).toEqual([
      expect.stringMatching(/^clusters\[1\]\.controlPlane\.etcd\.tls\.cert: .*none\/client\.crt does not exist.*\/etc\/kubernetes\/pki\/etcd\/ca\.crt/),
    ]);
    expect(etcdProblems(tls(good[0], good[1], 'none/client.key'), dir)).toEqual([
      expect.stringMatching(/^clusters\[1\]\.controlPlane\.etcd\.tls\.key: .*cannot be read/),
    ]);
  });

  it('a key that does not belong to the certificate', () => {
    expect(etcdProblems(tls(good[0], good[1], 'etcd/ca.key'), dir)).toEqual([
      expect.stringMatching(/^clusters\[1\]\.controlPlane\.etcd\.tls\.key: .*does not belong to the certificate/),
    ]);
  });

  it('a certificate another CA signed', () => {
    expect(etcdProblems(tls('other/ca.crt', good[1], good[2]), dir)).toEqual([
      expect.stringMatching(/^clusters\[1\]\.controlPlane\.etcd\.tls\.cert: .*is not signed by the CA/),
    ]);
  });

  it('an expired certificate', () => {
    const later = new Date(Date.now() + 400 * 24 * 3600 * 1000);
    expect(etcdProblems(tls(...good), dir, later)).toEqual([expect.stringMatching(/^clusters\[1\]\.controlPlane\.etcd\.tls\.cert: .*expired/)]);
  });
});

describe('platform validation', () => {
  it('an unknown platform names the field and the choices', () => {
    const text = `clusters:\n  - name: observer\n    roles: [observer]${workload('wl', '\n    platform: openshift')}\n`;
    expect(fleetProblems(text)).toEqual([`clusters[1].platform: must be one of ${PLATFORMS.join(', ')}, got "openshift"`]);
    expect(fleetProblems(`defaults: { platform: eks2 }\n${text.replace('openshift', 'eks')}`)).toEqual([
      `defaults.platform: must be one of ${PLATFORMS.join(', ')}, got "eks2"`,
    ]);
  });

  it('etcd client files on a platform whose etcd is out of reach', () => {
    const text = `clusters:\n  - name: observer\n    roles: [observer]${workload('wl', '\n    platform: eks\n    controlPlane: { etcd: { tls: { ca: a, cert: b, key: c } } }')}\n`;
    expect(fleetProblems(text)).toEqual([
      expect.stringMatching(/^clusters\[1\]\.controlPlane\.etcd: platform eks has no etcd .*set clusters\[1\]\.platform to kubeadm/),
    ]);
  });

  it('controlPlane on a cluster without Prometheus', () => {
    const text = `clusters:\n  - name: observer\n    roles: [observer]\n    selfMonitoring: false\n    controlPlane: { etcd: { tls: { ca: a, cert: b, key: c } } }${workload('wl')}\n`;
    expect(fleetProblems(text)).toEqual([
      expect.stringMatching(/^clusters\[0\]\.controlPlane: configures what Prometheus scrapes, and this cluster runs none/),
    ]);
  });

  it('defaults.platform applies to clusters that name none', () => {
    const fleet = fleetFrom(
      `defaults: { platform: aks }\nclusters:\n  - name: observer\n    roles: [observer]${workload('wl')}${workload('wl2', '\n    platform: k3s')}\n`,
    );
    expect(fleet.clusters.map((c) => c.platform)).toEqual(['aks', 'aks', 'k3s']);
  });
});

describe('docs/platforms.md', () => {
  it('has the table of PLATFORM_TARGETS: one row per platform, a column per target, and each reason', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'platforms.md'), 'utf8');
    for (const p of PLATFORMS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${p}\` |`));
      expect(row).toBeDefined();
      const cells = (row ?? '')
        .split('|')
        .slice(2, -1)
        .map((c) => c.trim());
      expect(cells).toEqual(CONTROL_PLANE_TARGETS.map((t) => (PLATFORM_TARGETS[p][t] === true ? 'yes' : 'no')));
      for (const t of CONTROL_PLANE_TARGETS) {
        const e = PLATFORM_TARGETS[p][t];
        if (e !== true) expect(doc).toContain(e.why);
      }
    }
  });
});

describe('a synth of the default fleet with etcd client files, into a store encrypted with age', () => {
  it('imports the pair once, keeps its key encrypted, and renders it from the store in CI after the files are gone', async () => {
    const identity = await age.generateX25519Identity();
    const recipient = await age.identityToRecipient(identity);
    const dir = tmpDir();
    const files = makeEtcdFiles(dir);
    const text = defaultFleetText()
      .replace(/^clusters:\n/m, `pki:\n  encryption:\n    recipients: [${recipient}]\n\nclusters:\n`)
      .replace(
        '    platform: kubeadm\n',
        '    platform: kubeadm\n    controlPlane: { etcd: { tls: { ca: etcd/ca.crt, cert: etcd/apiserver-etcd-client.crt, key: etcd/apiserver-etcd-client.key } } }\n',
      );
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), text);
    const env = { FLEET: 'fleet.yaml', PROMFLEET_OUT: 'dist', PROMFLEET_PKI_DIR: '.pki', CDK8S_OUTDIR: '', PROMFLEET_AGE_IDENTITY: identity };
    const first = await runMain(env, dir);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/workload-eu: .*etcd client certificate imported into \.pki\/etcd-client\/workload-eu\.crt/);
    expect(first.stderr).not.toContain('etcd is not scraped');
    const store = path.join(dir, '.pki', 'etcd-client');
    expect(fs.readdirSync(store).sort()).toEqual(['workload-eu-ca.crt', 'workload-eu.crt', 'workload-eu.key.age']);
    const secretFile = path.join(dir, 'dist', 'workload-eu', 'secrets', 'etcd-client-tls.yaml');
    const secret = fs.readFileSync(secretFile, 'utf8');
    expect(secret).toContain(Buffer.from(fs.readFileSync(files.key, 'utf8')).toString('base64'));
    // The user deletes the copies; CI renders from the store alone, the same Secret.
    fs.rmSync(path.join(dir, 'etcd'), { recursive: true });
    fs.rmSync(secretFile);
    const ci = await runMain({ ...env, CI: 'true' }, dir);
    expect(ci.code).toBe(0);
    expect(fs.readFileSync(secretFile, 'utf8')).toBe(secret);
  });
});
