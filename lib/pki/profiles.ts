// Certificate profiles (CA, intermediate CA, server, client) and the names each leaf must carry.
// Every certificate: RSA-2048, SHA-256, positive random serial, notBefore backdated for clock skew,
// subjectKeyIdentifier, and authorityKeyIdentifier = the issuer's own SKI.
import * as crypto from 'crypto';
import forge from 'node-forge';
import type { ClusterModel, WorkloadCluster } from '../fleet/model';
import { PROMETHEUS_OPERATED_SERVICE, sidecarReplicaService, STORE_GATEWAY_NAME, storeGatewayShardService } from '../names';
import { nativeSigner, type KeyPair } from './keys';

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Clocks of the clusters may run behind the machine that issued the certificate. */
export const BACKDATE_MS = 60 * 60 * 1000;

/** Kubernetes' default cluster domain; the fully qualified in-cluster names end with it. */
export const CLUSTER_DOMAIN = 'cluster.local';

export interface SubjectAltNames {
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
}

/** `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`: how pods may address a Service. */
export function serviceNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${CLUSTER_DOMAIN}`];
}

function unique(names: (string | undefined)[]): string[] {
  return [...new Set(names.filter((n): n is string => !!n))];
}

/** Names the sidecar's server certificate must cover, derived from the cluster's model. */
export function sidecarSans(cluster: WorkloadCluster): SubjectAltNames {
  const { sidecar } = cluster.workload;
  const ns = cluster.stack.namespace;
  // One Secret serves every replica: it carries the name each replica is dialled on (load balancer or Ingress host).
  const replicas = sidecar.endpoints.map((_, i) => sidecarReplicaService(i));
  return {
    dnsNames: unique([
      ...sidecar.endpoints.map((e) => e.host),
      ...serviceNames(PROMETHEUS_OPERATED_SERVICE, ns),
      // Each Prometheus pod: <pod>.prometheus-operated.<ns>.svc
      `*.${PROMETHEUS_OPERATED_SERVICE}.${ns}.svc`,
      `*.${PROMETHEUS_OPERATED_SERVICE}.${ns}.svc.${CLUSTER_DOMAIN}`,
      ...replicas.flatMap((service) => serviceNames(service, ns)),
      ...sidecar.extraSANs.dnsNames,
    ]),
    ipAddresses: unique(sidecar.extraSANs.ipAddresses),
  };
}

/**
 * Names of an observer's Store Gateway certificate: its in-cluster Service, and the Service of each shard when it
 * is sharded (one Secret serves every shard).
 */
export function storeGatewaySans(cluster: ClusterModel): SubjectAltNames {
  const ns = cluster.stack.namespace;
  const sharding = cluster.observer?.querier.storeGateway?.sharding;
  const shards = !sharding ? 0 : sharding.type === 'hash' ? sharding.shards : sharding.boundaries.length + 1;
  const services = [STORE_GATEWAY_NAME, ...Array.from({ length: shards }, (_, i) => storeGatewayShardService(i))];
  return { dnsNames: services.flatMap((service) => serviceNames(service, ns)), ipAddresses: [] };
}

/** A certificate able to sign others: what issuing needs from it. */
export interface Issuer {
  readonly cert: forge.pki.Certificate;
  readonly key: crypto.KeyObject;
}

export type LeafUsage = 'server' | 'client';

export interface CertRequest {
  readonly commonName: string;
  readonly organization: string;
  readonly key: KeyPair;
  readonly notBefore: Date;
  /** Capped at the issuer's notAfter: a leaf never outlives its CA. */
  readonly validityDays: number;
}

export interface CaRequest extends CertRequest {
  /** 0: signs leaves only; 1: signs an intermediate CA. */
  readonly pathLen: number;
}

export interface LeafRequest extends CertRequest {
  readonly usage: LeafUsage;
  readonly sans: SubjectAltNames;
}

/** Positive, non-zero-led 128-bit serial (DER integers must be minimal and positive). */
function randomSerial(): string {
  const b = crypto.randomBytes(16);
  b[0] = b[0] & 0x7f || 0x01;
  return b.toString('hex');
}

function subjectKeyId(cert: forge.pki.Certificate): string {
  const ext: { subjectKeyIdentifier?: string } | undefined = cert.getExtension('subjectKeyIdentifier');
  // Hex in the certificate; forge computes the same SHA-1 of the public key when it is absent.
  return ext?.subjectKeyIdentifier ? forge.util.hexToBytes(ext.subjectKeyIdentifier) : cert.generateSubjectKeyIdentifier().getBytes();
}

function build(req: CertRequest, issuer: Issuer | undefined, extensions: object[]): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = req.key.publicKey;
  cert.serialNumber = randomSerial();
  const notBefore = new Date(req.notBefore.getTime() - BACKDATE_MS);
  let notAfter = new Date(req.notBefore.getTime() + req.validityDays * DAY_MS);
  if (issuer && notAfter > issuer.cert.validity.notAfter) notAfter = issuer.cert.validity.notAfter;
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const subject = [
    { shortName: 'CN', value: req.commonName },
    { shortName: 'O', value: req.organization },
  ];
  cert.setSubject(subject);
  cert.setIssuer(issuer ? issuer.cert.subject.attributes : subject);
  cert.setExtensions([
    ...extensions,
    { name: 'subjectKeyIdentifier' },
    // forge's `keyIdentifier: true` would hash this certificate's own key: give it the issuer's SKI.
    ...(issuer ? [{ name: 'authorityKeyIdentifier', keyIdentifier: subjectKeyId(issuer.cert) }] : []),
  ]);
  // SHA-256 explicitly: forge's default is SHA-1, which Go and OpenSSL reject.
  cert.sign(nativeSigner(issuer ? issuer.key : req.key.privateKey), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

/** A CA: self-signed root when `issuer` is absent, else an intermediate signed by it. */
export function issueCa(req: CaRequest, issuer?: Issuer): string {
  return build(req, issuer, [
    { name: 'basicConstraints', cA: true, pathLenConstraint: req.pathLen, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
}

/** A server (sidecar, Store Gateway) or client (Querier) certificate. */
export function issueLeaf(req: LeafRequest, issuer: Issuer): string {
  const altNames = [...req.sans.dnsNames.map((value) => ({ type: 2, value })), ...req.sans.ipAddresses.map((ip) => ({ type: 7, ip }))];
  return build(req, issuer, [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: req.usage === 'server', clientAuth: req.usage === 'client' },
    ...(altNames.length ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
}
