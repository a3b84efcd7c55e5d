// The PKI wired into the rendered clusters: the Secrets each cluster mounts, where they are
// written (never where `git add dist/` would pick them up), and what dist/ depends on.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SIDECAR_TLS_SECRET } from '../lib/components/thanos-sidecar';
import { QUERIER_TLS_SECRET } from '../lib/components/tls-secret';
import { SECRETS_DIR } from '../lib/file-chart';
import { FleetPki, preparePki, verifiesChain } from '../lib/pki';
import { ofKind, render, Rendered, RenderedObject, tmpDir } from './support/fleet';
import type { ManifestOf } from './support/manifests';
import { tlsBundleFromSecret } from './support/go-tls';
import { changedFiles, fingerprintTree, fleetWithStore, KEY_LABEL, withCopiedStore } from './support/pki';

const WORKLOADS = ['workload-eu', 'workload-us'];

function secretOf(r: Rendered, cluster: string, name: string): RenderedObject<ManifestOf<'Secret'>> {
  const found = ofKind(r.objects, 'Secret').filter((o) => o.cluster === cluster && o.obj.metadata.name === name);
  expect([cluster, name, found.length]).toEqual([cluster, name, 1]);
  return found[0];
}

/** PEM private keys, raw or base64-encoded (as in a Secret's data), found in a text. */
function privateKeysIn(text: string): string[] {
  const found: string[] = [...(text.match(/-----BEGIN [A-Z ]*PRIVATE[ ]KEY-----/g) ?? [])];
  for (const token of text.match(/[A-Za-z0-9+/]{40,}={0,2}/g) ?? []) {
    const decoded = Buffer.from(token, 'base64').toString('latin1');
    found.push(...(decoded.match(/-----BEGIN [A-Z ]*PRIVATE[ ]KEY-----/g) ?? []).map((k) => `base64 of ${k}`));
  }
  return found;
}

describe('PKI in the rendered clusters', () => {
  let fleet: ReturnType<typeof fleetWithStore>;
  let pki: FleetPki;
  let rendered: Rendered;

  beforeAll(async () => {
    fleet = fleetWithStore();
    pki = await preparePki(fleet);
    rendered = render(fleet, path.join(tmpDir(), 'dist'), pki);
  });

  it.each(WORKLOADS)('%s: every grpcServerTlsConfig path is a key of the mounted sidecar Secret, TLS 1.3 minimum', (cluster) => {
    const prom = ofKind(rendered.objects, 'Prometheus').find((o) => o.cluster === cluster)!.obj;
    const secret = secretOf(rendered, cluster, SIDECAR_TLS_SECRET);
    expect(secret.obj.metadata.namespace).toBe(prom.metadata.namespace);
    expect(secret.obj.type).toBe('kubernetes.io/tls');
    // spec.secrets mounts the Secret as volume secret-<name>; the thanos container mounts that volume.
    expect(prom.spec.secrets).toContain(SIDECAR_TLS_SECRET);
    const mounts = prom.spec.thanos.volumeMounts.filter((m) => m.name === `secret-${SIDECAR_TLS_SECRET}`);
    expect(mounts).toHaveLength(1);
    const tls = prom.spec.thanos.grpcServerTlsConfig;
    expect(tls.minVersion).toBe('TLS13');
    const files = [tls.certFile, tls.keyFile, tls.caFile];
    expect(files.every((f) => typeof f === 'string')).toBe(true);
    for (const file of files) {
      expect(path.posix.dirname(file)).toBe(mounts[0].mountPath);
      expect(Object.keys(secret.obj.data)).toContain(path.posix.basename(file));
    }
    // certFile is the certificate, keyFile its key, caFile the client CA: not a permutation.
    const key = (f: string) => Buffer.from(secret.obj.data[path.posix.basename(f)], 'base64').toString();
    expect(key(tls.certFile)).toBe(pki.sidecar(cluster).cert);
    expect(key(tls.keyFile)).toBe(pki.sidecar(cluster).key);
    expect(key(tls.caFile)).toBe(pki.sidecar(cluster).ca);
  });

  it('the observer gets the Querier client Secret, whose CA bundle verifies every sidecar certificate (and vice versa)', () => {
    const secret = secretOf(rendered, 'observer', QUERIER_TLS_SECRET);
    expect(secret.obj.type).toBe('kubernetes.io/tls');
    expect(secret.obj.metadata.namespace).toBe('monitoring');
    const querier = tlsBundleFromSecret(secret.obj);
    expect(querier).toEqual(pki.querier('observer'));
    for (const cluster of WORKLOADS) {
      const sidecar = tlsBundleFromSecret(secretOf(rendered, cluster, SIDECAR_TLS_SECRET).obj);
      expect(verifiesChain(querier.ca, sidecar.cert)).toBe(true);
      expect(verifiesChain(sidecar.ca, querier.cert)).toBe(true);
    }
    // Besides it, only the Ingress's server certificate (test/querier-ingress.test.ts) and that of the sidecar of the
    // observer's own Prometheus (it monitors itself).
    const observerKeys = ofKind(rendered.objects, 'Secret').filter((o) => o.cluster === 'observer' && o.obj.data?.['tls.key']);
    expect(observerKeys.map((o) => o.obj.metadata.name).sort()).toEqual(['thanos-querier-ingress-tls', QUERIER_TLS_SECRET, 'thanos-sidecar-tls']);
  });

  it('never puts the CA key in a Secret', () => {
    const caKey = fs.readFileSync(path.join(fleet.pki.dir, 'ca', 'ca.key'), 'utf8');
    const all = [...rendered.files.values()].join('\n');
    expect(all).not.toContain(Buffer.from(caKey).toString('base64'));
    expect(all).not.toContain(caKey);
  });

  it('writes key material only under <cluster>/secrets/, mode 0600, and dist/.gitignore excludes that folder', () => {
    const withKeys = [...rendered.files.entries()].filter(([, text]) => privateKeysIn(text).length).map(([f]) => f);
    expect(withKeys.sort()).toEqual([
      'observer/secrets/thanos-querier-ingress-tls.yaml',
      'observer/secrets/thanos-querier-tls.yaml',
      'observer/secrets/thanos-sidecar-tls.yaml',
      'workload-eu/secrets/thanos-sidecar-tls.yaml',
      'workload-us/secrets/thanos-sidecar-tls.yaml',
    ]);
    for (const f of withKeys) expect(fs.statSync(path.join(rendered.outDir, f)).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(rendered.outDir, '.gitignore'), 'utf8')).toMatch(new RegExp(`^\\*/${SECRETS_DIR}/$`, 'm'));
  });

  it('git add dist/ stages no file holding a private key (PEM or base64 of PEM)', () => {
    // A fresh repository with only dist/: nothing but dist/.gitignore decides what is ignored.
    const repo = tmpDir('promfleet-git-');
    fs.cpSync(rendered.outDir, path.join(repo, 'dist'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'core.excludesFile=/dev/null', '-C', repo, ...args], {
        encoding: 'utf8',
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo },
      });
    git('init', '-q');
    git('add', 'dist/');
    const staged = git('diff', '--cached', '--name-only', '-z').split('\0').filter(Boolean);
    expect(staged.length).toBeGreaterThan(5);
    expect(staged).toContain('dist/.gitignore');
    const leaks = staged.flatMap((f) => privateKeysIn(fs.readFileSync(path.join(repo, f), 'utf8')).map((k) => `${f}: ${k}`));
    expect(leaks).toEqual([]);
    // The scan does find keys where they are: in the ignored Secrets.
    // (The basic-auth Secret there holds a password hash, Grafana's a password, no key: test/querier-ingress.test.ts and
    // test/grafana.test.ts check them.)
    const ignored = [...rendered.files.keys()].filter(
      (f) => f.includes(`/${SECRETS_DIR}/`) && !f.endsWith('thanos-querier-basic-auth.yaml') && !f.endsWith('grafana-admin.yaml'),
    );
    expect(ignored.length).toBe(5);
    for (const f of ignored) {
      expect(staged).not.toContain(`dist/${f}`);
      expect(privateKeysIn(rendered.files.get(f)!)).toEqual([`base64 of -----BEGIN ${KEY_LABEL}-----`]);
    }
  });

  it('outside secrets/, dist/ does not depend on the key material (CI renders with an empty store)', async () => {
    const otherFleet = fleetWithStore();
    const other = render(otherFleet, path.join(tmpDir(), 'dist'), await preparePki(otherFleet));
    const committable = (r: Rendered) => [...r.files.entries()].filter(([f]) => !f.includes(`/${SECRETS_DIR}/`));
    expect(committable(other)).toEqual(committable(rendered));
    for (const cluster of ['observer', ...WORKLOADS]) {
      const f = [...rendered.files.keys()].find((k) => k.startsWith(`${cluster}/${SECRETS_DIR}/`))!;
      expect(other.files.get(f)).not.toBe(rendered.files.get(f));
    }
  });

  it('is deterministic: the same store gives a byte-identical dist/, Secrets included, and leaves the store untouched', async () => {
    const store = fingerprintTree(fleet.pki.dir);
    const again = await preparePki(fleet);
    expect(again.report.entries.map((e) => e.action)).toEqual(['kept', 'kept', 'kept', 'kept', 'kept', 'kept']);
    const second = render(fleet, path.join(tmpDir(), 'dist'), again);
    expect([...second.files.entries()]).toEqual([...rendered.files.entries()]);
    expect(fingerprintTree(fleet.pki.dir)).toEqual(store);
  });

  it('deleting one leaf re-issues only that leaf, and changes only the Secret that carries it', async () => {
    const copy = withCopiedStore(fleet);
    const before = fingerprintTree(copy.pki.dir);
    fs.rmSync(path.join(copy.pki.dir, 'sidecar', 'workload-us.crt'));
    fs.rmSync(path.join(copy.pki.dir, 'sidecar', 'workload-us.key'));
    const reissued = await preparePki(copy);
    expect(reissued.report.entries.map((e) => [e.name, e.action])).toEqual([
      ['ca', 'kept'],
      ['sidecar/observer', 'kept'],
      ['querier/observer', 'kept'],
      ['querier-ingress/observer', 'kept'],
      ['sidecar/workload-eu', 'kept'],
      ['sidecar/workload-us', 'issued'],
    ]);
    expect(changedFiles(before, fingerprintTree(copy.pki.dir))).toEqual(['sidecar/workload-us.crt', 'sidecar/workload-us.key']);
    const after = render(copy, path.join(tmpDir(), 'dist'), reissued);
    expect(changedFiles(Object.fromEntries(rendered.files), Object.fromEntries(after.files))).toEqual(['workload-us/secrets/thanos-sidecar-tls.yaml']);
  });
});
