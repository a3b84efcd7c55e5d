// promfleet diff: renders in memory and compares with dist/ (working tree or a git ref), object by object;
// writes neither dist/ nor the store; never shows a secret value; exit codes for scripts.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { preparePki } from '../lib/pki';
import { main as diffMain } from '../lib/cli/diff';
import { main as synthMain } from '../lib/cli/synth';
import { installPromfleet, runCli } from './support/cli';
import { ROOT, tmpDir } from './support/fleet';
import { fingerprintTree, fleetWithStore } from './support/pki';

describe('promfleet diff', () => {
  let work: string;
  let store: string;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd: work, encoding: 'utf8' });
  /** promfleet <args>, in this process; `promfleet diff` runs as a separate process once, below. */
  const promfleet = ([command, ...args]: string[]) =>
    runCli(command === 'synth' ? synthMain : diffMain, args, { cwd: work, env: { PROMFLEET_PKI_DIR: store } });
  /** The default fleet with `edit` applied, written to `file` in the work folder. */
  const fleetFile = (file: string, edit: (doc: ReturnType<typeof parseDocument>) => void) => {
    const doc = parseDocument(fs.readFileSync(path.join(ROOT, 'fleet.yaml'), 'utf8'));
    edit(doc);
    fs.writeFileSync(path.join(work, file), doc.toString());
    return file;
  };

  beforeAll(async () => {
    work = tmpDir('promfleet-diff-');
    store = path.join(work, 'store');
    await preparePki(fleetWithStore(store));
    fs.copyFileSync(path.join(ROOT, 'fleet.yaml'), path.join(work, 'fleet.yaml'));
    expect((await promfleet(['synth', '--quiet'])).status).toBe(0);
    git('init', '-q', '-b', 'main');
    installPromfleet(work);
    fs.writeFileSync(path.join(work, '.gitignore'), 'store/\nnode_modules/\n');
    git('add', '.');
    git('commit', '-q', '-m', 'rendered');
    // As in a clone of the team's repository.
    git('update-ref', 'refs/remotes/origin/main', 'main');
  });

  it('reports no change for the fleet dist/ was rendered from, and writes nothing', async () => {
    const before = { dist: fingerprintTree(path.join(work, 'dist')), store: fingerprintTree(store) };
    const r = await promfleet(['diff', '--exit-code']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'no changes\n', '']);
    expect({ dist: fingerprintTree(path.join(work, 'dist')), store: fingerprintTree(store) }).toEqual(before);
  });

  it('names each changed field per cluster; --exit-code exits 1; nothing is written', async () => {
    const changed = fleetFile('more.yaml', (doc) => {
      doc.setIn(['defaults', 'prometheus', 'replicas'], 3);
      doc.setIn(['defaults', 'prometheus', 'retention'], '30d');
    });
    const before = { dist: fingerprintTree(path.join(work, 'dist')), store: fingerprintTree(store) };
    const r = await promfleet(['diff', '--fleet', changed, '--exit-code']);
    expect(r.status).toBe(1);
    for (const cluster of ['workload-eu', 'workload-us']) {
      expect(r.stdout).toContain(`${cluster} Prometheus/k8s spec.replicas 2 -> 3`);
      expect(r.stdout).toContain(`${cluster} Prometheus/k8s spec.retention 15d -> 30d`);
    }
    // A third replica gets its own sidecar Service: an added object.
    expect(r.stdout).toContain('workload-eu Service/thanos-sidecar-2 added in 21-thanos-sidecar.yaml');
    expect({ dist: fingerprintTree(path.join(work, 'dist')), store: fingerprintTree(store) }).toEqual(before);
    // Without --exit-code a change is not a failure.
    expect((await promfleet(['diff', '--fleet', changed])).status).toBe(0);
  });

  it('--base compares with dist/ as a git ref holds it; a missing ref exits 2 naming it', async () => {
    // The working tree's dist/ is re-rendered from the changed fleet; the commit still holds the old one.
    const changed = fleetFile('retention.yaml', (doc) => doc.setIn(['defaults', 'prometheus', 'retention'], '9d'));
    expect((await promfleet(['synth', '--quiet', '--fleet', changed])).status).toBe(0);
    expect((await promfleet(['diff', '--fleet', changed, '--exit-code'])).stdout).toBe('no changes\n');
    const r = await promfleet(['diff', '--fleet', changed, '--base', 'main', '--exit-code']);
    expect([r.status, r.stdout]).toEqual([1, expect.stringContaining('workload-eu Prometheus/k8s spec.retention 15d -> 9d')]);
    // The README's command, as a user types it.
    const readme = spawnSync('sh', ['-c', 'npx promfleet diff --base origin/main'], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, CI: '', FLEET: changed, PROMFLEET_PKI_DIR: store },
    });
    expect([readme.status, readme.stdout]).toEqual([0, r.stdout]);
    const json = JSON.parse((await promfleet(['diff', '--fleet', changed, '--base', 'main', '--json'])).stdout) as {
      base: string;
      summary: { changed: number; clusters: string[] };
    };
    expect(json.base).toBe('main');
    // defaults.prometheus reaches the observer's own Prometheus too (it monitors itself).
    expect(json.summary.clusters).toEqual(['observer', 'workload-eu', 'workload-us']);
    const missing = await promfleet(['diff', '--base', 'no-such-branch']);
    expect([missing.status, missing.stderr]).toEqual([
      2,
      expect.stringMatching(/^promfleet diff: git ref "no-such-branch" is not a commit of .*fetch it first/),
    ]);
    expect((await promfleet(['synth', '--quiet'])).status).toBe(0);
  });

  it('shows a changed Secret by name and key only, never its value, in every format', async () => {
    // The Alertmanager configuration is a Secret in a committed file.
    const changed = fleetFile('am.yaml', (doc) => doc.setIn(['defaults', 'alertmanager', 'route', 'groupWait'], '47s'));
    const outputs: string[] = [];
    for (const format of ['', '--markdown', '--json']) outputs.push((await promfleet(['diff', '--fleet', changed, ...(format ? [format] : [])])).stdout);
    expect(outputs[0]).toMatch(/^workload-eu Secret\/alertmanager-\S+ stringData\.alertmanager\.yaml changed/m);
    for (const out of outputs) {
      expect(out).toContain('alertmanager.yaml');
      expect(out).not.toContain('47s');
      expect(out).not.toContain('group_wait');
    }
  });

  it('--markdown is a pull request comment: a heading, the counts, one section per set of clusters', async () => {
    const changed = fleetFile('md.yaml', (doc) => doc.setIn(['defaults', 'prometheus', 'retention'], '20d'));
    const md = (await promfleet(['diff', '--fleet', changed, '--markdown'])).stdout;
    expect(md).toMatch(/^### promfleet diff\n\n\*\*3 objects changed in 3 clusters\*\*\n/);
    expect(md).toContain('- `spec.retention`: `15d` → `20d`');
  });

  it('compares with an empty folder where the base ref has no dist/ yet, and shows no source excerpt of a broken file', async () => {
    // A commit from before the first render: an empty tree.
    const empty = git('commit-tree', git('hash-object', '-t', 'tree', '/dev/null').trim(), '-m', 'before the first render').trim();
    git('update-ref', 'refs/heads/before', empty);
    const first = await promfleet(['diff', '--base', 'before', '--exit-code']);
    expect(first.status).toBe(1);
    expect(first.stderr).toMatch(/^promfleet diff: git ref "before" \([0-9a-f]{12}\) has no folder dist: compared with an empty folder\n$/);
    expect(first.stdout).toMatch(/^workload-eu Prometheus\/k8s added in 20-prometheus\.yaml$/m);
    // A committed file that is no longer YAML: the error names the file and the place, never the text around it.
    const copy = path.join(work, 'broken');
    fs.cpSync(path.join(work, 'dist'), copy, { recursive: true });
    const file = path.join(copy, 'workload-eu', '30-alertmanager.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('stringData:', 'stringData:\n  password: "TOPSECRET-4711\n  other: [x'));
    const broken = await promfleet(['diff', '--out', 'broken']);
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/^promfleet diff: base workload-eu\/30-alertmanager\.yaml: not valid YAML: /);
    expect(broken.stderr).not.toContain('TOPSECRET');
  });
});
