// Certificate profiles, checked with Debian's openssl: every leaf verifies for its purpose and
// names (strict X.509 checks), and the extensions are what Go and OpenSSL require.
import * as crypto from 'crypto';
import { FleetPki, preparePki, sidecarSans, storeGatewaySans } from '../lib/pki';
import { fleetWithStore, opensslText, opensslVerify } from './support/pki';
import { defaultFleetText, workloadCluster } from './support/fleet';

// The default fleet plus a Store Gateway (served with TLS) and extra SANs on one sidecar.
const FLEET = defaultFleetText()
  .replace(/( {4}querier:\n)/, '$1      storeGateway:\n        bucket: metrics\n')
  .replace(/^clusters:/m, 'buckets:\n  metrics: { type: existingSecret, secret: { name: thanos-objstore, key: objstore.yml } }\nclusters:')
  .replace(
    /( {8}host: sidecar-\{replica\}\.workload-eu\.example\.com\n {8}port: 10901\n)/,
    '$1      extraSANs:\n        dnsNames: [thanos.eu.internal]\n        ipAddresses: [10.1.2.3, "fd00::7"]\n',
  );

function certs(pki: FleetPki) {
  return {
    sidecars: ['workload-eu', 'workload-us'].map((c) => ({ cluster: c, bundle: pki.sidecar(c) })),
    querier: pki.querier('observer'),
    storeGateway: pki.storeGateway('observer'),
  };
}

describe.each([
  ['a root CA', false],
  ['an intermediate CA', true],
])('certificates issued by %s', (_what, intermediate) => {
  let pki: FleetPki;
  let fleet: ReturnType<typeof fleetWithStore>;

  beforeAll(async () => {
    fleet = fleetWithStore(undefined, { intermediate }, FLEET);
    pki = await preparePki(fleet);
  });

  it('issues for the fleet as edited above: a Store Gateway certificate, extra SANs on workload-eu', () => {
    expect(fleet.clusters[0].observer?.querier.storeGateway?.tls).toBe(true);
    expect(fleet.clusters[1].workload?.sidecar.extraSANs).toEqual({ dnsNames: ['thanos.eu.internal'], ipAddresses: ['10.1.2.3', 'fd00::7'] });
    expect(pki.certificate('store-gateway', 'observer').dnsNames).toContain('thanos-store-gateway.monitoring.svc');
    expect(pki.certificate('sidecar', 'workload-eu').dnsNames).toContain('thanos.eu.internal');
  });

  it('every sidecar certificate verifies as a TLS server for each of its names (openssl verify -purpose sslserver -verify_hostname)', () => {
    for (const { cluster, bundle } of certs(pki).sidecars) {
      const c = workloadCluster(fleet, cluster);
      const names = sidecarSans(c).dnsNames.map((n) => n.replace(/^\*\./, 'prometheus-k8s-1.'));
      expect(names).toEqual(expect.arrayContaining(c.workload.sidecar.endpoints.map((e) => e.host)));
      for (const host of names) {
        const r = opensslVerify(bundle.ca, bundle.cert, 'sslserver', host);
        expect([cluster, host, r.code, r.out.trim()]).toEqual([cluster, host, 0, expect.stringMatching(/: OK$/)]);
      }
    }
  });

  it('declared IP addresses are SANs too, and a name not in the certificate fails', () => {
    const eu = pki.sidecar('workload-eu');
    const f = opensslVerify(eu.ca, eu.cert, 'sslserver', 'sidecar-0.workload-us.example.com');
    expect(f.code).not.toBe(0);
    expect(f.out).toMatch(/hostname mismatch/);
    const text = opensslText(eu.cert);
    expect(text).toMatch(/IP Address:10\.1\.2\.3/);
    expect(text).toMatch(/IP Address:FD00:0:0:0:0:0:0:7/);
    expect(text).toMatch(/DNS:thanos\.eu\.internal/);
  });

  it('the Store Gateway certificate verifies for its in-cluster Service names', () => {
    const sg = certs(pki).storeGateway;
    for (const host of storeGatewaySans(fleet.clusters[0]).dnsNames) {
      expect([host, opensslVerify(sg.ca, sg.cert, 'sslserver', host).code]).toEqual([host, 0]);
    }
    expect(storeGatewaySans(fleet.clusters[0]).dnsNames).toContain('thanos-store-gateway.monitoring.svc.cluster.local');
  });

  it('the Querier certificate verifies as a TLS client (-purpose sslclient), and not as a server', () => {
    const q = certs(pki).querier;
    expect(opensslVerify(q.ca, q.cert, 'sslclient').out.trim()).toMatch(/: OK$/);
    expect(opensslVerify(q.ca, q.cert, 'sslserver').code).not.toBe(0);
    const s = pki.sidecar('workload-eu');
    expect(opensslVerify(s.ca, s.cert, 'sslclient').code).not.toBe(0);
    expect(opensslText(q.cert)).toMatch(/Subject: CN ?= ?observer, O ?= ?promfleet/);
  });

  it("leaf profile: RSA-2048, SHA-256, CA:FALSE, digitalSignature+keyEncipherment, one extKeyUsage, AKI = the issuing CA's SKI", () => {
    const signer = intermediate ? pki.sidecar('workload-eu').cert.split(/(?<=-----END CERTIFICATE-----\n)/)[1] : pki.caBundle;
    const ski = /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(opensslText(signer))![1];
    for (const [pem, usage] of [
      [pki.sidecar('workload-eu').cert, 'TLS Web Server Authentication'],
      [pki.querier('observer').cert, 'TLS Web Client Authentication'],
      [pki.storeGateway('observer').cert, 'TLS Web Server Authentication'],
    ]) {
      const t = opensslText(pem);
      expect(t).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
      expect(t).toMatch(/Public-Key: \(2048 bit\)/);
      expect(t).toMatch(/Basic Constraints: critical\s*\n\s*CA:FALSE/);
      expect(t).toMatch(/Key Usage: critical\s*\n\s*Digital Signature, Key Encipherment\n/);
      expect(t).toMatch(new RegExp(`Extended Key Usage: \\s*\\n\\s*${usage}\\n`));
      expect(t).toMatch(/Subject Key Identifier:/);
      const aki = /Authority Key Identifier:\s*\n\s*(?:keyid:)?([0-9A-F:]+)/.exec(t)![1];
      expect(aki).toBe(ski);
    }
  });

  it('CA profile: critical basicConstraints with the right pathlen, keyCertSign+cRLSign, SKI, 10 years', () => {
    const root = opensslText(pki.caBundle);
    expect(root).toMatch(new RegExp(`Basic Constraints: critical\\s*\\n\\s*CA:TRUE, pathlen:${intermediate ? 1 : 0}\\n`));
    expect(root).toMatch(/Key Usage: critical\s*\n\s*Certificate Sign, CRL Sign\n/);
    expect(root).toMatch(/Subject Key Identifier:/);
    expect(root).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    const x = new crypto.X509Certificate(pki.caBundle);
    const years = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / (365.25 * 86400e3);
    expect(years).toBeGreaterThan(9.9);
    expect(years).toBeLessThan(10.1);
    const chain = pki.sidecar('workload-eu').cert.match(/-----BEGIN CERTIFICATE-----/g)!.length;
    expect(chain).toBe(intermediate ? 2 : 1);
    if (intermediate) {
      const inter = opensslText(pki.sidecar('workload-eu').cert.split(/(?<=-----END CERTIFICATE-----\n)/)[1]);
      expect(inter).toMatch(/Basic Constraints: critical\s*\n\s*CA:TRUE, pathlen:0\n/);
      expect(inter).toMatch(/Key Usage: critical\s*\n\s*Certificate Sign, CRL Sign\n/);
      // ca.crt holds the root only: the intermediate travels in tls.crt.
      expect(pki.querier('observer').ca.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    }
  });

  it('serials are positive and random, notBefore is backdated, leaves last one year', () => {
    const serials = new Set<string>();
    for (const pem of [pki.sidecar('workload-eu').cert, pki.sidecar('workload-us').cert, pki.querier('observer').cert, pki.caBundle]) {
      const x = new crypto.X509Certificate(pem);
      expect(parseInt(x.serialNumber.padStart(32, '0').slice(0, 2), 16)).toBeLessThan(0x80);
      expect(x.serialNumber.length).toBeGreaterThanOrEqual(30);
      serials.add(x.serialNumber);
      expect(Date.parse(x.validFrom)).toBeLessThanOrEqual(Date.now() - 30 * 60e3);
    }
    expect(serials.size).toBe(4);
    const leaf = new crypto.X509Certificate(pki.querier('observer').cert);
    expect(Math.round((Date.parse(leaf.validTo) - Date.now()) / 86400e3)).toBe(365);
  });
});
