// The two folders promfleet writes, dist/ and the PKI store, survive misuse: every refused synth
// leaves the project (repository, fleet file, CA key) byte-identical, and a store is never left
// where git would stage its keys. Everything runs on real folders in a temporary git repository.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { defaultFleetText, readTree, runMain, tmpDir } from './support/fleet';
import { fingerprintTree } from './support/pki';

interface Project {
  dir: string;
  fleet: string;
  store: string;
  dist: string;
}

const at = (dir: string): Project => ({ dir, fleet: path.join(dir, 'fleet.yaml'), store: path.join(dir, '.pki'), dist: path.join(dir, 'dist') });

let template: Project | undefined;

/**
 * A GitOps repository as users have it: fleet.yaml, .pki/ and dist/ at the top, one synth done.
 * Each test gets a copy of one such repository (making keys is the slow part of a synth).
 */
async function project(): Promise<Project> {
  if (!template) {
    template = at(tmpDir('promfleet-repo-'));
    execFileSync('git', ['init', '-q'], { cwd: template.dir });
    fs.writeFileSync(template.fleet, defaultFleetText());
    expect((await synth(template)).code).toBe(0);
  }
  const p = at(tmpDir('promfleet-repo-'));
  fs.cpSync(template.dir, p.dir, { recursive: true, preserveTimestamps: true });
  return p;
}

function synth(p: Project, env: Record<string, string> = {}, cwd = p.dir) {
  return runMain({ FLEET: p.fleet, PROMFLEET_PKI_DIR: p.store, ...env }, cwd);
}

/** Every file of the project, with its content hash (dist/, fleet file, store, .git). */
function snapshot(p: Project): Record<string, string> {
  return fingerprintTree(p.dir);
}

describe("the output folder is promfleet's alone", () => {
  let p: Project;
  beforeAll(async () => {
    p = await project();
  });

  it('writes a deterministic marker listing what it rendered, and no secret among them', async () => {
    const marker = fs.readFileSync(path.join(p.dist, '.promfleet'), 'utf8');
    const listed = marker.split('\n').filter((l) => l && !l.startsWith('#'));
    const onDisk = [...readTree(p.dist).files.keys()].filter((f) => f !== '.promfleet' && !f.includes('/secrets/'));
    expect(listed.sort()).toEqual(onDisk.sort());
    expect((await synth(p)).code).toBe(0);
    expect(fs.readFileSync(path.join(p.dist, '.promfleet'), 'utf8')).toBe(marker);
  });

  it.each([
    ['empty', '', /PROMFLEET_OUT: is empty/],
    ['the current folder', '.', /cannot be the output folder: it is the current folder/],
    ['the repository root (absolute)', '<dir>', /cannot be the output folder: it is the current folder/],
    ['a folder above the repository', '..', /cannot be the output folder: it holds the current folder/],
    ['the root of the file system', '/', /cannot be the output folder: it is the root of the file system/],
  ])('refuses %s, changing nothing', async (_what, out, message) => {
    const before = snapshot(p);
    const r = await synth(p, { PROMFLEET_OUT: out.replace('<dir>', p.dir) });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Nothing was written');
    expect(snapshot(p)).toEqual(before);
  });

  it("refuses the repository root and the fleet file's folder when run from elsewhere", async () => {
    const before = snapshot(p);
    const elsewhere = tmpDir();
    const repo = await synth(p, { PROMFLEET_OUT: p.dir }, elsewhere);
    expect(repo.code).toBe(1);
    expect(repo.stderr).toMatch(/it is the root of the git repository/);
    // A fleet file kept in a sub-folder of the repository.
    const sub = path.join(p.dir, 'config');
    fs.mkdirSync(sub);
    fs.copyFileSync(p.fleet, path.join(sub, 'fleet.yaml'));
    const withSub = snapshot(p);
    const folder = await runMain({ FLEET: path.join(sub, 'fleet.yaml'), PROMFLEET_PKI_DIR: p.store, PROMFLEET_OUT: sub }, p.dir);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toMatch(/cannot be the output folder: it holds the fleet file/);
    expect(snapshot(p)).toEqual(withSub);
    fs.rmSync(sub, { recursive: true });
    expect(snapshot(p)).toEqual(before);
  });

  it('refuses a folder above the PKI store, and a store inside the output folder', async () => {
    const before = snapshot(p);
    const above = await synth(p, { PROMFLEET_OUT: 'keys', PROMFLEET_PKI_DIR: path.join(p.dir, 'keys', 'pki') });
    expect(above.code).toBe(1);
    expect(above.stderr).toMatch(/keys: holds the PKI store .*which every synth would destroy with its CA key/);
    const inside = await synth(p, { PROMFLEET_PKI_DIR: path.join(p.dist, 'pki') });
    expect(inside.code).toBe(1);
    expect(inside.stderr).toMatch(/dist: holds the PKI store .*dist\/pki/);
    expect(snapshot(p)).toEqual(before);
  });

  it('refuses a non-empty folder it did not create, and renders into an empty one', async () => {
    const theirs = path.join(p.dir, 'manifests');
    fs.mkdirSync(theirs);
    fs.writeFileSync(path.join(theirs, 'app.yaml'), 'kind: ConfigMap\n');
    const before = snapshot(p);
    const r = await synth(p, { PROMFLEET_OUT: 'manifests' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/manifests: is not empty and was not rendered by promfleet \(it has no \.promfleet marker\)/);
    expect(snapshot(p)).toEqual(before);
    fs.rmSync(path.join(theirs, 'app.yaml'));
    expect((await synth(p, { PROMFLEET_OUT: 'manifests' })).code).toBe(0);
    expect(fs.existsSync(path.join(theirs, '.promfleet'))).toBe(true);
    fs.rmSync(theirs, { recursive: true });
  });

  it('stops at a user file inside dist/, lists it and changes nothing; the synth works once it is moved', async () => {
    const extra = [path.join(p.dist, 'workload-eu', 'my-app.yaml'), path.join(p.dist, 'notes.txt')];
    for (const f of extra) fs.writeFileSync(f, 'mine\n');
    fs.mkdirSync(path.join(p.dist, 'observer', 'empty'));
    const before = snapshot(p);
    const r = await synth(p);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'holds 3 files promfleet did not render, which the synth would delete:\n    notes.txt\n    observer/empty/\n    workload-eu/my-app.yaml\n',
    );
    expect(snapshot(p)).toEqual(before);
    for (const f of extra) fs.rmSync(f);
    fs.rmdirSync(path.join(p.dist, 'observer', 'empty'));
    expect((await synth(p)).code).toBe(0);
  });

  it('takes over a dist/ rendered before the marker existed', async () => {
    const before = readTree(p.dist).files;
    fs.rmSync(path.join(p.dist, '.promfleet'));
    expect((await synth(p)).code).toBe(0);
    expect(readTree(p.dist).files).toEqual(before);
  });

  it('updates the target of a linked output folder and keeps the link', async () => {
    const real = path.join(tmpDir(), 'rendered');
    fs.mkdirSync(real);
    const link = path.join(p.dir, 'linked');
    fs.symlinkSync(real, link);
    expect((await synth(p, { PROMFLEET_OUT: 'linked' })).code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(link)).toBe(real);
    expect(readTree(real).files).toEqual(readTree(p.dist).files);
    expect(fs.readdirSync(path.dirname(real)).filter((n) => n.startsWith('.'))).toEqual([]);
    fs.rmSync(link);
    const dangling = path.join(p.dir, 'dangling');
    fs.symlinkSync(path.join(p.dir, 'nowhere'), dangling);
    const r = await synth(p, { PROMFLEET_OUT: 'dangling' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dangling: is a link to .*nowhere, which does not exist/);
    fs.rmSync(dangling);
  });
});

describe('the PKI store is safe wherever it lives', () => {
  it('an existing store folder gets its .gitignore back and private modes; git add -A stages no key', async () => {
    const p = await project();
    // A store as a user may have it: its .gitignore deleted, folders and keys opened up.
    fs.rmSync(path.join(p.store, '.gitignore'));
    for (const d of [p.store, path.join(p.store, 'ca'), path.join(p.store, 'sidecar')]) fs.chmodSync(d, 0o755);
    fs.chmodSync(path.join(p.store, 'ca', 'ca.key'), 0o644);
    const r = await synth(p);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\.pki\/\.gitignore is missing or changed, so git could stage the private keys; promfleet writes it back now/);
    expect(r.stderr).toMatch(/\.pki is open to other users \(mode 755\); promfleet sets it to 700 now/);
    expect(fs.readFileSync(path.join(p.store, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
    for (const d of [p.store, path.join(p.store, 'ca'), path.join(p.store, 'sidecar')]) expect((fs.statSync(d).mode & 0o777).toString(8)).toBe('700');
    expect((fs.statSync(path.join(p.store, 'ca', 'ca.key')).mode & 0o777).toString(8)).toBe('600');
    execFileSync('git', ['add', '-A'], { cwd: p.dir });
    const staged = execFileSync('git', ['diff', '--cached', '--name-only'], { cwd: p.dir, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(staged).toContain('dist/.promfleet');
    expect(staged.filter((f) => f.startsWith('.pki') || f.includes('/secrets/'))).toEqual([]);
    for (const f of staged) expect([f, fs.readFileSync(path.join(p.dir, f), 'utf8')]).not.toEqual([f, expect.stringMatching(/PRIVATE KEY-----/)]);
  });

  it('a pre-created empty store folder is locked down on the first synth', async () => {
    const dir = tmpDir('promfleet-repo-');
    const p = { ...at(dir), store: path.join(dir, 'keys') };
    fs.writeFileSync(p.fleet, defaultFleetText());
    fs.mkdirSync(p.store, { mode: 0o755 });
    fs.chmodSync(p.store, 0o755);
    expect((await synth(p)).code).toBe(0);
    expect((fs.statSync(p.store).mode & 0o777).toString(8)).toBe('700');
    expect(fs.existsSync(path.join(p.store, '.gitignore'))).toBe(true);
  });
});

describe('a failed synth changes nothing', () => {
  const listenLocal = (text: string) => text.replace('        port: 10901\n', '        port: 10901\n      listenLocal: true\n');

  it('a cross-cluster certificate check that fails leaves an empty store empty (not even created)', async () => {
    const dir = tmpDir('promfleet-repo-');
    const p = at(dir);
    fs.writeFileSync(p.fleet, listenLocal(defaultFleetText()));
    const r = await synth(p);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('listens on 127.0.0.1 only');
    expect(r.stderr).toMatch(/Nothing was written: dist\/ and the PKI store \.pki\/ are as they were/);
    expect(fs.readdirSync(dir).sort()).toEqual(['fleet.yaml']);
  });

  it('a failed check after new certificates were issued in memory leaves the store byte-identical', async () => {
    const p = await project();
    const before = snapshot(p);
    // A third workload cluster needs a new certificate; the wiring check then rejects the fleet.
    const third = [
      '  - name: workload-ap',
      '    roles: [workload]',
      '    thanos:',
      '      endpoint: { host: "sidecar-{replica}.workload-ap.example.com" }',
      '      listenLocal: true',
      '',
    ].join('\n');
    fs.writeFileSync(p.fleet, `${defaultFleetText()}\n${third}`);
    const r = await synth(p);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the sidecar of "workload-ap" listens on 127.0.0.1 only');
    fs.writeFileSync(p.fleet, defaultFleetText());
    expect(snapshot(p)).toEqual(before);
  });

  it('says that cdk8s synth removed its link, and makes it again', async () => {
    const p = await project();
    const link = path.join(p.dir, '.cdk8s.out');
    fs.writeFileSync(p.fleet, listenLocal(defaultFleetText()));
    const r = await synth(p, { CDK8S_OUTDIR: '.cdk8s.out' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('(cdk8s synth removed its link .cdk8s.out before promfleet ran; it points to dist/ again)');
    expect(fs.realpathSync(link)).toBe(fs.realpathSync(p.dist));
  });
});
