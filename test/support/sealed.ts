// A stand-in sealed-secrets controller for tests: an RSA key with a self-signed certificate (node-forge),
// and an unsealer written from the controller's format (pkg/crypto HybridDecrypt), independent of lib/.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import forge from 'node-forge';
import type { ManifestOf } from './manifests';

type SealedSecret = ManifestOf<'SealedSecret'>;

export interface TestController {
  readonly privateKey: crypto.KeyObject;
  readonly certPem: string;
  /** Writes the certificate (what `kubeseal --fetch-cert` saves) and returns its path. */
  writeCert(file: string): string;
}

/** A controller key and certificate valid from `notBefore` to `notAfter` (default: now, +10 years). */
export function makeController(opts: { notBefore?: Date; notAfter?: Date } = {}): TestController {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = opts.notBefore ?? new Date(Date.now() - 60_000);
  cert.validity.notAfter = opts.notAfter ?? new Date(Date.now() + 10 * 365 * 86400_000);
  const subject = [
    { name: 'organizationName', value: 'sealed-secret' },
    { name: 'commonName', value: 'sealed-secret' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forgeKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  return {
    privateKey,
    certPem,
    writeCert(file: string) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, certPem);
      return file;
    },
  };
}

/** Opens one value: uint16 length, RSA-OAEP(SHA-256, label) session key, AES-256-GCM (zero nonce, tag last). */
export function unsealValue(privateKey: crypto.KeyObject, sealed: Buffer, label: Buffer): Buffer {
  const rsaLength = sealed.readUInt16BE(0);
  const wrapped = sealed.subarray(2, 2 + rsaLength);
  const body = sealed.subarray(2 + rsaLength);
  const sessionKey = crypto.privateDecrypt(
    { key: privateKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label },
    wrapped,
  );
  const decipher = crypto.createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(body.subarray(body.length - 16));
  return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
}

/** What the controller makes of a SealedSecret: the label comes from the SealedSecret's own annotations. */
export function unseal(
  privateKey: crypto.KeyObject,
  sealedSecret: SealedSecret,
): { metadata: SealedSecret['metadata']; type?: string; data: Record<string, Buffer> } {
  const { name, namespace, annotations = {} } = sealedSecret.metadata;
  const label =
    annotations['sealedsecrets.bitnami.com/cluster-wide'] === 'true'
      ? ''
      : annotations['sealedsecrets.bitnami.com/namespace-wide'] === 'true'
        ? namespace
        : `${namespace}/${name}`;
  const data: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(sealedSecret.spec.encryptedData)) {
    data[k] = unsealValue(privateKey, Buffer.from(v, 'base64'), Buffer.from(label));
  }
  const { template } = sealedSecret.spec;
  return { metadata: { ...template.metadata, name, namespace }, type: template.type, data };
}
