// Credentials users give promfleet for Alertmanager receivers (Slack webhook URLs, PagerDuty routing keys,
// Opsgenie API keys, ...): kept in the store's protected area, one file per credential, encrypted when the
// store is (pki.encryption). promfleet never generates them: `promfleet credential set <name>` puts one in.
import * as fs from 'fs';
import * as path from 'path';
import { AGE_SUFFIX } from './age';
import { PkiError } from './errors';
import type { PendingWrite } from './store';

/** The store folder of receiver credentials. */
export const RECEIVER_CREDENTIALS_DIR = 'receivers';
const SUFFIX = '.credential';
export const CREDENTIAL_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Path of a credential inside the store (`<file>.age` in an encrypted store). */
export function receiverCredentialFile(name: string): string {
  return path.join(RECEIVER_CREDENTIALS_DIR, `${name}${SUFFIX}`);
}

/** Names of the credentials the store at `dir` holds, sorted. */
export function storedCredentialNames(dir: string): string[] {
  const folder = path.join(dir, RECEIVER_CREDENTIALS_DIR);
  if (!fs.existsSync(folder)) return [];
  const names = fs
    .readdirSync(folder)
    .map((f) => (f.endsWith(AGE_SUFFIX) ? f.slice(0, -AGE_SUFFIX.length) : f))
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length));
  return [...new Set(names)].sort();
}

/**
 * The store write that keeps `value` as credential `name`. The value is one line (a URL, a key or a
 * password): a trailing newline, as `echo` or an editor leaves it, is dropped, as Alertmanager would send it.
 */
export function credentialWrite(name: string, value: string): PendingWrite {
  if (!CREDENTIAL_NAME.test(name)) throw new PkiError(name, 'is no credential name: use lowercase letters, digits and "-", e.g. slack-ops');
  const line = value.replace(/\r?\n$/, '');
  if (line === '') throw new PkiError(name, 'got an empty value; pass the credential on standard input, e.g. promfleet credential set slack-ops < file');
  if (/[\r\n]/.test(line)) throw new PkiError(name, 'got more than one line; a receiver credential is one line (a URL, a key or a password)');
  return { rel: receiverCredentialFile(name), content: `${line}\n`, secret: true };
}

/** The value of a stored credential, as read by `text` (the store's reader, which decrypts), or undefined. */
export function readCredential(name: string, text: (rel: string) => string | undefined): string | undefined {
  const content = text(receiverCredentialFile(name));
  return content === undefined ? undefined : content.replace(/\r?\n$/, '');
}
