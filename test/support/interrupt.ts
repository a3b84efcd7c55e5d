// Test helpers for interrupted and concurrent synths: the real synth (the app cdk8s runs) as a child
// process, killed with SIGKILL at failpoints or at spread-out moments, and the checks that follow.
import { spawn, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseFleet } from '../../lib/fleet/load';
import { planPki } from '../../lib/pki/fleet-pki';
import { generateKeyPairs } from '../../lib/pki/keys';
import { ROOT, tmpDir } from './fleet';
import { fingerprintTree } from './pki';

export const APP = path.join(ROOT, 'scripts', 'app.mjs');

export interface Project {
  dir: string;
  fleet: string;
  store: string;
  dist: string;
}

export const at = (dir: string): Project => ({ dir, fleet: path.join(dir, 'fleet.yaml'), store: path.join(dir, '.pki'), dist: path.join(dir, 'dist') });

export function env(p: Project): NodeJS.ProcessEnv {
  return { ...process.env, FLEET: p.fleet, PROMFLEET_OUT: p.dist, PROMFLEET_PKI_DIR: p.store, CDK8S_OUTDIR: '' };
}

export function synthSync(p: Project): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [APP], { cwd: p.dir, env: env(p), encoding: 'utf8', timeout: 120000 });
  return { code: r.status ?? -1, stderr: r.stderr };
}

/** Starts a synth, killed after `ms` milliseconds if still running; resolves with the signal that ended it. */
export function synthKilled(p: Project, ms: number, failpoint?: string): Promise<NodeJS.Signals | null> {
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
export function moreClusters(n: number): string {
  return Array.from(
    { length: n },
    (_, i) => `  - name: w-${i}\n    roles: [workload]\n    thanos:\n      endpoint: { host: "sidecar-{replica}.w-${i}.example.com" }\n`,
  ).join('');
}

/** One more cluster with a sidecar: the changed fleet needs a new certificate, so the store changes too. */
export const NEW_CLUSTER =
  '  - name: workload-new\n    roles: [workload]\n    thanos:\n      endpoint: { host: "sidecar-{replica}.workload-new.example.com" }\n';

/** Committed files of dist/ (no secrets): the part of the tree that must be old or new as a whole. */
export function distState(p: Project): string {
  if (!fs.existsSync(p.dist)) return 'missing';
  const files = fingerprintTree(p.dist);
  const shown = Object.entries(files).filter(([f]) => !f.includes('/secrets/'));
  return crypto.createHash('sha256').update(JSON.stringify(shown)).digest('hex');
}

export function storeFiles(dir: string): Record<string, string> {
  return fs.existsSync(dir) ? fingerprintTree(dir) : {};
}

/** What promfleet may leave beside its folders only while it runs. */
export function leftovers(p: Project): string[] {
  return fs.readdirSync(p.dir).filter((n) => n.endsWith('.lock') || n.endsWith('.promfleet'));
}

/**
 * Fills the project's store with valid certificates for its fleet, all leaves sharing one key: two
 * keys instead of one per cluster, so that a 100-cluster template takes a moment to set up. The
 * synth keeps them, as it would any valid certificate.
 */
export async function quickStore(p: Project): Promise<void> {
  const fleet = parseFleet(fs.readFileSync(p.fleet, 'utf8'), p.fleet);
  const plan = planPki({ ...fleet, pki: { ...fleet.pki, dir: p.store } });
  const [ca, leaf] = await generateKeyPairs(2);
  // The CA takes the last key (see createCa).
  plan.complete([...Array<typeof leaf>(plan.keysNeeded - 1).fill(leaf), ca]).commit();
}

/** Where the synth dies on purpose, and what each folder must then be: old, new, or mid-swap (missing). */
export const FAILPOINTS: [string, 'old' | 'new' | 'missing', 'old' | 'new' | 'missing'][] = [
  ['store-built', 'old', 'old'],
  ['store-half-swapped', 'missing', 'old'],
  ['store-swapped', 'new', 'old'],
  ['dist-built', 'new', 'old'],
  ['dist-half-swapped', 'new', 'missing'],
  ['dist-swapped', 'new', 'new'],
];

/**
 * Interrupts a synth from fleet `base` to `changed` at every failpoint and at `randomRuns` random
 * moments, and checks after each that dist/ and the store are each old, new or mid-swap (never a
 * mix), that dist/ is never newer than the store, and that the next synth ends in the new state
 * with the certificates the interrupted one committed, and nothing left over.
 */
export async function interruptEverywhere(base: string, changed: string, randomRuns: number, failpoints = FAILPOINTS): Promise<Set<string>> {
  const template = at(tmpDir('promfleet-kill-'));
  fs.writeFileSync(template.fleet, base);
  await quickStore(template);
  // How long a synth takes here (the changed fleet adds one cluster: about as long), to spread the random kills over.
  const started = Date.now();
  expect(synthSync(template).code).toBe(0);
  const duration = Date.now() - started;
  const old = { dist: distState(template), store: storeFiles(template.store) };
  const copy = () => {
    const p = at(tmpDir('promfleet-kill-'));
    fs.cpSync(template.dir, p.dir, { recursive: true });
    fs.writeFileSync(p.fleet, changed);
    return p;
  };

  // The new dist/ is known once the first synth after a kill has run.
  let newDist: string | undefined;

  const classify = (p: Project) => {
    const dist = distState(p);
    const store = storeFiles(p.store);
    const storeIsOld = JSON.stringify(store) === JSON.stringify(old.store);
    // New: every old file as it was, the new cluster's certificate and key added, nothing else.
    const added = Object.keys(store)
      .filter((f) => !(f in old.store))
      .sort();
    const storeIsNew =
      Object.entries(old.store).every(([f, h]) => store[f] === h) &&
      JSON.stringify(added) === JSON.stringify(['sidecar/workload-new.crt', 'sidecar/workload-new.key']);
    return {
      store: !fs.existsSync(p.store) ? 'missing' : storeIsOld ? 'old' : storeIsNew ? 'new' : 'mixed',
      dist: dist === 'missing' ? 'missing' : dist === old.dist ? 'old' : dist,
    };
  };

  const seen = new Set<string>();
  const check = async (label: string, run: (p: Project) => Promise<NodeJS.Signals | null>, expected?: { store: string; dist: string }) => {
    const p = copy();
    const signal = await run(p);
    const killed = classify(p);
    // What the interrupted synth committed (or had ready to swap in) is what the next one keeps.
    const staged = storeFiles(path.join(p.dir, '.pki.promfleet', 'new'));
    const committed = killed.store === 'new' ? storeFiles(p.store) : killed.store === 'missing' ? staged : undefined;

    const next = synthSync(p);
    expect({ label, code: next.code, stderr: next.code ? next.stderr : '' }).toEqual({ label, code: 0, stderr: '' });
    newDist ??= distState(p);
    expect({ label, dist: distState(p) }).toEqual({ label, dist: newDist });
    expect({ label, store: classify(p).store }).toEqual({ label, store: 'new' });
    if (committed) expect({ label, store: storeFiles(p.store) }).toEqual({ label, store: committed });
    expect({ label, left: leftovers(p) }).toEqual({ label, left: [] });

    // The folders as the kill left them: each old, new, or mid-swap; dist/ never newer than the store.
    const state = { store: killed.store, dist: killed.dist === newDist ? 'new' : killed.dist === 'old' || killed.dist === 'missing' ? killed.dist : 'mixed' };
    if (expected) expect({ label, signal, ...state }).toEqual({ label, signal: 'SIGKILL', ...expected });
    expect({ label, mixed: state.store === 'mixed' || state.dist === 'mixed', distNewerThanStore: state.dist === 'new' && state.store !== 'new' }).toEqual({
      label,
      mixed: false,
      distNewerThanStore: false,
    });
    seen.add(`${state.dist} dist, ${state.store} store`);
    fs.rmSync(p.dir, { recursive: true, force: true });
  };

  for (const [name, store, dist] of failpoints) await check(name, (p) => synthKilled(p, 120000, name), { store, dist });
  expect(newDist).not.toBe(old.dist);
  for (let i = 0; i < randomRuns; i++) {
    // Spread over the whole run and a little past its end, with jitter so that runs differ.
    const ms = Math.round(((i + Math.random()) / randomRuns) * duration * 1.3);
    await check(`killed after ${ms} ms`, (p) => synthKilled(p, ms));
  }
  return seen;
}
