// A synth killed at any moment leaves dist/ and the PKI store each old or new, never mixed, and
// the next synth cleans up; two synths at once never give one fleet two CAs.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultFleetText, tmpDir } from './support/fleet';
import { APP, at, env, interruptEverywhere, leftovers, NEW_CLUSTER, synthSync } from './support/interrupt';

describe('a synth killed at any moment', () => {
  it('small fleet: dist/ and the store are each old or new, and the next synth cleans up', async () => {
    const base = defaultFleetText();
    const seen = await interruptEverywhere(base, `${base}${NEW_CLUSTER}`, 2);
    expect(seen).toContain('old dist, old store');
    expect(seen).toContain('new dist, new store');
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
    expect(r.stderr).toMatch(
      /\.dist\.lock: cannot take the lock of the output folder: ELOCKED \(locked\); process \d+ on .* is writing it .* delete .*\.dist\.lock/,
    );
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
