// Sealed secrets mode: what the controller unseals is exactly the Secret of plain mode, and repeated
// synths do not churn Git. The controller is played by a key made here and an unsealer written from
// the controller's format (test/support/sealed.ts), not by lib/'s own code.
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments, parseDocument, stringify } from 'yaml';
import { SealedSecret } from '../imports/sealedsecret-bitnami.com';
import { ClusterSealer, sealingLabel, sealValue, SEAL_STATE_DIR, type SealingScope } from '../lib/delivery/sealed-secrets';
import { FleetError } from '../lib/fleet/errors';
import type { FleetModel } from '../lib/fleet/model';
import type { FleetInput } from '../lib/fleet/schema';
import { defaultFleetText, fleetFrom, ofKind, render, Rendered, ROOT, runMain, testPki, testPkiDir, tmpDir, validateRendered } from './support/fleet';
import { UNKNOWN_FIELD } from '../lib/validate/problems';
import { KEY_LABEL } from './support/pki';
import { makeController, TestController, unseal, unsealValue } from './support/sealed';

/** The default fleet with sealedSecrets on every cluster. */
function sealingFleetText(certificate: string, scope?: SealingScope): string {
  const doc = parseDocument(defaultFleetText());
  const fleet = doc.toJS() as FleetInput;
  for (const c of fleet.clusters) c.sealedSecrets = { certificate, ...(scope ? { scope } : {}) };
  return stringify(fleet);
}

/**
 * Fleets read from a new folder, plain and sealed, with certificates from the PKI store that every test
 * of this file shares (keys are made once; a test that deletes a leaf only makes the next render re-issue it).
 */
let sharedController: TestController | undefined;

function setup(scope?: SealingScope) {
  const dir = tmpDir();
  const controller = (sharedController ??= makeController());
  controller.writeCert(path.join(dir, 'certs', 'sealed-secrets.pem'));
  const plainFleet = fleetFrom(defaultFleetText(), dir);
  const sealedFleet = fleetFrom(sealingFleetText('certs/sealed-secrets.pem', scope), dir);
  const pkiDir = testPkiDir();
  const renderIn = (fleet: FleetModel, name: string) => render(fleet, path.join(dir, name), testPki(fleet, pkiDir));
  return { dir, controller, plainFleet, sealedFleet, pkiDir, renderIn };
}

const files = (r: Rendered, re: RegExp) => [...r.files.keys()].filter((f) => re.test(f)).sort();
const objectsIn = (r: Rendered, file: string) => r.objects.filter((o) => o.file === file).map((o) => o.obj);
const secretsIn = (r: Rendered, file: string) =>
  ofKind(r.objects, 'Secret')
    .filter((o) => o.file === file)
    .map((o) => o.obj);
const sealedIn = (r: Rendered, file: string) =>
  ofKind(r.objects, 'SealedSecret')
    .filter((o) => o.file === file)
    .map((o) => o.obj);

describe('the controller format', () => {
  const controller = makeController();
  const publicKey = crypto.createPublicKey(controller.privateKey);

  it('is uint16 length, RSA-OAEP ciphertext of the session key, then AES-GCM with its tag', () => {
    const value = Buffer.from(`-----BEGIN ${KEY_LABEL}-----\nabc\n`);
    const sealed = sealValue(publicKey, value, Buffer.from('monitoring/thanos-sidecar-tls'));
    expect(sealed.readUInt16BE(0)).toBe(256); // RSA-2048
    expect(sealed.length).toBe(2 + 256 + value.length + 16);
    expect(unsealValue(controller.privateKey, sealed, Buffer.from('monitoring/thanos-sidecar-tls'))).toEqual(value);
  });

  it('binds each value to its label: another name or namespace cannot unseal it', () => {
    const sealed = sealValue(publicKey, Buffer.from('x'), sealingLabel('monitoring', 'a', 'strict'));
    expect(() => unsealValue(controller.privateKey, sealed, sealingLabel('monitoring', 'b', 'strict'))).toThrow();
    expect(() => unsealValue(controller.privateKey, sealed, sealingLabel('other', 'a', 'strict'))).toThrow();
  });

  it('derives the label from the scope as the controller does', () => {
    expect(sealingLabel('ns', 'name', 'strict').toString()).toBe('ns/name');
    expect(sealingLabel('ns', 'name', 'namespace-wide').toString()).toBe('ns');
    expect(sealingLabel('ns', 'name', 'cluster-wide').length).toBe(0);
  });

  it('uses a fresh session key each time: the same value never seals to the same bytes', () => {
    const label = Buffer.from('ns/name');
    expect(sealValue(publicKey, Buffer.from('v'), label).equals(sealValue(publicKey, Buffer.from('v'), label))).toBe(false);
  });
});

describe('sealed secrets mode', () => {
  const s = setup();
  const plain = s.renderIn(s.plainFleet, 'plain');
  const sealed = s.renderIn(s.sealedFleet, 'sealed');
  const plainSecretFiles = files(plain, /\/secrets\/.+\.yaml$/);
  const sealedFiles = files(sealed, /\/sealed-secrets\/.+\.yaml$/);

  it('renders a SealedSecret in the committable folder for every Secret of plain mode, and no secrets/', () => {
    // Every cluster carries key material: the sidecar's on workloads, the Querier's on the observer.
    for (const c of s.plainFleet.clusters) expect(plainSecretFiles.some((f) => f.startsWith(`${c.name}/`))).toBe(true);
    expect(sealedFiles).toEqual(plainSecretFiles.map((f) => f.replace('/secrets/', '/sealed-secrets/')));
    expect(files(sealed, /\/secrets\//)).toEqual([]);
    expect(fs.existsSync(path.join(sealed.outDir, 'workload-eu', 'secrets'))).toBe(false);
    for (const f of sealedFiles) {
      for (const obj of objectsIn(sealed, f)) expect([f, obj.apiVersion, obj.kind]).toEqual([f, 'bitnami.com/v1alpha1', 'SealedSecret']);
    }
  });

  it('unseals to exactly the Secret plain mode renders', () => {
    let values = 0;
    for (const f of plainSecretFiles) {
      const secrets = secretsIn(plain, f);
      const sealedSecrets = sealedIn(sealed, f.replace('/secrets/', '/sealed-secrets/'));
      expect(sealedSecrets.length).toBe(secrets.length);
      secrets.forEach((secret, i) => {
        const got = unseal(s.controller.privateKey, sealedSecrets[i]);
        expect(got.metadata).toEqual(secret.metadata);
        expect(got.type).toBe(secret.type);
        const want = Object.fromEntries(Object.entries<string>(secret.data).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
        expect(got.data).toEqual(want);
        values += Object.keys(want).length;
      });
    }
    // tls.crt, tls.key, ca.crt in each TLS Secret; auth in the Querier sign-in's; admin-password in Grafana's.
    const oneValue = plainSecretFiles.filter((f) => f.endsWith('/thanos-querier-basic-auth.yaml') || f.endsWith('/grafana-admin.yaml')).length;
    expect(oneValue).toBe(2);
    expect(values).toBeGreaterThanOrEqual(3 * (plainSecretFiles.length - oneValue) + oneValue);
  });

  it("carries the Secret's metadata and sync wave on the SealedSecret, and no scope annotation in strict scope", () => {
    for (const f of sealedFiles) {
      for (const obj of sealedIn(sealed, f)) {
        expect(obj.metadata.labels['app.kubernetes.io/part-of']).toBe('promfleet');
        expect(obj.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
        expect(Object.keys(obj.metadata.annotations).filter((k) => k.startsWith('sealedsecrets.bitnami.com/'))).toEqual([]);
      }
    }
  });

  it('strict scope (default): a renamed SealedSecret cannot be unsealed', () => {
    const [obj] = sealedIn(sealed, 'workload-us/sealed-secrets/thanos-sidecar-tls.yaml');
    expect(() => unseal(s.controller.privateKey, { ...obj, metadata: { ...obj.metadata, name: 'renamed' } })).toThrow();
  });

  it('leaves no private key or plaintext value in any file, nor in the seal state', () => {
    const stateFiles = s.sealedFleet.clusters.map((c) => path.join(s.pkiDir, SEAL_STATE_DIR, `${c.name}.json`));
    const texts = [...[...sealed.files.values()], ...stateFiles.map((f) => fs.readFileSync(f, 'utf8'))];
    const secretValues = plainSecretFiles.flatMap((f) => secretsIn(plain, f).flatMap((o) => Object.values<string>(o.data)));
    for (const text of texts) {
      expect(text).not.toMatch(/PRIVATE[ ]KEY/);
      for (const v of secretValues) {
        expect(text.includes(v)).toBe(false);
        // A PEM's first base64 line, or the whole of a one-line value (the htpasswd line).
        const decoded = Buffer.from(v, 'base64').toString('utf8');
        expect(text.includes((decoded.split('\n')[1] || decoded).trim())).toBe(false);
      }
    }
    for (const f of stateFiles) expect(fs.statSync(f).mode & 0o777).toBe(0o600);
  });

  it('is byte-identical when rendered again with the same inputs', () => {
    const again = s.renderIn(s.sealedFleet, 'sealed-again');
    for (const f of sealedFiles) expect([f, again.files.get(f)]).toEqual([f, sealed.files.get(f)]);
    expect(again.result.clusters.map((c) => c.sealed?.sealedValues)).toEqual(s.sealedFleet.clusters.map(() => 0));
  });

  it('re-seals only the Secret whose certificate changed', () => {
    // Deleting a leaf from the PKI store makes the next synth issue a new one.
    fs.rmSync(path.join(s.pkiDir, 'sidecar', 'workload-eu.crt'));
    fs.rmSync(path.join(s.pkiDir, 'sidecar', 'workload-eu.key'));
    const next = s.renderIn(s.sealedFleet, 'sealed-new-leaf');
    const changed = sealedFiles.filter((f) => next.files.get(f) !== sealed.files.get(f));
    expect(changed).toEqual(['workload-eu/sealed-secrets/thanos-sidecar-tls.yaml']);
    const [before] = sealedIn(sealed, changed[0]);
    const [after] = sealedIn(next, changed[0]);
    // The CA did not change: its ciphertext stays; the new certificate and key are sealed anew.
    expect(after.spec.encryptedData['ca.crt']).toBe(before.spec.encryptedData['ca.crt']);
    expect(after.spec.encryptedData['tls.crt']).not.toBe(before.spec.encryptedData['tls.crt']);
    expect(after.spec.encryptedData['tls.key']).not.toBe(before.spec.encryptedData['tls.key']);
    expect(next.result.clusters.find((c) => c.cluster === 'workload-eu')?.sealed).toEqual({ secrets: 1, sealedValues: 2, reusedValues: 1 });
    expect(unseal(s.controller.privateKey, after).data['tls.key'].toString()).toMatch(/^-----BEGIN PRIVATE[ ]KEY-----/);
  });

  it('re-seals everything for a new controller certificate', () => {
    const other = makeController();
    other.writeCert(path.join(s.dir, 'certs', 'sealed-secrets.pem'));
    const next = s.renderIn(fleetFrom(sealingFleetText('certs/sealed-secrets.pem'), s.dir), 'sealed-new-controller');
    for (const c of next.result.clusters) expect(c.sealed?.reusedValues).toBe(0);
    for (const f of files(next, /\/sealed-secrets\//)) {
      for (const obj of sealedIn(next, f)) {
        expect(() => unseal(s.controller.privateKey, obj)).toThrow();
        const oneKey: Record<string, string[]> = { 'thanos-querier-basic-auth': ['auth'], 'grafana-admin': ['admin-password'] };
        const keys = oneKey[obj.metadata.name] ?? ['ca.crt', 'tls.crt', 'tls.key'];
        expect(Object.keys(unseal(other.privateKey, obj).data).sort()).toEqual(keys);
      }
    }
  });

  it('passes schema validation against the imported SealedSecret CRD', () => {
    const dirs = [...new Set(sealedFiles.map((f) => path.join(sealed.outDir, path.dirname(f))))];
    const report = validateRendered(...dirs);
    expect(report.findings).toEqual([]);
    expect(report.kinds).toEqual({ 'bitnami.com/v1alpha1/SealedSecret': sealedFiles.length });
  });

  it('the schema check reports a field the SealedSecret CRD does not define', () => {
    const [obj] = parseAllDocuments(fs.readFileSync(path.join(sealed.outDir, sealedFiles[0]), 'utf8')).map(
      (d) => d.toJS() as { spec: { template: Record<string, unknown>; encryptedDataHash?: string } },
    );
    obj.spec.template.stringData = { note: 'x' };
    obj.spec.encryptedDataHash = 'x';
    const tampered = path.join(tmpDir(), 'tampered.yaml');
    fs.writeFileSync(tampered, stringify(obj));
    expect(validateRendered(tampered).findings.map((e) => `${e.field}: ${e.problem}`)).toEqual([
      `spec.encryptedDataHash: ${UNKNOWN_FIELD}`,
      `spec.template.stringData: ${UNKNOWN_FIELD}`,
    ]);
  });

  it("builds SealedSecrets from the CRD's types: a field the CRD lacks does not compile, nor render", () => {
    const made = new SealedSecret(new Chart(new App(), 'typed'), 'secret', {
      metadata: { name: 'x', namespace: 'monitoring' },
      spec: {
        encryptedData: { a: 'AQ==' },
        // @ts-expect-error the controller writes only what it decrypted: a template has no stringData
        template: { type: 'Opaque', stringData: { b: 'plain' } },
      },
    });
    expect((made.toJson() as { spec: unknown }).spec).toEqual({ encryptedData: { a: 'AQ==' }, template: { type: 'Opaque' } });
  });
});

describe('examples/sealed-secrets/fleet.yaml', () => {
  it('renders every Secret sealed, all of dist/ committable and schema-valid, once the controller certificates are in place', () => {
    const dir = tmpDir();
    const text = fs.readFileSync(path.join(ROOT, 'examples', 'sealed-secrets', 'fleet.yaml'), 'utf8');
    const fleet = fleetFrom(text, dir);
    const controllers = new Map(fleet.clusters.map((c) => [c.name, makeController()]));
    for (const c of fleet.clusters) controllers.get(c.name)!.writeCert(c.sealedSecrets!.certificate);
    const r = render(fleet, path.join(dir, 'dist'), testPki(fleet, fleet.pki.dir));
    expect(files(r, /\/secrets\//)).toEqual([]);
    const sealedFiles = files(r, /\/sealed-secrets\//);
    // The hub's Querier client certificate, Grafana's admin password and the sidecar certificate of the Prometheus it
    // runs for itself; each workload cluster's sidecar certificate.
    expect(sealedFiles.map((f) => f.split('/')[0]).sort()).toEqual(['hub', 'hub', 'hub', 'prod-eu', 'prod-us']);
    expect(sealedFiles.filter((f) => f.startsWith('hub/')).map((f) => path.basename(f))).toContain('thanos-sidecar-tls.yaml');
    // Each cluster's SealedSecrets open with that cluster's controller key only.
    for (const f of sealedFiles) {
      for (const obj of sealedIn(r, f)) {
        const cluster = f.split('/')[0];
        const opened = unseal(controllers.get(cluster)!.privateKey, obj).data;
        if (obj.metadata.name === 'grafana-admin') expect(opened['admin-password'].toString()).toMatch(/^[A-Za-z0-9_-]{24}$/);
        else expect(opened['tls.key'].toString()).toMatch(/PRIVATE[ ]KEY/);
        const other = cluster === 'hub' ? 'prod-eu' : 'hub';
        expect(() => unseal(controllers.get(other)!.privateKey, obj)).toThrow();
      }
    }
    expect(validateRendered(r.outDir).findings).toEqual([]);
  });
});

describe('sealing scopes', () => {
  it.each<[SealingScope, string]>([
    ['namespace-wide', 'sealedsecrets.bitnami.com/namespace-wide'],
    ['cluster-wide', 'sealedsecrets.bitnami.com/cluster-wide'],
  ])('%s: annotates the SealedSecret and its template, and unseals under another name', (scope, annotation) => {
    const s = setup(scope);
    const sealed = s.renderIn(s.sealedFleet, 'sealed');
    const [obj] = sealedIn(sealed, 'workload-us/sealed-secrets/thanos-sidecar-tls.yaml');
    expect(obj.metadata.annotations[annotation]).toBe('true');
    expect(obj.spec.template.metadata.annotations[annotation]).toBe('true');
    const renamed = { ...obj, metadata: { ...obj.metadata, name: 'renamed' } };
    expect(unseal(s.controller.privateKey, renamed).data['tls.crt'].toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });
});

describe('bad sealing input', () => {
  const renderError = (s: ReturnType<typeof setup>, fleet: FleetModel): FleetError => {
    try {
      s.renderIn(fleet, 'dist');
    } catch (e) {
      if (e instanceof FleetError) return e;
      throw e;
    }
    throw new Error('render did not fail');
  };

  it('names the field and the fix when the certificate file is missing', () => {
    const s = setup();
    const e = renderError(s, fleetFrom(sealingFleetText('certs/missing.pem'), s.dir));
    expect(e).toBeInstanceOf(FleetError);
    expect(e.message).toMatch(/clusters\[0\]\.sealedSecrets\.certificate: cannot read .*missing\.pem \(ENOENT\).*kubeseal --fetch-cert/);
  });

  it('reports every missing certificate at once, before the PKI store or dist/ is created', async () => {
    const dir = tmpDir();
    const fleetFile = path.join(dir, 'fleet.yaml');
    fs.copyFileSync(path.join(ROOT, 'examples', 'sealed-secrets', 'fleet.yaml'), fleetFile);
    const { code, stderr: out } = await runMain({ FLEET: fleetFile, PROMFLEET_OUT: path.join(dir, 'dist') });
    expect(code).toBe(1);
    for (const [i, cluster] of ['hub', 'prod-eu', 'prod-us'].entries()) {
      expect(out).toContain(`clusters[${i}].sealedSecrets.certificate: cannot read ${path.join(dir, 'certs', `${cluster}.pem`)} (ENOENT)`);
    }
    expect(fs.readdirSync(dir)).toEqual(['fleet.yaml']);
  });

  it('refuses a file that is not a certificate, an expired certificate and a non-RSA key', () => {
    const s = setup();
    fs.writeFileSync(path.join(s.dir, 'certs', 'junk.pem'), 'not a certificate\n');
    expect(renderError(s, fleetFrom(sealingFleetText('certs/junk.pem'), s.dir)).message).toMatch(
      /sealedSecrets\.certificate: .*junk\.pem is not a PEM certificate/,
    );

    makeController({ notBefore: new Date('2020-01-01'), notAfter: new Date('2021-01-01') }).writeCert(path.join(s.dir, 'certs', 'old.pem'));
    expect(renderError(s, fleetFrom(sealingFleetText('certs/old.pem'), s.dir)).message).toMatch(
      /old\.pem expired on 2021-01-01; fetch the controller's current certificate/,
    );

    const ec = path.join(s.dir, 'certs', 'ec.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=ec',
        '-days',
        '1',
        '-keyout',
        `${ec}.key`,
        '-out',
        ec,
      ],
      { stdio: 'ignore' },
    );
    expect(renderError(s, fleetFrom(sealingFleetText('certs/ec.pem'), s.dir)).message).toMatch(
      /ec\.pem holds a ec key; the sealed-secrets controller seals with RSA/,
    );
  });

  it('reports a corrupt seal state by file, with the way out', () => {
    const s = setup();
    const store = tmpDir();
    fs.mkdirSync(path.join(store, SEAL_STATE_DIR));
    fs.writeFileSync(path.join(store, SEAL_STATE_DIR, 'observer.json'), '{ not json');
    expect(() => ClusterSealer.forCluster(s.sealedFleet, s.sealedFleet.clusters[0], store)).toThrow(
      /clusters\[0\]\.sealedSecrets: .*observer\.json: cannot read the seal state .*delete the file to re-seal/,
    );
  });

  it('reports a seal state that cannot be read or written before rendering anything', () => {
    const s = setup();
    const store = tmpDir();
    fs.writeFileSync(path.join(store, SEAL_STATE_DIR), 'a file where the folder should be');
    expect(() => ClusterSealer.forCluster(s.sealedFleet, s.sealedFleet.clusters[1], store)).toThrow(
      /clusters\[1\]\.sealedSecrets: .*sealed\/workload-eu\.json: cannot read the seal state \(ENOTDIR\)/,
    );
  });

  it('keeps the seal state as it was when the render fails', () => {
    const s = setup();
    s.renderIn(s.sealedFleet, 'dist');
    const state = path.join(s.pkiDir, SEAL_STATE_DIR, 'workload-eu.json');
    const before = fs.readFileSync(state, 'utf8');
    fs.rmSync(path.join(s.pkiDir, 'sidecar', 'workload-eu.crt'));
    fs.rmSync(path.join(s.pkiDir, 'sidecar', 'workload-eu.key'));
    // The new leaf gets sealed, then the last cluster's render throws: dist/ and the state stay as they were.
    const broken = { ...s.sealedFleet, clusters: [...s.sealedFleet.clusters.slice(0, 2), { ...s.sealedFleet.clusters[2], stack: undefined as never }] };
    expect(() => render(broken, path.join(s.dir, 'dist'), testPki(s.sealedFleet, s.pkiDir))).toThrow();
    expect(fs.readFileSync(state, 'utf8')).toBe(before);
    // ...while the same render without the fault records the new leaf's ciphertexts.
    s.renderIn(s.sealedFleet, 'dist');
    expect(fs.readFileSync(state, 'utf8')).not.toBe(before);
  });

  it('refuses to seal anything but a Secret', () => {
    const s = setup();
    const sealer = ClusterSealer.forCluster(s.sealedFleet, s.sealedFleet.clusters[1], s.pkiDir)!;
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'monitoring' } };
    expect(() => sealer.sealFile('secrets/x', [configMap])).toThrow(/secrets\/x: ConfigMap x cannot be sealed; only Secrets belong in secrets\//);
  });

  it('refuses a Secret whose metadata the SealedSecret template cannot carry', () => {
    const s = setup();
    const sealer = ClusterSealer.forCluster(s.sealedFleet, s.sealedFleet.clusters[1], s.pkiDir)!;
    const owned = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'monitoring', ownerReferences: [] }, data: { a: 'YQ==' } };
    expect(() => sealer.sealFile('secrets/x', [owned])).toThrow(/^Secret x: metadata\.ownerReferences would be lost by sealing$/);
  });
});
