// Sealed secrets mode: a Secret that carries key material is rendered as a bitnami.com/v1alpha1
// SealedSecret that only the cluster's sealed-secrets controller can open, so it can be committed.
//
// The format is the controller's own (sealed-secrets pkg/crypto HybridEncrypt), per data value:
//   uint16 big-endian length of R || R = RSA-OAEP(SHA-256, label)(session key) || AES-256-GCM(value, zero nonce) + tag
// with a fresh random 32-byte session key each time, and the label given by the scope (see sealingLabel).
// Because of that random key, sealing the same value twice gives different bytes: repeated synths stay
// byte-identical only through the seal state kept in the PKI store (see SealState).
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { SealedSecret, SealedSecretSpecTemplateMetadata } from '../../imports/sealedsecret-bitnami.com';
import { FleetError, FleetProblem } from '../fleet/errors';
import type { ClusterModel, FleetModel } from '../fleet/model';
import type { PendingWrite } from '../pki';

export type SealingScope = 'strict' | 'namespace-wide' | 'cluster-wide';

/** Annotations with which the controller recognises a wider scope (strict has none). */
export const SCOPE_ANNOTATIONS: Record<Exclude<SealingScope, 'strict'>, string> = {
  'namespace-wide': 'sealedsecrets.bitnami.com/namespace-wide',
  'cluster-wide': 'sealedsecrets.bitnami.com/cluster-wide',
};

/** The RSA-OAEP label that binds a ciphertext to where it may be unsealed. */
export function sealingLabel(namespace: string, name: string, scope: SealingScope): Buffer {
  switch (scope) {
    case 'cluster-wide':
      return Buffer.alloc(0);
    case 'namespace-wide':
      return Buffer.from(namespace);
    default:
      return Buffer.from(`${namespace}/${name}`);
  }
}

const SESSION_KEY_BYTES = 32;
// Each session key encrypts exactly one value, which is why the controller uses a zero nonce.
const ZERO_NONCE = Buffer.alloc(12);

/** Encrypts one value for the controller whose public key is given. */
export function sealValue(publicKey: crypto.KeyObject, value: Buffer, label: Buffer): Buffer {
  const sessionKey = crypto.randomBytes(SESSION_KEY_BYTES);
  const wrapped = crypto.publicEncrypt({ key: publicKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label }, sessionKey);
  const cipher = crypto.createCipheriv('aes-256-gcm', sessionKey, ZERO_NONCE);
  const body = Buffer.concat([cipher.update(value), cipher.final(), cipher.getAuthTag()]);
  const length = Buffer.alloc(2);
  length.writeUInt16BE(wrapped.length);
  return Buffer.concat([length, wrapped, body]);
}

export interface ControllerCertificate {
  readonly file: string;
  readonly publicKey: crypto.KeyObject;
  /** SHA-256 of the certificate (DER), hex: a new controller certificate re-seals everything. */
  readonly fingerprint: string;
  readonly validTo: Date;
}

/**
 * Reads the controller's certificate (`kubeseal --fetch-cert`). Like kubeseal, refuses a key that is not
 * RSA and a certificate that has expired. Throws an Error whose message says what would fix it.
 */
export function readControllerCertificate(file: string, now = new Date(), cluster?: string): ControllerCertificate {
  // Each cluster's controller has its own key: the hint fetches from that cluster's context.
  const fetch = `kubeseal --fetch-cert${cluster ? ` --context ${cluster}` : ''}`;
  let pem: string;
  try {
    pem = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new Error(`${file} is a folder; name the certificate file in it, e.g. certs/${cluster ?? '<cluster>'}.pem`);
    throw new Error(`cannot read ${file} (${code ?? String(e)}); save the controller's certificate there with "${fetch} > ${file}"`);
  }
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(pem);
  } catch {
    throw new Error(`${file} is not a PEM certificate; save the controller's certificate there with "${fetch} > ${file}"`);
  }
  if (cert.publicKey.asymmetricKeyType !== 'rsa') {
    throw new Error(`${file} holds a ${cert.publicKey.asymmetricKeyType} key; the sealed-secrets controller seals with RSA: use its certificate (${fetch})`);
  }
  const validTo = new Date(cert.validTo);
  if (validTo.getTime() <= now.getTime()) {
    throw new Error(`${file} expired on ${validTo.toISOString().slice(0, 10)}; fetch the controller's current certificate with "${fetch} > ${file}"`);
  }
  return { file, publicKey: cert.publicKey, fingerprint: sha256(cert.raw), validTo };
}

/**
 * Every unusable controller certificate of the fleet at once, each naming its field. main() runs this
 * before the PKI store is touched, so a missing certificate issues nothing and renders nothing.
 */
export function sealingCertificateProblems(fleet: FleetModel): FleetProblem[] {
  return fleet.clusters.flatMap((c) => {
    if (!c.sealedSecrets) return [];
    try {
      readControllerCertificate(c.sealedSecrets.certificate, undefined, c.name);
      return [];
    } catch (e) {
      return [{ path: `clusters[${c.index}].sealedSecrets.certificate`, message: (e as Error).message }];
    }
  });
}

// ---------- the objects ----------

/** A v1 Secret as rendered into dist/ (data base64, or stringData). */
export type SecretJson = k8s.KubeSecretProps & { readonly apiVersion: string; readonly kind: string };

/** The metadata fields a SealedSecret's template carries over to the Secret (what promfleet's Secrets have). */
const TEMPLATE_METADATA: ReadonlySet<string> = new Set<keyof SealedSecretSpecTemplateMetadata>(['name', 'namespace', 'labels', 'annotations', 'finalizers']);

/** The decoded values of a Secret, by key, sorted (stringData wins, as the API server does). */
export function secretValues(secret: SecretJson): [string, Buffer][] {
  const values = new Map<string, Buffer>();
  for (const [k, v] of Object.entries(secret.data ?? {})) values.set(k, Buffer.from(v, 'base64'));
  for (const [k, v] of Object.entries(secret.stringData ?? {})) values.set(k, Buffer.from(v, 'utf8'));
  return [...values.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

// ---------- seal state: what makes repeated synths byte-identical ----------

/** Folder of the PKI store with one seal state file per cluster. */
export const SEAL_STATE_DIR = 'sealed';

interface SealEntry {
  /** sha256 of the plaintext value: never the value itself. */
  value: string;
  /** Fingerprint of the controller certificate it was sealed for. */
  certificate: string;
  /** The scope label it was sealed with (namespace/name, namespace or empty). */
  label: string;
  sealed: string;
}

interface SealStateFile {
  version: 1;
  entries: Record<string, SealEntry>;
}

/**
 * `<pki>/sealed/<cluster>.json`: for each sealed value, hashes of the value and of the certificate and the
 * ciphertext. A value is re-sealed only when one of them changes; entries no longer rendered are dropped.
 */
export class SealState {
  private readonly previous: Record<string, SealEntry>;
  private readonly current: Record<string, SealEntry> = {};

  /**
   * `rel`: the state file's path inside the PKI store `storeDir`; `read` reads a file of the store
   * (an encrypted store decrypts it in memory), undefined when absent. @default the file on disk
   */
  constructor(
    storeDir: string,
    readonly rel: string,
    private readonly read: (rel: string) => string | undefined = (r) => readIfExists(path.join(storeDir, r)),
  ) {
    this.previous = readState(path.join(storeDir, rel), () => this.read(rel));
  }

  /** The stored ciphertext for this value, or a new one (recorded for save()). */
  sealed(id: string, value: Buffer, label: Buffer, cert: ControllerCertificate): { sealed: string; reused: boolean } {
    const want = { value: sha256(value), certificate: cert.fingerprint, label: label.toString('utf8') };
    const old = this.previous[id];
    const reused = !!old && old.value === want.value && old.certificate === want.certificate && old.label === want.label;
    const sealed = reused ? old.sealed : sealValue(cert.publicKey, value, label).toString('base64');
    this.current[id] = { ...want, sealed };
    return { sealed, reused };
  }

  /**
   * The entries used by this render, as a write into the PKI store (which commits it with the
   * certificates once the render has succeeded), or undefined when the state did not change.
   */
  pendingWrite(): PendingWrite | undefined {
    const ids = Object.keys(this.current).sort();
    const doc: SealStateFile = { version: 1, entries: Object.fromEntries(ids.map((id) => [id, this.current[id]])) };
    const content = JSON.stringify(doc, null, 2) + '\n';
    if (this.read(this.rel) === content) return undefined;
    return { rel: this.rel, content, secret: true };
  }
}

/** The text of `file`, or undefined when there is none. */
function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function readState(file: string, read: () => string | undefined): Record<string, SealEntry> {
  let text: string | undefined;
  try {
    text = read();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read the seal state (${code ?? String(e)}); make it a readable file of the PKI store`);
  }
  if (text === undefined) return {};
  try {
    const doc = JSON.parse(text) as SealStateFile;
    if (doc.version !== 1 || typeof doc.entries !== 'object' || doc.entries === null) throw new Error('unknown layout');
    return doc.entries;
  } catch (e) {
    throw new Error(`${file}: cannot read the seal state (${(e as Error).message}); delete the file to re-seal every Secret of this cluster`);
  }
}

// ---------- one cluster ----------

/** Folder (inside dist/<cluster>/) of the SealedSecrets that replace the git-ignored secrets/ files. */
export const SEALED_DIR = 'sealed-secrets';

export interface SealStats {
  /** SealedSecret objects rendered. */
  secrets: number;
  /** Values encrypted anew in this render (the rest came from the seal state). */
  sealedValues: number;
  reusedValues: number;
}

export class ClusterSealer {
  readonly stats: SealStats = { secrets: 0, sealedValues: 0, reusedValues: 0 };

  constructor(
    private readonly cert: ControllerCertificate,
    private readonly scope: SealingScope,
    private readonly state: SealState,
  ) {}

  /**
   * The sealer of a cluster that declares sealedSecrets, else undefined; its seal state lives in the PKI
   * store `pkiDir`, beside the keys it seals, read with `read` (see SealState). Errors name the fleet field.
   */
  static forCluster(fleet: FleetModel, cluster: ClusterModel, pkiDir: string, read?: (rel: string) => string | undefined): ClusterSealer | undefined {
    if (!cluster.sealedSecrets) return undefined;
    const at = `clusters[${cluster.index}].sealedSecrets`;
    let cert: ControllerCertificate;
    try {
      cert = readControllerCertificate(cluster.sealedSecrets.certificate, undefined, cluster.name);
    } catch (e) {
      throw new FleetError(fleet.source, [{ path: `${at}.certificate`, message: (e as Error).message }]);
    }
    let state: SealState;
    try {
      state = new SealState(pkiDir, path.join(SEAL_STATE_DIR, `${cluster.name}.json`), read);
    } catch (e) {
      throw new FleetError(fleet.source, [{ path: at, message: (e as Error).message }]);
    }
    return new ClusterSealer(cert, cluster.sealedSecrets.scope, state);
  }

  /** The SealedSecret that the controller turns back into exactly this Secret. */
  seal(scope: Construct, id: string, secret: SecretJson): SealedSecret {
    const { name, namespace, labels, annotations, finalizers } = secret.metadata ?? {};
    if (!name) throw new Error('a Secret without a name cannot be sealed');
    if (!namespace) throw new Error(`Secret ${name} has no namespace; a SealedSecret is sealed for one namespace`);
    // The template below lists the metadata fields one by one: refuse rather than drop one silently.
    const extra = Object.keys(secret.metadata ?? {}).filter((k) => !TEMPLATE_METADATA.has(k));
    if (extra.length) throw new Error(`Secret ${name}: metadata.${extra.join(', metadata.')} would be lost by sealing`);
    const label = sealingLabel(namespace, name, this.scope);
    const encryptedData: Record<string, string> = {};
    for (const [key, value] of secretValues(secret)) {
      const { sealed, reused } = this.state.sealed(`${namespace}/${name}/${key}`, value, label, this.cert);
      encryptedData[key] = sealed;
      if (reused) this.stats.reusedValues++;
      else this.stats.sealedValues++;
    }
    this.stats.secrets++;
    // Like kubeseal: the scope annotation on the SealedSecret (the controller derives the label from it)
    // and on the template (the resulting Secret).
    const scoped = this.scope === 'strict' ? annotations : { ...annotations, [SCOPE_ANNOTATIONS[this.scope]]: 'true' };
    return new SealedSecret(scope, id, {
      metadata: { name, namespace, labels, annotations: scoped },
      spec: {
        encryptedData,
        template: {
          metadata: { name, namespace, labels, annotations: scoped, finalizers },
          type: secret.type || undefined,
          immutable: secret.immutable,
        },
      },
    });
  }

  /**
   * Turns one output file of secrets/ into its committable SealedSecret file (same name under
   * sealed-secrets/). Anything but a Secret there is a bug: refuse rather than commit it.
   */
  sealFile(file: string, objects: SecretJson[]): { file: string; objects: unknown[] } {
    // The SealedSecrets only pass through this chart on their way to JSON; it is never synthesized.
    const chart = new Chart(new App(), 'sealed');
    const sealed = objects.map((o, i) => {
      if (o.apiVersion !== 'v1' || o.kind !== 'Secret') {
        throw new Error(`${file}: ${o.kind} ${o.metadata?.name} cannot be sealed; only Secrets belong in secrets/`);
      }
      return this.seal(chart, String(i), o).toJson() as unknown;
    });
    return { file: `${SEALED_DIR}/${file.slice(file.indexOf('/') + 1)}`, objects: sealed };
  }

  /** The ciphertexts of this render, kept for the next one: a write for the PKI store's update. */
  pendingWrite(): PendingWrite | undefined {
    return this.state.pendingWrite();
  }
}

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}
