// CA rotation in three explicit steps, each followed by a synth and an apply of every cluster,
// so that no two peers ever lack a common trusted CA:
//   start   a new CA is created in ca-next/; every ca.crt trusts both; the old CA still signs.
//   switch  the new CA becomes ca/ and signs (the next synth re-issues every certificate);
//           the old one moves to ca-previous/ and stays trusted.
//   finish  the old CA is no longer trusted; it moves to ca-retired/.
import type { X509Certificate } from 'crypto';
import * as path from 'path';
import type { FleetModel } from '../fleet/model';
import { AGE_SUFFIX, openSecrets, type OpenedSecrets } from './age';
import { PkiError } from './errors';
import { credentialFiles, credentialSpecs, decideCredential } from './credentials';
import { caKeyCount, createCa, leafFiles, leafSpecs, openStore, renewalReason, type PkiOptions } from './fleet-pki';
import { describe, isoDay as day } from './inspect';
import { generateKeyPairs } from './keys';
import { DAY_MS } from './profiles';
import { CA_DIR, CaSet, NEXT_CA_DIR, PREVIOUS_CA_DIR, RETIRED_CA_DIR } from './store';

export const ROTATION_STEPS = ['start', 'switch', 'finish'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

function caName(set: CaSet): string {
  const signer = describe(set.signer.pair.x509);
  return `"${describe(set.root.x509).commonName}"${set.intermediate ? ` (intermediate "${signer.commonName}")` : ''}, expires ${day(signer.notAfter)}`;
}

/** Performs one rotation step on the fleet's store; returns what it did and what to do next. */
export async function rotateCa(fleet: FleetModel, step: RotationStep, opts: PkiOptions = {}): Promise<string[]> {
  const now = opts.now ?? new Date();
  const secrets = await openSecrets(fleet.pki.dir, fleet.pki.encryption?.recipients, opts.identities ?? []);
  const { store, current, other } = openStore(fleet, now, true, secrets);
  if (store.locked) {
    throw new PkiError(store.dir, 'is encrypted with age and no identity was given to open it: set PROMFLEET_AGE_IDENTITY (or PROMFLEET_AGE_IDENTITY_FILE)');
  }
  const rel = (...p: string[]) => path.relative(process.cwd(), store.file(...p)) || '.';
  if (!current) throw new PkiError(store.file(CA_DIR), 'does not exist yet: the first synth creates the CA, there is nothing to rotate');
  const inProgress = other?.role === 'next' ? 'start' : other?.role === 'previous' ? 'switch' : undefined;
  const expected: Record<RotationStep, RotationStep | undefined> = { start: undefined, switch: 'start', finish: 'switch' };
  if (inProgress !== expected[step]) {
    const hint = inProgress
      ? `the last step done was "${inProgress}"; run rotate-ca ${inProgress === 'start' ? 'switch' : 'finish'}`
      : 'no rotation is under way; begin with rotate-ca start';
    throw new PkiError(store.file(other ? (other.role === 'next' ? NEXT_CA_DIR : PREVIOUS_CA_DIR) : CA_DIR), `cannot run rotate-ca ${step}: ${hint}`);
  }
  // Thanos reads a CA file only at start: a changed ca.crt takes effect after a restart (docs/operations.md, "CA rotation").
  const restart =
    'Then restart the sidecars (statefulset/prometheus-k8s) and the Querier (deployment/thanos-querier, and statefulset/thanos-store-gateway if any): Thanos reads ca.crt only at start.';

  if (step === 'start') {
    const made = createCa(fleet, NEXT_CA_DIR, now, await generateKeyPairs(caKeyCount(fleet)));
    store.commit(await store.protect(made.writes));
    return [
      `Created the next CA ${caName(made.set)} in ${rel(NEXT_CA_DIR)}/.`,
      `Every ca.crt now trusts it next to the current CA ${caName(current)}; certificates are still signed by the current CA.`,
      'Now run npm run synth and apply every cluster (all of them, before going on).',
      restart,
      'Then: npm run pki -- rotate-ca switch',
    ];
  }
  // Past "start" the check above found the rotation under way, so the other CA is there.
  if (!other) throw new Error(`rotate-ca ${step}: no other CA in ${store.dir}`);
  if (step === 'switch') {
    store.moveCaDirs(
      [
        { from: CA_DIR, to: PREVIOUS_CA_DIR },
        { from: NEXT_CA_DIR, to: CA_DIR },
      ],
      await store.protect([]),
    );
    return [
      `The new CA ${caName(other.set)}, now signs; the next synth re-issues every certificate from it.`,
      `The old CA ${caName(current)}, is still trusted (${rel(PREVIOUS_CA_DIR)}/).`,
      'Now run npm run synth and apply every cluster (all of them, before going on). No restart is needed: only certificates and keys change.',
      'Then: npm run pki -- rotate-ca finish',
    ];
  }
  // finish: only once every certificate the fleet uses comes from the new CA.
  const stale = leafSpecs(fleet).filter((spec) => {
    const files = leafFiles(spec.kind, spec.cluster);
    const pair = store.readPair(files.cert, files.key);
    return !pair || renewalReason(spec, pair, current.signer.pair, fleet, now) === 'not signed by the current CA';
  });
  if (stale.length) {
    throw new PkiError(
      store.dir,
      `${stale.length} certificate(s) do not come from the new CA yet (${stale.map((s) => `${s.kind}/${s.cluster}`).join(', ')}); run npm run synth and apply every cluster before rotate-ca finish`,
    );
  }
  const retired = path.join(RETIRED_CA_DIR, `${day(now)}-${other.set.root.x509.fingerprint256.replace(/:/g, '').slice(0, 8).toLowerCase()}`);
  store.moveCaDirs([{ from: PREVIOUS_CA_DIR, to: retired }], await store.protect([]));
  return [
    `The old CA ${caName(other.set)}, is no longer trusted; it was moved to ${rel(retired)}/.`,
    'Now run npm run synth and apply every cluster: each ca.crt then holds the new CA only.',
    restart,
  ];
}

/** The store at a glance: CAs, rotation state, and each certificate the fleet needs. */
export function pkiStatus(fleet: FleetModel, opts: PkiOptions = {}, secrets?: OpenedSecrets): string[] {
  const now = opts.now ?? new Date();
  const { store, current, other } = openStore(fleet, now, true, secrets);
  if (!current) return [`${store.dir}: no CA yet; the next synth creates it.`];
  const lines = [`${store.dir}`, `  CA ${caName(current)}`];
  if (other) lines.push(`  ${other.role === 'next' ? 'next CA (rotation started)' : 'previous CA (rotation switched)'} ${caName(other.set)}`);
  for (const spec of leafSpecs(fleet)) {
    const files = leafFiles(spec.kind, spec.cluster);
    // A locked store (encrypted, no identity): the certificates tell the expiry, the keys are not needed.
    const pair = store.readPair(files.cert, files.key, { keyOptional: store.locked });
    const name = `${spec.kind}/${spec.cluster}`;
    if (!pair) {
      lines.push(`  ${name}: missing; the next synth issues it`);
      continue;
    }
    const reason = renewalReason(spec, pair, current.signer.pair, fleet, now);
    lines.push(`  ${name}: expires ${day(describe(pair.x509).notAfter)}${reason ? `; the next synth re-issues it (${reason})` : ''}`);
  }
  // Where each generated password is, never the password: this output may end up in a log too.
  for (const spec of credentialSpecs(fleet)) {
    const file = store.file(credentialFiles(spec.kind, spec.cluster).password);
    // A locked store cannot be read, and its password needs no identity to be located.
    if (store.locked) {
      lines.push(`  ${spec.kind}/${spec.cluster}: user ${spec.username}, password in ${file}${AGE_SUFFIX} (encrypted)`);
      continue;
    }
    const d = decideCredential(store, spec);
    const state = !d.generate
      ? 'in'
      : d.generate.action === 'created'
        ? 'missing; the next synth generates it into'
        : `the next synth hashes it again (${d.generate.reason}):`;
    // An encrypted store keeps it as <file>.age only.
    lines.push(`  ${spec.kind}/${spec.cluster}: user ${spec.username}, password ${state} ${store.secrets ? `${file}${AGE_SUFFIX} (encrypted)` : file}`);
  }
  return lines;
}

/**
 * Every certificate of the store that a scheduled job should hear about: the CAs (current, and the
 * other one during a rotation) and the fleet's leaves that expire within `days` from now, each as
 * "<name> expires <day> (<file>)". Missing leaves are not listed: the next synth issues them. A store
 * without a CA is an error: the job most likely looks at the wrong folder.
 */
export function pkiExpiring(fleet: FleetModel, days: number, opts: PkiOptions = {}, secrets?: OpenedSecrets): string[] {
  const now = opts.now ?? new Date();
  const { store, current, other } = openStore(fleet, now, true, secrets);
  // A scheduled job pointed at the wrong place must not report "nothing expires".
  if (!current) {
    throw new PkiError(
      store.file(CA_DIR),
      `does not exist, so no expiry can be checked: ${store.exists() ? 'the store holds no CA' : 'there is no store'}. Is this the fleet's store? Check FLEET and PROMFLEET_PKI_DIR (or pki.dir); a synth creates the CA`,
    );
  }
  const limit = now.getTime() + days * DAY_MS;
  const found: string[] = [];
  const check = (name: string, x509: X509Certificate, file: string) => {
    const end = new Date(x509.validTo);
    if (end.getTime() <= limit) found.push(`${name} ${end <= now ? 'expired on' : 'expires'} ${day(end)} (${path.relative(process.cwd(), file) || file})`);
  };
  for (const [role, set] of [
    ['CA', current],
    [other?.role === 'next' ? 'next CA' : 'previous CA', other?.set],
  ] as const) {
    if (!set) continue;
    check(role, set.root.x509, set.root.certFile);
    if (set.intermediate) check(`${role} intermediate`, set.intermediate.x509, set.intermediate.certFile);
  }
  for (const spec of leafSpecs(fleet)) {
    const files = leafFiles(spec.kind, spec.cluster);
    // Expiry needs the certificate only: a job that holds no key (an encrypted store) can run this.
    const pair = store.readPair(files.cert, files.key, { keyOptional: true });
    if (pair) check(`${spec.kind}/${spec.cluster}`, pair.x509, pair.certFile);
  }
  return found;
}
