// The PKI in CI (docs/operations.md, "In CI"): with CI set a synth never creates a CA nor issues a
// certificate. Without the store it renders every committed file of dist/ exactly as a synth with the
// store does, leaves out the git-ignored secrets and says so; PROMFLEET_PKI_IN_CI=fail makes it an
// error that changes nothing. And `npm run pki -- status --expiring-within` for a scheduled job.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lockPathFor } from '../lib/io/lock';
import { preparePki } from '../lib/pki';
import { defaultFleetText, ROOT, runMain, tmpDir } from './support/fleet';
import { fingerprintTree, fleetWithStore } from './support/pki';
import { makeController } from './support/sealed';

interface Project {
  dir: string;
  fleet: string;
  store: string;
  dist: string;
}

function project(fleetText = defaultFleetText()): Project {
  const dir = tmpDir('promfleet-ci-');
  fs.writeFileSync(path.join(dir, 'fleet.yaml'), fleetText);
  return { dir, fleet: path.join(dir, 'fleet.yaml'), store: path.join(dir, '.pki'), dist: path.join(dir, 'dist') };
}

const synth = (p: Project, env: Record<string, string> = {}) => runMain({ FLEET: p.fleet, PROMFLEET_PKI_DIR: p.store, ...env }, p.dir);

/** Every file of dist/ but the git-ignored secrets: what `git add dist/` stages. */
const committed = (dist: string) => Object.fromEntries(Object.entries(fingerprintTree(dist)).filter(([f]) => !f.split(path.sep).includes('secrets')));
const secretFiles = (dist: string) => Object.keys(fingerprintTree(dist)).filter((f) => f.split(path.sep).includes('secrets'));

describe('a synth with CI set', () => {
  let withStore: Project;
  beforeAll(async () => {
    withStore = project();
    expect((await synth(withStore)).code).toBe(0);
    expect(secretFiles(withStore.dist)).toHaveLength(7);
  });

  it.each(['true', '1', 'yes'])('CI=%s without a store: the committed part of dist/ is byte-identical, no CA is made, and it says so', async (ci) => {
    const p = project();
    const r = await synth(p, { CI: ci });
    expect(r.code).toBe(0);
    expect(fs.existsSync(p.store)).toBe(false);
    expect(committed(p.dist)).toEqual(committed(withStore.dist));
    expect(secretFiles(p.dist)).toEqual([]);
    expect(r.stderr).toContain(
      'CI is set, so promfleet issues no certificate, and this PKI store lacks the CA (there is no store), sidecar/observer (new), querier/observer (new)',
    );
    expect(r.stderr).toMatch(/dist\/<cluster>\/secrets\/ .* is not rendered; every other file of dist\/ is/);
    // No store here, so no identity would help: the fix is a synth with CI turned off where the store is.
    expect(r.stderr).toContain('To render the secrets, run CI=false npm run synth where the store is');
    expect(r.stderr).not.toContain('PROMFLEET_AGE_IDENTITY');
    expect(r.stderr).toContain("(git-ignored: every Secret, the TLS keys and the Querier's sign-in)");
    // The marker lists the same committed files: a later synth with the store replaces this dist/ as its own.
    expect(fs.readFileSync(path.join(p.dist, '.promfleet'), 'utf8')).toBe(fs.readFileSync(path.join(withStore.dist, '.promfleet'), 'utf8'));
  });

  it.each(['false', '0', ''])('CI=%j is not CI: the synth issues as usual', async (ci) => {
    const p = project();
    expect((await synth(p, { CI: ci })).code).toBe(0);
    expect(fs.existsSync(path.join(p.store, 'ca', 'ca.key'))).toBe(true);
    expect(secretFiles(p.dist)).toHaveLength(7);
  });

  it('with PROMFLEET_PKI_IN_CI=fail: exits 1 naming the fix, and leaves dist/ and the store as they were', async () => {
    const p = project();
    fs.cpSync(withStore.dist, p.dist, { recursive: true });
    const before = fingerprintTree(p.dir);
    const r = await synth(p, { CI: 'true', PROMFLEET_PKI_IN_CI: 'fail' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.pki: CI is set, so promfleet issues no certificate, and this PKI store lacks the CA .*\(PROMFLEET_PKI_IN_CI=fail\)/);
    expect(r.stderr).toMatch(
      /To fix it, run CI=false npm run synth where the store is \(with its age identity if the store is encrypted\), and commit dist\/ and the store/,
    );
    expect(r.stderr).toContain('Nothing was written');
    expect(fingerprintTree(p.dir)).toEqual(before);
    const bad = await synth(p, { CI: 'true', PROMFLEET_PKI_IN_CI: 'maybe' });
    expect([bad.code, bad.stderr]).toEqual([
      1,
      expect.stringContaining('environment variable PROMFLEET_PKI_IN_CI: must be "render" (the default) or "fail", got "maybe"'),
    ]);
    expect(bad.stderr).not.toContain('fleet file');
  });

  it('with a current store: renders everything, secrets included, and changes nothing in the store', async () => {
    const p = project();
    fs.cpSync(withStore.store, p.store, { recursive: true });
    const store = fingerprintTree(p.store);
    const r = await synth(p, { CI: 'true', PROMFLEET_PKI_IN_CI: 'fail' });
    expect(r.code).toBe(0);
    expect(fingerprintTree(p.dist)).toEqual(fingerprintTree(withStore.dist));
    expect(fingerprintTree(p.store)).toEqual(store);
  });

  it('with a store that lacks a certificate (a new cluster): issues nothing, renders no secret, names what is missing', async () => {
    const p = project();
    fs.cpSync(withStore.store, p.store, { recursive: true });
    fs.rmSync(path.join(p.store, 'sidecar', 'workload-us.crt'));
    fs.rmSync(path.join(p.store, 'sidecar', 'workload-us.key'));
    const store = fingerprintTree(p.store);
    const r = await synth(p, { CI: 'true' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('this PKI store lacks sidecar/workload-us (new).');
    expect(fingerprintTree(p.store)).toEqual(store);
    expect(committed(p.dist)).toEqual(committed(withStore.dist));
    expect(secretFiles(p.dist)).toEqual([]);
  });

  it('examples/shared-store (an encrypted store) renders without its store, as a CI job on a fresh clone does', async () => {
    const out = path.join(tmpDir('promfleet-ci-example-'), 'dist');
    const r = await runMain(
      {
        FLEET: path.join(ROOT, 'examples', 'shared-store', 'fleet.yaml'),
        PROMFLEET_PKI_DIR: path.join(path.dirname(out), '.pki'),
        PROMFLEET_OUT: out,
        CI: 'true',
      },
      path.dirname(out),
    );
    expect([r.code, r.stderr]).toEqual([
      0,
      expect.stringContaining('lacks the CA (there is no store), sidecar/hub (new), querier/hub (new), sidecar/prod-eu (new)'),
    ]);
    // The hub monitors itself: the workload stack's files and the ruler, besides the Querier; no secrets/ without the store.
    expect(fs.readdirSync(path.join(out, 'hub')).sort()).toEqual([
      '00-namespace.yaml',
      '05-priority-quota.yaml',
      '06-network-policies.yaml',
      '10-operator.yaml',
      '20-prometheus.yaml',
      '30-alertmanager.yaml',
      '40-node-exporter.yaml',
      '41-kube-state-metrics.yaml',
      '50-monitors.yaml',
      '51-control-plane.yaml',
      '55-rules.yaml',
      '69-network-policies.yaml',
      '70-querier.yaml',
      '72-query-frontend.yaml',
      '75-thanos-ruler.yaml',
      '76-blackbox-exporter.yaml',
      '77-sidecar-probes.yaml',
      '80-grafana.yaml',
      '81-grafana-dashboards.yaml',
    ]);
  });

  it('in sealed-secrets mode without the store: fails, since the committed SealedSecrets come from its keys', async () => {
    const cert = makeController().writeCert(path.join(tmpDir('promfleet-ci-cert-'), 'observer.pem'));
    const p = project(defaultFleetText().replace(/( {2}- name: observer\n)/, `$1    sealedSecrets:\n      certificate: ${cert}\n`));
    const r = await synth(p, { CI: 'true' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the committed SealedSecrets of observer are sealed from the store's keys, so dist\/ cannot be rendered. To fix it, run CI=false npm run synth where the store is/,
    );
    expect(fs.existsSync(p.dist)).toBe(false);
    expect(fs.existsSync(p.store)).toBe(false);
  });
});

describe('a scheduled renewal job in CI (CI=true set by the CI system)', () => {
  const DAY = 86400e3;

  it('renews nothing with CI set, says to run CI=false npm run synth, and CI=false renews', async () => {
    // Issued 340 days ago: the leaves (365 days) are within pki.renewBeforeDays of their end.
    const old = fleetWithStore();
    await preparePki(old, { now: new Date(Date.now() - 340 * DAY) });
    const p = project();
    fs.cpSync(old.pki.dir, p.store, { recursive: true });
    const store = fingerprintTree(p.store);
    const ci = await synth(p, { CI: 'true' });
    expect(ci.code).toBe(0);
    expect(ci.stderr).toMatch(/this PKI store lacks sidecar\/observer \(expires on \d{4}-\d\d-\d\d, within \d+ days\)/);
    expect(ci.stderr).toContain('To render the secrets, run CI=false npm run synth where the store is');
    expect(fingerprintTree(p.store)).toEqual(store);
    // The job of docs/operations.md, "In CI": CI=false npm run synth, then commit dist/ and the store.
    const renew = await synth(p, { CI: 'false' });
    expect([renew.code, renew.stderr]).toEqual([0, expect.stringContaining('certificates: 0 issued, 5 renewed, 0 kept')]);
    expect(secretFiles(p.dist)).toHaveLength(7);
  });
});

/** Mode of every file and folder of `dir`. */
function modes(dir: string): Record<string, string> {
  const out: Record<string, string> = { '.': (fs.statSync(dir).mode & 0o777).toString(8) };
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      out[path.relative(dir, f)] = (fs.statSync(f).mode & 0o777).toString(8);
      if (e.isDirectory()) walk(f);
    }
  };
  walk(dir);
  return out;
}

describe('a synth with CI set never writes the store', () => {
  it('a store as a git clone leaves it (folders 0755): byte- and mode-identical, and says what a CI=false synth repairs', async () => {
    const p = project();
    expect((await synth(p)).code).toBe(0);
    // What a checkout gives: folders 0755 and files 0644; the secrets are current, so nothing needs issuing.
    const open = (d: string): void => {
      fs.chmodSync(d, 0o755);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) open(path.join(d, e.name));
    };
    open(p.store);
    const before = { files: fingerprintTree(p.store), modes: modes(p.store) };
    const r = await synth(p, { CI: 'true' });
    expect(r.code).toBe(0);
    expect({ files: fingerprintTree(p.store), modes: modes(p.store) }).toEqual(before);
    expect(r.stderr).toMatch(/\.pki is open to other users \(mode 755\); a synth with CI=false sets it to 700$/m);
    expect(r.stderr).toMatch(/CI is set, so the PKI store \S+ was left as it is; a synth would repair its \.gitignore and folder modes/);
    expect(r.stderr).toContain('Run CI=false npm run synth where the store is to do it');
    // Outside CI the same synth repairs it.
    expect((await synth(p, { CI: 'false' })).code).toBe(0);
    expect(modes(p.store)['.']).toBe('700');
  });
});

describe('npm run pki -- status --expiring-within', () => {
  const DAY = 86400e3;
  const status = (store: string, window: string) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin', 'promfleet.mjs'), 'pki', 'status', '--expiring-within', window], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, PROMFLEET_PKI_DIR: store, FLEET: path.join(ROOT, 'fleet.yaml') },
    });

  it('exits 0 while every certificate outlives the window, 3 naming each one that does not', async () => {
    const fresh = fleetWithStore();
    await preparePki(fresh);
    // As docs/operations.md shows it.
    const ok = spawnSync('sh', ['-c', 'npm run pki -- status --expiring-within 30d'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, PROMFLEET_PKI_DIR: fresh.pki.dir, FLEET: path.join(ROOT, 'fleet.yaml') },
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ {2}sidecar\/workload-eu: expires /m);

    // Issued 340 days ago: the leaves (365 days) end within 30 days, the CA (3650 days) does not.
    const old = fleetWithStore();
    await preparePki(old, { now: new Date(Date.now() - 340 * DAY) });
    const late = status(old.pki.dir, '30d');
    expect(late.status).toBe(3);
    const named = late.stderr
      .split('\n')
      .filter((l) => l.startsWith('  '))
      .map((l) => l.trim().split(' ')[0]);
    expect(named).toEqual(['sidecar/observer', 'querier/observer', 'querier-ingress/observer', 'sidecar/workload-eu', 'sidecar/workload-us']);
    expect(late.stderr).toMatch(/^promfleet pki: 5 certificate\(s\) expire within 30 days:$/m);
    // The window counts: 20 days is before they end.
    expect(status(old.pki.dir, '20').status).toBe(0);
    // A CA is reported too.
    const ca = status(fresh.pki.dir, '4000d');
    expect(ca.status).toBe(3);
    expect(ca.stderr).toMatch(/^ {2}CA expires \d{4}-\d\d-\d\d \(.*ca\.crt\)$/m);
    expect(status(fresh.pki.dir, 'soon').status).toBe(2);
  });

  it('without a store: exits 1 naming the path and the likely cause, and creates no folder', () => {
    const top = tmpDir('promfleet-ci-nostore-');
    const store = path.join(top, 'typo', 'deeper', '.pki');
    const r = status(store, '30d');
    expect([r.status, r.stdout]).toEqual([1, '']);
    expect(r.stderr).toContain(`${path.join(store, 'ca')}: does not exist, so no expiry can be checked: there is no store.`);
    expect(r.stderr).toContain('Check FLEET and PROMFLEET_PKI_DIR (or pki.dir)');
    expect(fs.readdirSync(top)).toEqual([]);
    // An empty store folder too.
    fs.mkdirSync(store, { recursive: true });
    expect([status(store, '30d').status, status(store, '30d').stderr]).toEqual([1, expect.stringContaining('the store holds no CA')]);
  });

  it('reads PROMFLEET_LOCK_TIMEOUT like a synth', async () => {
    const fleet = fleetWithStore();
    await preparePki(fleet);
    // A lock held by a live process (this one): with a timeout of 0 the command gives up at once.
    const lock = lockPathFor(fleet.pki.dir);
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'owner'), JSON.stringify({ pid: process.pid, host: os.hostname() }));
    const run = (timeout: string) =>
      spawnSync(process.execPath, [path.join(ROOT, 'bin', 'promfleet.mjs'), 'pki', 'status'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30000,
        env: { ...process.env, PROMFLEET_PKI_DIR: fleet.pki.dir, FLEET: path.join(ROOT, 'fleet.yaml'), PROMFLEET_LOCK_TIMEOUT: timeout },
      });
    const r = run('0');
    expect([r.status, r.stderr]).toEqual([1, expect.stringContaining(`is writing it (another synth or pki command)`)]);
    expect(run('soon').stderr).toContain('environment variable PROMFLEET_LOCK_TIMEOUT: must be a number of seconds, got "soon"');
    fs.rmSync(lock, { recursive: true });
  });
});
