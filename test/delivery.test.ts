// Delivery hygiene: application monitors apart from the stack (a missing namespace fails only them), kubectl
// ApplySets that prune, the fleet's AppProject and the CRD Application's repository.
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument, stringify } from 'yaml';
import { appMonitorCommands, kubectlCommands } from '../lib/delivery/summary';
import type { ClusterModel } from '../lib/fleet/model';
import type { FleetInput } from '../lib/fleet/schema';
import type { ManifestOf } from './support/manifests';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, Rendered, RenderedObject, tmpDir } from './support/fleet';

type EditableFleet = FleetInput & { gitops: NonNullable<FleetInput['gitops']> };

function fleetText(edit: (f: EditableFleet) => void): string {
  const fleet = parseDocument(defaultFleetText()).toJS() as EditableFleet;
  edit(fleet);
  return stringify(fleet);
}

/** The namespaces of a cluster's application monitors, read off the fleet model. */
const appMonitorNamespaces = (c: ClusterModel) =>
  [...new Set([...(c.workload?.serviceMonitors ?? []), ...(c.workload?.podMonitors ?? [])].map((m) => m.namespace))].sort();

const applications = (r: Rendered) => ofKind(r.objects, 'Application');
const app = (r: Rendered, name: string) => {
  const found = applications(r).find((o) => o.obj.metadata.name === name);
  if (!found) throw new Error(`no Application ${name}`);
  return found;
};
const inFolder = (r: Rendered, folder: string, recurse: boolean) =>
  r.objects.filter((o) => {
    const rel = path.relative(folder, path.join(r.outDir, o.file));
    return !rel.startsWith('..') && (recurse || !rel.includes(path.sep));
  });

/** The objects an Application syncs from dist/ (a source of the fleet's repository, with its directory filters). */
function synced(r: Rendered, a: RenderedObject<ManifestOf<'Application'>>, pathPrefix: string): RenderedObject[] {
  const { path: repoPath, directory } = a.obj.spec.source;
  const folder = path.join(r.outDir, path.relative(pathPrefix, repoPath));
  const glob = (g: string | undefined, rel: string) => g !== undefined && new RegExp(`^${g.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(rel);
  return inFolder(r, folder, directory.recurse).filter((o) => {
    const rel = path.relative(folder, path.join(r.outDir, o.file)).split(path.sep).join('/');
    return (directory.include === undefined || glob(directory.include, path.basename(rel))) && !glob(directory.exclude, rel);
  });
}

describe('application monitors apart from the stack', () => {
  const fleet = fleetFrom(defaultFleetText());
  const r = render(fleet);
  const gitops = fleet.gitops!;
  const workloadEu = fleet.clusters.find((c) => c.name === 'workload-eu')!;

  it('keeps every object of an application namespace out of the stack Application', () => {
    expect(appMonitorNamespaces(workloadEu)).toEqual(['kafka', 'web']);
    for (const c of fleet.clusters) {
      const stack = synced(r, app(r, `promfleet-${c.name}`), gitops.pathPrefix);
      expect(stack.length).toBeGreaterThan(1);
      const foreign = stack.filter((o) => o.obj.metadata.namespace !== undefined && o.obj.metadata.namespace !== c.stack.namespace);
      expect(foreign.map((o) => `${o.file} ${o.obj.kind} ${o.obj.metadata.namespace}/${o.obj.metadata.name}`)).toEqual([]);
    }
  });

  it("gives each application namespace's monitors an Application of their own, deployed to that namespace, never creating it", () => {
    const appMonitors = ofKind(r.objects, 'ServiceMonitor', 'PodMonitor').filter((o) => o.obj.metadata.labels['app.kubernetes.io/component'] === 'app-monitor');
    expect(appMonitors.length).toBe(2);
    const covered: RenderedObject[] = [];
    for (const c of fleet.clusters) {
      const stackDestination = app(r, `promfleet-${c.name}`).obj.spec.destination;
      for (const ns of appMonitorNamespaces(c)) {
        const a = app(r, `promfleet-${c.name}-monitors-${ns}`);
        const { destination, syncPolicy, project } = a.obj.spec;
        expect(destination).toEqual({ ...stackDestination, namespace: ns });
        expect(project).toBe(gitops.project);
        expect(syncPolicy.syncOptions ?? []).not.toContain('CreateNamespace=true');
        const objs = synced(r, a, gitops.pathPrefix);
        expect(objs.map((o) => o.obj.metadata.namespace)).toEqual(objs.map(() => ns));
        expect(objs.length).toBeGreaterThan(0);
        covered.push(...objs);
      }
    }
    expect(covered.sort((a, b) => a.file.localeCompare(b.file))).toEqual(appMonitors.sort((a, b) => a.file.localeCompare(b.file)));
  });

  it('renders a cluster without application monitors with no Application and no command for them', () => {
    // On the generic platform: EKS's CoreDNS and kube-proxy need discovery Services in kube-system, applied the same way.
    const generic = fleetFrom(defaultFleetText().replace('    platform: eks\n', ''));
    const g = render(generic);
    const us = generic.clusters.find((c) => c.name === 'workload-us')!;
    expect(us.platform).toBe('generic');
    expect(applications(g).filter((o) => o.obj.metadata.name.startsWith('promfleet-workload-us-monitors'))).toEqual([]);
    expect(appMonitorCommands(us, 'dist/_app-monitors/workload-us')).toEqual([]);
    expect(fs.existsSync(path.join(g.outDir, '_app-monitors', 'workload-us'))).toBe(false);
  });

  it('rejects an application monitor namespace that makes an Application name too long, naming the cluster', () => {
    const long = 'n'.repeat(50);
    const text = fleetText((f) => (f.clusters[1].serviceMonitors![0].namespace = long));
    expect(fleetProblems(text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          new RegExp(
            `^clusters\\[1\\]\\.name: makes the Argo CD Application name "promfleet-workload-eu-monitors-${long}" longer .*\\(the name ends in the namespace of an application monitor\\)$`,
          ),
        ),
      ]),
    );
  });
});

describe('kubectl ApplySets', () => {
  const fleet = fleetFrom(defaultFleetText());
  const r = render(fleet);
  const dist = (rel: string) => path.join(r.outDir, rel);
  /** What one generated ApplySet command says: its context, parent, namespace and the files or folders it applies. */
  const parse = (command: string) => {
    const m = /^KUBECTL_APPLYSET=true kubectl --context (\S+) apply --server-side --prune --applyset=configmaps\/(\S+) -n (\S+)((?: -f \S+)+)$/.exec(command);
    if (!m) throw new Error(`not an ApplySet apply: ${command}`);
    return {
      context: m[1],
      parent: m[2],
      namespace: m[3],
      targets: m[4]
        .trim()
        .split(/\s*-f\s+/)
        .filter(Boolean),
    };
  };
  /** The rendered objects a kubectl -f takes: a file, or the files directly in a folder (no -R in these commands). */
  const applied = (targets: string[]) =>
    targets.flatMap((t) => {
      const abs = path.resolve(t);
      return r.objects.filter((o) => {
        const file = path.join(r.outDir, o.file);
        return t.endsWith('/') ? path.dirname(file) === abs : file === abs;
      });
    });
  const plainApplies = (lines: string[]) => lines.filter((l) => !l.includes('--prune') && !l.includes('crds.yaml')).map((l) => l.replace(/^.* -f /, ''));
  const commands = (c: ClusterModel) => ({
    stack: kubectlCommands(c, dist(c.name)),
    monitors: appMonitorCommands(c, dist(path.join('_app-monitors', c.name))),
  });

  it("applies each cluster folder's manifests as one pruning ApplySet whose parent is in the namespace of every namespaced object", () => {
    for (const c of fleet.clusters) {
      const { stack } = commands(c);
      const set = parse(stack[stack.length - 1]);
      expect([set.context, set.parent, set.namespace]).toEqual([c.name, 'promfleet', c.stack.namespace]);
      const objs = applied(set.targets);
      expect(objs.length).toBeGreaterThan(2);
      // kubectl rejects an object of another namespace than -n.
      expect(objs.filter((o) => o.obj.metadata.namespace !== undefined && o.obj.metadata.namespace !== set.namespace)).toEqual([]);
      // The parent's namespace is applied first, from the folder itself.
      expect(stack[stack.length - 3]).toBe(`kubectl --context ${c.name} apply --server-side -f ${dist(c.name)}/00-namespace.yaml`);
      expect(r.objects.filter((o) => o.file === `${c.name}/00-namespace.yaml`).map((o) => [o.obj.kind, o.obj.metadata.name])).toEqual([
        ['Namespace', c.stack.namespace],
      ]);
      // Every object of the folder is applied, and only the git-ignored Secrets (a checkout without them must not
      // delete the cluster's keys) and the CRDs (never pruned) stay out of the set.
      const outside = applied(plainApplies(stack));
      expect(outside.every((o) => o.file.startsWith(`${c.name}/secrets/`) || o.obj.kind === 'Namespace')).toBe(true);
      expect(outside.some((o) => o.obj.kind === 'Secret')).toBe(true);
      const all = r.objects.filter((o) => o.file.startsWith(`${c.name}/`));
      expect(all.filter((o) => !objs.includes(o) && !outside.includes(o))).toEqual([]);
      for (const line of stack.filter((l) => l.includes('crds.yaml'))) expect(line).not.toContain('--prune');
    }
  });

  it('leaves the secrets/ command out when a synth in CI rendered no secrets/', () => {
    const lines = kubectlCommands(fleet.clusters[1], 'dist/workload-eu', { secrets: false });
    expect(lines.join('\n')).not.toContain('/secrets/');
    expect(parse(lines[lines.length - 1]).targets).toEqual(['dist/workload-eu/']);
  });

  it('puts the committed SealedSecrets into the set in sealed secrets mode, and applies no secrets/ folder', () => {
    const sealed = { ...fleet.clusters[1], sealedSecrets: { certificate: 'c.pem', scope: 'strict' as const } };
    const lines = kubectlCommands(sealed, 'dist/workload-eu');
    expect(lines.join('\n')).not.toContain('/secrets/');
    expect(parse(lines[lines.length - 1]).targets).toEqual(['dist/workload-eu/', 'dist/workload-eu/sealed-secrets/']);
  });

  it('applies the monitors of each application namespace as an ApplySet of its own in that namespace', () => {
    const eu = fleet.clusters.find((c) => c.name === 'workload-eu')!;
    const { monitors, stack } = commands(eu);
    expect(monitors.map((m) => parse(m).namespace)).toEqual(['kafka', 'kube-system', 'web']);
    const stackObjects = applied(parse(stack[stack.length - 1]).targets);
    for (const m of monitors) {
      const set = parse(m);
      expect(set.parent).toBe('promfleet-monitoring-monitors');
      const objs = applied(set.targets);
      expect(objs.length).toBeGreaterThan(0);
      expect(objs.map((o) => o.obj.metadata.namespace)).toEqual(objs.map(() => set.namespace));
      // Nothing of the stack's set is in a monitors' set.
      expect(stackObjects.filter((o) => objs.includes(o))).toEqual([]);
    }
  });
});

describe('the AppProject', () => {
  const fleet = fleetFrom(defaultFleetText());
  const r = render(fleet);
  const project = () => {
    const found = ofKind(r.objects, 'AppProject');
    expect(found.map((o) => [o.file, o.obj.metadata.name, o.obj.metadata.namespace])).toEqual([['_argocd/apps/_project.yaml', 'promfleet', 'argocd']]);
    return found[0].obj.spec;
  };
  const clusterApps = () => applications(r).filter((o) => o.file !== '_argocd/root.yaml');
  const key = (d: { server?: string; name?: string; namespace?: string }) => `${d.server ?? ''}|${d.name ?? ''}|${d.namespace ?? ''}`;

  it("puts every cluster Application in the fleet's project, and the app-of-apps in the admins' one", () => {
    // The CRDs of the three clusters (the observer monitors itself), three stacks, workload-eu's kafka and web monitors,
    // kube-system on both workload clusters.
    expect(clusterApps().length).toBe(10);
    for (const a of clusterApps()) expect([a.obj.metadata.name, a.obj.spec.project]).toEqual([a.obj.metadata.name, 'promfleet']);
    expect(app(r, 'promfleet').obj.spec.project).toBe('default');
  });

  it('allows exactly the destinations and repositories of its Applications', () => {
    const spec = project();
    expect(spec.destinations.map(key).sort()).toEqual([...new Set(clusterApps().map((a) => key(a.obj.spec.destination)))].sort());
    expect([...spec.sourceRepos].sort()).toEqual([...new Set(clusterApps().map((a) => a.obj.spec.source.repoURL))].sort());
  });

  it('allows exactly the kinds rendered into the cluster folders, cluster-scoped and namespaced apart, and the CRDs', () => {
    const spec = project();
    const gk = (o: RenderedObject) => {
      const slash = o.obj.apiVersion.indexOf('/');
      return `${slash < 0 ? '' : o.obj.apiVersion.slice(0, slash)}/${o.obj.kind}`;
    };
    const deployed = r.objects.filter((o) => !o.file.startsWith('_argocd/'));
    const namespaced = [...new Set(deployed.filter((o) => o.obj.metadata.namespace).map(gk))].sort();
    const clusterScoped = [...new Set(deployed.filter((o) => !o.obj.metadata.namespace).map(gk))].sort();
    expect(clusterScoped).toEqual(expect.arrayContaining(['/Namespace', 'rbac.authorization.k8s.io/ClusterRole']));
    expect(namespaced).toEqual(expect.arrayContaining(['monitoring.coreos.com/PodMonitor', 'apps/Deployment']));
    const listed = (l: { group: string; kind: string }[]) => l.map((k) => `${k.group}/${k.kind}`).sort();
    expect(listed(spec.namespaceResourceWhitelist)).toEqual(namespaced);
    expect(listed(spec.clusterResourceWhitelist)).toEqual([...clusterScoped, 'apiextensions.k8s.io/CustomResourceDefinition'].sort());
  });

  it('uses a project you manage with renderProject: false, and refuses to render over "default"', () => {
    const own = render(fleetFrom(fleetText((f) => Object.assign(f.gitops, { renderProject: false, project: 'default' }))));
    expect(ofKind(own.objects, 'AppProject')).toEqual([]);
    expect(applications(own).map((a) => a.obj.spec.project)).toEqual(applications(own).map(() => 'default'));
    expect(fleetProblems(fleetText((f) => (f.gitops.project = 'default')))).toEqual([
      expect.stringMatching(/^gitops\.project: would make promfleet render Argo CD's own "default" project .*gitops\.renderProject: false/),
    ]);
  });
});

describe("the CRD Application's repository", () => {
  it('takes the CRDs from gitops.crds, e.g. a mirror, and allows that repository in the AppProject', () => {
    const mirror = { repoURL: 'https://git.internal.example/mirror/prometheus-operator.git', path: 'crds', targetRevision: 'release-0.93' };
    const r = render(
      fleetFrom(
        fleetText((f) => (f.gitops.crds = mirror)),
        tmpDir(),
      ),
    );
    for (const name of ['promfleet-workload-eu-crds', 'promfleet-workload-us-crds']) expect(app(r, name).obj.spec.source).toEqual(mirror);
    expect(ofKind(r.objects, 'AppProject')[0].obj.spec.sourceRepos).toEqual(['https://git.example.com/platform/monitoring.git', mirror.repoURL]);
    // Only the repository: the revision stays the cluster's operator release.
    const onlyRepo = render(fleetFrom(fleetText((f) => (f.gitops.crds = { repoURL: mirror.repoURL }))));
    expect(app(onlyRepo, 'promfleet-workload-eu-crds').obj.spec.source).toEqual({
      repoURL: mirror.repoURL,
      path: 'example/prometheus-operator-crd',
      targetRevision: 'v0.93.0',
    });
  });

  it('rejects a CRD repository that is not a Git URL, naming the field', () => {
    expect(fleetProblems(fleetText((f) => (f.gitops.crds = { repoURL: 'mirror/prometheus-operator' })))).toEqual([
      expect.stringMatching(/^gitops\.crds\.repoURL: must be the Git URL of the repository/),
    ]);
  });
});
