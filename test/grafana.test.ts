// Grafana on every observer (docs/operations.md, "Grafana"): its datasource is the Querier's Service as
// rendered, with the Querier's deduplication and partial-response choice; the dashboards' ConfigMaps are
// mounted where the provider reads them, the same on every observer; the admin password comes from the
// secret store, stays out of what `git add dist/` stages, and is sealed in sealed-secrets mode; OIDC takes
// its client secret from a Secret, never from the fleet file.
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseDocument, stringify } from 'yaml';
import { main as credentialMain } from '../lib/cli/credential';
import type { FleetDashboard } from '../lib/components/dashboards';
import { SECRETS_DIR } from '../lib/file-chart';
import { DEFAULT_VERSIONS } from '../lib/fleet/defaults';
import type { FleetInput } from '../lib/fleet/schema';
import { PkiError, preparePkiSync } from '../lib/pki';
import { pkiStatus } from '../lib/pki/rotation';
import { renderFleet } from '../lib/render';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, tmpDir, validateRendered, type Rendered } from './support/fleet';
import { find, HUB_FLEET } from './support/observer-fleet';
import { fleetWithStore } from './support/pki';
import { makeController, unseal } from './support/sealed';

// Two small dashboards stand in for the catalogue (another part of the code base), so that these tests read
// real ConfigMaps whatever the catalogue holds.
const mockDashboards: FleetDashboard[] = [
  {
    uid: 'test-overview',
    title: 'Test overview',
    fileName: 'test-overview.json',
    model: { uid: 'test-overview', title: 'Test overview', panels: [{ id: 1 }] },
  },
  { uid: 'test-cluster', title: 'Test cluster', fileName: 'test-cluster.json', model: { title: 'Test cluster', uid: 'test-cluster', panels: [] } },
];
jest.mock('../lib/components/dashboards', () => ({ fleetDashboards: () => mockDashboards }));

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url: string;
  isDefault?: boolean;
  jsonData: Record<string, string | boolean>;
}

/** The datasources Grafana provisions, read through the Deployment's mount of the provisioning folder. */
function datasources(r: Rendered, cluster: string): Datasource[] {
  const pod = find(r, cluster, 'Deployment', 'grafana').obj.spec.template.spec;
  const mount = pod.containers[0].volumeMounts.find((m) => m.mountPath === '/etc/grafana/provisioning/datasources');
  const volume = pod.volumes.find((v) => v.name === mount?.name);
  const cm = find(r, cluster, 'ConfigMap', volume!.configMap.name).obj;
  return Object.values(cm.data).flatMap((text) => (parse(text) as { datasources: Datasource[] }).datasources);
}

const env = (r: Rendered, cluster: string) => find(r, cluster, 'Deployment', 'grafana').obj.spec.template.spec.containers[0].env;
const envValue = (r: Rendered, cluster: string, name: string) => env(r, cluster).find((e) => e.name === name);

/** The default fleet with its first cluster's `grafana` set to `grafana` (and `edit` applied to the whole file). */
function withGrafana(grafana: unknown, edit?: (fleet: FleetInput) => void): string {
  const fleet = parseDocument(defaultFleetText()).toJS() as FleetInput;
  (fleet.clusters[0] as Record<string, unknown>).grafana = grafana;
  edit?.(fleet);
  return stringify(fleet);
}

const OIDC = {
  type: 'oidc',
  clientId: 'grafana',
  clientSecret: { credential: 'grafana-oidc' },
  authUrl: 'https://sso.example.com/oauth2/authorize',
  tokenUrl: 'https://sso.example.com/oauth2/token',
  apiUrl: 'https://sso.example.com/oauth2/userinfo',
  roleAttributePath: "contains(groups[*], 'platform') && 'Admin' || 'Viewer'",
  groupsAttributePath: 'groups',
  allowedGroups: ['platform', 'sre'],
  allowedDomains: ['example.com'],
};
const INGRESS = { host: 'grafana.example.com', className: 'nginx' };

describe('the default fleet', () => {
  const fleet = fleetWithStore();
  // The same fleet with an Ingress in front of Grafana.
  const withIngress = fleetWithStore(undefined, {}, withGrafana({ ingress: { ...INGRESS, tls: { source: 'pki' } } }));
  const ri = render(withIngress, path.join(tmpDir(), 'dist'), preparePkiSync(withIngress));
  const pki = preparePkiSync(fleet);
  const r = render(fleet, path.join(tmpDir(), 'dist'), pki);

  it('renders Grafana on the observer only, from the pinned upstream image', () => {
    const deployments = ofKind(r.objects, 'Deployment').filter((o) => o.obj.metadata.name === 'grafana');
    expect(deployments.map((d) => [d.cluster, d.file])).toEqual([['observer', path.join('observer', '80-grafana.yaml')]]);
    expect(deployments[0].obj.spec.template.spec.containers[0].image).toBe(`docker.io/grafana/grafana:${DEFAULT_VERSIONS.grafana}`);
    expect(DEFAULT_VERSIONS.grafana).toMatch(/^12\.\d+\.\d+$/);
    expect(find(r, 'observer', 'Service', 'grafana').obj.spec.ports).toEqual([expect.objectContaining({ name: 'http', port: 3000 })]);
  });

  it('has one default datasource, whose URL is the query frontend Service as rendered, or the Querier without one', () => {
    const urlOf = (rendered: Rendered, service: string) => {
      const svc = find(rendered, 'observer', 'Service', service).obj;
      const http = svc.spec.ports.find((p) => p.name === 'http')!;
      return `http://${svc.metadata.name}.${svc.metadata.namespace}.svc:${http.port}`;
    };
    const [thanos, ...others] = datasources(r, 'observer');
    expect(thanos).toMatchObject({ type: 'prometheus', uid: 'promfleet-thanos', isDefault: true });
    expect(thanos.url).toBe(urlOf(r, 'thanos-query-frontend'));
    const noFrontend = fleetWithStore(
      undefined,
      {},
      withGrafana({}, (f) => {
        const observer = f.clusters[0] as { querier?: Record<string, unknown> };
        observer.querier = { ...observer.querier, frontend: { enabled: false } };
      }),
    );
    const rq = render(noFrontend, path.join(tmpDir(), 'dist'), preparePkiSync(noFrontend));
    expect(datasources(rq, 'observer')[0].url).toBe(urlOf(rq, 'thanos-querier'));
    expect(thanos.jsonData.prometheusType).toBe('Thanos');
    // The observer monitors itself: its own Alertmanager, as rendered, is the other datasource.
    const am = find(r, 'observer', 'Service', 'alertmanager-main').obj;
    const web = am.spec.ports.find((p) => p.name === 'web')!;
    expect(others).toEqual([expect.objectContaining({ type: 'alertmanager', url: `http://${am.metadata.name}.${am.metadata.namespace}.svc:${web.port}` })]);
  });

  it("asks for deduplication and the Querier's partial-response choice, stepping by the fleet's scrape interval", () => {
    const args = find(r, 'observer', 'Deployment', 'thanos-querier').obj.spec.template.spec.containers[0].args;
    const querierPartial = args.includes('--query.partial-response') && !args.includes('--no-query.partial-response');
    // The Querier deduplicates only along a replica label: it must have one for dedup=true to mean anything.
    expect(args.some((a) => a.startsWith('--query.replica-label='))).toBe(true);
    const params = new URLSearchParams(String(datasources(r, 'observer')[0].jsonData.customQueryParameters));
    expect(params.get('dedup')).toBe('true');
    expect(params.get('partial_response')).toBe(String(querierPartial));
    const prometheus = ofKind(r.objects, 'Prometheus').map((p) => p.obj.spec.scrapeInterval);
    expect(new Set(prometheus)).toEqual(new Set([datasources(r, 'observer')[0].jsonData.timeInterval]));
  });

  it('mounts every dashboard ConfigMap where the file provider reads, in a read-only promfleet folder', () => {
    const provider = find(r, 'observer', 'ConfigMap', 'grafana-dashboard-provider');
    expect(provider.file).toBe(path.join('observer', '81-grafana-dashboards.yaml'));
    const [p] = (parse(Object.values(provider.obj.data)[0]) as { providers: Record<string, unknown>[] }).providers;
    expect(p).toMatchObject({ type: 'file', folder: 'promfleet', disableDeletion: true, allowUiUpdates: false });
    const pod = find(r, 'observer', 'Deployment', 'grafana').obj.spec.template.spec;
    const mounts = pod.containers[0].volumeMounts;
    // The provider's own file is where Grafana looks for dashboard providers.
    const providerMount = mounts.find((m) => pod.volumes.find((v) => v.name === m.name)?.configMap?.name === 'grafana-dashboard-provider');
    expect(providerMount?.mountPath).toBe('/etc/grafana/provisioning/dashboards');
    const mount = mounts.find((m) => m.mountPath === (p.options as { path: string }).path);
    const volume = pod.volumes.find((v) => v.name === mount?.name)!;
    const dashboardMaps = ofKind(r.objects, 'ConfigMap').filter(
      (o) => o.cluster === 'observer' && o.obj.metadata.name.startsWith('grafana-dashboard-') && o !== provider,
    );
    expect(volume.projected.sources.map((s) => s.configMap.name).sort()).toEqual(dashboardMaps.map((o) => o.obj.metadata.name).sort());
    // Every dashboard is there once, under its file name, as its model.
    const files = Object.fromEntries(dashboardMaps.flatMap((o) => Object.entries(o.obj.data)));
    expect(Object.keys(files).sort()).toEqual(mockDashboards.map((d) => d.fileName).sort());
    for (const d of mockDashboards) expect(JSON.parse(files[d.fileName])).toEqual(d.model);
  });

  it('runs non-root on a read-only root filesystem, never anonymous, never phoning home', () => {
    const pod = find(r, 'observer', 'Deployment', 'grafana').obj.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    // Where Grafana writes: its data folder and /tmp, both volumes.
    const writable = pod.containers[0].volumeMounts.filter((m) => !m.readOnly).map((m) => m.mountPath);
    expect(writable.sort()).toEqual(['/tmp', '/var/lib/grafana']);
    for (const [name, value] of [
      ['GF_AUTH_ANONYMOUS_ENABLED', 'false'],
      ['GF_ANALYTICS_REPORTING_ENABLED', 'false'],
      ['GF_ANALYTICS_CHECK_FOR_UPDATES', 'false'],
      ['GF_PLUGINS_PREINSTALL_DISABLED', 'true'],
      ['GF_SECURITY_ADMIN_USER', 'admin'],
    ]) {
      expect([name, envValue(r, 'observer', name)?.value]).toEqual([name, value]);
    }
    expect(envValue(r, 'observer', 'GF_SECURITY_ADMIN_PASSWORD')?.valueFrom).toEqual({ secretKeyRef: { name: 'grafana-admin', key: 'admin-password' } });
  });

  it('has no Ingress unless asked; with one, serves the UI through it with a certificate from the fleet PKI', () => {
    expect(ofKind(r.objects, 'Ingress').map((o) => o.obj.metadata.name)).not.toContain('grafana');
    expect(envValue(r, 'observer', 'GF_SERVER_ROOT_URL')).toBeUndefined();
    expect(envValue(ri, 'observer', 'GF_SERVER_ROOT_URL')?.value).toBe('https://grafana.example.com/');
    expect(envValue(ri, 'observer', 'GF_SECURITY_COOKIE_SECURE')?.value).toBe('true');
    const ingress = find(ri, 'observer', 'Ingress', 'grafana').obj;
    expect(ingress.spec.tls).toEqual([{ hosts: ['grafana.example.com'], secretName: 'grafana-ingress-tls' }]);
    expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'grafana', port: { name: 'http' } });
    const secret = find(ri, 'observer', 'Secret', 'grafana-ingress-tls');
    expect(secret.file).toBe(path.join('observer', SECRETS_DIR, 'grafana-ingress-tls.yaml'));
    const cert = new crypto.X509Certificate(Buffer.from(secret.obj.data['tls.crt'], 'base64'));
    expect(cert.checkHost('grafana.example.com')).toBe('grafana.example.com');
  });

  it('lets the Ingress controller and its own namespace reach the UI, and Grafana reach the Querier', () => {
    const grafana = find(r, 'observer', 'NetworkPolicy', 'grafana').obj;
    expect(grafana.spec.podSelector.matchLabels).toEqual(find(r, 'observer', 'Deployment', 'grafana').obj.spec.selector.matchLabels);
    expect(grafana.spec.ingress).toEqual([
      {
        from: ['monitoring', 'ingress-nginx'].map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } })),
        ports: [{ protocol: 'TCP', port: 3000 }],
      },
    ]);
    const querier = find(r, 'observer', 'NetworkPolicy', 'thanos-querier').obj;
    const grafanaNs = find(r, 'observer', 'Deployment', 'grafana').obj.metadata.namespace;
    expect(querier.spec.ingress.some((rule) => rule.from.some((f) => f.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] === grafanaNs))).toBe(
      true,
    );
  });

  it('validates against the core and CRD schemas', () => {
    expect(validateRendered(path.join(r.outDir, 'observer'), path.join(ri.outDir, 'observer')).findings).toEqual([]);
  });
});

describe('the admin password', () => {
  const fleet = fleetWithStore();
  const pki = preparePkiSync(fleet);
  const r = render(fleet, path.join(tmpDir(), 'dist'), pki);
  const stored = () => fs.readFileSync(path.join(fleet.pki.dir, 'grafana-admin', 'observer.password'), 'utf8').trim();
  const rendered = (x: Rendered) => Buffer.from(find(x, 'observer', 'Secret', 'grafana-admin').obj.data['admin-password'], 'base64').toString();

  it('is generated once into the store, 0600, and rendered under secrets/ only', () => {
    expect(stored()).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(fs.statSync(path.join(fleet.pki.dir, 'grafana-admin', 'observer.password')).mode & 0o777).toBe(0o600);
    expect(rendered(r)).toBe(stored());
    expect(find(r, 'observer', 'Secret', 'grafana-admin').file).toBe(path.join('observer', SECRETS_DIR, 'grafana-admin.yaml'));
    expect(pki.report.credentials.map((c) => [c.name, c.action])).toContainEqual(['grafana-admin/observer', 'created']);
  });

  it('is the same bytes on the next synth with the same store', () => {
    const again = render(fleet, path.join(tmpDir(), 'dist'), preparePkiSync(fleet));
    const file = path.join('observer', SECRETS_DIR, 'grafana-admin.yaml');
    expect(again.files.get(file)).toBe(r.files.get(file));
  });

  it('is named, never shown, by pki status', () => {
    const lines = pkiStatus(fleet);
    expect(lines).toContain(`  grafana-admin/observer: user admin, password in ${path.join(fleet.pki.dir, 'grafana-admin', 'observer.password')}`);
    expect(lines.join('\n')).not.toContain(stored());
  });

  it('never reaches a file that git add -A of dist/ stages', () => {
    const repo = tmpDir('promfleet-git-');
    fs.cpSync(r.outDir, path.join(repo, 'dist'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'core.excludesFile=/dev/null', '-C', repo, ...args], { encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    const staged = git('diff', '--cached', '--name-only', '-z').split('\0').filter(Boolean);
    expect(staged).toContain('dist/observer/80-grafana.yaml');
    const secret = stored();
    for (const f of staged) {
      const text = fs.readFileSync(path.join(repo, f), 'utf8');
      expect([f, text.includes(secret) || text.includes(Buffer.from(secret).toString('base64'))]).toEqual([f, false]);
    }
  });

  it('is sealed in sealed-secrets mode', () => {
    const dir = tmpDir();
    const controller = makeController();
    controller.writeCert(path.join(dir, 'certs', 'observer.pem'));
    const text = withGrafana(undefined, (f) => (f.clusters[0].sealedSecrets = { certificate: 'certs/observer.pem' }));
    const model = fleetFrom(text, dir);
    const sealedFleet = { ...model, pki: { ...model.pki, dir: path.join(dir, 'store') } };
    const s = render(sealedFleet, path.join(dir, 'dist'), preparePkiSync(sealedFleet));
    const sealed = ofKind(s.objects, 'SealedSecret').find((o) => o.cluster === 'observer' && o.obj.metadata.name === 'grafana-admin');
    expect(sealed?.file).toBe(path.join('observer', 'sealed-secrets', 'grafana-admin.yaml'));
    const opened = unseal(controller.privateKey, sealed!.obj);
    const password = fs.readFileSync(path.join(dir, 'store', 'grafana-admin', 'observer.password'), 'utf8').trim();
    expect(opened.data['admin-password'].toString()).toBe(password);
    expect(ofKind(s.objects, 'Secret').filter((o) => o.cluster === 'observer' && o.obj.metadata.name === 'grafana-admin')).toEqual([]);
  });
});

describe('two observers', () => {
  it('render Grafana once each, with the same dashboard ConfigMaps', () => {
    const r = render(fleetFrom(HUB_FLEET));
    const observers = ['hub', 'backup'];
    expect(
      ofKind(r.objects, 'Deployment')
        .filter((o) => o.obj.metadata.name === 'grafana')
        .map((o) => o.cluster)
        .sort(),
    ).toEqual([...observers].sort());
    const maps = (cluster: string) =>
      ofKind(r.objects, 'ConfigMap')
        .filter((o) => o.cluster === cluster && o.file.endsWith('81-grafana-dashboards.yaml'))
        .map((o) => o.obj);
    expect(maps('hub').length).toBe(mockDashboards.length + 1);
    expect(maps('backup')).toEqual(maps('hub'));
    expect(r.files.get(path.join('backup', '81-grafana-dashboards.yaml'))).toBe(r.files.get(path.join('hub', '81-grafana-dashboards.yaml')));
  });

  it("adds the cluster's own Alertmanager where the observer is also a workload cluster, and lets Grafana reach it", () => {
    const r = render(fleetFrom(HUB_FLEET));
    const am = find(r, 'hub', 'Service', 'alertmanager-main').obj;
    const web = am.spec.ports.find((p) => p.name === 'web')!;
    expect(datasources(r, 'hub').filter((d) => d.type === 'alertmanager')).toEqual([
      expect.objectContaining({ uid: 'promfleet-alertmanager', url: `http://${am.metadata.name}.${am.metadata.namespace}.svc:${web.port}` }),
    ]);
    // backup monitors itself too, with an Alertmanager of its own.
    expect(
      datasources(r, 'backup')
        .filter((d) => d.type === 'alertmanager')
        .map((d) => d.url),
    ).toEqual([`http://alertmanager-main.monitoring.svc:${web.port}`]);
    const policy = find(r, 'hub', 'NetworkPolicy', 'alertmanager-main').obj;
    const grafanaPods = find(r, 'hub', 'Deployment', 'grafana').obj.spec.template.metadata.labels;
    const admits = policy.spec.ingress.some(
      (rule) =>
        rule.ports.some((p) => p.port === web.port) &&
        rule.from.some((f) => f.podSelector && Object.entries(f.podSelector.matchLabels).every(([k, v]) => grafanaPods[k] === v)),
    );
    expect(admits).toBe(true);
    // A ServiceMonitor for the hub's own Prometheus, which selects it by the fleet's monitor selector.
    expect(find(r, 'hub', 'ServiceMonitor', 'grafana').obj.metadata.labels).toMatchObject({ team: 'platform' });
  });
});

describe('fleet file settings', () => {
  it('grafana.enabled: false renders no Grafana and generates no password', () => {
    const fleet = fleetWithStore(undefined, {}, withGrafana({ enabled: false }));
    const pki = preparePkiSync(fleet);
    const r = render(fleet, path.join(tmpDir(), 'dist'), pki);
    expect(r.objects.filter((o) => o.obj.metadata.labels?.['app.kubernetes.io/name'] === 'grafana')).toEqual([]);
    expect(pki.report.credentials.map((c) => c.kind)).not.toContain('grafana-admin');
    expect(fs.existsSync(path.join(fleet.pki.dir, 'grafana-admin'))).toBe(false);
  });

  it('persistence: a claim of that size and class, mounted as the data folder, with pods replaced one after the other', () => {
    const r = render(fleetFrom(withGrafana({ persistence: { size: '5Gi', storageClassName: 'fast' } })));
    const pvc = find(r, 'observer', 'PersistentVolumeClaim', 'grafana').obj;
    expect(pvc.spec).toMatchObject({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'fast' });
    const deployment = find(r, 'observer', 'Deployment', 'grafana').obj;
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const pod = deployment.spec.template.spec;
    const data = pod.containers[0].volumeMounts.find((m) => m.mountPath === '/var/lib/grafana')!;
    expect(pod.volumes.find((v) => v.name === data.name)?.persistentVolumeClaim).toEqual({ claimName: pvc.metadata.name });
    expect(validateRendered(path.join(r.outDir, 'observer')).findings).toEqual([]);
  });

  it('more than one replica: each keeps its own sessions, so ingress-nginx keeps a browser on one', () => {
    const two = render(fleetFrom(withGrafana({ replicas: 2, ingress: INGRESS })));
    expect(find(two, 'observer', 'Deployment', 'grafana').obj.spec.replicas).toBe(2);
    expect(find(two, 'observer', 'Ingress', 'grafana').obj.metadata.annotations['nginx.ingress.kubernetes.io/affinity']).toBe('cookie');
    const one = render(fleetFrom(withGrafana({ ingress: INGRESS })));
    expect(find(one, 'observer', 'Ingress', 'grafana').obj.metadata.annotations['nginx.ingress.kubernetes.io/affinity']).toBeUndefined();
  });

  it('extra Alertmanagers become datasources of their own', () => {
    const r = render(fleetFrom(withGrafana({ alertmanagers: [{ name: 'eu', url: 'https://alertmanager.eu.example.com' }] })));
    const alertmanagers = datasources(r, 'observer').filter((d) => d.type === 'alertmanager');
    // After the observer's own Alertmanager.
    expect(alertmanagers.map((d) => [d.uid, d.url, d.jsonData.implementation])).toEqual([
      ['promfleet-alertmanager', 'http://alertmanager-main.monitoring.svc:9093', 'prometheus'],
      ['promfleet-am-eu', 'https://alertmanager.eu.example.com', 'prometheus'],
    ]);
  });

  it('the longest scrape interval of the workload clusters sets the datasource step', () => {
    const text = withGrafana(undefined, (f) => (f.clusters[2].overrides = { prometheus: { scrapeInterval: '1m' } }));
    expect(datasources(render(fleetFrom(text)), 'observer')[0].jsonData.timeInterval).toBe('1m');
  });

  it('rejects what cannot work, naming the field', () => {
    const onWorkload = withGrafana(undefined, (f) => ((f.clusters[1] as Record<string, unknown>).grafana = {}));
    expect(fleetProblems(onWorkload)).toEqual([
      'clusters[1].grafana: is only for observer clusters, where the Querier it reads runs; add "observer" to roles or remove it',
    ]);
    expect(fleetProblems(withGrafana({ auth: OIDC }))).toEqual([
      'clusters[0].grafana.auth: type: oidc needs grafana.ingress: the provider redirects users back to https://<ingress host>/login/generic_oauth; add grafana.ingress.host',
    ]);
    expect(fleetProblems(withGrafana({ ingress: INGRESS, auth: { ...OIDC, groupsAttributePath: undefined } }))).toEqual([
      'clusters[0].grafana.auth.groupsAttributePath: is required with allowedGroups: it tells Grafana where the groups of a user are, e.g. "groups"',
    ]);
    expect(fleetProblems(withGrafana({ replicas: 2, persistence: { size: '1Gi' } }))).toEqual([
      'clusters[0].grafana.persistence: holds one SQLite database on a ReadWriteOnce volume, which 2 replicas cannot share; set replicas: 1, or remove persistence',
    ]);
    expect(fleetProblems(withGrafana({ ingress: { ...INGRESS, tls: { source: 'secret' } } }))).toEqual([
      'clusters[0].grafana.ingress.tls.secretName: is required with source: secret; name the kubernetes.io/tls Secret for host that you create',
    ]);
    expect(fleetProblems(withGrafana({ ingress: { ...INGRESS, host: 'thanos.example.com' } }))).toEqual([
      'clusters[0].grafana.ingress.host: is also querier.ingress.host; the two Ingresses would claim the same host: give Grafana a host of its own',
    ]);
    expect(fleetProblems(withGrafana({ ingress: INGRESS, auth: { type: 'oidc', clientId: 'grafana' } }))).toEqual(
      ['clientSecret', 'authUrl', 'tokenUrl', 'apiUrl'].map(
        (k) => `clusters[0].grafana.auth.${k}: is required with type: oidc; see docs/operations.md, "Grafana"`,
      ),
    );
    expect(fleetProblems(withGrafana({ auth: { clientId: 'grafana' } }))).toEqual([
      'clusters[0].grafana.auth.clientId: is only for type: oidc (type is builtin, the default); remove it or set type: oidc',
    ]);
    // The client secret is never a value in the fleet file.
    const inline = fleetProblems(withGrafana({ ingress: INGRESS, auth: { ...OIDC, clientSecret: 's3cr3t' } }));
    expect(inline).toEqual([expect.stringMatching(/^clusters\[0\]\.grafana\.auth\.clientSecret: must be \{credential: <name>\}.*never the value itself$/)]);
    expect(inline.join()).not.toContain('s3cr3t');
  });
});

describe('OpenID Connect sign-in', () => {
  const SECRET = 'oidc-client-secret-value';
  const text = withGrafana({ ingress: INGRESS, auth: OIDC });

  it('stops the synth while the store lacks the client secret, naming the field and the command', () => {
    const fleet = fleetWithStore(undefined, {}, text);
    const pki = preparePkiSync(fleet);
    let error: unknown;
    try {
      renderFleet(fleet, path.join(tmpDir(), 'dist'), pki);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PkiError);
    expect((error as Error).message).toContain('grafana.auth.clientSecret.credential of cluster "observer"');
    expect((error as Error).message).toContain('promfleet credential set grafana-oidc');
  });

  it('renders the generic OAuth settings, with the client secret from a Secret under secrets/', async () => {
    const fleet = fleetWithStore(undefined, {}, text);
    const file = path.join(tmpDir(), 'fleet.yaml');
    fs.writeFileSync(file, text);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await credentialMain(['set', 'grafana-oidc', '--fleet', file, '--pki-dir', fleet.pki.dir], { stdin: () => `${SECRET}\n` })).toBe(0);
      expect(await credentialMain(['list', '--fleet', file, '--pki-dir', fleet.pki.dir])).toBe(0);
      expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain('grafana-oidc\tstored\tobserver: grafana.auth.clientSecret');
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    const r = render(fleet, path.join(tmpDir(), 'dist'), preparePkiSync(fleet));
    const expected: Record<string, string> = {
      GF_AUTH_GENERIC_OAUTH_ENABLED: 'true',
      GF_AUTH_GENERIC_OAUTH_CLIENT_ID: 'grafana',
      GF_AUTH_GENERIC_OAUTH_AUTH_URL: OIDC.authUrl,
      GF_AUTH_GENERIC_OAUTH_TOKEN_URL: OIDC.tokenUrl,
      GF_AUTH_GENERIC_OAUTH_API_URL: OIDC.apiUrl,
      GF_AUTH_GENERIC_OAUTH_SCOPES: 'openid email profile',
      GF_AUTH_GENERIC_OAUTH_USE_PKCE: 'true',
      GF_AUTH_GENERIC_OAUTH_ROLE_ATTRIBUTE_PATH: OIDC.roleAttributePath,
      GF_AUTH_GENERIC_OAUTH_GROUPS_ATTRIBUTE_PATH: 'groups',
      GF_AUTH_GENERIC_OAUTH_ALLOWED_GROUPS: 'platform sre',
      GF_AUTH_GENERIC_OAUTH_ALLOWED_DOMAINS: 'example.com',
      GF_AUTH_DISABLE_LOGIN_FORM: 'false',
      GF_SERVER_ROOT_URL: 'https://grafana.example.com/',
    };
    for (const [name, value] of Object.entries(expected)) expect([name, envValue(r, 'observer', name)?.value]).toEqual([name, value]);
    const ref = envValue(r, 'observer', 'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET')!;
    expect(ref.value).toBeUndefined();
    const { name, key } = ref.valueFrom.secretKeyRef;
    const secret = find(r, 'observer', 'Secret', name);
    expect(secret.file).toBe(path.join('observer', SECRETS_DIR, `${name}.yaml`));
    expect(Buffer.from(secret.obj.data[key], 'base64').toString()).toBe(SECRET);
    for (const [rel, content] of [...r.files].filter(([f]) => !f.split(path.sep).includes(SECRETS_DIR))) {
      expect([rel, content.includes(SECRET) || content.includes(Buffer.from(SECRET).toString('base64'))]).toEqual([rel, false]);
    }
    expect(validateRendered(path.join(r.outDir, 'observer')).findings).toEqual([]);
  });

  it('a Secret you manage is referenced, never rendered', () => {
    const own = withGrafana({ ingress: INGRESS, auth: { ...OIDC, clientSecret: { name: 'my-oidc', key: 'secret' } } });
    const r = render(fleetFrom(own));
    expect(envValue(r, 'observer', 'GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET')?.valueFrom).toEqual({ secretKeyRef: { name: 'my-oidc', key: 'secret' } });
    expect(ofKind(r.objects, 'Secret').map((o) => o.obj.metadata.name)).not.toContain('my-oidc');
    expect(ofKind(r.objects, 'Secret').map((o) => o.obj.metadata.name)).not.toContain('grafana-oauth');
  });
});
