// `npm run pki -- <command>`: inspect the PKI store and rotate its CA (docs/operations.md, "PKI").
//   status                 the CAs, any rotation under way, and each certificate's expiry
//   status --expiring-within 30d   the same, and exit 3 when a certificate expires within 30 days
//   rotate-ca start        step 1: create the next CA; it is trusted, the current CA still signs
//   rotate-ca switch       step 2: the next CA signs, the old one stays trusted
//   rotate-ca finish       step 3: stop trusting the old CA
// Each step is followed by `npm run synth` and an apply of every cluster. FLEET picks the fleet file.
import * as fs from 'fs';
import { FleetError } from '../lib/fleet/errors';
import { loadFleetFromEnv } from '../lib/fleet/load';
import { EnvError, IoError } from '../lib/io/errors';
import { acquireLock, lockTimeoutFromEnv, type Lock } from '../lib/io/lock';
import { realPathOf } from '../lib/io/paths';
import { PkiError, PkiStore } from '../lib/pki';
import { ageIdentitiesFromEnv, openSecrets } from '../lib/pki/age';
import { pkiExpiring, pkiStatus, rotateCa, ROTATION_STEPS, RotationStep } from '../lib/pki/rotation';

const USAGE = `usage: npm run pki -- status [--expiring-within <days>d] | rotate-ca <${ROTATION_STEPS.join('|')}>\n`;

/** The exit code of `status --expiring-within` when a certificate expires within the window (1 is an error, 2 a usage error). */
export const EXIT_EXPIRING = 3;

export async function main(args: string[]): Promise<number> {
  const [command, step, ...rest] = args;
  const rotate = command === 'rotate-ca' && (ROTATION_STEPS as readonly string[]).includes(step) && !rest.length;
  // `status --expiring-within 30d`: for a scheduled job, which fails while a certificate needs attention.
  const window = command === 'status' && step === '--expiring-within' && rest.length === 1 ? /^(\d+)d?$/.exec(rest[0]) : undefined;
  if (!(command === 'status' && !step) && !rotate && !window) {
    process.stderr.write(USAGE);
    return 2;
  }
  let lock: Lock | undefined;
  try {
    const fleet = loadFleetFromEnv();
    const timeoutMs = lockTimeoutFromEnv(process.env);
    // The same lock as a synth's: a rotation step never interleaves with one. Where there is no store there is
    // nothing to guard, and a command that only reads must not create the folders of a mistyped path.
    if (fs.existsSync(fleet.pki.dir)) {
      lock = await acquireLock(realPathOf(fleet.pki.dir), 'the PKI store', { timeoutMs, onWait: (m) => process.stderr.write(`promfleet pki: ${m}\n`) });
      for (const line of new PkiStore(fleet.pki.dir).recover()) process.stderr.write(`promfleet pki: ${line}\n`);
    }
    const identities = ageIdentitiesFromEnv(process.env);
    // An encrypted store without an identity still shows every expiry: the certificates are not encrypted.
    const secrets = rotate ? undefined : await openSecrets(fleet.pki.dir, fleet.pki.encryption?.recipients, identities);
    const lines = rotate ? await rotateCa(fleet, step as RotationStep, { identities }) : pkiStatus(fleet, {}, secrets);
    // Before any output: a store without a CA is an error for a scheduled job, not an empty report.
    const days = window ? Number(window[1]) : 0;
    const expiring = window ? pkiExpiring(fleet, days, {}, secrets) : [];
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    if (expiring.length) {
      process.stderr.write(
        `promfleet pki: ${expiring.length} certificate(s) expire within ${days} days:\n${expiring.map((e) => `  ${e}\n`).join('')}` +
          'promfleet pki: a synth renews the leaves (then apply every cluster); a CA takes a rotation: npm run pki -- rotate-ca start (docs/operations.md, "CA rotation")\n',
      );
      return EXIT_EXPIRING;
    }
    return 0;
  } catch (e) {
    if (e instanceof PkiError || e instanceof FleetError || e instanceof IoError || e instanceof EnvError) {
      process.stderr.write(`promfleet pki: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    lock?.release();
  }
}
