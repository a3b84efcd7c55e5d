// CA rotation: three explicit steps, each followed by a synth and an apply. At every moment two
// peers that are at most one step apart trust each other, so the rotation never breaks mTLS.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { FleetModel } from '../lib/fleet/model';
import { FleetPki, PkiError, preparePki } from '../lib/pki';
import { rotateCa } from '../lib/pki/rotation';
import { ROOT } from './support/fleet';
import { fleetWithStore, opensslVerify } from './support/pki';

const certCount = (pem: string) => (pem.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
const actions = (pki: FleetPki) => pki.report.entries.map((e) => (e.reason ? `${e.action}: ${e.reason}` : e.action));

async function refused(run: () => Promise<unknown>, message: RegExp): Promise<void> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PkiError);
  expect((err as Error).message).toMatch(message);
}

describe('rotate-ca start, switch, finish', () => {
  let fleet: FleetModel;
  /** The fleet's certificates after each step's synth: before, started, switched, finished. */
  const phases: FleetPki[] = [];

  beforeAll(async () => {
    fleet = fleetWithStore();
    phases.push(await preparePki(fleet));
  });

  it('start: a next CA is trusted next to the current one, which still signs; nothing is re-issued', async () => {
    await refused(() => rotateCa(fleet, 'switch'), /cannot run rotate-ca switch: no rotation is under way; begin with rotate-ca start/);
    const lines = await rotateCa(fleet, 'start');
    expect(lines.join('\n')).toMatch(/Created the next CA "promfleet root CA [0-9a-f]{8}".*ca-next\/[\s\S]*npm run pki -- rotate-ca switch/);
    // The changed ca.crt needs a restart (Thanos reads it at start): the command says so, not only the documentation.
    expect(lines.join('\n')).toMatch(/restart the sidecars .*and the Querier/);
    const pki = await preparePki(fleet);
    phases.push(pki);
    expect(actions(pki)).toEqual(['kept', 'kept', 'kept', 'kept', 'kept', 'kept']);
    expect(pki.report.rotation).toBe('started');
    expect(certCount(pki.caBundle)).toBe(2);
    expect(pki.caBundle.startsWith(phases[0].caBundle)).toBe(true);
    expect(pki.sidecar('workload-eu').cert).toBe(phases[0].sidecar('workload-eu').cert);
    await refused(() => rotateCa(fleet, 'start'), /the last step done was "start"; run rotate-ca switch/);
    await refused(() => rotateCa(fleet, 'finish'), /the last step done was "start"; run rotate-ca switch/);
  });

  it('switch: the new CA signs, every certificate is re-issued, the old CA is still trusted', async () => {
    await rotateCa(fleet, 'switch');
    // Not before every certificate comes from the new CA (that takes a synth).
    await refused(
      () => rotateCa(fleet, 'finish'),
      /5 certificate\(s\) do not come from the new CA yet \(sidecar\/observer, querier\/observer, querier-ingress\/observer, sidecar\/workload-eu, sidecar\/workload-us\)/,
    );
    const pki = await preparePki(fleet);
    phases.push(pki);
    expect(actions(pki)).toEqual(['kept', ...Array<string>(5).fill('renewed: not signed by the current CA')]);
    expect(pki.report.rotation).toBe('switched');
    // Only the leaves change at this step: the bundle is the same (so no restart is needed).
    expect(pki.caBundle).toBe(phases[1].caBundle);
    expect(pki.certificate('sidecar', 'workload-eu').issuer).not.toBe(phases[0].certificate('sidecar', 'workload-eu').issuer);
  });

  it('finish: the old CA is retired, and ca.crt holds the new CA only', async () => {
    const lines = await rotateCa(fleet, 'finish');
    expect(lines[0]).toMatch(/is no longer trusted; it was moved to .*ca-retired\/\d{4}-\d\d-\d\d-[0-9a-f]{8}\//);
    expect(lines.join('\n')).toMatch(/restart the sidecars .*and the Querier/);
    const retired = fs.readdirSync(path.join(fleet.pki.dir, 'ca-retired'));
    expect(retired).toHaveLength(1);
    expect(fs.readFileSync(path.join(fleet.pki.dir, 'ca-retired', retired[0], 'ca.crt'), 'utf8')).toBe(phases[0].caBundle);
    expect(fs.existsSync(path.join(fleet.pki.dir, 'ca-previous'))).toBe(false);
    const pki = await preparePki(fleet);
    phases.push(pki);
    expect(actions(pki)).toEqual(['kept', 'kept', 'kept', 'kept', 'kept', 'kept']);
    expect(pki.report.rotation).toBeUndefined();
    expect(certCount(pki.caBundle)).toBe(1);
    expect(phases[2].caBundle.endsWith(pki.caBundle)).toBe(true);
  });

  it('never breaks mTLS: peers one step apart verify each other (openssl), peers further apart do not', () => {
    expect(phases).toHaveLength(4);
    const check = (server: FleetPki, client: FleetPki) => [
      opensslVerify(client.querier('observer').ca, server.sidecar('workload-eu').cert, 'sslserver', 'sidecar-0.workload-eu.example.com').code,
      opensslVerify(server.sidecar('workload-eu').ca, client.querier('observer').cert, 'sslclient').code,
    ];
    for (let i = 0; i < 4; i++) {
      for (let j = Math.max(0, i - 1); j <= Math.min(3, i + 1); j++) {
        expect([`server at step ${i}, client at step ${j}`, check(phases[i], phases[j])]).toEqual([`server at step ${i}, client at step ${j}`, [0, 0]]);
      }
    }
    // Skipping the apply between two steps is what breaks it: the rotation needs all three.
    expect(check(phases[0], phases[2])).not.toEqual([0, 0]);
    expect(check(phases[3], phases[1])).not.toEqual([0, 0]);
  });
});

describe('rotation to or from an intermediate CA', () => {
  it('pki.intermediate may change while a rotation starts: the next CA has the new shape', async () => {
    const fleet = fleetWithStore();
    await preparePki(fleet);
    const withIntermediate = { ...fleet, pki: { ...fleet.pki, intermediate: true } };
    await rotateCa(withIntermediate, 'start');
    expect(fs.readdirSync(path.join(fleet.pki.dir, 'ca-next')).sort()).toEqual(['ca.crt', 'ca.key', 'intermediate.crt', 'intermediate.key']);
    expect(actions(await preparePki(withIntermediate))).toEqual(['kept', 'kept', 'kept', 'kept', 'kept', 'kept']);
    await rotateCa(withIntermediate, 'switch');
    const pki = await preparePki(withIntermediate);
    expect(certCount(pki.sidecar('workload-us').cert)).toBe(2);
    expect(pki.certificate('sidecar', 'workload-us').issuer).toMatch(/^promfleet intermediate CA /);
  });
});

describe('promfleet pki', () => {
  const cli = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [path.join(ROOT, 'bin', 'promfleet.mjs'), 'pki', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, ...env },
    });

  it('status lists the CA and each certificate with its expiry; rotate-ca runs a step; bad usage exits 2', async () => {
    const fleet = fleetWithStore();
    await preparePki(fleet);
    const env = { PROMFLEET_PKI_DIR: fleet.pki.dir, FLEET: path.join(ROOT, 'fleet.yaml') };
    const status = cli(['status'], env);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^ {2}CA "promfleet root CA [0-9a-f]{8}", expires \d{4}-\d\d-\d\d$/m);
    for (const leaf of ['querier/observer', 'sidecar/workload-eu', 'sidecar/workload-us'])
      expect(status.stdout).toMatch(new RegExp(`^  ${leaf}: expires \\d{4}-\\d\\d-\\d\\d$`, 'm'));
    const start = cli(['rotate-ca', 'start'], env);
    expect([start.status, start.stdout]).toEqual([0, expect.stringContaining('Created the next CA')]);
    expect(fs.existsSync(path.join(fleet.pki.dir, 'ca-next', 'ca.key'))).toBe(true);
    const wrong = cli(['rotate-ca', 'start'], env);
    expect([wrong.status, wrong.stderr]).toEqual([1, expect.stringMatching(/^promfleet pki: .*ca-next: cannot run rotate-ca start/)]);
    const usage = cli(['rotate-ca'], env);
    expect([usage.status, usage.stderr]).toEqual([
      2,
      'promfleet pki: rotate-ca takes one step: start, switch, finish\nusage: promfleet pki status [--expiring-within <days>d] | rotate-ca <start|switch|finish>\n(promfleet pki --help for more)\n',
    ]);
    const help = cli(['--help'], env);
    expect([help.status, help.stdout]).toEqual([0, expect.stringMatching(/^usage: promfleet pki [\s\S]*--pki-dir <dir> .*\[env PROMFLEET_PKI_DIR\]/)]);
  });
});
