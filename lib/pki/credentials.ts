// Credentials promfleet generates and keeps in the PKI store beside the keys: the password of the
// Querier's basic sign-in, and that of each observer's Grafana admin. A password is generated once. The
// Querier's bcrypt hash is kept as well, because bcrypt salts are random: hashing again on every synth
// would change the rendered Secret each time. Grafana reads its admin password as it is, so it has no hash.
import * as crypto from 'crypto';
import * as path from 'path';
import bcrypt from 'bcryptjs';
import { isObserver, type FleetModel } from '../fleet/model';
import { PkiError } from './errors';
import type { CredentialKind, PendingWrite, PkiStore } from './store';

/**
 * ingress-nginx runs bcrypt on every request, in its worker: the cost of `htpasswd -B`, as the password is 144
 * random bits, which no cost factor needs to slow down guessing of.
 */
export const BCRYPT_COST = 5;
/** `$2y$`, not bcryptjs' `$2b$`: the musl crypt() of ingress-nginx images before musl 1.2.2 rejects `$2b$`. */
const HASH_PREFIX = '$2y$';
/** 144 random bits, 24 URL-safe characters: no quoting trouble in a shell or a browser prompt. */
const PASSWORD_BYTES = 18;

/** One generated credential the fleet needs. */
export interface CredentialSpec {
  readonly kind: CredentialKind;
  readonly cluster: string;
  readonly username: string;
}

/** The kinds whose password is rendered only as an htpasswd line (the rest are rendered as they are). */
const HASHED: Record<CredentialKind, boolean> = { 'querier-basic-auth': true, 'grafana-admin': false };

/** A generated password as its consumer reads it (Grafana's admin): rendered only into secrets/ or sealed. */
export interface PasswordCredential {
  readonly username: string;
  readonly password: string;
}

/** What the Ingress's basic-auth Secret holds: one htpasswd line (user name and bcrypt hash), never the password. */
export interface BasicAuthCredential {
  readonly username: string;
  /** `<user>:<bcrypt hash>` and a newline: the `auth` key ingress-nginx reads. */
  readonly htpasswd: string;
}

export type CredentialAction = 'created' | 'renewed' | 'kept';

export interface CredentialReportEntry {
  /** `<kind>/<cluster>`, e.g. `querier-basic-auth/observer`. */
  readonly name: string;
  readonly kind: CredentialKind;
  readonly cluster: string;
  readonly action: CredentialAction;
  readonly reason?: string;
  /** Absolute path of the password file: where the user reads it (`<file>.age` in an encrypted store). */
  readonly file: string;
  /** The file is encrypted with age (pki.encryption): `age -d` reads it. */
  readonly encrypted?: boolean;
}

export function credentialFiles(kind: CredentialKind, cluster: string): { password: string; htpasswd: string } {
  return { password: path.join(kind, `${cluster}.password`), htpasswd: path.join(kind, `${cluster}.htpasswd`) };
}

/** Every credential the fleet needs, in fleet order. */
export function credentialSpecs(fleet: FleetModel): CredentialSpec[] {
  const specs: CredentialSpec[] = [];
  for (const c of fleet.clusters) {
    const auth = isObserver(c) ? c.observer.querier.ingress?.auth : undefined;
    if (auth?.type === 'basic') specs.push({ kind: 'querier-basic-auth', cluster: c.name, username: auth.username });
    const grafana = isObserver(c) ? c.observer.grafana : undefined;
    if (grafana) specs.push({ kind: 'grafana-admin', cluster: c.name, username: grafana.adminUser });
  }
  return specs;
}

export interface CredentialDecision {
  readonly spec: CredentialSpec;
  /** The stored password, when there is one. */
  readonly password?: string;
  /** Undefined: keep the stored htpasswd line. */
  readonly generate?: { readonly action: 'created' | 'renewed'; readonly reason: string };
  readonly htpasswd?: string;
}

/** Whether the stored credential can be kept; a password edited in the store is hashed again, never replaced. */
export function decideCredential(store: PkiStore, spec: CredentialSpec): CredentialDecision {
  const files = credentialFiles(spec.kind, spec.cluster);
  const storedPassword = store.readSecret(files.password)?.replace(/\r?\n$/, '');
  if (storedPassword === undefined || storedPassword === '') return { spec, generate: { action: 'created', reason: 'new' } };
  if (/[\r\n]/.test(storedPassword)) {
    throw new PkiError(store.file(files.password), 'holds more than one line; write the password alone on one line, or delete the file to generate a new one');
  }
  if (!HASHED[spec.kind]) return { spec, password: storedPassword };
  const line = store.readSecret(files.htpasswd)?.replace(/\r?\n$/, '');
  const prefix = `${spec.username}:`;
  if (!line) return { spec, password: storedPassword, generate: { action: 'renewed', reason: 'no stored hash' } };
  if (!line.startsWith(prefix)) return { spec, password: storedPassword, generate: { action: 'renewed', reason: `user name is now ${spec.username}` } };
  if (!line.startsWith(`${prefix}${HASH_PREFIX}`))
    return { spec, password: storedPassword, generate: { action: 'renewed', reason: `hash is not ${HASH_PREFIX}` } };
  if (!bcrypt.compareSync(storedPassword, line.slice(prefix.length))) {
    return { spec, password: storedPassword, generate: { action: 'renewed', reason: 'the stored password changed' } };
  }
  return { spec, password: storedPassword, htpasswd: `${line}\n` };
}

/**
 * The credential of a decision, generating the password and hash it lacks, with the store writes that keep them:
 * `credential` for a hashed kind, `password` for the others.
 */
export function completeCredential(d: CredentialDecision): { credential?: BasicAuthCredential; password?: PasswordCredential; writes: PendingWrite[] } {
  const { spec } = d;
  if (!HASHED[spec.kind]) {
    const files = credentialFiles(spec.kind, spec.cluster);
    const password = d.password ?? crypto.randomBytes(PASSWORD_BYTES).toString('base64url');
    return {
      password: { username: spec.username, password },
      writes: d.password ? [] : [{ rel: files.password, content: `${password}\n`, secret: true }],
    };
  }
  if (!d.generate) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a kept decision always carries its htpasswd line
    return { credential: { username: spec.username, htpasswd: d.htpasswd! }, writes: [] };
  }
  const files = credentialFiles(spec.kind, spec.cluster);
  const password = d.password ?? crypto.randomBytes(PASSWORD_BYTES).toString('base64url');
  const htpasswd = `${spec.username}:${HASH_PREFIX}${bcrypt.hashSync(password, BCRYPT_COST).slice(HASH_PREFIX.length)}\n`;
  const writes: PendingWrite[] = [{ rel: files.htpasswd, content: htpasswd, secret: true }];
  if (!d.password) writes.unshift({ rel: files.password, content: `${password}\n`, secret: true });
  return { credential: { username: spec.username, htpasswd }, writes };
}
