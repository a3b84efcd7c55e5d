// The fleet's PKI: opens (or creates) the store, decides per certificate whether to keep or
// (re-)issue it, generates the keys needed concurrently, writes the store, and hands the
// material to the renderers. A certificate is re-issued only when it is missing, lacks a name
// the fleet needs, is not signed by the current CA, has the wrong usage, or expires within
// pki.renewBeforeDays. A CA is created only in an empty store; replacing it is a rotation.
import * as crypto from 'crypto';
import * as path from 'path';
import forge from 'node-forge';
import { isObserver, isWorkload, type FleetModel } from '../fleet/model';
import { AGE_SUFFIX, openSecrets, RECIPIENTS_CHANGED_FIX, recipientsChangedError, type OpenedSecrets } from './age';
import { PkiError } from './errors';
import {
  completeCredential,
  credentialFiles,
  credentialSpecs,
  decideCredential,
  type BasicAuthCredential,
  type CredentialDecision,
  type PasswordCredential,
  type CredentialReportEntry,
} from './credentials';
import { decideEtcdClient, etcdClientClusters, type EtcdClientBundle, type EtcdClientDecision, type EtcdClientReportEntry } from './etcd-client';
import { describe, isoDay as day, signedBy, type CertInfo } from './inspect';
import { generateKeyPairs, generateKeyPairsSync, type KeyPair } from './keys';
import { DAY_MS, issueCa, issueLeaf, sidecarSans, storeGatewaySans, type LeafUsage, type SubjectAltNames } from './profiles';
import { CA_DIR, CaSet, INTERMEDIATE_FILES, LeafKind, NEXT_CA_DIR, PendingWrite, PkiStore, PREVIOUS_CA_DIR, ROOT_FILES, StoredPair } from './store';

/** What one TLS endpoint mounts: its certificate chain, its key, and the CAs it trusts. */
export interface TlsBundle {
  /** PEM: the leaf certificate, then the intermediate CA when there is one. */
  readonly cert: string;
  /** PEM private key (PKCS#8) of the leaf. */
  readonly key: string;
  /** PEM bundle of the CA certificates that verify the peer (two during a CA rotation). */
  readonly ca: string;
}

export type CertAction = 'created' | 'issued' | 'renewed' | 'kept';

export interface PkiReportEntry {
  /** `ca`, `intermediate`, or `<kind>/<cluster>` such as `sidecar/workload-eu`. */
  readonly name: string;
  readonly kind: LeafKind | 'ca' | 'intermediate';
  readonly cluster?: string;
  readonly action: CertAction;
  /** Why it was re-issued (renewed entries). */
  readonly reason?: string;
  readonly commonName: string;
  readonly notAfter: Date;
  readonly file: string;
}

export interface PkiReport {
  readonly dir: string;
  readonly entries: PkiReportEntry[];
  readonly warnings: string[];
  /** Generated credentials (passwords): where each is kept, never its value. */
  readonly credentials: CredentialReportEntry[];
  /** etcd client certificates imported into the store (controlPlane.etcd), or kept there. */
  readonly etcdClients?: EtcdClientReportEntry[];
  /** Set while a CA rotation is under way (see `npm run pki -- rotate-ca`). */
  readonly rotation?: 'started' | 'switched';
}

export interface FleetPki {
  /** Absolute path of the store. */
  readonly dir: string;
  readonly report: PkiReport;
  /** Every CA certificate currently trusted (PEM). */
  readonly caBundle: string;
  /** Server certificate of a workload cluster's sidecar; `ca` verifies client (Querier) certificates. */
  sidecar(cluster: string): TlsBundle;
  /** Client certificate of an observer's Querier; `ca` verifies server (sidecar, Store Gateway) certificates. */
  querier(cluster: string): TlsBundle;
  /** Server certificate of an observer's Store Gateway (when querier.storeGateway is set). */
  storeGateway(cluster: string): TlsBundle;
  /** Server certificate of an observer's Querier Ingress host (querier.ingress.tls.source: pki). */
  querierIngress(cluster: string): TlsBundle;
  /** The htpasswd line of an observer's Querier sign-in (querier.ingress.auth.type: basic). */
  querierBasicAuth(cluster: string): BasicAuthCredential;
  /** Server certificate of an observer's Grafana Ingress host (grafana.ingress.tls.source: pki). */
  grafanaIngress(cluster: string): TlsBundle;
  /** The user name and generated password of an observer's Grafana admin. */
  grafanaAdmin(cluster: string): PasswordCredential;
  /** etcd's client certificate of a workload cluster, imported into the store (controlPlane.etcd); undefined without one. */
  etcdClient(cluster: string): EtcdClientBundle | undefined;
  /** Names, issuer and expiry of a leaf certificate. */
  certificate(kind: LeafKind, cluster: string): CertInfo;
  /**
   * Writes what this PKI issued into the store, with `more` (other files of the store, such as seal
   * states), as one update. Until then the store is as it was: a synth calls it only once the whole
   * render has succeeded.
   */
  commit(more?: PendingWrite[]): void;
  /**
   * An encrypted store (pki.encryption): encrypts, in memory, what this PKI issued and returns `more`
   * encrypted, ready for commit(). A plaintext store: returns `more` as it is. stagePki and preparePki
   * call it for the PKI's own files; a render that adds files (seal states) calls it before commit().
   */
  protect(more?: PendingWrite[]): Promise<PendingWrite[]>;
  /** A file of the store as text, decrypted in memory when the store is encrypted; undefined when absent. */
  storeText(rel: string): string | undefined;
  /**
   * Set when this PKI holds no key material because it may not issue (a synth in CI) and the store
   * lacks what the fleet needs: what would have been issued, and why. The certificate accessors then
   * throw, and commit() writes nothing.
   */
  readonly withheld?: readonly string[];
  /** With withheld: the store is encrypted and no identity was given, so the keys could not be read. */
  readonly locked?: boolean;
}

export interface PkiOptions {
  /** The clock; tests move it. @default new Date() */
  readonly now?: Date;
  /**
   * Whether a CA may be created and certificates issued or renewed. A synth in CI passes false: a
   * store that lacks something then gives a PKI that withholds every key (see FleetPki.withheld).
   * @default true
   */
  readonly issue?: boolean;
  /** age identities (AGE-SECRET-KEY-...) that open an encrypted store (see ageIdentitiesFromEnv). @default none */
  readonly identities?: readonly string[];
  /** Hears each new key as it is made (for a progress indicator): how many are done, of how many. @default none */
  readonly onKey?: (done: number, total: number) => void;
}

/** One leaf the fleet needs. */
export interface LeafSpec {
  readonly kind: LeafKind;
  readonly cluster: string;
  readonly usage: LeafUsage;
  readonly commonName: string;
  readonly sans: SubjectAltNames;
}

export function leafFiles(kind: LeafKind, cluster: string): { cert: string; key: string } {
  return { cert: path.join(kind, `${cluster}.crt`), key: path.join(kind, `${cluster}.key`) };
}

/** Every leaf certificate the fleet needs, in fleet order. */
export function leafSpecs(fleet: FleetModel): LeafSpec[] {
  const specs: LeafSpec[] = [];
  for (const c of fleet.clusters) {
    if (isWorkload(c)) {
      specs.push({ kind: 'sidecar', cluster: c.name, usage: 'server', commonName: c.workload.sidecar.endpoints[0]?.host ?? c.name, sans: sidecarSans(c) });
    }
    if (isObserver(c)) {
      // Go ignores the CN; it names the observer in the sidecars' TLS logs.
      specs.push({ kind: 'querier', cluster: c.name, usage: 'client', commonName: c.name, sans: { dnsNames: [], ipAddresses: [] } });
      if (c.observer.querier.storeGateway?.tls) {
        const sans = storeGatewaySans(c);
        // CN: the <service>.<namespace>.svc form, for logs (the SANs are what clients check).
        specs.push({ kind: 'store-gateway', cluster: c.name, usage: 'server', commonName: sans.dnsNames[2], sans });
      }
      const ingress = c.observer.querier.ingress;
      if (ingress?.tls.source === 'pki') {
        specs.push({
          kind: 'querier-ingress',
          cluster: c.name,
          usage: 'server',
          commonName: ingress.host,
          sans: { dnsNames: [ingress.host], ipAddresses: [] },
        });
      }
      const grafanaIngress = c.observer.grafana?.ingress;
      if (grafanaIngress?.tls.source === 'pki') {
        const host = grafanaIngress.host;
        specs.push({ kind: 'grafana-ingress', cluster: c.name, usage: 'server', commonName: host, sans: { dnsNames: [host], ipAddresses: [] } });
      }
    }
  }
  return specs;
}

function normalizePem(pem: string): string {
  return `${pem.replace(/\r\n/g, '\n').trim()}\n`;
}

/** The store as found: the CA that signs, and the other CA trusted during a rotation. */
export interface StoreState {
  readonly store: PkiStore;
  readonly current?: CaSet;
  readonly other?: { readonly set: CaSet; readonly role: 'next' | 'previous' };
}

/**
 * Reads and checks the CAs; refuses a store that lost its CA. Unless `rotating` (the rotation
 * commands, which exist to replace such a CA), also refuses an expired CA or one whose shape
 * (with or without intermediate) differs from pki.intermediate.
 */
export function openStore(fleet: FleetModel, now: Date, rotating = false, secrets?: OpenedSecrets, readOnly = false): StoreState {
  const store = new PkiStore(fleet.pki.dir, secrets, readOnly);
  store.audit();
  const current = store.readCaSet(CA_DIR);
  const next = store.readCaSet(NEXT_CA_DIR);
  const previous = store.readCaSet(PREVIOUS_CA_DIR);
  if (!current && next && previous) {
    throw new PkiError(
      store.file(NEXT_CA_DIR),
      `is left over from an interrupted "rotate-ca switch": rename it to ${store.file(CA_DIR)} to complete that step`,
    );
  }
  if (next && previous) {
    throw new PkiError(
      store.file(NEXT_CA_DIR),
      `and ${store.file(PREVIOUS_CA_DIR)} both exist, which no rotation step leaves behind; restore the store from a backup`,
    );
  }
  if (!current) {
    if (next || previous || store.hasLeaves()) {
      throw new PkiError(
        store.file(CA_DIR, ROOT_FILES.cert),
        'is missing, but the store holds certificates a CA signed; restore the ca/ folder from a backup. promfleet never replaces a CA silently: to change it, see "CA rotation" in docs/operations.md',
      );
    }
    return { store };
  }
  const other = next ? { set: next, role: 'next' as const } : previous ? { set: previous, role: 'previous' as const } : undefined;
  if (rotating) return { store, current, other };
  for (const pair of [current.root, current.intermediate]) {
    if (pair && new Date(pair.x509.validTo) <= now) {
      throw new PkiError(
        pair.certFile,
        `expired on ${day(new Date(pair.x509.validTo))}, so nothing it signs is trusted. Replace it: npm run pki -- rotate-ca start, then rotate-ca switch (docs/operations.md, "CA rotation")`,
      );
    }
  }
  // Adding or removing the intermediate changes the root (its pathLen): that is a rotation.
  const wanted = fleet.pki.intermediate;
  if (!!current.intermediate !== wanted && !(other?.role === 'next' && !!other.set.intermediate === wanted)) {
    throw new PkiError(
      current.dir,
      `holds a CA ${current.intermediate ? 'with' : 'without'} an intermediate, but pki.intermediate is ${wanted}; changing it replaces the CA: run npm run pki -- rotate-ca start (docs/operations.md, "CA rotation"), or set pki.intermediate back to ${!wanted}`,
    );
  }
  return { store, current, other };
}

/** Certificates and keys of a new CA (root, plus an intermediate when configured). */
export function createCa(fleet: FleetModel, folder: string, now: Date, keys: KeyPair[]): { writes: PendingWrite[]; set: CaSet } {
  const { organization, caValidityDays, intermediate } = fleet.pki;
  const id = crypto.randomBytes(4).toString('hex');
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the caller generated caKeyCount(fleet) keys
  const rootKey = keys.pop()!;
  const rootPem = issueCa({
    commonName: `promfleet root CA ${id}`,
    organization,
    key: rootKey,
    notBefore: now,
    validityDays: caValidityDays,
    pathLen: intermediate ? 1 : 0,
  });
  const pair = (files: { cert: string; key: string }, pem: string, key: KeyPair): StoredPair => ({
    certFile: path.join(fleet.pki.dir, folder, files.cert),
    certPem: pem,
    x509: new crypto.X509Certificate(pem),
    keyFile: path.join(fleet.pki.dir, folder, files.key),
    key: key.privateKey,
    keyPem: key.privateKeyPem,
  });
  const root = pair(ROOT_FILES, rootPem, rootKey);
  const writes: PendingWrite[] = [
    { rel: path.join(folder, ROOT_FILES.key), content: rootKey.privateKeyPem, secret: true },
    { rel: path.join(folder, ROOT_FILES.cert), content: rootPem, secret: false },
  ];
  let inter: StoredPair | undefined;
  if (intermediate) {
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- one key was generated for each certificate to issue
    const key = keys.pop()!;
    const pem = issueCa(
      { commonName: `promfleet intermediate CA ${id}`, organization, key, notBefore: now, validityDays: caValidityDays, pathLen: 0 },
      { cert: forgeCert(rootPem), key: rootKey.privateKey },
    );
    inter = pair(INTERMEDIATE_FILES, pem, key);
    writes.push(
      { rel: path.join(folder, INTERMEDIATE_FILES.key), content: key.privateKeyPem, secret: true },
      { rel: path.join(folder, INTERMEDIATE_FILES.cert), content: pem, secret: false },
    );
  }
  const signerPair = inter ?? root;
  const set: CaSet = {
    dir: path.join(fleet.pki.dir, folder),
    root,
    intermediate: inter,
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a CA made here always has its key
    signer: { cert: forgeCert(signerPair.certPem), key: signerPair.key!, pair: signerPair },
  };
  return { writes, set };
}

function forgeCert(pem: string): forge.pki.Certificate {
  return forge.pki.certificateFromPem(pem);
}

/** Keys a new CA needs. */
export function caKeyCount(fleet: FleetModel): number {
  return fleet.pki.intermediate ? 2 : 1;
}

interface Decision {
  readonly spec: LeafSpec;
  readonly existing?: StoredPair;
  /** Undefined: keep. */
  readonly reissue?: { action: 'issued' | 'renewed'; reason: string };
}

/** Why an existing leaf must be re-issued, or undefined to keep it. */
export function renewalReason(spec: LeafSpec, pair: StoredPair, signer: StoredPair, fleet: FleetModel, now: Date): string | undefined {
  const x = pair.x509;
  if (!signedBy(x, signer.x509)) return 'not signed by the current CA';
  const info = describe(x);
  const missing = [...spec.sans.dnsNames.filter((n) => !info.dnsNames.includes(n)), ...spec.sans.ipAddresses.filter((ip) => x.checkIP(ip) === undefined)];
  if (missing.length) return `lacks ${missing.join(', ')}`;
  const usage = spec.usage === 'server' ? 'serverAuth' : 'clientAuth';
  if (!info.extKeyUsage.includes(usage)) return `is not a ${spec.usage} certificate (no ${usage})`;
  const renewAt = now.getTime() + fleet.pki.renewBeforeDays * DAY_MS;
  // A leaf capped by its CA's expiry cannot be extended: renewing it again would only churn.
  const reachable = Math.min(now.getTime() + fleet.pki.leafValidityDays * DAY_MS, new Date(signer.x509.validTo).getTime());
  if (info.notAfter.getTime() <= renewAt && reachable > info.notAfter.getTime() + DAY_MS) {
    return info.notAfter <= now ? `expired on ${day(info.notAfter)}` : `expires on ${day(info.notAfter)}, within ${fleet.pki.renewBeforeDays} days`;
  }
  return undefined;
}

/** A decided plan: how many keys it needs, and how to finish once they exist. */
export interface PkiPlan {
  readonly keysNeeded: number;
  /** Credentials (passwords) complete() generates or hashes again: like keys, something new in the store. */
  readonly credentialsNeeded: number;
  complete(keys: KeyPair[]): FleetPki;
}

/** `secrets`: the encrypted store opened by openSecrets (see stagePki); a plaintext store has none. */
export function planPki(fleet: FleetModel, opts: PkiOptions = {}, secrets?: OpenedSecrets): PkiPlan {
  const now = opts.now ?? new Date();
  // A synth that may not issue (in CI) does not write the store either.
  const state = openStore(fleet, now, false, secrets, opts.issue === false);
  const { store } = state;
  if (store.locked) {
    // Without an identity the keys cannot be read: in CI, render what needs none; elsewhere, say how to open the store.
    const changed = !!secrets?.recipientsChanged;
    if (opts.issue === false) {
      const why = changed
        ? `the keys (the store is encrypted with age and no identity was given; pki.encryption.recipients changed, so ${RECIPIENTS_CHANGED_FIX})`
        : 'the keys (the store is encrypted with age and no identity was given)';
      return { keysNeeded: 0, credentialsNeeded: 0, complete: () => withheldPki(store, [why], !changed) };
    }
    if (changed) throw recipientsChangedError(store.dir);
    throw new PkiError(
      store.dir,
      'is encrypted with age (pki.encryption) and no identity was given to open it: set PROMFLEET_AGE_IDENTITY (or PROMFLEET_AGE_IDENTITY_FILE) to an identity whose recipient is in pki.encryption.recipients',
    );
  }
  const decisions: Decision[] = leafSpecs(fleet).map((spec) => {
    const files = leafFiles(spec.kind, spec.cluster);
    const existing = store.readPair(files.cert, files.key);
    if (!existing) return { spec, reissue: { action: 'issued', reason: 'new' } };
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a stored leaf implies a CA: openStore refuses leaves without one
    const reason = renewalReason(spec, existing, state.current!.signer.pair, fleet, now);
    return { spec, existing, reissue: reason ? { action: 'renewed', reason } : undefined };
  });
  const credentials = credentialSpecs(fleet).map((spec) => decideCredential(store, spec));
  const keysNeeded = decisions.filter((d) => d.reissue).length + (state.current ? 0 : caKeyCount(fleet));
  const credentialsNeeded = credentials.filter((d) => d.generate).length;
  // In CI only the store is read: etcd client certificates it lacks are withheld like keys it would issue.
  const etcd = etcdClientClusters(fleet).map((c) => decideEtcdClient(store, fleet, c, now, opts.issue !== false));
  const etcdMissing = etcd.filter((d) => !d.bundle);
  if ((keysNeeded || credentialsNeeded || etcdMissing.length) && opts.issue === false) {
    const needs = [
      ...(state.current ? [] : [`the CA (${store.exists() ? 'the store has none' : 'there is no store'})`]),
      ...decisions.filter((d) => d.reissue).map((d) => `${d.spec.kind}/${d.spec.cluster} (${d.reissue?.reason})`),
      ...credentials.filter((d) => d.generate).map((d) => `${d.spec.kind}/${d.spec.cluster} (new)`),
      ...etcdMissing.map((d) => `etcd-client/${d.cluster} (not imported yet)`),
    ];
    return { keysNeeded: 0, credentialsNeeded: 0, complete: () => withheldPki(store, needs) };
  }
  if (keysNeeded || credentialsNeeded || etcd.some((d) => d.writes.length)) store.checkWritable();
  return {
    keysNeeded,
    credentialsNeeded,
    complete: (keys) => complete(fleet, state, decisions, [...keys], now, credentials, etcd),
  };
}

function complete(
  fleet: FleetModel,
  state: StoreState,
  decisions: Decision[],
  keys: KeyPair[],
  now: Date,
  credentialDecisions: CredentialDecision[],
  etcdDecisions: EtcdClientDecision[] = [],
): FleetPki {
  const { store } = state;
  const writes: PendingWrite[] = [];
  const entries: PkiReportEntry[] = [];
  let ca = state.current;
  const caAction: CertAction = ca ? 'kept' : 'created';
  if (!ca) {
    const made = createCa(fleet, CA_DIR, now, keys);
    writes.push(...made.writes);
    ca = made.set;
  }
  for (const [kind, pair] of [
    ['ca', ca.root],
    ['intermediate', ca.intermediate],
  ] as const) {
    if (pair)
      entries.push({
        name: kind,
        kind,
        action: caAction,
        commonName: describe(pair.x509).commonName,
        notAfter: new Date(pair.x509.validTo),
        file: pair.certFile,
      });
  }
  const leaves = new Map<string, { certPem: string; keyPem: string; x509: crypto.X509Certificate }>();
  for (const d of decisions) {
    const { spec } = d;
    const name = `${spec.kind}/${spec.cluster}`;
    const files = leafFiles(spec.kind, spec.cluster);
    let leaf: { certPem: string; keyPem: string; x509: crypto.X509Certificate };
    if (d.reissue) {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- one key was generated for each certificate to issue
      const key = keys.pop()!;
      const certPem = issueLeaf(
        {
          commonName: spec.commonName,
          organization: fleet.pki.organization,
          key,
          notBefore: now,
          validityDays: fleet.pki.leafValidityDays,
          usage: spec.usage,
          sans: spec.sans,
        },
        ca.signer,
      );
      writes.push({ rel: files.key, content: key.privateKeyPem, secret: true }, { rel: files.cert, content: certPem, secret: false });
      leaf = { certPem, keyPem: key.privateKeyPem, x509: new crypto.X509Certificate(certPem) };
    } else {
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- a leaf is kept only when it exists
      const e = d.existing!;
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- readPair returns a leaf only together with its key
      leaf = { certPem: normalizePem(e.certPem), keyPem: normalizePem(e.keyPem!), x509: e.x509 };
    }
    leaves.set(name, leaf);
    entries.push({
      name,
      kind: spec.kind,
      cluster: spec.cluster,
      action: d.reissue?.action ?? 'kept',
      ...(d.reissue?.action === 'renewed' ? { reason: d.reissue.reason } : {}),
      commonName: spec.commonName,
      notAfter: new Date(leaf.x509.validTo),
      file: store.file(files.cert),
    });
  }
  const credentials = new Map<string, BasicAuthCredential>();
  const passwords = new Map<string, PasswordCredential>();
  const credentialEntries: CredentialReportEntry[] = [];
  for (const d of credentialDecisions) {
    const { spec } = d;
    const name = `${spec.kind}/${spec.cluster}`;
    const made = completeCredential(d);
    writes.push(...made.writes);
    if (made.credential) credentials.set(name, made.credential);
    if (made.password) passwords.set(name, made.password);
    credentialEntries.push({
      name,
      kind: spec.kind,
      cluster: spec.cluster,
      action: d.generate?.action ?? 'kept',
      ...(d.generate?.action === 'renewed' ? { reason: d.generate.reason } : {}),
      // An encrypted store keeps the password as <file>.age only: name the file that exists.
      file: store.file(credentialFiles(spec.kind, spec.cluster).password) + (store.secrets ? AGE_SUFFIX : ''),
      encrypted: !!store.secrets,
    });
  }
  const etcdClients = new Map<string, EtcdClientBundle>();
  const etcdEntries: EtcdClientReportEntry[] = [];
  const warnings = [...store.warnings];
  for (const d of etcdDecisions) {
    writes.push(...d.writes);
    if (!d.bundle || !d.action || !d.notAfter) continue;
    etcdClients.set(d.cluster, d.bundle);
    etcdEntries.push({ cluster: d.cluster, action: d.action, notAfter: d.notAfter, file: d.file });
    // Nobody else renews it: kubeadm renews its own copy (kubeadm certs renew), not the store's.
    if (d.notAfter.getTime() < now.getTime() + fleet.pki.renewBeforeDays * DAY_MS) {
      const at = fleet.clusters.find((c) => c.name === d.cluster)?.index;
      warnings.push(
        `the etcd client certificate of ${d.cluster} (${d.file}) ${d.notAfter.getTime() <= now.getTime() ? 'expired' : 'expires'} on ${day(d.notAfter)}; put a renewed pair at the clusters[${at}].controlPlane.etcd.tls paths and synth again`,
      );
    }
  }
  const signerEnd = new Date(ca.signer.pair.x509.validTo);
  if (signerEnd.getTime() < now.getTime() + fleet.pki.leafValidityDays * DAY_MS) {
    warnings.push(
      `the CA (${ca.signer.pair.certFile}) expires on ${day(signerEnd)}, so new certificates end then too; rotate it: npm run pki -- rotate-ca start (docs/operations.md, "CA rotation")`,
    );
  }
  // Oldest CA first: the bundle then reads the same before and after `rotate-ca switch`, which
  // changes only the leaves (and Thanos reloads those without a restart; a CA file it does not).
  const other = state.other;
  const roots = !other ? [ca.root] : other.role === 'next' ? [ca.root, other.set.root] : [other.set.root, ca.root];
  const caBundle = roots.map((p) => normalizePem(p.certPem)).join('');
  const chain = ca.intermediate ? normalizePem(ca.intermediate.certPem) : '';
  const get = (kind: LeafKind, cluster: string) => {
    const leaf = leaves.get(`${kind}/${cluster}`);
    if (!leaf) throw new Error(`the fleet's PKI has no ${kind} certificate for cluster "${cluster}"`);
    return leaf;
  };
  const bundle = (kind: LeafKind, cluster: string): TlsBundle => {
    const leaf = get(kind, cluster);
    return { cert: leaf.certPem + chain, key: leaf.keyPem, ca: caBundle };
  };
  return {
    dir: store.dir,
    report: {
      dir: store.dir,
      entries,
      warnings,
      credentials: credentialEntries,
      ...(etcdEntries.length ? { etcdClients: etcdEntries } : {}),
      ...(other ? { rotation: other.role === 'next' ? ('started' as const) : ('switched' as const) } : {}),
    },
    caBundle,
    sidecar: (cluster) => bundle('sidecar', cluster),
    querier: (cluster) => bundle('querier', cluster),
    storeGateway: (cluster) => bundle('store-gateway', cluster),
    querierIngress: (cluster) => bundle('querier-ingress', cluster),
    querierBasicAuth: (cluster) => {
      const credential = credentials.get(`querier-basic-auth/${cluster}`);
      if (!credential) throw new Error(`the fleet's PKI has no basic-auth password for cluster "${cluster}"`);
      return credential;
    },
    grafanaIngress: (cluster) => bundle('grafana-ingress', cluster),
    grafanaAdmin: (cluster) => {
      const password = passwords.get(`grafana-admin/${cluster}`);
      if (!password) throw new Error(`the fleet's PKI has no Grafana admin password for cluster "${cluster}"`);
      return password;
    },
    etcdClient: (cluster) => etcdClients.get(cluster),
    certificate: (kind, cluster) => describe(get(kind, cluster).x509),
    commit: (more = []) => {
      const known = store.warnings.length;
      store.commit([...writes, ...more]);
      // A store that may not be written (in CI) says what it left undone.
      warnings.push(...store.warnings.slice(known));
      writes.length = 0;
    },
    protect: async (more = []) => {
      writes.splice(0, writes.length, ...(await store.protect(writes)));
      return store.protect(more);
    },
    storeText: (rel) => store.text(rel),
  };
}

/** A PKI that may not issue and lacks `needs`: no key material at all, so no Secret is rendered. `locked`: an identity would open the store. */
function withheldPki(store: PkiStore, needs: string[], locked = false): FleetPki {
  const none = (): never => {
    throw new Error(`the PKI store ${store.dir} lacks what the fleet needs (${needs.join(', ')}), and this synth may not issue it`);
  };
  return {
    dir: store.dir,
    report: { dir: store.dir, entries: [], warnings: [...store.warnings], credentials: [] },
    caBundle: '',
    withheld: needs,
    locked,
    sidecar: none,
    querier: none,
    storeGateway: none,
    querierIngress: none,
    querierBasicAuth: none,
    grafanaIngress: none,
    grafanaAdmin: none,
    etcdClient: none,
    certificate: none,
    commit: () => {},
    protect: () => Promise.resolve([]),
    storeText: (rel) => store.text(rel),
  };
}

/**
 * Reads the store and issues, in memory, what the fleet needs (keys are generated concurrently).
 * Nothing is written until the returned PKI's commit().
 */
export async function stagePki(fleet: FleetModel, opts: PkiOptions = {}): Promise<FleetPki> {
  const secrets = await openSecrets(fleet.pki.dir, fleet.pki.encryption?.recipients, opts.identities ?? []);
  const plan = planPki(fleet, opts, secrets);
  const pki = plan.complete(await generateKeyPairs(plan.keysNeeded, opts.onKey));
  // An encrypted store: what was issued is encrypted now, in memory, before anything is written.
  await pki.protect();
  return pki;
}

/** Opens or creates the store and issues what the fleet needs, written at once (stagePki + commit). */
export async function preparePki(fleet: FleetModel, opts: PkiOptions = {}): Promise<FleetPki> {
  const pki = await stagePki(fleet, opts);
  pki.commit();
  return pki;
}

/** preparePki for callers that cannot await (test helpers): the same store rules, keys made one by one. */
export function preparePkiSync(fleet: FleetModel, opts: PkiOptions = {}): FleetPki {
  if (fleet.pki.encryption) throw new Error('an encrypted PKI store (pki.encryption) takes preparePki: age encryption is asynchronous');
  const plan = planPki(fleet, opts);
  const pki = plan.complete(generateKeyPairsSync(plan.keysNeeded));
  pki.commit();
  return pki;
}
