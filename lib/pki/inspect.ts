// Reading certificates back (native X509Certificate): names, issuer, expiry, chain checks.
// Used by the store's renewal decisions and by synth-time cross-checks of other components.
import * as crypto from 'crypto';
import { isIP } from 'net';

export interface CertInfo {
  readonly subject: string;
  readonly commonName: string;
  readonly issuer: string;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly serialNumber: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** SHA-256 fingerprint, colon-separated hex. */
  readonly fingerprint: string;
  readonly isCa: boolean;
  /** Extended key usages by name (serverAuth, clientAuth) or OID. */
  readonly extKeyUsage: string[];
}

/** A date as YYYY-MM-DD (UTC), as summaries print expiry dates. */
export const isoDay = (d: Date): string => d.toISOString().slice(0, 10);

const EKU: Record<string, string> = { '1.3.6.1.5.5.7.3.1': 'serverAuth', '1.3.6.1.5.5.7.3.2': 'clientAuth' };

/** Every certificate in a PEM text, in order (leaf first in a chain). */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g) ?? [];
}

// The synth-time checks read the same PEM texts again and again (the CA bundle once per endpoint
// of every observer): each text is parsed once per process. Parsed certificates are immutable.
const parsed = new Map<string, readonly crypto.X509Certificate[]>();

export function parseCertificates(pem: string): readonly crypto.X509Certificate[] {
  let certs = parsed.get(pem);
  if (!certs) {
    certs = Object.freeze(splitPem(pem).map((block) => new crypto.X509Certificate(block)));
    parsed.set(pem, certs);
  }
  return certs;
}

function field(dn: string, key: string): string {
  return (
    dn
      .split('\n')
      .find((l) => l.startsWith(`${key}=`))
      ?.slice(key.length + 1) ?? ''
  );
}

export function describe(x509: crypto.X509Certificate): CertInfo {
  // subjectAltName: "DNS:a, DNS:*.b, IP Address:10.0.0.1"
  const sans = (x509.subjectAltName ?? '').split(', ').filter(Boolean);
  const pick = (prefix: string) => sans.filter((s) => s.startsWith(prefix)).map((s) => s.slice(prefix.length));
  return {
    subject: x509.subject.replace(/\n/g, ', '),
    commonName: field(x509.subject, 'CN'),
    issuer: field(x509.issuer, 'CN'),
    dnsNames: pick('DNS:'),
    ipAddresses: pick('IP Address:'),
    serialNumber: x509.serialNumber,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    fingerprint: x509.fingerprint256,
    isCa: x509.ca,
    extKeyUsage: (x509.keyUsage ?? []).map((oid) => EKU[oid] ?? oid),
  };
}

/** Names, issuer and validity of the first certificate in a PEM text (e.g. a TlsBundle's cert). */
export function describeCertificate(pem: string): CertInfo {
  const [first] = parseCertificates(pem);
  if (!first) throw new Error('no PEM certificate found');
  return describe(first);
}

/** Whether a client dialling `host` (a DNS name or IP) accepts this certificate's names (wildcards included). */
export function certificateCoversHost(pem: string, host: string): boolean {
  const [first] = parseCertificates(pem);
  if (!first) return false;
  return (isIP(host) ? first.checkIP(host) : first.checkHost(host, { subject: 'never' })) !== undefined;
}

/** Whether `parent` is a CA that issued and signed `child`. */
export function signedBy(child: crypto.X509Certificate, parent: crypto.X509Certificate): boolean {
  return parent.ca && child.checkIssued(parent) && child.verify(parent.publicKey);
}

/**
 * Whether `chainPem` (leaf, then any intermediates) chains to one of the CA certificates in
 * `caBundlePem`, by signature and validity dates at `at`. What a TLS peer with that bundle checks.
 */
export function verifiesChain(caBundlePem: string, chainPem: string, at: Date = new Date()): boolean {
  const anchors = parseCertificates(caBundlePem);
  const [leaf, ...intermediates] = parseCertificates(chainPem);
  if (!leaf) return false;
  const valid = (c: crypto.X509Certificate) => new Date(c.validFrom) <= at && at <= new Date(c.validTo);
  let current = leaf;
  for (let depth = 0; depth <= intermediates.length; depth++) {
    if (!valid(current)) return false;
    if (anchors.some((a) => valid(a) && signedBy(current, a))) return true;
    const next = intermediates.find((i) => signedBy(current, i));
    if (!next) return false;
    current = next;
  }
  return false;
}
