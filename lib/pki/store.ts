// The PKI store on disk. Layout (docs/operations.md, "The store"):
//   <dir>/ca/ca.crt, ca.key                      the CA that signs (root, self-signed)
//   <dir>/ca/intermediate.crt, intermediate.key  with pki.intermediate: the CA that signs leaves
//   <dir>/ca-next/      during a CA rotation, step 1: the coming CA (already trusted)
//   <dir>/ca-previous/  during a CA rotation, step 2: the old CA (still trusted)
//   <dir>/ca-retired/<date>-<fingerprint>/  CAs whose rotation finished (no longer used)
//   <dir>/<kind>/<cluster>.crt, .key             leaf certificates: sidecar, querier, store-gateway, querier-ingress, grafana-ingress
//   <dir>/<kind>/<cluster>.password, .htpasswd   generated credentials: querier-basic-auth (the password and its hash),
//                                                grafana-admin (the password of Grafana's admin only)
//   <dir>/sealed/<cluster>.json                  sealed-secrets mode: what each SealedSecret was sealed from
//   <dir>/etcd-client/<cluster>.crt, .key, -ca.crt  etcd's client certificate, imported from the user's files
// Keys are written 0600 and folders 0700; a .gitignore of "*" keeps the store out of any repository.
// With pki.encryption (lib/pki/age.ts) every secret file is kept as <file>.age instead, no plaintext is
// written, and the .gitignore lets Git stage the encrypted files and the certificates only.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import forge from 'node-forge';
import { PkiError } from './errors';
import { errnoText, IoError } from '../io/errors';
import { recoverTree, StagedTree } from '../io/staged-tree';
import { realPathOf } from '../io/paths';
import { AGE_SUFFIX, encryptWrites, RECIPIENTS_FILE, recipientsText, SECRET_FILE, type OpenedSecrets } from './age';
import type { Issuer } from './profiles';

export const CA_DIR = 'ca';
export const NEXT_CA_DIR = 'ca-next';
export const PREVIOUS_CA_DIR = 'ca-previous';
export const RETIRED_CA_DIR = 'ca-retired';
export const ROOT_FILES = { cert: 'ca.crt', key: 'ca.key' } as const;
export const INTERMEDIATE_FILES = { cert: 'intermediate.crt', key: 'intermediate.key' } as const;
export const LEAF_KINDS = ['sidecar', 'querier', 'store-gateway', 'querier-ingress', 'grafana-ingress'] as const;
export type LeafKind = (typeof LEAF_KINDS)[number];
/** Secrets promfleet generates that are not certificates, each kept in `<dir>/<kind>/<cluster>.*`. */
export const CREDENTIAL_KINDS = ['querier-basic-auth', 'grafana-admin'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

const STORE_GITIGNORE = '# promfleet PKI store: private keys. Never commit any of it.\n*\n';
// Everything but what is safe to share: a plaintext key, a lock or a temporary file is never staged.
const ENCRYPTED_STORE_GITIGNORE =
  '# promfleet PKI store encrypted with age (pki.encryption): commit it. Only the certificates,\n# the encrypted files and the recipients belong in Git; any plaintext file stays out.\n*\n!*/\n!.gitignore\n!*.crt\n!*.age\n!' +
  RECIPIENTS_FILE +
  '\n';

/** A certificate with its key, both read and checked to belong together. */
export interface StoredPair {
  readonly certFile: string;
  readonly certPem: string;
  readonly x509: crypto.X509Certificate;
  readonly keyFile: string;
  /** Absent only for an offline root (see CaSet). */
  readonly key?: crypto.KeyObject;
  readonly keyPem?: string;
}

/** A CA as stored in one folder: the root, and the intermediate that signs when configured. */
export interface CaSet {
  readonly dir: string;
  readonly root: StoredPair;
  readonly intermediate?: StoredPair;
  /** What signs leaves: the intermediate if any, else the root. */
  readonly signer: Issuer & { readonly pair: StoredPair };
}

export interface PendingWrite {
  /** Path relative to the store. */
  readonly rel: string;
  readonly content: string;
  readonly secret: boolean;
}

/** A folder move inside the store, both paths relative to it. */
export interface StoreMove {
  readonly from: string;
  readonly to: string;
}

/** The path a file-system error names, else `fallback`. */
function errPath(e: unknown, fallback: string): string {
  return (e as NodeJS.ErrnoException).path ?? fallback;
}

export class PkiStore {
  readonly warnings: string[] = [];
  /** Secret files still to encrypt at the next update (see OpenedSecrets.toEncrypt). */
  private readonly toEncrypt: Set<string>;

  /**
   * `secrets`: an encrypted store (pki.encryption), opened by openSecrets. `readOnly`: a synth that may not
   * issue (in CI) never writes the store either; commit() then only reports what it would have done.
   */
  constructor(
    readonly dir: string,
    readonly secrets?: OpenedSecrets,
    readonly readOnly = false,
  ) {
    this.toEncrypt = new Set(secrets?.toEncrypt);
  }

  /** An encrypted store whose keys cannot be read: no age identity was given. */
  get locked(): boolean {
    return !!this.secrets?.locked;
  }

  private get gitignore(): string {
    return this.secrets ? ENCRYPTED_STORE_GITIGNORE : STORE_GITIGNORE;
  }

  /** Whether the store holds the file `rel`, in plaintext or encrypted. */
  private has(rel: string): boolean {
    return !!this.secrets?.plaintext.has(rel) || fs.existsSync(this.file(rel)) || (!!this.secrets && fs.existsSync(this.file(rel + AGE_SUFFIX)));
  }

  /** A file of the store as text (decrypted in memory when encrypted), or undefined when absent. */
  text(rel: string): string | undefined {
    const opened = this.secrets?.plaintext.get(rel);
    if (opened !== undefined) return opened;
    if (this.secrets && fs.existsSync(this.file(rel + AGE_SUFFIX))) this.lockedError(rel);
    return fs.existsSync(this.file(rel)) ? this.read(this.file(rel)) : undefined;
  }

  private lockedError(rel: string): never {
    throw new PkiError(
      this.file(rel + AGE_SUFFIX),
      'is encrypted with age and no identity was given to open it: set PROMFLEET_AGE_IDENTITY (or PROMFLEET_AGE_IDENTITY_FILE) to an identity whose recipient is in pki.encryption.recipients',
    );
  }

  file(...parts: string[]): string {
    return path.join(this.dir, ...parts);
  }

  exists(...parts: string[]): boolean {
    return fs.existsSync(this.file(...parts));
  }

  private read(file: string): string {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new PkiError(file, `cannot read it: ${errnoText(e)}`);
    }
  }

  private readCert(file: string): { pem: string; x509: crypto.X509Certificate } {
    const pem = this.read(file);
    try {
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no "BEGIN CERTIFICATE" block');
      return { pem, x509: new crypto.X509Certificate(pem) };
    } catch (e) {
      throw new PkiError(
        file,
        `is not a readable PEM certificate (${(e as Error).message}); restore it from a backup, or delete it and its key to issue a new one`,
      );
    }
  }

  private readKey(rel: string): { pem: string; key: crypto.KeyObject } {
    const file = this.file(rel);
    const opened = this.secrets?.plaintext.get(rel);
    const pem = opened ?? this.read(file);
    const mode = opened === undefined ? fs.statSync(file).mode & 0o777 : 0;
    if (mode & 0o077) this.warnings.push(`${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
    try {
      return { pem, key: crypto.createPrivateKey(pem) };
    } catch (e) {
      throw new PkiError(
        file,
        `is not a readable PEM private key (${(e as Error).message}); restore it from a backup, or delete it and its certificate to issue a new one`,
      );
    }
  }

  /**
   * A secret text file of the store (a generated password or its hash), or undefined when it is absent.
   * Like a key, one readable by other users is reported.
   */
  readSecret(rel: string): string | undefined {
    const opened = this.secrets?.plaintext.get(rel);
    if (opened !== undefined) return opened;
    if (this.secrets && fs.existsSync(this.file(rel + AGE_SUFFIX))) this.lockedError(rel);
    const file = this.file(rel);
    if (!fs.existsSync(file)) return undefined;
    const text = this.read(file);
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) this.warnings.push(`${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
    return text;
  }

  /**
   * Reads a certificate and its key and checks they belong together. Returns undefined when the
   * certificate is absent; a certificate without its key is an error unless `keyOptional`.
   */
  readPair(certRel: string, keyRel: string, opts: { keyOptional?: boolean } = {}): StoredPair | undefined {
    const certFile = this.file(certRel);
    const keyFile = this.file(keyRel);
    if (!fs.existsSync(certFile)) return undefined;
    const { pem: certPem, x509 } = this.readCert(certFile);
    // A locked store: the certificates can be read (for `pki status`), not the keys.
    if (!this.has(keyRel) || (this.locked && !this.secrets?.plaintext.has(keyRel))) {
      if (opts.keyOptional) return { certFile, certPem, x509, keyFile };
      if (this.has(keyRel)) this.lockedError(keyRel);
      throw new PkiError(
        keyFile,
        `is missing but its certificate ${certFile} exists; restore the key from a backup, or delete the certificate to issue a new pair`,
      );
    }
    const { pem: keyPem, key } = this.readKey(keyRel);
    if (!x509.checkPrivateKey(key)) {
      throw new PkiError(
        keyFile,
        `does not belong to the certificate ${certFile} (their public keys differ); restore the matching pair from a backup, or delete both files to issue a new pair`,
      );
    }
    return { certFile, certPem, x509, keyFile, key, keyPem };
  }

  /** The CA in `folder`, or undefined when the folder does not exist. */
  readCaSet(folder: string): CaSet | undefined {
    const dir = this.file(folder);
    if (!fs.existsSync(dir)) return undefined;
    const rel = (f: string) => path.join(folder, f);
    const hasIntermediate = fs.existsSync(path.join(dir, INTERMEDIATE_FILES.cert));
    // With an intermediate the root key is only needed to make it: it may be kept offline.
    const root = this.readPair(rel(ROOT_FILES.cert), rel(ROOT_FILES.key), { keyOptional: hasIntermediate || this.locked });
    if (!root) {
      throw new PkiError(path.join(dir, ROOT_FILES.cert), `is missing; the folder ${dir} must hold the CA certificate and key. Restore them from a backup`);
    }
    if (!root.x509.ca) throw new PkiError(root.certFile, 'is not a CA certificate (basicConstraints cA is not set)');
    const intermediate = hasIntermediate ? this.readPair(rel(INTERMEDIATE_FILES.cert), rel(INTERMEDIATE_FILES.key), { keyOptional: this.locked }) : undefined;
    if (intermediate) {
      if (!intermediate.x509.ca) throw new PkiError(intermediate.certFile, 'is not a CA certificate (basicConstraints cA is not set)');
      if (!intermediate.x509.checkIssued(root.x509) || !intermediate.x509.verify(root.x509.publicKey)) {
        throw new PkiError(intermediate.certFile, `is not signed by the root CA ${root.certFile}; restore the matching files from a backup`);
      }
    }
    const pair = intermediate ?? root;
    let cert: forge.pki.Certificate;
    try {
      cert = forge.pki.certificateFromPem(pair.certPem);
    } catch (e) {
      throw new PkiError(pair.certFile, `cannot be used to sign (${(e as Error).message}); promfleet CAs are RSA`);
    }
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- only a root under an intermediate (or a locked store, which signs nothing) may lack its key
    return { dir, root, intermediate, signer: { cert, key: pair.key!, pair } };
  }

  /** Whether any leaf certificate is stored (a store with leaves but no CA has lost its CA). */
  hasLeaves(): boolean {
    return LEAF_KINDS.some((k) => this.exists(k) && fs.readdirSync(this.file(k)).some((f) => f.endsWith('.crt')));
  }

  /** Fails early, before any key is generated, when the store cannot be created or written at all. */
  checkWritable(): void {
    let existing = this.dir;
    while (!fs.existsSync(existing)) existing = path.dirname(existing);
    if (!fs.statSync(existing).isDirectory()) {
      throw new PkiError(
        existing,
        `is not a folder, so the PKI store ${this.dir} cannot be created; set pki.dir in the fleet file or PROMFLEET_PKI_DIR to a writable folder`,
      );
    }
    try {
      fs.accessSync(existing, fs.constants.W_OK);
    } catch (e) {
      throw new PkiError(
        existing,
        `cannot be written: ${errnoText(e)}; make the PKI store writable (or point pki.dir / PROMFLEET_PKI_DIR elsewhere). Nothing in the store was changed`,
      );
    }
  }

  /**
   * Looks for what would let the keys leak: a missing .gitignore, folders or keys other users can
   * read. Each finding is a warning; the next write into the store repairs it (see commit).
   */
  audit(): void {
    if (!fs.existsSync(this.dir)) return;
    // In CI nothing is repaired (see commit): say who will.
    const who = this.readOnly ? 'a synth with CI=false' : 'promfleet';
    const when = this.readOnly ? '' : ' now';
    const gitignore = this.file('.gitignore');
    if (!fs.existsSync(gitignore) || fs.readFileSync(gitignore, 'utf8') !== this.gitignore) {
      this.warnings.push(`${gitignore} is missing or changed, so git could stage the private keys; ${who} writes it back${when}`);
      this.needsRepair = true;
    }
    // An encrypted store that holds only ciphertext and certificates has nothing to hide in its folder
    // modes: a git clone makes them 0755, and flagging that would rewrite every clone's store.
    if (this.secrets && !this.secrets.plaintextFiles.size) return;
    for (const dir of this.folders()) {
      const mode = fs.statSync(dir).mode & 0o777;
      if (mode & 0o077) {
        this.warnings.push(`${dir} is open to other users (mode ${mode.toString(8)}); ${who} sets it to 700${when}`);
        this.needsRepair = true;
      }
    }
  }

  private needsRepair = false;

  /** The store folder and every folder in it. */
  private folders(): string[] {
    const out: string[] = [];
    const walk = (d: string) => {
      out.push(d);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(d, e.name));
    };
    if (fs.existsSync(this.dir)) walk(this.dir);
    return out;
  }

  /**
   * Writes files and moves folders as one update, so that an interruption at any moment leaves the
   * store old or new, never mixed: the new store is built beside the old one (files it keeps are
   * hard links, nothing is copied) and swapped in with two renames. Every update also restores the
   * store's .gitignore and makes it private (folders 0700, keys 0600).
   */
  commit(writes: PendingWrite[], moves: StoreMove[] = []): void {
    if (!writes.length && !moves.length && !this.needsRepair && !this.toEncrypt.size) return;
    if (this.readOnly) {
      // In CI: a store checked out from Git stays as Git has it, so the job leaves no change behind.
      const would = [
        ...(writes.length ? [`write ${writes.map((w) => w.rel).join(', ')}`] : []),
        ...(moves.length ? [`move ${moves.map((m) => `${m.from} to ${m.to}`).join(', ')}`] : []),
        ...(this.secrets?.plaintextFiles.size ? [`encrypt and remove the plaintext ${[...this.secrets.plaintextFiles].join(', ')}`] : []),
        ...(this.needsRepair ? ['repair its .gitignore and folder modes (above)'] : []),
      ];
      if (would.length) {
        this.warnings.push(
          `CI is set, so the PKI store ${this.dir} was left as it is; a synth would ${would.join('; ')}. Run CI=false npm run synth where the store is to do it (docs/operations.md, "In CI")`,
        );
      }
      return;
    }
    if (this.secrets && (this.toEncrypt.size || writes.some((w) => w.secret))) {
      // protect() first: plaintext never reaches the disk of an encrypted store.
      throw new Error(`the encrypted PKI store ${this.dir} was given plaintext to write; encrypt it with protect() first`);
    }
    const bookkeeping: PendingWrite[] = [{ rel: '.gitignore', content: this.gitignore, secret: false }];
    if (this.secrets) bookkeeping.push({ rel: RECIPIENTS_FILE, content: recipientsText(this.secrets.recipients), secret: false });
    const unchanged = 'make it writable (or point pki.dir / PROMFLEET_PKI_DIR elsewhere). Nothing in the store was changed';
    const target = realPathOf(this.dir);
    let tree: StagedTree;
    try {
      tree = new StagedTree(target, 0o700, unchanged, 'store');
    } catch (e) {
      throw new PkiError(path.dirname(target), `cannot hold the PKI store's update: ${errnoText(e instanceof IoError ? { code: e.code } : e)}; ${unchanged}`);
    }
    try {
      if (fs.existsSync(target)) linkTree(target, tree.dir);
      for (const m of moves) {
        const to = path.join(tree.dir, m.to);
        fs.mkdirSync(path.dirname(to), { recursive: true, mode: 0o700 });
        fs.renameSync(path.join(tree.dir, m.from), to);
      }
      for (const w of [...bookkeeping, ...writes]) {
        const file = path.join(tree.dir, w.rel);
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        fs.rmSync(file, { force: true }); // a hard link to the old store's file: never written through
        fs.writeFileSync(file, w.content, { mode: w.secret ? 0o600 : 0o644 });
      }
      // An encrypted store keeps no plaintext secret, such as the keys of a store that was not encrypted yet.
      for (const rel of this.secrets?.plaintextFiles ?? []) fs.rmSync(path.join(tree.dir, rel), { force: true });
      makePrivate(tree.dir);
    } catch (e) {
      tree.discard();
      throw new PkiError(errPath(e, target), `cannot be written: ${errnoText(e)}; ${unchanged}`);
    }
    try {
      tree.publish();
    } catch (e) {
      tree.discard();
      throw new PkiError(target, `cannot be replaced: ${errnoText(e instanceof IoError ? { code: e.code } : e)}; ${unchanged}`);
    }
    this.needsRepair = false;
  }

  /**
   * For an encrypted store: the secret writes encrypted to the recipients, those whose content did
   * not change left out (age encryption is randomized: an unchanged file keeps its bytes), and the
   * files still to encrypt (plaintext left by a plaintext store, or all after a change of recipients)
   * added. For a plaintext store: the writes as they are.
   */
  async protect(writes: readonly PendingWrite[]): Promise<PendingWrite[]> {
    if (!this.secrets) return [...writes];
    const opened = this.secrets.plaintext;
    const secret = new Map(writes.filter((w) => w.secret).map((w) => [w.rel, w]));
    for (const rel of this.toEncrypt) if (!secret.has(rel)) secret.set(rel, { rel, content: opened.get(rel) ?? '', secret: true });
    const changed = [...secret.values()].filter((w) => this.toEncrypt.has(w.rel) || opened.get(w.rel) !== w.content);
    const out = [...writes.filter((w) => !w.secret), ...(await encryptWrites(changed, this.secrets.recipients))];
    this.toEncrypt.clear();
    return out;
  }

  /** Completes or undoes an update an interrupted command left; returns what it did. */
  recover(): string[] {
    return recoverTree(realPathOf(this.dir), 'the PKI store');
  }

  /** Renames CA folders (rotation steps) as one update; no destination may exist. */
  moveCaDirs(moves: StoreMove[], writes: PendingWrite[] = []): void {
    // A destination may be a folder an earlier move of the same update frees.
    const freed = new Set<string>();
    for (const m of moves) {
      const dst = this.file(m.to);
      if (fs.existsSync(dst) && !freed.has(m.to)) throw new PkiError(dst, 'already exists; promfleet will not overwrite a CA');
      freed.add(m.from);
    }
    this.commit(writes, moves);
  }
}

/** Recreates the tree `from` in `to` with hard links: the files are shared, the folders new (0700). */
function linkTree(from: string, to: string): void {
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) {
      fs.mkdirSync(dst, { mode: 0o700 });
      linkTree(src, dst);
    } else {
      fs.linkSync(src, dst);
    }
  }
}

/** Folders 0700; private keys, passwords and seal states 0600: the store's content is for its owner only. */
function makePrivate(dir: string): void {
  fs.chmodSync(dir, 0o700);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) makePrivate(p);
    else if (e.isFile() && SECRET_FILE.test(e.name) && fs.statSync(p).mode & 0o077) fs.chmodSync(p, 0o600);
  }
}
