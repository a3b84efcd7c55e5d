// A synth killed at any moment leaves dist/ and the PKI store each old or new, never mixed, and
// the next synth cleans up; two synths at once never give one fleet two CAs. The real synth runs
// as a child process (the app cdk8s runs) and is killed with SIGKILL at spread-out moments.
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseFleet } from '../lib/fleet/load';
import { planPki } from '../lib/pki/fleet-pki';
import { generateKeyPairs } from '../lib/pki/keys';
import { defaultFleetText, ROOT, tmpDir } from './support/fleet';
import { fingerprintTree } from './support/pki';

const APP = path.join(ROOT, 'scripts', 'app.mjs');

interface Project {
  dir: string;
  fleet: string;
  store: string;
  dist: string;
}

const at = (dir: string): Project => ({ dir, fleet: path.join(dir, 'fleet.yaml'), store: path.join(dir, '.pki'), dist: path.join(dir, 'dist') });

function env(p: Project): NodeJS.ProcessEnv {
  return { ...process.env, FLEET: p.fleet, PROMFLEET_OUT: p.dist, PROMFLEET_PKI_DIR: p.store, CDK8S_OUTDIR: '' };
}

function synthSync(p: Project): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [APP], { cwd: p.dir, env: env(p), encoding: 'utf8', timeout: 120000 });
  return { code: r.status ?? -1, stderr: r.stderr };
}

/** Starts a synth, killed after `ms` milliseconds if still running; resolves with the signal that ended it. */
function synthKilled(p: Project, ms: number, failpoint?: string): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [APP], { cwd: p.dir, env: { ...env(p), ...(failpoint ? { PROMFLEET_FAILPOINT: failpoint } : {}) }, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}

/** Workload clusters `w-<i>`, each with its sidecar. */
function moreClusters(n: number): string {
  return Array.from({ length: n }, (_, i) => `  - name: w-${i}\n    roles: [workload]\n    thanos:\n      endpoint: { host: sidecar.w-${i}.example.com }\n`).join('');
}

/** One more cluster with a sidecar: the changed fleet needs a new certificate, so the store changes too. */
const NEW_CLUSTER = '  - name: workload-new\n    roles: [workload]\n    thanos:\n      endpoint: { host: sidecar.workload-new.example.com }\n';

/** Committed files of dist/ (no secrets): the part of the tree that must be old or new as a whole. */
function distState(p: Project): string {
  if (!fs.existsSync(p.dist)) return 'missing';
  const files = fingerprintTree(p.dist);
  const shown = Object.entries(files).filter(([f]) => !f.includes('/secrets/'));
  return crypto.createHash('sha256').update(JSON.stringify(shown)).digest('hex');
}

function storeFiles(dir: string): Record<string, string> {
  return fs.existsSync(dir) ? fingerprintTree(dir) : {};
}

/** What promfleet may leave beside its folders only while it runs. */
function leftovers(p: Project): string[] {
  return fs.readdirSync(p.dir).filter((n) => n.endsWith('.lock') || n.endsWith('.promfleet'));
}

/**
 * Fills the project's store with valid certificates for its fleet, all leaves sharing one key: two
 * keys instead of one per cluster, so that a 100-cluster template takes a moment to set up. The
 * synth keeps them, as it would any valid certificate.
 */
async function quickStore(p: Project): Promise<void> {
  const fleet = parseFleet(fs.readFileSync(p.fleet, 'utf8'), p.fleet);
  const plan = planPki({ ...fleet, pki: { ...fleet.pki, dir: p.store } });
  const [ca, leaf] = await generateKeyPairs(2);
  // The CA takes the last key (see createCa).
  plan.complete([...Array<typeof leaf>(plan.keysNeeded - 1).fill(leaf), ca]).commit();
}

/** Where the synth dies on purpose, and what each folder must then be: old, new, or mid-swap (missing). */
const FAILPOINTS: [string, 'old' | 'new' | 'missing', 'old' | 'new' | 'missing'][] = [
  ['pki-staged', 'old', 'old'],
  ['store-built', 'old', 'old'],
  ['store-ready', 'old', 'old'],
  ['store-half-swapped', 'missing', 'old'],
  ['store-swapped', 'new', 'old'],
  ['dist-built', 'new', 'old'],
  ['dist-ready', 'new', 'old'],
  ['dist-half-swapped', 'new', 'missing'],
  ['dist-swapped', 'new', 'new'],
];

/**
 * Interrupts a synth from fleet `base` to `changed` at every failpoint and at `randomRuns` random
 * moments, and checks after each that dist/ and the store are each old, new or mid-swap (never a
 * mix), that dist/ is never newer than the store, and that the next synth ends in the new state
 * with the certificates the interrupted one committed, and nothing left over.
 */
async function interruptEverywhere(base: string, changed: string, randomRuns: number, failpoints = FAILPOINTS): Promise<Set<string>> {
  const template = at(tmpDir('promfleet-kill-'));
  fs.writeFileSync(template.fleet, base);
  await quickStore(template);
  expect(synthSync(template).code).toBe(0);
  const old = { dist: distState(template), store: storeFiles(template.store) };
  const copy = () => {
    const p = at(tmpDir('promfleet-kill-'));
    fs.cpSync(template.dir, p.dir, { recursive: true });
    fs.writeFileSync(p.fleet, changed);
    return p;
  };

  // The new state, and how long an uninterrupted synth to it takes here.
  const reference = copy();
  const started = Date.now();
  expect(synthSync(reference).code).toBe(0);
  const duration = Date.now() - started;
  const newDist = distState(reference);
  expect(newDist).not.toBe(old.dist);

  const classify = (p: Project) => {
    const dist = distState(p);
    const store = storeFiles(p.store);
    const storeIsOld = JSON.stringify(store) === JSON.stringify(old.store);
    // New: every old file as it was, the new cluster's certificate and key added, nothing else.
    const added = Object.keys(store).filter((f) => !(f in old.store)).sort();
    const storeIsNew = Object.entries(old.store).every(([f, h]) => store[f] === h) && JSON.stringify(added) === JSON.stringify(['sidecar/workload-new.crt', 'sidecar/workload-new.key']);
    return {
      store: !fs.existsSync(p.store) ? 'missing' : storeIsOld ? 'old' : storeIsNew ? 'new' : 'mixed',
      dist: dist === 'missing' ? 'missing' : dist === old.dist ? 'old' : dist === newDist ? 'new' : 'mixed',
    };
  };

  const seen = new Set<string>();
  const check = async (label: string, run: (p: Project) => Promise<NodeJS.Signals | null>, expected?: { store: string; dist: string }) => {
    const p = copy();
    const signal = await run(p);
    const state = classify(p);
    if (expected) expect({ label, signal, ...state }).toEqual({ label, signal: 'SIGKILL', ...expected });
    expect({ label, mixed: state.store === 'mixed' || state.dist === 'mixed', distNewerThanStore: state.dist === 'new' && state.store !== 'new' }).toEqual({ label, mixed: false, distNewerThanStore: false });
    seen.add(`${state.dist} dist, ${state.store} store`);
    // What the interrupted synth committed (or had ready to swap in) is what the next one keeps.
    const staged = storeFiles(path.join(p.dir, '.pki.promfleet', 'new'));
    const committed = state.store === 'new' ? storeFiles(p.store) : state.store === 'missing' ? staged : undefined;

    const next = synthSync(p);
    expect({ label, code: next.code, stderr: next.code ? next.stderr : '' }).toEqual({ label, code: 0, stderr: '' });
    expect({ label, dist: distState(p) }).toEqual({ label, dist: newDist });
    expect({ label, store: classify(p).store }).toEqual({ label, store: 'new' });
    if (committed) expect({ label, store: storeFiles(p.store) }).toEqual({ label, store: committed });
    expect({ label, left: leftovers(p) }).toEqual({ label, left: [] });
    fs.rmSync(p.dir, { recursive: true, force: true });
  };

  for (const [name, store, dist] of failpoints) await check(name, (p) => synthKilled(p, 120000, name), { store, dist });
  for (let i = 0; i < randomRuns; i++) {
    // Spread over the whole run and a little past its end, with jitter so that runs differ.
    const ms = Math.round(((i + Math.random()) / randomRuns) * duration * 1.3);
    await check(`killed after ${ms} ms`, (p) => synthKilled(p, ms));
  }
  return seen;
}

describe('a synth killed at any moment', () => {
  it('small fleet: dist/ and the store are each old or new, and the next synth cleans up', async () => {
    const base = defaultFleetText();
    const seen = await interruptEverywhere(base, `${base}${NEW_CLUSTER}`, 4);
    expect(seen).toContain('old dist, old store');
    expect(seen).toContain('new dist, new store');
  });

  it('100-cluster fleet: the same', async () => {
    const base = `${defaultFleetText()}${moreClusters(97)}`;
    // The swaps, where a large tree could show a mix, and random moments.
    const swaps = FAILPOINTS.filter(([name]) => name.endsWith('half-swapped'));
    const seen = await interruptEverywhere(base, `${base}${NEW_CLUSTER}`, 2, swaps);
    expect(seen).toContain('old dist, missing store');
    expect(seen).toContain('missing dist, new store');
  });
});

describe('concurrent synths', () => {
  it('two synths at once on an empty store end with one CA, which signed every certificate', async () => {
    const p = at(tmpDir('promfleet-race-'));
    fs.writeFileSync(p.fleet, defaultFleetText());
    const run = () =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [APP], { cwd: p.dir, env: env(p) });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => resolve({ code: code ?? -1, stderr }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    // One synth created the CA; the other waited for it and kept it.
    const caActions = [a, b].map((r) => /CA "[^"]+" (created|kept)/.exec(r.stderr)?.[1]).sort();
    expect(caActions).toEqual(['created', 'kept']);
    expect([a, b].some((r) => r.stderr.includes('waiting for process'))).toBe(true);
    const ca = fs.readFileSync(path.join(p.store, 'ca', 'ca.crt'), 'utf8');
    for (const leaf of ['sidecar/workload-eu.crt', 'sidecar/workload-us.crt', 'querier/observer.crt']) {
      const r = spawnSync('openssl', ['verify', '-CAfile', path.join(p.store, 'ca', 'ca.crt'), path.join(p.store, leaf)], { encoding: 'utf8' });
      expect([leaf, r.status]).toEqual([leaf, 0]);
    }
    expect(ca).toContain('BEGIN CERTIFICATE');
    expect(leftovers(p)).toEqual([]);
  });

  it('a synth waits for a lock held by a running process, and fails clearly once its time is up', () => {
    const p = at(tmpDir('promfleet-race-'));
    fs.writeFileSync(p.fleet, defaultFleetText());
    // A lock as a running synth holds it: this test process is its owner.
    const lock = path.join(p.dir, '.dist.lock');
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'owner'), JSON.stringify({ pid: process.pid, host: os.hostname() }));
    const r = spawnSync(process.execPath, [APP], { cwd: p.dir, env: { ...env(p), PROMFLEET_LOCK_TIMEOUT: '0.3' }, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`promfleet: waiting for process ${process.pid} on`);
    expect(r.stderr).toMatch(/\.dist\.lock: cannot take the lock of the output folder: ELOCKED \(locked\); process \d+ on .* is writing it .* delete .*\.dist\.lock/);
    expect(r.stderr).toContain('Nothing was written');
    expect(fs.readdirSync(p.dir).sort()).toEqual(['.dist.lock', 'fleet.yaml']);
  });

  it('takes over a lock whose process is gone', () => {
    const p = at(tmpDir('promfleet-race-'));
    fs.writeFileSync(p.fleet, defaultFleetText());
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    for (const name of ['.dist.lock', '.pki.lock']) {
      fs.mkdirSync(path.join(p.dir, name));
      fs.writeFileSync(path.join(p.dir, name, 'owner'), JSON.stringify({ pid: Number(dead), host: os.hostname() }));
    }
    expect(synthSync(p).code).toBe(0);
    expect(leftovers(p)).toEqual([]);
  });

  it('removes the temporary folders an earlier release left beside dist/', () => {
    const p = at(tmpDir('promfleet-race-'));
    fs.writeFileSync(p.fleet, defaultFleetText());
    const left = path.join(p.dir, '.dist.new-abc123');
    fs.mkdirSync(path.join(left, 'workload-eu', 'secrets'), { recursive: true });
    fs.writeFileSync(path.join(left, '.gitignore'), '# Rendered by promfleet. Secrets\n');
    fs.writeFileSync(path.join(left, 'workload-eu', 'secrets', 'thanos-sidecar-tls.yaml'), 'kind: Secret\n');
    const r = synthSync(p);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/removed .*\.dist\.new-abc123, left by an interrupted synth/);
    expect(fs.existsSync(left)).toBe(false);
  });
});
