// GitOps delivery: the Argo CD Applications in dist/_argocd/, the sync waves inside each cluster's
// folder, and the kubectl path printed by the synth.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { application } from '../lib/delivery/argocd';
import { kubectlCommands } from '../lib/delivery/summary';
import { SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION } from '../lib/delivery/sync-waves';
import { appMonitorNamespaces, isWorkload } from '../lib/fleet/model';
import type { FleetInput } from '../lib/fleet/schema';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, Rendered, RenderedObject, ROOT, runMain, tmpDir, validateRendered } from './support/fleet';
import { UNKNOWN_FIELD } from '../lib/validate/problems';

type EditableFleet = FleetInput & { gitops: NonNullable<FleetInput['gitops']> };

/** The default fleet with `edit` applied to its parsed form. */
function fleetText(edit: (f: EditableFleet) => void): string {
  const fleet = parseDocument(defaultFleetText()).toJS() as EditableFleet;
  edit(fleet);
  return stringify(fleet);
}

const wave = (o: RenderedObject) => Number(o.obj.metadata.annotations?.[SYNC_WAVE_ANNOTATION]);
const applications = (r: Rendered) => ofKind(r.objects, 'Application');
const app = (r: Rendered, name: string) => applications(r).find((o) => o.obj.metadata.name === name)!;

describe('Argo CD Applications (default fleet)', () => {
  const fleet = fleetFrom(defaultFleetText());
  const rendered = render(fleet);
  const gitops = fleet.gitops!;
  /** The folder of dist/ a repository path points at (the default fleet commits dist/ as "dist"). */
  const inDist = (repoPath: string) => path.join(rendered.outDir, path.relative(gitops.pathPrefix, repoPath));

  it('renders the app-of-apps and, per cluster, a stack Application, a CRD Application on workload clusters and one per app monitor namespace', () => {
    const names = applications(rendered).map((o) => `${o.file} ${o.obj.metadata.name}`);
    expect(names.sort()).toEqual(
      [
        '_argocd/root.yaml promfleet',
        ...fleet.clusters.flatMap((c) => [
          `_argocd/apps/${c.name}.yaml promfleet-${c.name}`,
          ...(isWorkload(c) ? [`_argocd/apps/${c.name}.yaml promfleet-${c.name}-crds`] : []),
          ...appMonitorNamespaces(c).map((ns) => `_argocd/apps/${c.name}.yaml promfleet-${c.name}-monitors-${ns}`),
        ]),
      ].sort(),
    );
    for (const o of applications(rendered)) expect(o.obj.metadata.namespace).toBe('argocd');
  });

  it('points every Application at a folder that exists in dist/, with the manifests of its cluster', () => {
    for (const o of applications(rendered).filter((a) => a.obj.spec.source.repoURL === gitops.repoURL)) {
      const { source } = o.obj.spec;
      expect([o.obj.metadata.name, source.targetRevision]).toEqual([o.obj.metadata.name, 'main']);
      const folder = inDist(source.path);
      expect([source.path, fs.statSync(folder).isDirectory()]).toEqual([source.path, true]);
      expect(fs.readdirSync(folder).some((f) => f.endsWith('.yaml'))).toBe(true);
    }
    const root = app(rendered, 'promfleet').obj.spec;
    expect(root.source.path).toBe('dist/_argocd/apps');
    expect(root.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    // The app-of-apps syncs exactly the cluster Applications and the fleet's AppProject.
    expect(fs.readdirSync(inDist(root.source.path)).sort()).toEqual(['_project.yaml', ...fleet.clusters.map((c) => `${c.name}.yaml`)].sort());
  });

  it('syncs each cluster folder recursively, manifests only, never the git-ignored secrets/', () => {
    for (const c of fleet.clusters) {
      const { spec } = app(rendered, `promfleet-${c.name}`).obj;
      expect(spec.source.path).toBe(`dist/${c.name}`);
      expect(spec.source.directory).toEqual({ recurse: true, include: '*.yaml', exclude: 'secrets/*' });
      expect(spec.syncPolicy.syncOptions).toEqual(['ServerSideApply=true']);
      expect(spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(spec.destination.namespace).toBe(c.stack.namespace);
    }
    expect(fs.readFileSync(path.join(rendered.outDir, '.gitignore'), 'utf8')).toMatch(/^\*\/secrets\/$/m);
  });

  it('installs the pinned operator CRDs from upstream, server-side, on an earlier wave, never pruned', () => {
    for (const c of fleet.clusters.filter(isWorkload)) {
      const crds = app(rendered, `promfleet-${c.name}-crds`);
      const stack = app(rendered, `promfleet-${c.name}`);
      expect(crds.obj.spec.source).toEqual({
        repoURL: 'https://github.com/prometheus-operator/prometheus-operator.git',
        path: 'example/prometheus-operator-crd',
        targetRevision: c.stack.versions.prometheusOperator,
      });
      expect(crds.obj.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
      expect(crds.obj.spec.syncPolicy.automated.prune).toBe(false);
      expect(wave(crds)).toBeLessThan(wave(stack));
      // The namespace only matches the AppProject's destinations: CRDs are cluster-scoped.
      expect(crds.obj.spec.destination).toEqual(stack.obj.spec.destination);
    }
    expect(app(rendered, 'promfleet-workload-eu-crds').obj.spec.source.targetRevision).toBe('v0.93.0');
  });

  it('installs the CRDs on an observer that monitors itself, and none on one that does not (no monitoring.coreos.com object)', () => {
    expect(applications(rendered).map((o) => o.obj.metadata.name)).toContain('promfleet-observer-crds');
    const off = fleetFrom(fleetText((f) => Object.assign(f.clusters[0], { selfMonitoring: false })));
    const offRendered = render(off);
    expect(offRendered.objects.filter((o) => o.cluster === 'observer' && o.obj.apiVersion.startsWith('monitoring.coreos.com/'))).toEqual([]);
    expect(applications(offRendered).map((o) => o.obj.metadata.name)).not.toContain('promfleet-observer-crds');
    expect(kubectlCommands(off.clusters[0], 'dist/observer')).toEqual([
      'kubectl --context observer apply --server-side -f dist/observer/00-namespace.yaml',
      'kubectl --context observer apply --server-side -f dist/observer/secrets/',
      'KUBECTL_APPLYSET=true kubectl --context observer apply --server-side --prune --applyset=configmaps/promfleet -n monitoring -f dist/observer/',
    ]);
  });

  it('deploys to the destination of clusters[].argocd, else to the cluster registered under the cluster name', () => {
    expect(app(rendered, 'promfleet-observer').obj.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'monitoring' });
    expect(app(rendered, 'promfleet-workload-eu').obj.spec.destination).toEqual({ name: 'workload-eu', namespace: 'monitoring' });
  });

  it('passes schema validation against the imported Argo CD CRDs', () => {
    const report = validateRendered(path.join(rendered.outDir, '_argocd'));
    expect(report.findings).toEqual([]);
    const monitorApps = fleet.clusters.flatMap(appMonitorNamespaces).length;
    expect(report.kinds).toEqual({
      'argoproj.io/v1alpha1/Application': 1 + fleet.clusters.length + fleet.clusters.filter(isWorkload).length + monitorApps,
      'argoproj.io/v1alpha1/AppProject': 1,
    });
  });

  it('the schema check reports a field the Application CRD does not define', () => {
    const file = path.join(rendered.outDir, '_argocd', 'apps', 'workload-eu.yaml');
    type AppDoc = { spec: { source: Record<string, unknown>; syncPolicy: { automated: Record<string, unknown> } } };
    const [crds, stack] = parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as AppDoc);
    crds.spec.source.repoUrl = crds.spec.source.repoURL;
    stack.spec.syncPolicy.automated.pruneLast = true;
    const tampered = path.join(tmpDir(), 'tampered.yaml');
    fs.writeFileSync(tampered, [crds, stack].map((d) => stringify(d)).join('---\n'));
    expect(validateRendered(tampered).findings.map((e) => `${e.name} ${e.field}: ${e.problem}`)).toEqual([
      `promfleet-workload-eu-crds spec.source.repoUrl: ${UNKNOWN_FIELD}`,
      `promfleet-workload-eu spec.syncPolicy.automated.pruneLast: ${UNKNOWN_FIELD}`,
    ]);
  });

  it("builds Applications from the CRD's types: a field the CRD lacks does not compile, nor render", () => {
    const made = application(new Chart(new App(), 'typed'), 'app', {
      name: 'typed',
      namespace: 'argocd',
      spec: {
        project: 'default',
        destination: { name: 'c' },
        source: { repoUrl: 'https://git.example/x.git', path: 'dist/c' },
        // @ts-expect-error pruning last is a sync option (PruneLast=true), not a field of `automated`
        syncPolicy: { automated: { prune: true, selfHeal: true, pruneLast: true } },
      },
    });
    const { spec } = made.toJson() as { spec: { source: unknown; syncPolicy: { automated: unknown } } };
    expect(spec.source).toEqual({ repoURL: 'https://git.example/x.git', path: 'dist/c' });
    expect(spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
  });

  it('snapshot of _argocd', () => {
    expect(Object.fromEntries([...rendered.files.entries()].filter(([f]) => f.startsWith('_argocd/')))).toMatchSnapshot();
  });
});

describe('sync waves inside a cluster', () => {
  const rendered = render(fleetFrom(defaultFleetText()));
  const clusterObjects = rendered.objects.filter((o) => !o.file.startsWith('_argocd/'));

  it('puts a wave on every object', () => {
    for (const o of clusterObjects) expect([o.file, o.obj.kind, Number.isInteger(wave(o))]).toEqual([o.file, o.obj.kind, true]);
  });

  it('syncs every custom resource after the Namespace, RBAC, Secrets and the operator, skipping the dry run before its CRD exists', () => {
    const customResources = clusterObjects.filter((o) => o.obj.apiVersion.startsWith('monitoring.coreos.com/'));
    expect(customResources.length).toBeGreaterThan(10);
    const operators = clusterObjects.filter((o) => o.obj.kind === 'Deployment' && o.obj.metadata.labels['app.kubernetes.io/name'] === 'prometheus-operator');
    // The observer runs one too: it monitors itself.
    expect(operators.map((o) => o.cluster).sort()).toEqual(['observer', 'workload-eu', 'workload-us']);
    const before = [
      'Namespace',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'RoleBinding',
      'Secret',
      'Deployment',
      'DaemonSet',
      'StatefulSet',
    ];
    for (const cr of customResources) {
      expect(cr.obj.metadata.annotations[SYNC_OPTIONS_ANNOTATION]).toBe('SkipDryRunOnMissingResource=true');
      for (const dep of clusterObjects.filter((o) => o.cluster === cr.cluster && before.includes(o.obj.kind))) {
        expect([cr.obj.kind, cr.obj.metadata.name, dep.obj.kind, dep.obj.metadata.name, wave(cr) > wave(dep)]).toEqual([
          cr.obj.kind,
          cr.obj.metadata.name,
          dep.obj.kind,
          dep.obj.metadata.name,
          true,
        ]);
      }
    }
  });

  it('applies the Namespace first and the operator after its ServiceAccount and RBAC', () => {
    for (const op of clusterObjects.filter((o) => o.obj.metadata.name === 'prometheus-operator' && o.obj.kind === 'Deployment')) {
      const mine = clusterObjects.filter((o) => o.cluster === op.cluster);
      const ns = mine.filter((o) => o.obj.kind === 'Namespace');
      expect(Math.max(...ns.map(wave))).toBeLessThan(Math.min(...mine.filter((o) => o.obj.kind !== 'Namespace').map(wave)));
      for (const rbac of mine.filter((o) => ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding'].includes(o.obj.kind))) {
        expect(wave(rbac)).toBeLessThan(wave(op));
      }
    }
  });

  it('leaves dist/<cluster>/ the same with or without gitops: only dist/_argocd/ is added', () => {
    const without = render(
      fleetFrom(
        fleetText((f) => {
          delete (f as FleetInput).gitops;
          for (const c of f.clusters) delete c.argocd;
        }),
      ),
    );
    expect(fs.existsSync(path.join(without.outDir, '_argocd'))).toBe(false);
    const strip = (r: Rendered) => [...r.files.entries()].filter(([f]) => !f.startsWith('_argocd/') && !f.includes('/secrets/') && f !== '.promfleet');
    expect(strip(without)).toEqual(strip(rendered));
    expect(without.result.argocd).toBeUndefined();
  });
});

describe('gitops settings', () => {
  it('follows automated: null (manual sync), prune: false, pathPrefix, project and name', () => {
    const manual = render(fleetFrom(fleetText((f) => Object.assign(f.gitops, { automated: null, pathPrefix: '', project: 'monitoring', name: 'mon' }))));
    const stack = app(manual, 'mon-workload-us').obj.spec;
    expect(stack.syncPolicy.automated).toBeUndefined();
    expect(stack.source.path).toBe('workload-us');
    expect(stack.project).toBe('monitoring');
    expect(app(manual, 'mon').obj.spec.source.path).toBe('_argocd/apps');

    const noPrune = render(fleetFrom(fleetText((f) => (f.gitops.automated = { prune: false }))));
    expect(app(noPrune, 'promfleet-workload-us').obj.spec.syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
  });

  it('renders no CRD Application (and no CRD command) for a cluster that brings its own operator', () => {
    const dir = tmpDir();
    const fleet = fleetFrom(
      fleetText((f) => (f.clusters[2].overrides = { operator: { enabled: false } })),
      dir,
    );
    const r = render(fleet);
    expect(applications(r).map((o) => o.obj.metadata.name)).not.toContain('promfleet-workload-us-crds');
    expect(applications(r).map((o) => o.obj.metadata.name)).toContain('promfleet-workload-us');
    expect(kubectlCommands(fleet.clusters[2], 'dist/workload-us').join('\n')).not.toContain('crds');
    expect(kubectlCommands(fleet.clusters[2], 'dist/workload-us')).toHaveLength(3);
    expect(kubectlCommands(fleet.clusters[1], 'dist/workload-eu')).toHaveLength(5);
  });

  it.each<[string, (f: EditableFleet) => void, RegExp]>([
    ['a repoURL that is not a Git URL', (f) => (f.gitops.repoURL = 'github.com/acme/x'), /^gitops\.repoURL: must be the Git URL Argo CD pulls from/],
    ['a pathPrefix leaving the repository', (f) => (f.gitops.pathPrefix = '../dist'), /^gitops\.pathPrefix: must be relative to the repository root/],
    [
      'a destination with server and name',
      (f) => (f.clusters[1].argocd = { server: 'https://eu.example.com', name: 'eu' }),
      /^clusters\[1\]\.argocd\.name: set either server or name, not both/,
    ],
    [
      'a destination server that is not https',
      (f) => (f.clusters[1].argocd = { server: 'http://eu.example.com' }),
      /^clusters\[1\]\.argocd\.server: must be the https URL/,
    ],
    ['argocd without gitops', (f) => delete (f as FleetInput).gitops, /^clusters\[0\]\.argocd: has no effect without a top-level gitops section/],
    [
      'an Application name over 63 characters',
      (f) => (f.clusters[1].name = 'w'.repeat(50)),
      /^clusters\[1\]\.name: makes the Argo CD Application name "promfleet-w+-crds" longer than 63 characters/,
    ],
    [
      'two clusters with the same Application name',
      (f) => (f.clusters[2].name = 'workload-eu-crds'),
      /^clusters\[2\]\.name: makes the Argo CD Application name "promfleet-workload-eu-crds", already used by clusters\[1\]\.name/,
    ],
  ])('rejects %s, naming the field', (_what, edit, message) => {
    expect(fleetProblems(fleetText(edit))).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
  });
});

describe('the synth summary', () => {
  it('prints, per cluster, the kubectl commands in order, and how to start Argo CD', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), defaultFleetText());
    const { code, stderr: out } = await runMain({ FLEET: 'fleet.yaml' }, dir);
    expect(code).toBe(0);
    const crds = 'https://github.com/prometheus-operator/prometheus-operator/releases/download/v0.93.0/stripped-down-crds.yaml';
    const stack = (c: string) =>
      `${k(c)} apply --server-side -f dist/${c}/00-namespace.yaml && ${k(c)} apply --server-side -f dist/${c}/secrets/ && ` +
      `KUBECTL_APPLYSET=true ${k(c)} apply --server-side --prune --applyset=configmaps/promfleet -n monitoring -f dist/${c}/`;
    const k = (c: string) => `kubectl --context ${c}`;
    // The observer installs the CRDs too: it monitors itself with the operator's kinds.
    for (const c of ['observer', 'workload-eu', 'workload-us']) {
      expect(out).toContain(`\n  ${k(c)} apply --server-side -f ${crds} && ${k(c)} wait --for=condition=Established -f ${crds} && ${stack(c)}\n`);
    }
    // The app monitors: a line of their own per namespace, after their cluster's line; kube-system holds the
    // control plane's discovery Services of the kubeadm cluster.
    const monitors = (ns: string) =>
      `KUBECTL_APPLYSET=true ${k('workload-eu')} apply --server-side --prune --applyset=configmaps/promfleet-monitoring-monitors -n ${ns} -f dist/_app-monitors/workload-eu/${ns}.yaml`;
    expect(out).toContain(`/stripped-down-crds.yaml && ${stack('workload-eu')}\n  ${monitors('kafka')}\n  ${monitors('kube-system')}\n  ${monitors('web')}\n`);
    expect(out).toMatch(
      /promfleet: Argo CD: 12 objects \(Applications and the AppProject\) in dist\/_argocd\/; .*kubectl --context <argocd> apply -f dist\/_argocd\/root\.yaml/,
    );
    expect(fs.existsSync(path.join(dir, 'dist', '_argocd', 'root.yaml'))).toBe(true);
  });
});

describe('docs/operations.md', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
  const blocks = [...readme.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));

  it('gives the kubectl commands the synth prints', () => {
    const fleet = fleetFrom(defaultFleetText());
    const cluster = fleet.clusters.find((c) => c.name === 'workload-eu')!;
    const commands = kubectlCommands(cluster, 'dist/workload-eu').join('\n') + '\n';
    expect(blocks.filter((b) => b.lang === 'sh').map((b) => b.text)).toContain(commands);
  });

  it('shows an ApplicationSet that passes schema validation', () => {
    const [appSet] = blocks.filter((b) => b.lang === 'yaml' && b.text.includes('kind: ApplicationSet'));
    const file = path.join(tmpDir(), 'applicationset.yaml');
    fs.writeFileSync(file, appSet.text);
    // No CRD of it is imported: `promfleet validate` says so, and @kubernetes-models/argo-cd checks it.
    expect(validateRendered(file).findings.map((f) => f.problem)).toEqual([expect.stringMatching(/^no schema for argoproj.io\/v1alpha1\/ApplicationSet /)]);
    const check = (f: string) =>
      JSON.parse(
        execFileSync(process.execPath, [path.join(ROOT, 'scripts/ts.mjs'), 'test/support/applicationset-check.ts', f], { cwd: ROOT, encoding: 'utf8' }),
      ) as unknown[];
    expect(check(file)).toEqual([]);
    const tampered = path.join(tmpDir(), 'tampered.yaml');
    fs.writeFileSync(tampered, appSet.text.replace('spec:\n', 'spec:\n  goTemplat: true\n'));
    expect(check(tampered)).toEqual([{ field: 'spec.goTemplat', problem: UNKNOWN_FIELD }]);
  });
});
