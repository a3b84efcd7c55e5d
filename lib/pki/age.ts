// A store encrypted with age (docs/operations.md, "Sharing the store with age"): every secret file of
// the store is kept as <file>.age, encrypted to the recipients of pki.encryption, so that the store can
// be committed to the GitOps repository and shared by a team. Files are decrypted in memory only, with
// the identities of PROMFLEET_AGE_IDENTITY or PROMFLEET_AGE_IDENTITY_FILE; plaintext is never written.
import * as fs from 'fs';
import * as path from 'path';
import { PkiError } from './errors';
import type { PendingWrite } from './store';

/** Suffix of an encrypted file of the store. */
export const AGE_SUFFIX = '.age';
/** The recipients the store's files are encrypted to, one a line: when pki.encryption changes, everything is encrypted anew. */
export const RECIPIENTS_FILE = 'age-recipients';

type Age = typeof import('age-encryption');
let loading: Promise<Age> | undefined;
/** age-encryption is an ES module: loaded on first use, so a plaintext store never loads it. */
const age = (): Promise<Age> => (loading ??= import('age-encryption'));

/** Where ageIdentitiesFromEnv found each list of identities: named when one of them is not a valid key. */
const identitySources = new WeakMap<readonly string[], string>();

/** The identities (AGE-SECRET-KEY-...) of PROMFLEET_AGE_IDENTITY, else of the file PROMFLEET_AGE_IDENTITY_FILE; [] when neither is set. */
export function ageIdentitiesFromEnv(env: NodeJS.ProcessEnv): string[] {
  let text = env.PROMFLEET_AGE_IDENTITY ?? '';
  const file = env.PROMFLEET_AGE_IDENTITY_FILE ?? '';
  if (!text && file) {
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new PkiError(file, `cannot read this age identity file (PROMFLEET_AGE_IDENTITY_FILE): ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  // The format of age-keygen's output: comments, then the key.
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const bad = lines.find((l) => !l.startsWith('AGE-SECRET-KEY-'));
  if (bad !== undefined) {
    throw new PkiError(
      file || 'PROMFLEET_AGE_IDENTITY',
      'is not an age identity: each line must be an AGE-SECRET-KEY-... key (age-keygen prints one) or a # comment',
    );
  }
  identitySources.set(lines, env.PROMFLEET_AGE_IDENTITY ? 'PROMFLEET_AGE_IDENTITY' : `${file} (PROMFLEET_AGE_IDENTITY_FILE)`);
  return lines;
}

/** What the store holds encrypted, opened in memory. */
export interface OpenedSecrets {
  readonly recipients: readonly string[];
  /** Path in the store (without .age) -> plaintext, of every encrypted file opened, and of any plaintext secret file still to encrypt. */
  readonly plaintext: ReadonlyMap<string, string>;
  /** Encrypted files exist but no identity was given: the certificates can be read, not the keys. */
  readonly locked: boolean;
  /** Secret files to encrypt (anew) at the next update: plaintext ones left by a plaintext store, or all after a change of recipients. */
  readonly toEncrypt: ReadonlySet<string>;
  /** Plaintext secret files on disk, removed by the update that encrypts them. */
  readonly plaintextFiles: ReadonlySet<string>;
  /**
   * The files are encrypted to other recipients than pki.encryption lists. With an identity the next update
   * encrypts them anew (toEncrypt); a locked store cannot be: only a synth with an identity can.
   */
  readonly recipientsChanged: boolean;
}

/** Every file of `dir`, relative, sorted. */
function filesOf(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(path.relative(dir, p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out.sort();
}

/** Names of the store's secret files: keys, seal states, generated passwords and their hashes, receiver credentials (as store.ts makes them private). */
export const SECRET_FILE = /\.(key|json|password|htpasswd|credential)$/;

/**
 * Whether a plaintext file of the store is secret: by its name (a password written by hand has whatever
 * mode the editor gave it), or any file written private (the store writes every secret 0600); not a
 * certificate, an encrypted file or the store's own bookkeeping.
 */
function isPlaintextSecret(dir: string, rel: string): boolean {
  if (rel.endsWith('.crt') || rel.endsWith(AGE_SUFFIX) || rel === '.gitignore' || rel === RECIPIENTS_FILE) return false;
  return SECRET_FILE.test(rel) || (fs.statSync(path.join(dir, rel)).mode & 0o077) === 0;
}

export function recipientsText(recipients: readonly string[]): string {
  return [...recipients].sort().join('\n') + '\n';
}

/**
 * Opens the encrypted files of the store `dir` with `identities`; without identities the store is
 * `locked`. With `recipients` undefined (no pki.encryption), refuses a store that holds encrypted files.
 */
export async function openSecrets(dir: string, recipients: readonly string[] | undefined, identities: readonly string[]): Promise<OpenedSecrets | undefined> {
  const files = filesOf(dir);
  const encrypted = files.filter((f) => f.endsWith(AGE_SUFFIX));
  if (!recipients) {
    if (encrypted.length) {
      throw new PkiError(
        path.join(dir, encrypted[0]),
        'is encrypted with age, but the fleet file has no pki.encryption; set pki.encryption.recipients back (docs/operations.md, "Sharing the store with age")',
      );
    }
    return undefined;
  }
  const plaintext = new Map<string, string>();
  const toEncrypt = new Set<string>();
  const locked = encrypted.length > 0 && identities.length === 0;
  if (encrypted.length && !locked) {
    const { Decrypter, armor } = await age();
    const d = new Decrypter();
    identities.forEach((id, i) => {
      try {
        d.addIdentity(id);
      } catch (e) {
        const where = identitySources.get(identities) ?? 'the age identity given';
        throw new PkiError(
          where,
          `${identities.length > 1 ? `key ${i + 1} ` : ''}is not a valid age identity (${(e as Error).message}); copy the whole AGE-SECRET-KEY-... line that age-keygen wrote, or make a new identity with age-keygen and have someone who opens the store add its recipient`,
        );
      }
    });
    for (const f of encrypted) {
      const file = path.join(dir, f);
      // A file that is not age's format was damaged, typically by a merge: no identity would open it.
      const damaged = (why: string) =>
        new PkiError(
          file,
          `is damaged, not a readable age file (${why}); a merge conflict leaves such a file: restore it from Git (git checkout <commit> -- ${f}, or resolve the merge by taking one side whole), then synth`,
        );
      let bytes: Uint8Array;
      try {
        bytes = armor.decode(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw damaged((e as Error).message);
      }
      try {
        plaintext.set(f.slice(0, -AGE_SUFFIX.length), await d.decrypt(bytes, 'text'));
      } catch (e) {
        const message = (e as Error).message;
        if (!/no identity matched/.test(message)) throw damaged(message);
        throw new PkiError(
          file,
          `cannot be decrypted with the age identity given (${message}); give an identity whose recipient is in pki.encryption.recipients, or have someone who has one add yours and synth`,
        );
      }
    }
  }
  // A plaintext secret file (a store that was not encrypted yet) is encrypted at the next update, then removed.
  const plaintextFiles = new Set(files.filter((f) => isPlaintextSecret(dir, f)));
  for (const f of plaintextFiles) {
    plaintext.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
    toEncrypt.add(f);
  }
  let stored: string | undefined;
  try {
    stored = fs.readFileSync(path.join(dir, RECIPIENTS_FILE), 'utf8');
  } catch {
    stored = undefined;
  }
  // A locked store whose recipients changed: the certificates can still be read (pki status); what needs the
  // keys says that a synth with an identity must encrypt the files anew (see recipientsChangedError).
  const recipientsChanged = encrypted.length > 0 && stored !== recipientsText(recipients);
  if (recipientsChanged && !locked) for (const f of encrypted) toEncrypt.add(f.slice(0, -AGE_SUFFIX.length));
  return { recipients, plaintext, locked, toEncrypt, plaintextFiles, recipientsChanged };
}

/** What a locked store whose recipients changed needs: a synth with an identity, outside CI. */
export const RECIPIENTS_CHANGED_FIX =
  'someone with an age identity that opens the store must run CI=false npm run synth (PROMFLEET_AGE_IDENTITY or PROMFLEET_AGE_IDENTITY_FILE set) and commit the store';

export function recipientsChangedError(dir: string): PkiError {
  return new PkiError(
    path.join(dir, RECIPIENTS_FILE),
    `differs from pki.encryption.recipients, so every file must be encrypted anew, which takes an age identity: ${RECIPIENTS_CHANGED_FIX}`,
  );
}

/** Encrypts the secret writes to the recipients (as <rel>.age); the others pass through. */
export async function encryptWrites(
  writes: readonly PendingWrite[],
  recipients: readonly string[],
  field = 'pki.encryption.recipients',
): Promise<PendingWrite[]> {
  if (!writes.some((w) => w.secret)) return [...writes];
  const { Encrypter, armor } = await age();
  const e = new Encrypter();
  recipients.forEach((r, i) => {
    try {
      e.addRecipient(r);
    } catch (err) {
      throw new PkiError(
        `${field}[${i}]`,
        `${JSON.stringify(r)} is not an age recipient (${(err as Error).message}); age-keygen -y <identity file> prints one`,
      );
    }
  });
  const out: PendingWrite[] = [];
  for (const w of writes) {
    // ASCII armor: a text file that diffs and merges like the certificates beside it.
    out.push(w.secret ? { rel: w.rel + AGE_SUFFIX, content: armor.encode(await e.encrypt(w.content)), secret: false } : w);
  }
  return out;
}
