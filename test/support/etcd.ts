// An etcd CA and a client certificate it signs, made with openssl in a temporary folder (EC keys: fast),
// the way kubeadm lays them out: etcd/ca.crt, etcd/apiserver-etcd-client.crt and .key.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export interface EtcdFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** The CA's own key: a private key that does not belong to `cert`. */
  readonly caKey: string;
}

/** Writes the files under `<dir>/etcd/`; `name` tells apart several CAs in one folder. */
export function makeEtcdFiles(dir: string, name = 'etcd', days = 365): EtcdFiles {
  const at = path.join(dir, name);
  fs.mkdirSync(at, { recursive: true });
  const f = {
    ca: path.join(at, 'ca.crt'),
    caKey: path.join(at, 'ca.key'),
    cert: path.join(at, 'apiserver-etcd-client.crt'),
    key: path.join(at, 'apiserver-etcd-client.key'),
  };
  const csr = path.join(at, 'client.csr');
  const ext = path.join(at, 'client.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f.caKey,
    '-out',
    f.ca,
    '-subj',
    `/CN=${name}-ca`,
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  );
  openssl('req', ...ec, '-keyout', f.key, '-out', csr, '-subj', '/CN=kube-apiserver-etcd-client');
  fs.writeFileSync(ext, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  openssl('x509', '-req', '-in', csr, '-CA', f.ca, '-CAkey', f.caKey, '-CAcreateserial', '-out', f.cert, '-days', String(days), '-extfile', ext);
  return f;
}
