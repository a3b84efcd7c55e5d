// The review library behind `promfleet diff`: real rendered trees (copies of the committed dist/, edited the way a
// fleet change would edit them) compared object by object, printed as text, Markdown and JSON, and read from Git.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { diffTrees, formatDiffMarkdown, formatDiffText, isSecretsFile, readTreeFromDir, readTreeFromGit, type ObjectDiff, type TreeDiff } from '../lib/diff';

const dirs: string[] = [];

function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promfleet-diff-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The committed dist/: the repository's, without the git-ignored secrets/ a local synth adds. */
const DIST = path.join(tmp(), 'committed-dist');
fs.cpSync(path.resolve(__dirname, '..', 'dist'), DIST, { recursive: true, filter: (src) => path.basename(src) !== 'secrets' });

/** A copy of the committed dist/, marker and .gitignore included. */
function copyOfDist(): string {
  const dir = path.join(tmp(), 'dist');
  fs.cpSync(DIST, dir, { recursive: true });
  return dir;
}

type Doc = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };

/** Rewrites the documents of one file; `edit` returns the new list of documents. */
function editFile(dir: string, file: string, edit: (docs: Doc[]) => Doc[]): void {
  const abs = path.join(dir, file);
  const docs = fs.existsSync(abs) ? YAML.parseAllDocuments(fs.readFileSync(abs, 'utf8')).map((d) => d.toJS() as Doc) : [];
  const next = edit(docs);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, next.map((d) => YAML.stringify(d)).join('---\n'));
}

/** Edits the one object of `kind`/`name` in `file`. */
function editObject(dir: string, file: string, kind: string, name: string, edit: (o: Doc) => void): void {
  editFile(dir, file, (docs) => {
    const found = docs.filter((d) => d.kind === kind && d.metadata.name === name);
    expect(found).toHaveLength(1);
    edit(found[0]);
    return docs;
  });
}

function objectOf(d: TreeDiff, group: string, kind: string, name: string): ObjectDiff {
  const o = d.groups.find((g) => g.group === group)?.objects.find((x) => x.kind === kind && x.name === name);
  if (!o) throw new Error(`no change of ${group} ${kind}/${name} in ${formatDiffText(d)}`);
  return o;
}

/** The three outputs of the command: text, Markdown and the JSON of the diff. */
function allOutputs(d: TreeDiff): string {
  return [formatDiffText(d), formatDiffMarkdown(d), JSON.stringify(d)].join('\n');
}

describe('reading rendered trees', () => {
  it('reads every manifest of a folder, and none of its bookkeeping files', () => {
    const tree = readTreeFromDir(DIST);
    const marker = fs.readFileSync(path.join(DIST, '.promfleet'), 'utf8');
    const listed = marker.split('\n').filter((l) => l.endsWith('.yaml'));
    expect([...tree.keys()].sort()).toEqual(listed.sort());
    expect(tree.get('workload-eu/20-prometheus.yaml')).toBe(fs.readFileSync(path.join(DIST, 'workload-eu/20-prometheus.yaml'), 'utf8'));
  });

  it('fails naming the folder when there is none', () => {
    expect(() => readTreeFromDir(path.join(tmp(), 'missing'))).toThrow(/missing: cannot read the rendered folder: ENOENT/);
  });
});

describe('diffTrees', () => {
  it('finds no change between a tree and its copy, whatever the order of files and documents', () => {
    const dir = copyOfDist();
    // Reversing the documents of a file and re-serializing it changes its text, not its objects.
    editFile(dir, 'workload-eu/20-prometheus.yaml', (docs) => docs.reverse());
    const base = readTreeFromDir(DIST);
    const head = new Map([...readTreeFromDir(dir)].reverse());
    expect(head.get('workload-eu/20-prometheus.yaml')).not.toBe(base.get('workload-eu/20-prometheus.yaml'));
    const d = diffTrees(base, head);
    expect(d.groups).toEqual([]);
    expect(d.summary).toMatchObject({ added: 0, removed: 0, changed: 0, moved: 0, clusters: [] });
    expect(formatDiffText(d)).toBe('no changes\n');
    expect(formatDiffMarkdown(d)).toContain('**no changes**');
  });

  it('reports a changed scalar field with its old and new value, per cluster', () => {
    const dir = copyOfDist();
    editObject(dir, 'workload-eu/20-prometheus.yaml', 'Prometheus', 'k8s', (o) => ((o.spec as { replicas: number }).replicas = 3));
    const d = diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir));
    expect(d.groups.map((g) => g.group)).toEqual(['workload-eu']);
    expect(objectOf(d, 'workload-eu', 'Prometheus', 'k8s')).toEqual({
      status: 'changed',
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'Prometheus',
      namespace: 'monitoring',
      name: 'k8s',
      file: 'workload-eu/20-prometheus.yaml',
      fields: [{ path: 'spec.replicas', status: 'changed', old: '2', new: '3' }],
    });
    expect(formatDiffText(d)).toBe('workload-eu Prometheus/k8s spec.replicas 2 -> 3\n1 object changed in 1 cluster\n');
    // The JSON form is plain data.
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
  });

  it('matches list entries by name: containers, and items of a list of flags', () => {
    const dir = copyOfDist();
    editObject(dir, 'workload-us/10-operator.yaml', 'Deployment', 'prometheus-operator', (o) => {
      const spec = (o.spec as { template: { spec: { containers: { name: string; image: string; args: string[] }[] } } }).template.spec;
      // Reversed, so that matching by position would pair the wrong containers.
      spec.containers.reverse();
      const operator = spec.containers.find((c) => c.name === 'prometheus-operator');
      if (!operator) throw new Error('no operator container');
      operator.image = 'quay.io/prometheus-operator/prometheus-operator:v0.94.0';
      operator.args = operator.args.map((a) => (a === '--kubelet-endpoints=false' ? '--kubelet-endpoints=true' : a));
    });
    const d = diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir));
    const fields = objectOf(d, 'workload-us', 'Deployment', 'prometheus-operator').fields ?? [];
    const base = 'spec.template.spec.containers[prometheus-operator]';
    expect(fields.find((f) => f.path === `${base}.image`)).toEqual({
      path: `${base}.image`,
      status: 'changed',
      old: 'quay.io/prometheus-operator/prometheus-operator:v0.93.0',
      new: 'quay.io/prometheus-operator/prometheus-operator:v0.94.0',
    });
    expect(fields.find((f) => f.path === `${base}.args`)?.lines).toEqual({
      unit: 'items',
      added: 1,
      removed: 1,
      hunks: ['---kubelet-endpoints=false', '+--kubelet-endpoints=true'],
    });
    // The reordering itself is reported once, by name, and nothing of the sidecar container changed.
    expect(fields.filter((f) => f.path === 'spec.template.spec.containers')).toEqual([
      {
        path: 'spec.template.spec.containers',
        status: 'changed',
        old: 'order prometheus-operator, kube-rbac-proxy',
        new: 'order kube-rbac-proxy, prometheus-operator',
      },
    ]);
    expect(fields.map((f) => f.path).filter((p) => p.includes('[kube-rbac-proxy]'))).toEqual([]);
    const text = formatDiffText(d);
    expect(text).toContain(
      `workload-us Deployment/prometheus-operator ${base}.image quay.io/prometheus-operator/prometheus-operator:v0.93.0 -> quay.io/prometheus-operator/prometheus-operator:v0.94.0\n`,
    );
    expect(text).toContain(`workload-us Deployment/prometheus-operator ${base}.args ---kubelet-endpoints=false +--kubelet-endpoints=true\n`);
  });

  it('reports added and removed objects by identity, and a change of file as a move', () => {
    const dir = copyOfDist();
    editFile(dir, 'workload-eu/20-prometheus.yaml', (docs) => [
      ...docs,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'extra', namespace: 'monitoring' }, data: { a: 'b' } },
    ]);
    let moved: Doc | undefined;
    editFile(dir, 'workload-eu/50-monitors.yaml', (docs) => {
      moved = docs.find((o) => o.kind === 'ServiceMonitor');
      return docs.filter((o) => o !== moved);
    });
    if (!moved) throw new Error('no ServiceMonitor in 50-monitors.yaml');
    const movedDoc = moved;
    editFile(dir, 'workload-eu/51-more-monitors.yaml', () => [movedDoc]);
    editFile(dir, 'workload-us/30-alertmanager.yaml', (docs) => docs.filter((o) => o.kind !== 'PodDisruptionBudget'));

    const d = diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir));
    expect(d.summary).toEqual({ added: 1, removed: 1, changed: 0, moved: 1, clusters: ['workload-eu', 'workload-us'], otherGroups: [] });
    expect(objectOf(d, 'workload-eu', 'ConfigMap', 'extra')).toMatchObject({ status: 'added', file: 'workload-eu/20-prometheus.yaml' });
    expect(objectOf(d, 'workload-eu', 'ServiceMonitor', movedDoc.metadata.name)).toEqual({
      status: 'moved',
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      namespace: 'monitoring',
      name: movedDoc.metadata.name,
      file: 'workload-eu/51-more-monitors.yaml',
      movedFrom: 'workload-eu/50-monitors.yaml',
    });
    expect(objectOf(d, 'workload-us', 'PodDisruptionBudget', 'alertmanager-main')).toMatchObject({
      status: 'removed',
      file: 'workload-us/30-alertmanager.yaml',
    });
    expect(formatDiffText(d).split('\n')).toEqual([
      'workload-eu ConfigMap/extra added in 20-prometheus.yaml',
      `workload-eu ServiceMonitor/${movedDoc.metadata.name} moved 50-monitors.yaml -> 51-more-monitors.yaml`,
      'workload-us PodDisruptionBudget/alertmanager-main removed from 30-alertmanager.yaml',
      '1 object added, 1 removed, 1 moved in 2 clusters',
      '',
    ]);
  });

  it('shows long and multi-line texts as changed lines', () => {
    const dir = copyOfDist();
    editObject(dir, 'observer/70-querier.yaml', 'ConfigMap', 'thanos-querier-endpoints', (o) => {
      const data = o.data as Record<string, string>;
      data['endpoints.yaml'] = data['endpoints.yaml'].replace('sidecar-0.workload-eu.example.com:10901', 'sidecar-0.workload-eu.example.net:10901');
    });
    editObject(dir, 'workload-eu/55-rules.yaml', 'PrometheusRule', 'promfleet-general', (o) => {
      const groups = (o.spec as { groups: { name: string; rules: { alert?: string; expr: string }[] }[] }).groups;
      const rule = groups.flatMap((g) => g.rules).find((r) => r.alert === 'TargetDown');
      if (!rule) throw new Error('no TargetDown alert');
      rule.expr = rule.expr.replace('> 10', '> 20');
    });
    const d = diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir));
    expect(objectOf(d, 'observer', 'ConfigMap', 'thanos-querier-endpoints').fields).toEqual([
      {
        path: 'data.endpoints.yaml',
        status: 'changed',
        lines: expect.objectContaining({ unit: 'lines', added: 1, removed: 1 }) as unknown,
      },
    ]);
    const [rule] = objectOf(d, 'workload-eu', 'PrometheusRule', 'promfleet-general').fields ?? [];
    expect(rule.path).toBe('spec.groups[general.rules].rules[TargetDown].expr');
    const text = formatDiffText(d);
    expect(text).toContain('observer ConfigMap/thanos-querier-endpoints data.endpoints.yaml changed (+1 -1 lines)\n');
    expect(text).toContain('workload-eu PrometheusRule/promfleet-general spec.groups[general.rules].rules[TargetDown].expr changed (+1 -1 lines)\n');
    const md = formatDiffMarkdown(d);
    expect(md).toContain('\n-  - address: sidecar-0.workload-eu.example.com:10901\n+  - address: sidecar-0.workload-eu.example.net:10901\n');
    expect(md).toMatch(
      /<details><summary><code>ConfigMap\/thanos-querier-endpoints<\/code> <code>data\.endpoints\.yaml<\/code> \(\+1 -1 lines\)<\/summary>\n\n```diff\n/,
    );
  });

  it('never shows a secret value, old or new, in text, Markdown or JSON', () => {
    const dir = copyOfDist();
    const before = copyOfDist();
    const oldKey = 'old-private-key-material-4f1c';
    const newKey = 'new-private-key-material-9a27';
    const oldHook = 'https://hooks.example.com/services/OLDTOKEN123';
    const newHook = 'https://hooks.example.com/services/NEWTOKEN456';
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const tlsSecret = (key: string): Doc => ({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: 'thanos-sidecar-tls', namespace: 'monitoring' },
      data: { 'tls.crt': b64('certificate'), 'tls.key': b64(key) },
    });
    const sealed = (value: string): Doc => ({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'thanos-querier-tls', namespace: 'monitoring' },
      spec: { encryptedData: { 'tls.key': b64(value) }, template: { metadata: { name: 'thanos-querier-tls' }, type: 'kubernetes.io/tls' } },
    });
    // A Secret in the committed tree (the Alertmanager configuration), a key Secret in secrets/, a SealedSecret,
    // and a ConfigMap that only its secrets/ folder protects.
    for (const [tree, key, hook] of [
      [before, oldKey, oldHook],
      [dir, newKey, newHook],
    ]) {
      editObject(tree, 'workload-eu/30-alertmanager.yaml', 'Secret', 'alertmanager-main', (o) => {
        const data = o.stringData as Record<string, string>;
        data['alertmanager.yaml'] += `# webhook: ${hook}\n`;
        data['slack-url'] = hook;
      });
      editFile(tree, 'workload-eu/secrets/thanos-sidecar-tls.yaml', () => [tlsSecret(key)]);
      editFile(tree, 'observer/sealed-secrets/thanos-querier-tls.yaml', () => [sealed(key)]);
      editFile(tree, 'workload-us/secrets/notes.yaml', () => [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'notes', namespace: 'monitoring' }, data: { token: key } },
      ]);
    }
    const d = diffTrees(readTreeFromDir(before), readTreeFromDir(dir));
    const out = allOutputs(d);
    for (const value of [oldKey, newKey, oldHook, newHook, 'OLDTOKEN123', 'NEWTOKEN456']) {
      expect(out).not.toContain(value);
      expect(out).not.toContain(b64(value));
    }
    expect(objectOf(d, 'workload-eu', 'Secret', 'alertmanager-main').fields).toEqual([
      { path: 'stringData.alertmanager.yaml', status: 'changed', secret: true },
      { path: 'stringData.slack-url', status: 'changed', secret: true },
    ]);
    expect(objectOf(d, 'workload-eu', 'Secret', 'thanos-sidecar-tls').fields).toEqual([{ path: 'data.tls.key', status: 'changed', secret: true }]);
    expect(objectOf(d, 'observer', 'SealedSecret', 'thanos-querier-tls').fields).toEqual([
      { path: 'spec.encryptedData.tls.key', status: 'changed', secret: true },
    ]);
    expect(objectOf(d, 'workload-us', 'ConfigMap', 'notes').fields).toEqual([{ path: 'data.token', status: 'changed', secret: true }]);
    const text = formatDiffText(d);
    expect(text).toContain('workload-eu Secret/thanos-sidecar-tls data.tls.key changed\n');
    expect(text).toContain('workload-eu Secret/alertmanager-main stringData.alertmanager.yaml changed\n');
    expect(formatDiffMarkdown(d)).toContain('- `data.tls.key`: changed (secret, value not shown)');

    // A Secret that appears or goes is named, with its keys, never its values.
    const added = diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir));
    expect(objectOf(added, 'workload-eu', 'Secret', 'thanos-sidecar-tls').status).toBe('added');
    const slack = objectOf(added, 'workload-eu', 'Secret', 'alertmanager-main').fields ?? [];
    expect(slack.map((f) => [f.path, f.status, f.secret])).toEqual([
      ['stringData.alertmanager.yaml', 'changed', true],
      ['stringData.slack-url', 'added', true],
    ]);
    expect(allOutputs(added)).not.toContain(newHook);
    // Files of secrets/ can be left out, as a comparison with a commit (where they never are) needs.
    const ignored = diffTrees(readTreeFromDir(before), readTreeFromDir(dir), { ignore: isSecretsFile });
    expect(ignored.groups.flatMap((g) => g.objects.map((o) => o.file)).filter(isSecretsFile)).toEqual([]);
    expect(ignored.summary.changed).toBe(2);
  });

  it('prints the example of docs/cli.md for the edits it describes', () => {
    const dir = copyOfDist();
    editObject(dir, 'observer/70-querier.yaml', 'ConfigMap', 'thanos-querier-endpoints', (o) => {
      const data = o.data as Record<string, string>;
      data['endpoints.yaml'] = data['endpoints.yaml'].replace('sidecar-0.workload-eu.example.com', 'sidecar-0.workload-eu.example.net');
    });
    editObject(dir, 'workload-eu/10-operator.yaml', 'Deployment', 'prometheus-operator', (o) => {
      const spec = (o.spec as { template: { spec: { containers: { name: string; args: string[] }[] } } }).template.spec;
      for (const c of spec.containers) c.args = c.args.map((a) => (a === '--kubelet-endpoints=false' ? '--kubelet-endpoints=true' : a));
    });
    editObject(dir, 'workload-eu/20-prometheus.yaml', 'Prometheus', 'k8s', (o) => ((o.spec as { replicas: number }).replicas = 3));
    editObject(dir, 'workload-eu/30-alertmanager.yaml', 'Secret', 'alertmanager-main', (o) => {
      (o.stringData as Record<string, string>)['alertmanager.yaml'] += '# changed\n';
    });
    editFile(dir, 'workload-eu/50-monitors.yaml', (docs) => docs.filter((o) => o.metadata.name !== 'prometheus-k8s'));
    editFile(dir, 'workload-eu/51-more-monitors.yaml', () =>
      YAML.parseAllDocuments(fs.readFileSync(path.join(DIST, 'workload-eu/50-monitors.yaml'), 'utf8'))
        .map((d) => d.toJS() as Doc)
        .filter((o) => o.metadata.name === 'prometheus-k8s'),
    );
    editFile(dir, 'workload-us/30-alertmanager.yaml', (docs) => docs.filter((o) => o.kind !== 'PodDisruptionBudget'));
    const docs = fs.readFileSync(path.resolve(__dirname, '..', 'docs', 'cli.md'), 'utf8');
    const example = /\*\*Text output\.\*\*[^]*?```text\n([^]*?)```/.exec(docs)?.[1];
    expect(formatDiffText(diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir)))).toBe(example);
  });

  it('sees keys that share a name with what every JavaScript object inherits', () => {
    const dir = copyOfDist();
    editObject(dir, 'workload-eu/20-prometheus.yaml', 'Prometheus', 'k8s', (o) => {
      (o.metadata as unknown as { labels: Record<string, string> }).labels['constructor'] = 'x';
    });
    expect(formatDiffText(diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir)))).toBe(
      'workload-eu Prometheus/k8s metadata.labels.constructor added: x\n1 object changed in 1 cluster\n',
    );
  });

  it('fails naming the side and the file of a document that is not YAML', () => {
    const dir = copyOfDist();
    fs.writeFileSync(path.join(dir, 'workload-eu/20-prometheus.yaml'), 'kind: [unclosed\n');
    expect(() => diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir))).toThrow(/^head workload-eu\/20-prometheus\.yaml: not valid YAML/);
  });
});

describe('formatDiffMarkdown', () => {
  /** The same change in both workload clusters, and one only in workload-eu. */
  function fleetWideChange(): TreeDiff {
    const dir = copyOfDist();
    for (const cluster of ['workload-eu', 'workload-us']) {
      editObject(dir, `${cluster}/30-alertmanager.yaml`, 'Alertmanager', 'main', (o) => ((o.spec as { logLevel?: string }).logLevel = 'debug'));
    }
    editObject(dir, 'workload-eu/20-prometheus.yaml', 'Prometheus', 'k8s', (o) => ((o.spec as { replicas: number }).replicas = 3));
    return diffTrees(readTreeFromDir(DIST), readTreeFromDir(dir));
  }

  /** Fences and details blocks open and close in pairs, and no heading or list item sits inside a fence. */
  function expectWellFormed(md: string): void {
    const lines = md.split('\n');
    let fence: string | undefined;
    let details = 0;
    for (const line of lines) {
      const f = /^(`{3,})/.exec(line)?.[1];
      if (fence) {
        if (line === fence) fence = undefined;
        continue;
      }
      if (f) fence = f;
      else if (line.startsWith('<details>')) details++;
      else if (line === '</details>') details--;
      expect(details === 0 || details === 1).toBe(true);
    }
    expect(fence).toBeUndefined();
    expect(details).toBe(0);
    expect(md.endsWith('\n') && !md.endsWith('\n\n')).toBe(true);
  }

  it('groups the changes clusters share, fleet-wide first, and is well-formed', () => {
    const d = fleetWideChange();
    const md = formatDiffMarkdown(d);
    expectWellFormed(md);
    expect(md.split('\n').filter((l) => l.startsWith('#'))).toEqual([
      '### promfleet diff',
      '#### 2 clusters: `workload-eu`, `workload-us`',
      '#### `workload-eu`',
    ]);
    // Counted per cluster: the shared change is two objects.
    expect(md).toContain('**3 objects changed in 2 clusters**');
    // The shared change is printed once, the cluster's own under its name.
    expect(md.match(/spec\.logLevel/g)).toHaveLength(1);
    expect(md).toContain(
      '#### 2 clusters: `workload-eu`, `workload-us`\n\n- **changed** `Alertmanager/main` (namespace `monitoring`, `30-alertmanager.yaml`)\n  - `spec.logLevel`: added `debug`\n',
    );
    expect(md).toContain(
      '#### `workload-eu`\n\n- **changed** `Prometheus/k8s` (namespace `monitoring`, `20-prometheus.yaml`)\n  - `spec.replicas`: `2` → `3`\n',
    );
  });

  it('stays under its size limit and counts what it leaves out', () => {
    const d = fleetWideChange();
    const full = formatDiffMarkdown(d);
    const short = formatDiffMarkdown(d, { maxChars: full.length - 10 });
    expectWellFormed(short);
    expect(short.length).toBeLessThanOrEqual(full.length - 10);
    expect(short).toContain('spec.logLevel');
    expect(short).not.toContain('spec.replicas');
    expect(short).toMatch(/\n_\.\.\. and 1 more object change not shown: `promfleet diff` lists them all\._\n$/);
  });
});

describe('readTreeFromGit', () => {
  function git(cwd: string, ...args: string[]): string {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  it('reads the folder of a commit, and names a missing ref or folder', () => {
    const repo = tmp();
    git(repo, 'init', '-q', '-b', 'main');
    const dist = path.join(repo, 'dist');
    fs.cpSync(DIST, dist, { recursive: true });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'first');
    const first = readTreeFromDir(dist);
    editObject(dist, 'workload-eu/20-prometheus.yaml', 'Prometheus', 'k8s', (o) => ((o.spec as { replicas: number }).replicas = 3));
    fs.rmSync(path.join(dist, 'workload-us/05-priority-quota.yaml'));
    git(repo, 'commit', '-q', '-am', 'second');
    // The working tree moves on; the commits do not.
    editObject(dist, 'workload-eu/20-prometheus.yaml', 'Prometheus', 'k8s', (o) => ((o.spec as { replicas: number }).replicas = 4));

    expect(readTreeFromGit('HEAD~1', 'dist', repo)).toEqual(first);
    const second = readTreeFromGit('main', dist, path.join(repo, 'dist', 'workload-eu'));
    expect(second.has('workload-us/05-priority-quota.yaml')).toBe(false);
    expect(second.has('.promfleet')).toBe(false);

    const d = diffTrees(readTreeFromGit('HEAD~1', 'dist', repo), readTreeFromGit('HEAD', 'dist', repo));
    expect(formatDiffText(d)).toBe(
      [
        'workload-eu Prometheus/k8s spec.replicas 2 -> 3',
        'workload-us ResourceQuota/promfleet-critical-pods removed from 05-priority-quota.yaml',
        '1 object removed, 1 changed in 2 clusters',
        '',
      ].join('\n'),
    );
    expect(formatDiffText(diffTrees(readTreeFromGit('HEAD', 'dist', repo), readTreeFromDir(dist)))).toContain('spec.replicas 3 -> 4');

    expect(() => readTreeFromGit('no-such-branch', 'dist', repo)).toThrow(/^git ref "no-such-branch" is not a commit of .*; fetch it first/);
    expect(() => readTreeFromGit('HEAD~1', 'out', repo)).toThrow(/^git ref "HEAD~1" \([0-9a-f]{12}\) has no folder out;/);
    expect(() => readTreeFromGit('--output=x', 'dist', repo)).toThrow(/not a ref/);
    expect(() => readTreeFromGit('HEAD', 'dist', tmp())).toThrow(/is not inside a Git repository/);
  });
});
