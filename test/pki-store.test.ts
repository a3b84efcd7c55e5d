// The PKI store: layout and modes, when certificates are kept or re-issued, the synth summary,
// and bad stores (each a clear error naming the file, with nothing in the store changed).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';
import type { FleetModel } from '../lib/fleet/model';
import { FleetPki, PkiError, preparePki } from '../lib/pki';
import { defaultFleetText, fleetFrom, ROOT, runMain, tmpDir, workloadCluster } from './support/fleet';
import { changedFiles, fingerprintTree, fleetWithStore, KEY_LABEL, withCopiedStore } from './support/pki';

const DAY = 86400e3;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
const actions = (pki: FleetPki) => Object.fromEntries(pki.report.entries.map((e) => [e.name, e.reason ? `${e.action}: ${e.reason}` : e.action]));

/** Expects `run` to fail with a PkiError naming `file`, and the store to be exactly as before. */
async function expectRefused(fleet: FleetModel, run: () => Promise<unknown>, file: string, message: RegExp): Promise<void> {
  const before = fingerprintTree(fleet.pki.dir);
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PkiError);
  expect((err as PkiError).file).toBe(file);
  expect((err as Error).message).toContain(file);
  expect((err as Error).message).toMatch(message);
  expect(fingerprintTree(fleet.pki.dir)).toEqual(before);
}

let base: FleetModel;
beforeAll(async () => {
  base = fleetWithStore();
  await preparePki(base);
});

describe('store layout', () => {
  it('holds the CA and one pair per leaf, keys 0600 in 0700 folders, and ignores itself in Git', () => {
    const files = Object.keys(fingerprintTree(base.pki.dir)).sort();
    expect(files).toEqual([
      '.gitignore',
      'ca/ca.crt',
      'ca/ca.key',
      'grafana-admin/observer.password',
      'querier-basic-auth/observer.htpasswd',
      'querier-basic-auth/observer.password',
      'querier-ingress/observer.crt',
      'querier-ingress/observer.key',
      'querier/observer.crt',
      'querier/observer.key',
      // The sidecar of the observer's own Prometheus (it monitors itself).
      'sidecar/observer.crt',
      'sidecar/observer.key',
      'sidecar/workload-eu.crt',
      'sidecar/workload-eu.key',
      'sidecar/workload-us.crt',
      'sidecar/workload-us.key',
    ]);
    const mode = (f: string) => fs.statSync(path.join(base.pki.dir, f)).mode & 0o777;
    // Keys and the generated password (with its hash) are for the owner only.
    for (const f of files) expect([f, mode(f)]).toEqual([f, /\.(key|password|htpasswd)$/.test(f) ? 0o600 : 0o644]);
    for (const d of ['.', 'ca', 'sidecar', 'querier', 'querier-ingress', 'querier-basic-auth']) expect([d, mode(d)]).toEqual([d, 0o700]);
    expect(fs.readFileSync(path.join(base.pki.dir, '.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });

  it('with pki.intermediate, the intermediate CA signs and the root key may be kept offline', async () => {
    const fleet = fleetWithStore(undefined, { intermediate: true });
    const first = await preparePki(fleet);
    expect(Object.keys(fingerprintTree(path.join(fleet.pki.dir, 'ca'))).sort()).toEqual(['ca.crt', 'ca.key', 'intermediate.crt', 'intermediate.key']);
    expect(first.certificate('sidecar', 'workload-eu').issuer).toMatch(/^promfleet intermediate CA [0-9a-f]{8}$/);
    fs.rmSync(path.join(fleet.pki.dir, 'ca', 'ca.key'));
    fs.rmSync(path.join(fleet.pki.dir, 'sidecar', 'workload-eu.crt'));
    const again = await preparePki(fleet);
    expect(actions(again)).toEqual({
      ca: 'kept',
      intermediate: 'kept',
      'querier/observer': 'kept',
      'querier-ingress/observer': 'kept',
      'sidecar/observer': 'kept',
      'sidecar/workload-eu': 'issued',
      'sidecar/workload-us': 'kept',
    });
  });

  it('keeps certificates whose names still cover the fleet, re-issues one that lacks a new name', async () => {
    const fleet = withCopiedStore(base);
    const eu = workloadCluster(fleet, 'workload-eu');
    const sidecar = eu.workload.sidecar;
    eu.workload = { ...eu.workload, sidecar: { ...sidecar, extraSANs: { ...sidecar.extraSANs, dnsNames: ['grpc.workload-eu.example.com'] } } };
    const pki = await preparePki(fleet);
    expect(actions(pki)).toEqual({
      ca: 'kept',
      'querier/observer': 'kept',
      'querier-ingress/observer': 'kept',
      'sidecar/observer': 'kept',
      'sidecar/workload-eu': 'renewed: lacks grpc.workload-eu.example.com',
      'sidecar/workload-us': 'kept',
    });
    expect(pki.certificate('sidecar', 'workload-eu').dnsNames).toContain('grpc.workload-eu.example.com');
    // Dropping the name again keeps the certificate: a name too many is harmless (docs/operations.md, "Keeping and renewing certificates").
    eu.workload = { ...eu.workload, sidecar };
    expect(actions(await preparePki(fleet))['sidecar/workload-eu']).toBe('kept');
  });

  it('re-issues a certificate that the current CA did not sign', async () => {
    const fleet = withCopiedStore(base);
    const other = fleetWithStore();
    await preparePki(other);
    for (const ext of ['crt', 'key'])
      fs.copyFileSync(path.join(other.pki.dir, 'querier', `observer.${ext}`), path.join(fleet.pki.dir, 'querier', `observer.${ext}`));
    expect(actions(await preparePki(fleet))['querier/observer']).toBe('renewed: not signed by the current CA');
  });
});

describe('renewal window', () => {
  it('must be shorter than the validity, or every synth would re-issue every certificate', () => {
    expect(() => fleetFrom(`${defaultFleetText()}\npki:\n  leafValidityDays: 30\n`)).toThrow(
      /pki\.renewBeforeDays: must be smaller than pki\.leafValidityDays \(default 365\), or every synth would re-issue every certificate/,
    );
    expect(fleetFrom(`${defaultFleetText()}\npki:\n  leafValidityDays: 30\n  renewBeforeDays: 10\n`).pki.renewBeforeDays).toBe(10);
  });

  let aged: FleetModel;
  beforeAll(async () => {
    // A store made 340 days ago: its one-year leaves expire in 25 days.
    aged = fleetWithStore();
    await preparePki(aged, { now: daysAgo(340) });
  });

  it('renews leaves expiring within renewBeforeDays (30 by default), keeps the CA', async () => {
    const fleet = withCopiedStore(aged);
    const pki = await preparePki(fleet);
    expect(pki.report.entries.map((e) => e.action)).toEqual(['kept', 'renewed', 'renewed', 'renewed', 'renewed', 'renewed']);
    expect(pki.report.entries[1].reason).toMatch(/^expires on \d{4}-\d\d-\d\d, within 30 days$/);
    expect(Math.round((pki.report.entries[1].notAfter.getTime() - Date.now()) / DAY)).toBe(365);
  });

  it('keeps them with a shorter window (pki.renewBeforeDays: 20)', async () => {
    const fleet = { ...withCopiedStore(aged) };
    fleet.pki = { ...fleet.pki, renewBeforeDays: 20 };
    const pki = await preparePki(fleet);
    expect(pki.report.entries.map((e) => e.action)).toEqual(['kept', 'kept', 'kept', 'kept', 'kept', 'kept']);
  });

  it('does not churn when the CA itself ends soon: leaves end with it, and the summary warns', async () => {
    const fleet = fleetWithStore(undefined, { caValidityDays: 400 });
    await preparePki(fleet, { now: daysAgo(385) });
    // The leaves expired 20 days ago; the CA ends in 15 days, and so do the renewed leaves.
    const renewed = await preparePki(fleet);
    expect(renewed.report.entries.map((e) => e.action)).toEqual(['kept', 'renewed', 'renewed', 'renewed', 'renewed', 'renewed']);
    expect(renewed.report.entries[1].reason).toMatch(/^expired on /);
    expect(new Set(renewed.report.entries.map((e) => e.notAfter.getTime())).size).toBe(1);
    const again = await preparePki(fleet);
    expect(again.report.entries.map((e) => e.action)).toEqual(['kept', 'kept', 'kept', 'kept', 'kept', 'kept']);
    expect(again.report.warnings).toEqual([expect.stringMatching(/ca\/ca\.crt\) expires on .*rotate-ca start/)]);
  });
});

describe('bad stores: a clear error naming the file, nothing overwritten', () => {
  const f = (fleet: FleetModel, ...p: string[]) => path.join(fleet.pki.dir, ...p);

  it('a corrupt certificate', async () => {
    const fleet = withCopiedStore(base);
    fs.writeFileSync(f(fleet, 'sidecar', 'workload-eu.crt'), 'not a certificate\n');
    await expectRefused(fleet, () => preparePki(fleet), f(fleet, 'sidecar', 'workload-eu.crt'), /is not a readable PEM certificate/);
  });

  it('a corrupt key', async () => {
    const fleet = withCopiedStore(base);
    fs.writeFileSync(f(fleet, 'querier', 'observer.key'), `-----BEGIN ${KEY_LABEL}-----\nAAAA\n-----END ${KEY_LABEL}-----\n`);
    await expectRefused(fleet, () => preparePki(fleet), f(fleet, 'querier', 'observer.key'), /is not a readable PEM private key/);
  });

  it('a key that belongs to another certificate', async () => {
    const fleet = withCopiedStore(base);
    fs.copyFileSync(f(fleet, 'sidecar', 'workload-us.key'), f(fleet, 'sidecar', 'workload-eu.key'));
    await expectRefused(fleet, () => preparePki(fleet), f(fleet, 'sidecar', 'workload-eu.key'), /does not belong to the certificate .*workload-eu\.crt/);
  });

  it('a CA key that does not match the CA certificate', async () => {
    const fleet = withCopiedStore(base);
    fs.copyFileSync(f(fleet, 'querier', 'observer.key'), f(fleet, 'ca', 'ca.key'));
    await expectRefused(fleet, () => preparePki(fleet), f(fleet, 'ca', 'ca.key'), /does not belong to the certificate/);
  });

  it('a leaf certificate whose key is gone', async () => {
    const fleet = withCopiedStore(base);
    fs.rmSync(f(fleet, 'sidecar', 'workload-us.key'));
    await expectRefused(fleet, () => preparePki(fleet), f(fleet, 'sidecar', 'workload-us.key'), /is missing but its certificate/);
  });

  it('a lost CA: never replaced silently while certificates it signed remain', async () => {
    const fleet = withCopiedStore(base);
    fs.rmSync(f(fleet, 'ca'), { recursive: true });
    await expectRefused(fleet, () => preparePki(fleet), f(fleet, 'ca', 'ca.crt'), /is missing, but the store holds certificates a CA signed/);
  });

  it('an expired CA', async () => {
    const fleet = fleetWithStore(undefined, { caValidityDays: 30 });
    await preparePki(fleet, { now: daysAgo(40) });
    await expectRefused(fleet, () => preparePki(fleet), f(fleet, 'ca', 'ca.crt'), /expired on \d{4}-\d\d-\d\d.*rotate-ca start/);
  });

  it('pki.intermediate switched on for an existing CA: that is a rotation, not a silent new CA', async () => {
    const fleet = withCopiedStore(base);
    fleet.pki = { ...fleet.pki, intermediate: true };
    await expectRefused(fleet, () => preparePki(fleet), f(fleet, 'ca'), /without an intermediate, but pki.intermediate is true.*rotate-ca start/);
  });

  it('a store folder that cannot be created', async () => {
    const dir = tmpDir();
    fs.writeFileSync(path.join(dir, 'file'), '');
    const fleet = fleetWithStore(path.join(dir, 'file', 'pki'));
    const err = await preparePki(fleet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PkiError);
    expect((err as PkiError).message).toBe(
      `${path.join(dir, 'file')}: is not a folder, so the PKI store ${fleet.pki.dir} cannot be created; set pki.dir in the fleet file or PROMFLEET_PKI_DIR to a writable folder`,
    );
  });

  it('a store whose folder cannot be written: error names the folder, nothing changed', () => {
    const fleet = withCopiedStore(base);
    // Two leaves to issue, so the store must be written.
    for (const p of ['querier/observer.crt', 'querier/observer.key', 'sidecar/workload-us.crt', 'sidecar/workload-us.key']) fs.rmSync(f(fleet, p));
    const before = fingerprintTree(fleet.pki.dir);
    const dirs = [
      fleet.pki.dir,
      ...fs
        .readdirSync(fleet.pki.dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => f(fleet, e.name)),
    ];
    // Root ignores file modes: then the PKI step runs as an unprivileged user that owns the store.
    const root = process.getuid?.() === 0;
    fs.chmodSync(path.dirname(fleet.pki.dir), 0o755);
    if (root) for (const p of [...dirs, ...Object.keys(before).map((r) => f(fleet, r))]) fs.chownSync(p, 65534, 65534);
    const bundleDir = tmpDir('promfleet-child-');
    fs.chmodSync(bundleDir, 0o755);
    const bundle = path.join(bundleDir, 'pki.cjs');
    buildSync({
      stdin: { contents: "export { preparePki } from './lib/pki';", resolveDir: ROOT, loader: 'ts' },
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      logLevel: 'error',
    });
    const script = `require(${JSON.stringify(bundle)}).preparePki(JSON.parse(process.argv[1])).then(() => process.exit(0), (e) => { process.stderr.write(e.name + ': ' + e.message); process.exit(3); });`;
    const runPki = () =>
      spawnSync(process.execPath, ['-e', script, JSON.stringify(fleet)], {
        encoding: 'utf8',
        timeout: 30000,
        env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') },
        ...(root ? { uid: 65534, gid: 65534 } : {}),
      });
    try {
      // The update is built beside the store: the folder holding it must be writable.
      const one = runPki();
      expect([one.status, one.stderr]).toEqual([
        3,
        `PkiError: ${path.dirname(fleet.pki.dir)}: cannot hold the PKI store's update: EACCES (permission denied); make it writable (or point pki.dir / PROMFLEET_PKI_DIR elsewhere). Nothing in the store was changed`,
      ]);
      expect(fingerprintTree(fleet.pki.dir)).toEqual(before);
      for (const d of dirs) fs.chmodSync(d, 0o555);
      const all = runPki();
      expect([all.status, all.stderr]).toEqual([
        3,
        expect.stringMatching(new RegExp(`^PkiError: ${fleet.pki.dir}: cannot be written: EACCES.*Nothing in the store was changed$`)),
      ]);
    } finally {
      for (const d of dirs) fs.chmodSync(d, 0o700);
    }
    expect(fingerprintTree(fleet.pki.dir)).toEqual(before);
  });

  it('warns about a key file other users can read', async () => {
    const fleet = withCopiedStore(base);
    fs.chmodSync(f(fleet, 'sidecar', 'workload-eu.key'), 0o644);
    const pki = await preparePki(fleet);
    expect(pki.report.warnings).toEqual([`${f(fleet, 'sidecar', 'workload-eu.key')} is readable by other users (mode 644); run chmod 600 on it`]);
  });
});

describe('synth summary (stderr)', () => {
  it('says what was created, issued, renewed or kept, and when each certificate expires', async () => {
    const dir = tmpDir();
    const fleetFile = path.join(dir, 'fleet.yaml');
    fs.writeFileSync(fleetFile, defaultFleetText());
    const env = { FLEET: fleetFile, PROMFLEET_OUT: path.join(dir, 'dist') };
    const date = String.raw`\d{4}-\d\d-\d\d`;
    const first = await runMain(env);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(
      new RegExp(`promfleet: PKI .*\\.pki/: CA "promfleet root CA [0-9a-f]{8}" created, expires ${date}; certificates: 5 issued, 0 renewed, 0 kept\\n`),
    );
    expect(first.stderr).toMatch(new RegExp(`promfleet: workload-eu: .*; sidecar certificate issued, expires ${date}\\n`));
    expect(first.stderr).toMatch(
      new RegExp(
        `promfleet: observer: .*; querier certificate issued, expires ${date}; querier-ingress certificate issued, expires ${date}; querier-basic-auth password created, in .*observer\\.password\\n`,
      ),
    );

    const second = await runMain(env);
    expect(second.stderr).toMatch(/CA "promfleet root CA [0-9a-f]{8}" kept, .*certificates: 0 issued, 0 renewed, 5 kept/);

    fs.writeFileSync(
      fleetFile,
      defaultFleetText().replace('host: sidecar-{replica}.workload-eu.example.com', 'host: thanos-{replica}.workload-eu.example.com'),
    );
    const third = await runMain(env);
    expect(third.stderr).toMatch(
      new RegExp(
        `workload-eu: .*; sidecar certificate renewed \\(lacks thanos-0\\.workload-eu\\.example\\.com, thanos-1\\.workload-eu\\.example\\.com\\), expires ${date}\\n`,
      ),
    );
    expect(third.stderr).toMatch(/certificates: 0 issued, 1 renewed, 4 kept/);
  });

  it('a bad store fails the synth with the file named, and dist/ stays as it was', async () => {
    const dir = tmpDir();
    const fleetFile = path.join(dir, 'fleet.yaml');
    fs.writeFileSync(fleetFile, defaultFleetText());
    const env = { FLEET: fleetFile, PROMFLEET_OUT: path.join(dir, 'dist') };
    expect((await runMain(env)).code).toBe(0);
    const dist = fingerprintTree(env.PROMFLEET_OUT);
    const key = path.join(dir, '.pki', 'querier', 'observer.key');
    fs.writeFileSync(key, 'garbage');
    const failed = await runMain(env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`promfleet: ${key}: is not a readable PEM private key`);
    expect(failed.stderr).toMatch(/Nothing was written: .*dist\/ and the PKI store .*\.pki\/ are as they were/);
    expect(changedFiles(dist, fingerprintTree(env.PROMFLEET_OUT))).toEqual([]);
  });
});
