// `promfleet credential set|list|remove <name>`: the receiver credentials of the secret store (docs/operations.md,
// "Alert receivers"). `set` reads the value on standard input, never from an argument: a shell history or a
// process listing would show it. FLEET or --fleet picks the fleet file, PROMFLEET_PKI_DIR or --pki-dir the store.
import * as fs from 'fs';
import { receiverCredentialUses } from '../components/alertmanager';
import { bucketCredentialUses } from '../components/objstore';
import { loadFleetFromEnv } from '../fleet/load';
import { isObserver, isWorkload, type FleetModel } from '../fleet/model';
import { acquireLock, lockTimeoutFromEnv, type Lock } from '../io/lock';
import { realPathOf } from '../io/paths';
import { PkiError, PkiStore } from '../pki';
import { ageIdentitiesFromEnv, AGE_SUFFIX, openSecrets } from '../pki/age';
import { credentialWrite, receiverCredentialFile, storedCredentialNames } from '../pki/receiver-credentials';
import { type CommandContext, type CommandSpec, envWithFlags, FLEET_FLAGS, isUserError, parseCommand, usageError } from './command';

export const CREDENTIAL: CommandSpec & { flags: typeof FLEET_FLAGS } = {
  name: 'credential',
  usage: 'set <name> < <file> | list | remove <name>',
  about: `Keeps the credentials of Alertmanager receivers (webhook URLs, routing and API keys, SMTP passwords) and of
Grafana's OpenID Connect client and object storage buckets (access keys) in the secret store, where a {credential: <name>}
of the fleet file and a bucket's credentials find them (docs/operations.md, "Alert receivers" and "Grafana"; docs/storage.md, "Credentials").
  set <name>      store the value read on standard input (one line), encrypted when the store is (pki.encryption)
  list            the stored credentials, and the receivers and buckets that use each or lack one
  remove <name>   delete a stored credential
The next promfleet synth renders them into dist/<cluster>/secrets/ (or seals them). Exit 0 when done, 1 on an
error, 2 on a usage error.`,
  flags: FLEET_FLAGS,
  positionals: 2,
};

/**
 * Which fleet receivers, Grafana sign-ins and buckets name each credential: `<cluster>: alertmanager.receivers[0].slack.apiUrl`,
 * `buckets.metrics.credentials.accessKey`.
 */
function usesByName(fleet: FleetModel): Map<string, string[]> {
  const uses = new Map<string, string[]>();
  for (const [name, bucket] of Object.entries(fleet.buckets)) {
    for (const u of bucketCredentialUses(bucket)) uses.set(u.credential, [...(uses.get(u.credential) ?? []), `buckets.${name}.${u.field}`]);
  }
  for (const c of fleet.clusters) {
    const auth = isObserver(c) ? c.observer.grafana?.auth : undefined;
    if (auth?.type === 'oidc' && 'credential' in auth.clientSecret) {
      const name = auth.clientSecret.credential;
      uses.set(name, [...(uses.get(name) ?? []), `${c.name}: grafana.auth.clientSecret`]);
    }
    if (!isWorkload(c) || !c.stack.alertmanager.enabled) continue;
    for (const u of receiverCredentialUses(c.stack.alertmanager.receivers)) {
      if (!('credential' in u.ref)) continue;
      uses.set(u.ref.credential, [...(uses.get(u.ref.credential) ?? []), `${c.name}: alertmanager.${u.path}`]);
    }
  }
  return uses;
}

export async function main(args: string[], context: CommandContext & { stdin?: () => string } = {}): Promise<number> {
  const stdin = context.stdin ?? (() => fs.readFileSync(0, 'utf8'));
  const parsed = parseCommand(CREDENTIAL, args);
  if ('exit' in parsed) return parsed.exit;
  const [command, name] = parsed.positionals;
  const ok = command === 'list' ? name === undefined : (command === 'set' || command === 'remove') && name !== undefined;
  if (!ok) {
    const what = !command
      ? 'a command is missing'
      : command === 'list'
        ? `list takes no argument (got ${JSON.stringify(name)})`
        : command === 'set' || command === 'remove'
          ? `${command} takes the credential's name`
          : `unknown command ${JSON.stringify(command)}`;
    return usageError(CREDENTIAL, what).exit;
  }
  const env = envWithFlags(process.env, CREDENTIAL.flags, parsed.values);
  let lock: Lock | undefined;
  try {
    const fleet = loadFleetFromEnv(env);
    const dir = fleet.pki.dir;
    if (command === 'list') {
      const stored = new Set(storedCredentialNames(dir));
      const uses = usesByName(fleet);
      const lines = [...new Set([...stored, ...uses.keys()])].sort().map((n) => {
        const used = uses.get(n)?.join(', ') ?? 'used by no receiver';
        return `${n}\t${stored.has(n) ? 'stored' : 'MISSING: promfleet credential set ' + n}\t${used}`;
      });
      process.stdout.write(lines.map((l) => `${l}\n`).join(''));
      return [...uses.keys()].some((n) => !stored.has(n)) ? 1 : 0;
    }
    // Read the value before taking the lock: a prompt for input must not hold up a synth.
    const write = command === 'set' ? credentialWrite(name, stdin()) : undefined;
    // The same lock as a synth's: a credential never changes under a render.
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    lock = await acquireLock(realPathOf(dir), 'the PKI store', {
      timeoutMs: lockTimeoutFromEnv(env),
      onWait: (m) => process.stderr.write(`promfleet credential: ${m}\n`),
    });
    const store = new PkiStore(dir, await openSecrets(dir, fleet.pki.encryption?.recipients, ageIdentitiesFromEnv(env)));
    for (const line of store.recover()) process.stderr.write(`promfleet credential: ${line}\n`);
    const file = store.file(receiverCredentialFile(name));
    if (write) {
      // An encrypted store gets the value encrypted to its recipients: no identity is needed to add one.
      store.commit(await store.protect([write]));
      process.stderr.write(`promfleet credential: stored ${name} in ${store.secrets ? file + AGE_SUFFIX : file}; run promfleet synth to render it\n`);
      return 0;
    }
    const files = [file, file + AGE_SUFFIX].filter((f) => fs.existsSync(f));
    if (!files.length) throw new PkiError(file, `does not exist: the store holds no credential "${name}" (promfleet credential list)`);
    for (const f of files) fs.rmSync(f);
    const users = usesByName(fleet).get(name);
    process.stderr.write(
      `promfleet credential: removed ${name}${users ? `; ${users.join(', ')} still name it, so the next synth fails until it is set again or the receiver changes` : ''}\n`,
    );
    return 0;
  } catch (e) {
    if (isUserError(e)) {
      process.stderr.write(`promfleet credential: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    lock?.release();
  }
}
