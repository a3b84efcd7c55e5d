// The PKI store on disk. Layout (see README, "PKI"):
//   <dir>/ca/ca.crt, ca.key                      the CA that signs (root, self-signed)
//   <dir>/ca/intermediate.crt, intermediate.key  with pki.intermediate: the CA that signs leaves
//   <dir>/ca-next/      during a CA rotation, step 1: the coming CA (already trusted)
//   <dir>/ca-previous/  during a CA rotation, step 2: the old CA (still trusted)
//   <dir>/ca-retired/<date>-<fingerprint>/  CAs whose rotation finished (no longer used)
//   <dir>/<kind>/<cluster>.crt, .key             leaf certificates: sidecar, querier, store-gateway
// Keys are written 0600 and the folder 0700; a .gitignore of "*" keeps the store out of any repository.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import forge from 'node-forge';
import { PkiError } from './errors';
import type { Issuer } from './profiles';

export const CA_DIR = 'ca';
export const NEXT_CA_DIR = 'ca-next';
export const PREVIOUS_CA_DIR = 'ca-previous';
export const RETIRED_CA_DIR = 'ca-retired';
export const ROOT_FILES = { cert: 'ca.crt', key: 'ca.key' } as const;
export const INTERMEDIATE_FILES = { cert: 'intermediate.crt', key: 'intermediate.key' } as const;
export const LEAF_KINDS = ['sidecar', 'querier', 'store-gateway'] as const;
export type LeafKind = (typeof LEAF_KINDS)[number];

const STORE_GITIGNORE = '# promfleet PKI store: private keys. Never commit any of it.\n*\n';

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

function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.code}${err.message ? ` (${err.message.replace(/^[A-Z]+: /, '').split(',')[0]})` : ''}` : String(e);
}

export class PkiStore {
  readonly warnings: string[] = [];

  constructor(readonly dir: string) {}

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
      throw new PkiError(file, `is not a readable PEM certificate (${(e as Error).message}); restore it from a backup, or delete it and its key to issue a new one`);
    }
  }

  private readKey(file: string): { pem: string; key: crypto.KeyObject } {
    const pem = this.read(file);
    const mode = fs.statSync(file).mode & 0o777;
    if (mode & 0o077) this.warnings.push(`${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it`);
    try {
      return { pem, key: crypto.createPrivateKey(pem) };
    } catch (e) {
      throw new PkiError(file, `is not a readable PEM private key (${(e as Error).message}); restore it from a backup, or delete it and its certificate to issue a new one`);
    }
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
    if (!fs.existsSync(keyFile)) {
      if (opts.keyOptional) return { certFile, certPem, x509, keyFile };
      throw new PkiError(keyFile, `is missing but its certificate ${certFile} exists; restore the key from a backup, or delete the certificate to issue a new pair`);
    }
    const { pem: keyPem, key } = this.readKey(keyFile);
    if (!x509.checkPrivateKey(key)) {
      throw new PkiError(keyFile, `does not belong to the certificate ${certFile} (their public keys differ); restore the matching pair from a backup, or delete both files to issue a new pair`);
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
    const root = this.readPair(rel(ROOT_FILES.cert), rel(ROOT_FILES.key), { keyOptional: hasIntermediate });
    if (!root) {
      throw new PkiError(path.join(dir, ROOT_FILES.cert), `is missing; the folder ${dir} must hold the CA certificate and key. Restore them from a backup`);
    }
    if (!root.x509.ca) throw new PkiError(root.certFile, 'is not a CA certificate (basicConstraints cA is not set)');
    const intermediate = hasIntermediate ? this.readPair(rel(INTERMEDIATE_FILES.cert), rel(INTERMEDIATE_FILES.key)) : undefined;
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
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- only a root under an intermediate may lack its key, and then the intermediate signs
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
      throw new PkiError(existing, `is not a folder, so the PKI store ${this.dir} cannot be created; set pki.dir in the fleet file or PROMFLEET_PKI_DIR to a writable folder`);
    }
    try {
      fs.accessSync(existing, fs.constants.W_OK);
    } catch (e) {
      throw new PkiError(existing, `cannot be written: ${errnoText(e)}; make the PKI store writable (or point pki.dir / PROMFLEET_PKI_DIR elsewhere). Nothing in the store was changed`);
    }
  }

  /**
   * Writes files so that a failure changes nothing: every file is first written next to its
   * target, and only once all of them are written are they renamed into place. A certificate is
   * renamed after its key, so an interruption leaves at worst a missing certificate (re-issued
   * next time), never a certificate with a foreign key.
   */
  commit(writes: PendingWrite[]): void {
    if (!writes.length) return;
    const created = !fs.existsSync(this.dir);
    this.mkdir(this.dir);
    if (created) writes = [{ rel: '.gitignore', content: STORE_GITIGNORE, secret: false }, ...writes];
    const staged: { tmp: string; target: string }[] = [];
    try {
      for (const w of writes) {
        const target = this.file(w.rel);
        this.mkdir(path.dirname(target));
        const tmp = `${target}.tmp-${process.pid}`;
        try {
          fs.writeFileSync(tmp, w.content, { mode: w.secret ? 0o600 : 0o644, flag: 'wx' });
        } catch (e) {
          throw new PkiError(target, `cannot be written: ${errnoText(e)}; make the PKI store writable (or point pki.dir / PROMFLEET_PKI_DIR elsewhere). Nothing in the store was changed`);
        }
        staged.push({ tmp, target });
      }
    } catch (e) {
      for (const s of staged) fs.rmSync(s.tmp, { force: true });
      throw e;
    }
    // Keys before certificates (the caller orders each pair key first): drop the old certificate first.
    for (const s of staged) {
      if (s.target.endsWith('.key')) fs.rmSync(s.target.replace(/\.key$/, '.crt'), { force: true });
      fs.renameSync(s.tmp, s.target);
    }
  }

  private mkdir(dir: string): void {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new PkiError(dir, `cannot create the PKI store folder: ${errnoText(e)}; set pki.dir in the fleet file or PROMFLEET_PKI_DIR to a writable folder`);
    }
  }

  /** Renames a CA folder (rotation steps); `to` must not exist. */
  moveCaDir(from: string, to: string): void {
    const src = this.file(from);
    const dst = this.file(to);
    if (fs.existsSync(dst)) throw new PkiError(dst, 'already exists; promfleet will not overwrite a CA');
    try {
      this.mkdir(path.dirname(dst));
      fs.renameSync(src, dst);
    } catch (e) {
      if (e instanceof PkiError) throw e;
      throw new PkiError(src, `cannot be moved to ${dst}: ${errnoText(e)}`);
    }
  }
}
