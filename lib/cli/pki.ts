// `promfleet pki <command>` (also `npm run pki -- <command>`): inspect the PKI store and rotate its CA
// (docs/operations.md, "PKI"). FLEET or --fleet picks the fleet file, PROMFLEET_PKI_DIR or --pki-dir the store.
import * as fs from 'fs';
import { loadFleetFromEnv } from '../fleet/load';
import { acquireLock, lockTimeoutFromEnv, type Lock } from '../io/lock';
import { realPathOf } from '../io/paths';
import { PkiStore } from '../pki';
import { ageIdentitiesFromEnv, openSecrets } from '../pki/age';
import { pkiExpiring, pkiStatus, rotateCa, ROTATION_STEPS, RotationStep } from '../pki/rotation';
import { type CommandSpec, envWithFlags, FLEET_FLAGS, isUserError, parseCommand, usageError } from './command';

const PKI_FLAGS = {
  ...FLEET_FLAGS,
  'expiring-within': { type: 'string', value: 'days', help: 'with status: exit 3 when a certificate expires within this many days (30 or 30d)' },
} as const;

export const PKI: CommandSpec & { flags: typeof PKI_FLAGS } = {
  name: 'pki',
  usage: `status [--expiring-within <days>d] | rotate-ca <${ROTATION_STEPS.join('|')}>`,
  about: `Inspects the PKI store and rotates its CA (docs/operations.md, "PKI").
  status             the CAs, any rotation under way, and each certificate's expiry
  rotate-ca start    step 1: create the next CA; it is trusted, the current CA still signs
  rotate-ca switch   step 2: the next CA signs, the old one stays trusted
  rotate-ca finish   step 3: stop trusting the old CA
Each rotation step is followed by promfleet synth and an apply of every cluster. Exit 0 when done, 1 on an
error, 2 on a usage error, 3 when --expiring-within finds a certificate that expires within the window.`,
  flags: PKI_FLAGS,
  positionals: 2,
};

/** The exit code of `status --expiring-within` when a certificate expires within the window (1 is an error, 2 a usage error). */
export const EXIT_EXPIRING = 3;

export async function main(args: string[]): Promise<number> {
  const parsed = parseCommand(PKI, args);
  if ('exit' in parsed) return parsed.exit;
  const [command, step] = parsed.positionals;
  const within = parsed.values['expiring-within'];
  const rotate = command === 'rotate-ca' && (ROTATION_STEPS as readonly string[]).includes(step) && within === undefined;
  // `status --expiring-within 30d`: for a scheduled job, which fails while a certificate needs attention.
  const window = command === 'status' && !step && within !== undefined ? /^(\d+)d?$/.exec(within) : undefined;
  if (!(command === 'status' && !step && within === undefined) && !rotate && !window) {
    const what = !command
      ? 'a command is missing'
      : command === 'status'
        ? `--expiring-within takes a number of days such as 30d${step ? `, and status no argument (got ${JSON.stringify(step)})` : ''}`
        : command === 'rotate-ca'
          ? `rotate-ca takes one step: ${ROTATION_STEPS.join(', ')}`
          : `unknown command ${JSON.stringify(command)}`;
    return usageError(PKI, what).exit;
  }
  const env = envWithFlags(process.env, PKI.flags, parsed.values);
  let lock: Lock | undefined;
  try {
    const fleet = loadFleetFromEnv(env);
    const timeoutMs = lockTimeoutFromEnv(env);
    // The same lock as a synth's: a rotation step never interleaves with one. Where there is no store there is
    // nothing to guard, and a command that only reads must not create the folders of a mistyped path.
    if (fs.existsSync(fleet.pki.dir)) {
      lock = await acquireLock(realPathOf(fleet.pki.dir), 'the PKI store', { timeoutMs, onWait: (m) => process.stderr.write(`promfleet pki: ${m}\n`) });
      for (const line of new PkiStore(fleet.pki.dir).recover()) process.stderr.write(`promfleet pki: ${line}\n`);
    }
    const identities = ageIdentitiesFromEnv(env);
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
          'promfleet pki: a synth renews the leaves (then apply every cluster); a CA takes a rotation: promfleet pki rotate-ca start (docs/operations.md, "CA rotation")\n',
      );
      return EXIT_EXPIRING;
    }
    return 0;
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`promfleet pki: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    lock?.release();
  }
}
