// etcd's client certificate. etcd trusts only its own CA, so promfleet cannot issue a certificate it
// accepts: the user points the fleet file at a pair the etcd CA signed (on kubeadm, the API server's
// apiserver-etcd-client pair), and the synth copies it into the store, where it stays. From then on the
// store is the source: a synth in CI never reads files outside it, and the user may delete the copies.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { FleetError } from '../fleet/errors';
import { exposes } from '../fleet/platforms';
import { isWorkload, type FleetModel, type WorkloadCluster } from '../fleet/model';
import { errnoText } from '../io/errors';
import type { PendingWrite, PkiStore } from './store';

/** The store folder of the imported pairs. */
export const ETCD_CLIENT_DIR = 'etcd-client';
/** extKeyUsage clientAuth. */
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** What etcd's client TLS needs: the etcd CA, and the client certificate with its key (PEM). */
export interface EtcdClientBundle {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export function etcdClientFiles(cluster: string): { ca: string; cert: string; key: string } {
  return {
    ca: path.join(ETCD_CLIENT_DIR, `${cluster}-ca.crt`),
    cert: path.join(ETCD_CLIENT_DIR, `${cluster}.crt`),
    key: path.join(ETCD_CLIENT_DIR, `${cluster}.key`),
  };
}

/** The workload clusters whose etcd is scraped: a platform that exposes it, and client files given. */
export function etcdClientClusters(fleet: FleetModel): WorkloadCluster[] {
  return fleet.clusters.filter(isWorkload).filter((c) => c.etcd && exposes(c.platform, 'etcd') && !c.controlPlaneExclude.includes('etcd'));
}

export interface EtcdClientDecision {
  readonly cluster: string;
  /** Absent when the store lacks the pair and this synth may not read the user's files (in CI). */
  readonly bundle?: EtcdClientBundle;
  readonly writes: PendingWrite[];
  readonly action?: 'imported' | 'kept';
  /** When the client certificate expires: kubeadm's last a year, and etcd refuses an expired one. */
  readonly notAfter?: Date;
  /** The certificate's file in the store. */
  readonly file: string;
}

/** What the synth summary says of one cluster's etcd client certificate. */
export interface EtcdClientReportEntry {
  readonly cluster: string;
  readonly action: 'imported' | 'kept';
  readonly notAfter: Date;
  readonly file: string;
}

const normalize = (pem: string) => `${pem.replace(/\r\n/g, '\n').trim()}\n`;

/**
 * The pair of one cluster: the user's files when they are there (and `readUserFiles`), checked and copied
 * into the store if the store's copy differs; else the store's copy.
 */
export function decideEtcdClient(store: PkiStore, fleet: FleetModel, cluster: WorkloadCluster, now: Date, readUserFiles: boolean): EtcdClientDecision {
  // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- etcdClientClusters keeps clusters with etcd files only
  const given = cluster.etcd!;
  const field = (k: 'ca' | 'cert' | 'key') => `clusters[${cluster.index}].controlPlane.etcd.tls.${k}`;
  const stored = etcdClientFiles(cluster.name);
  const fail = (k: 'ca' | 'cert' | 'key', message: string): never => {
    throw new FleetError(fleet.source, [{ path: field(k), message }]);
  };
  const file = store.file(stored.cert);
  const keep = (): EtcdClientDecision | undefined => {
    const ca = store.text(stored.ca);
    const cert = store.text(stored.cert);
    const key = store.readSecret(stored.key);
    if (!ca || !cert || !key) return undefined;
    return { cluster: cluster.name, bundle: { ca, cert, key }, writes: [], action: 'kept', notAfter: new Date(new crypto.X509Certificate(cert).validTo), file };
  };
  if (!readUserFiles) return keep() ?? { cluster: cluster.name, writes: [], file };
  const present = (['ca', 'cert', 'key'] as const).filter((k) => fs.existsSync(given[k]));
  if (!present.length) {
    const kept = keep();
    if (kept) return kept;
    fail(
      'cert',
      `${given.cert} does not exist, and the PKI store holds no etcd client certificate of "${cluster.name}" yet; copy the files there (on kubeadm: /etc/kubernetes/pki/etcd/ca.crt, apiserver-etcd-client.crt and .key) and synth again`,
    );
  }
  const read = (k: 'ca' | 'cert' | 'key'): string => {
    try {
      return fs.readFileSync(given[k], 'utf8');
    } catch (e) {
      return fail(k, `${given[k]} cannot be read: ${errnoText(e)}; give the three files ca, cert and key together`);
    }
  };
  const text = { ca: read('ca'), cert: read('cert'), key: read('key') };
  const x509 = (k: 'ca' | 'cert'): crypto.X509Certificate => {
    try {
      return new crypto.X509Certificate(text[k]);
    } catch (e) {
      return fail(k, `${given[k]} is not a PEM certificate (${(e as Error).message})`);
    }
  };
  const ca = x509('ca');
  const cert = x509('cert');
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(text.key);
  } catch (e) {
    return fail('key', `${given.key} is not a PEM private key (${(e as Error).message})`);
  }
  if (!ca.ca) fail('ca', `${given.ca} is not a CA certificate; give the CA that signed etcd's certificates (on kubeadm /etc/kubernetes/pki/etcd/ca.crt)`);
  if (!cert.checkPrivateKey(key))
    fail('key', `${given.key} does not belong to the certificate ${given.cert} (their public keys differ); give the key of that certificate`);
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    fail('cert', `${given.cert} is not signed by the CA ${given.ca}; etcd accepts only certificates its own CA signed`);
  }
  if (new Date(cert.validTo).getTime() <= now.getTime()) fail('cert', `${given.cert} expired on ${cert.validTo}; give a current client certificate`);
  if (new Date(cert.validFrom).getTime() > now.getTime()) fail('cert', `${given.cert} is not valid before ${cert.validFrom}`);
  if (cert.keyUsage?.length && !cert.keyUsage.includes(CLIENT_AUTH))
    fail('cert', `${given.cert} is not a client certificate (no clientAuth extended key usage)`);
  const bundle = { ca: normalize(text.ca), cert: normalize(text.cert), key: normalize(text.key) };
  const kept = keep();
  if (kept?.bundle && kept.bundle.ca === bundle.ca && kept.bundle.cert === bundle.cert && kept.bundle.key === bundle.key) return kept;
  return {
    cluster: cluster.name,
    bundle,
    action: 'imported',
    notAfter: new Date(cert.validTo),
    file,
    writes: [
      { rel: stored.ca, content: bundle.ca, secret: false },
      { rel: stored.cert, content: bundle.cert, secret: false },
      { rel: stored.key, content: bundle.key, secret: true },
    ],
  };
}
