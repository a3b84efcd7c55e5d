// The Querier's Ingress: HTTPS and a sign-in in the default fleet. The certificate is checked with
// node's X509Certificate and openssl, the password with bcryptjs against the hash nginx will read, and
// the password never reaches a file `git add dist/` would stage, nor the synth summary.
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import bcrypt from 'bcryptjs';
import { parseDocument, stringify } from 'yaml';
import { planPki } from '../lib/pki/fleet-pki';
import { pkiStatus } from '../lib/pki/rotation';
import type { FleetInput } from '../lib/fleet/schema';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, readTree, render, runMain, tmpDir, validateRendered, type Rendered } from './support/fleet';
import { find, renderedTlsSecret } from './support/observer-fleet';
import { fleetWithStore, opensslVerify } from './support/pki';
import { makeController, unseal } from './support/sealed';
import { preparePkiSync } from '../lib/pki';

const HOST = 'thanos.example.com';
const NGINX = 'nginx.ingress.kubernetes.io';

/** The default fleet with its observer's ingress replaced by `ingress` (YAML flow or block text). */
function withIngress(edit: (ingress: Record<string, unknown>) => void): string {
  const fleet = parseDocument(defaultFleetText()).toJS() as FleetInput;
  const ingress = fleet.clusters[0].querier!.ingress as unknown as Record<string, unknown>;
  edit(ingress);
  return stringify(fleet);
}

/** An object's annotations without the Argo CD sync wave every object gets. */
const ownAnnotations = (o: { metadata: { annotations?: Record<string, string> } }) =>
  Object.fromEntries(Object.entries(o.metadata.annotations ?? {}).filter(([k]) => k !== 'argocd.argoproj.io/sync-wave'));

const secretData = (r: Rendered, name: string, key: string) => Buffer.from(find(r, 'observer', 'Secret', name).obj.data[key], 'base64').toString('utf8');

describe('default fleet: the Querier UI is served over HTTPS behind a sign-in', () => {
  const fleet = fleetWithStore();
  const pki = preparePkiSync(fleet);
  const r = render(fleet, path.join(tmpDir(), 'dist'), pki);
  const ingress = find(r, 'observer', 'Ingress', 'thanos-querier').obj;
  // Read when a test needs it: before this feature there is no such file, and each test should fail on its own.
  let stored: string | undefined;
  const storedPassword = () => (stored ??= fs.readFileSync(path.join(fleet.pki.dir, 'querier-basic-auth', 'observer.password'), 'utf8').trim());

  it('has a tls section for the host, naming a kubernetes.io/tls Secret rendered under secrets/', () => {
    expect(ingress.spec.tls).toEqual([{ hosts: [HOST], secretName: 'thanos-querier-ingress-tls' }]);
    const secret = find(r, 'observer', 'Secret', 'thanos-querier-ingress-tls');
    expect(secret.file).toBe('observer/secrets/thanos-querier-ingress-tls.yaml');
    expect(secret.obj.type).toBe('kubernetes.io/tls');
    expect(secret.obj.metadata.namespace).toBe(ingress.metadata.namespace);
  });

  it('serves a server certificate for the host, signed by the fleet CA, with its own key', () => {
    const bundle = renderedTlsSecret(r, 'observer', 'thanos-querier-ingress-tls');
    const leaf = new crypto.X509Certificate(bundle.cert);
    expect(leaf.checkHost(HOST)).toBe(HOST);
    expect(leaf.checkHost('other.example.com')).toBeUndefined();
    expect(leaf.verify(new crypto.X509Certificate(pki.caBundle).publicKey)).toBe(true);
    expect(leaf.checkPrivateKey(crypto.createPrivateKey(bundle.key))).toBe(true);
    const verified = opensslVerify(pki.caBundle, bundle.cert, 'sslserver', HOST);
    expect([verified.code, verified.out]).toEqual([0, `${verified.out.split(':')[0]}: OK\n`]);
    // A server certificate only: the profile is not the Querier's client one.
    expect(opensslVerify(pki.caBundle, bundle.cert, 'sslclient').code).not.toBe(0);
  });

  it('asks ingress-nginx for basic sign-in against a rendered Secret whose htpasswd verifies the stored password', () => {
    const annotations = ingress.metadata.annotations;
    expect(annotations[`${NGINX}/auth-type`]).toBe('basic');
    expect(annotations[`${NGINX}/auth-realm`]).toMatch(/\S/);
    const secret = find(r, 'observer', 'Secret', annotations[`${NGINX}/auth-secret`]);
    expect(secret.file).toBe('observer/secrets/thanos-querier-basic-auth.yaml');
    expect(secret.obj.metadata.namespace).toBe(ingress.metadata.namespace);
    const lines = secretData(r, 'thanos-querier-basic-auth', 'auth').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const [user, hash] = lines[0].split(':');
    expect(user).toBe('admin');
    expect(storedPassword()).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(bcrypt.compareSync(storedPassword(), hash)).toBe(true);
    expect(bcrypt.compareSync(`${storedPassword()}x`, hash)).toBe(false);
    // $2y$: what every musl crypt() of the ingress-nginx images reads; cost 5, as nginx hashes on every request.
    expect(hash).toMatch(/^\$2y\$05\$[./A-Za-z0-9]{53}$/);
    expect(fs.statSync(path.join(fleet.pki.dir, 'querier-basic-auth', 'observer.password')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(fleet.pki.dir, 'querier-basic-auth', 'observer.htpasswd')).mode & 0o777).toBe(0o600);
  });

  it('reuses the password on the next synth: the same store gives a byte-identical dist/, and nothing new to generate', () => {
    const before = storedPassword();
    expect(planPki(fleet)).toMatchObject({ keysNeeded: 0, credentialsNeeded: 0 });
    const again = preparePkiSync(fleet);
    expect(again.report.credentials).toEqual([
      expect.objectContaining({ name: 'querier-basic-auth/observer', action: 'kept' }),
      expect.objectContaining({ name: 'grafana-admin/observer', action: 'kept' }),
    ]);
    const second = render(fleet, path.join(tmpDir(), 'dist'), again);
    expect(second.files).toEqual(r.files);
    expect(fs.readFileSync(path.join(fleet.pki.dir, 'querier-basic-auth', 'observer.password'), 'utf8').trim()).toBe(before);
  });

  it('npm run pki -- status names the password file and the Ingress certificate, not the password', () => {
    const lines = pkiStatus(fleet);
    const file = path.join(fleet.pki.dir, 'querier-basic-auth', 'observer.password');
    expect(lines).toContain(`  querier-basic-auth/observer: user admin, password in ${file}`);
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}querier-ingress\/observer: expires \d{4}-\d\d-\d\d$/));
    expect(lines.join('\n')).not.toContain(storedPassword());
  });

  it('git add -A of dist/ stages neither the password nor its hash nor the certificate key', () => {
    const repo = tmpDir('promfleet-git-');
    fs.cpSync(r.outDir, path.join(repo, 'dist'), { recursive: true });
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'core.excludesFile=/dev/null', '-C', repo, ...args], {
        encoding: 'utf8',
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo },
      });
    git('init', '-q');
    git('add', '-A');
    const staged = git('diff', '--cached', '--name-only', '-z').split('\0').filter(Boolean);
    expect(staged).toContain('dist/observer/70-querier.yaml');
    const htpasswd = secretData(r, 'thanos-querier-basic-auth', 'auth');
    const hash = htpasswd.trim().split(':')[1];
    const key = renderedTlsSecret(r, 'observer', 'thanos-querier-ingress-tls').key;
    const needles = [storedPassword(), hash, htpasswd, key].flatMap((s) => [s, Buffer.from(s).toString('base64')]);
    const leaks = staged.filter((f) => {
      const text = fs.readFileSync(path.join(repo, f), 'utf8');
      return needles.some((n) => text.includes(n));
    });
    expect(leaks).toEqual([]);
    // The scan finds them where they are: in the ignored secrets/ files.
    expect(needles.filter((n) => [...r.files.values()].some((t) => t.includes(n))).length).toBeGreaterThan(0);
  });

  it('still validates against the core schemas', () => {
    expect(validateRendered(r.outDir).findings).toEqual([]);
  });
});

describe('sealed secrets mode', () => {
  it('seals the Ingress certificate and the htpasswd Secret like every other Secret', () => {
    const dir = tmpDir();
    const controller = makeController();
    controller.writeCert(path.join(dir, 'certs', 'hub.pem'));
    const fleet = parseDocument(defaultFleetText()).toJS() as FleetInput;
    fleet.clusters[0].sealedSecrets = { certificate: 'certs/hub.pem' };
    const model = fleetFrom(stringify(fleet), dir);
    const sealedFleet = { ...model, pki: { ...model.pki, dir: path.join(dir, 'store') } };
    const r = render(sealedFleet, path.join(dir, 'dist'), preparePkiSync(sealedFleet));
    expect([...r.files.keys()].filter((f) => f.startsWith('observer/secrets/'))).toEqual([]);
    const sealed = ofKind(r.objects, 'SealedSecret').filter((o) => o.cluster === 'observer');
    const byName = new Map(sealed.map((o) => [o.obj.metadata.name, o.obj]));
    const auth = unseal(controller.privateKey, byName.get('thanos-querier-basic-auth')!).data.auth.toString();
    const password = fs.readFileSync(path.join(dir, 'store', 'querier-basic-auth', 'observer.password'), 'utf8').trim();
    expect(bcrypt.compareSync(password, auth.trim().split(':')[1])).toBe(true);
    const tls = unseal(controller.privateKey, byName.get('thanos-querier-ingress-tls')!);
    expect(new crypto.X509Certificate(tls.data['tls.crt']).checkHost(HOST)).toBe(HOST);
  });
});

describe('the other TLS sources and sign-ins', () => {
  it('cert-manager: annotates the issuer, names the Secret it fills, and issues nothing', () => {
    const text = withIngress((i) => {
      i.tls = { source: 'cert-manager', clusterIssuer: 'letsencrypt' };
      i.auth = {
        type: 'oauth2-proxy',
        url: 'https://auth.example.com/oauth2/auth',
        signinUrl: 'https://auth.example.com/oauth2/start?rd=$escaped_request_uri',
      };
    });
    const fleet = fleetWithStore(undefined, {}, text);
    const pki = preparePkiSync(fleet);
    const r = render(fleet, path.join(tmpDir(), 'dist'), pki);
    const ingress = find(r, 'observer', 'Ingress', 'thanos-querier').obj;
    expect(ingress.spec.tls).toEqual([{ hosts: [HOST], secretName: 'thanos-querier-ingress-tls' }]);
    expect(ownAnnotations(ingress)).toEqual({
      'cert-manager.io/cluster-issuer': 'letsencrypt',
      [`${NGINX}/auth-url`]: 'https://auth.example.com/oauth2/auth',
      [`${NGINX}/auth-signin`]: 'https://auth.example.com/oauth2/start?rd=$escaped_request_uri',
    });
    expect(ofKind(r.objects, 'Secret').map((o) => o.obj.metadata.name)).not.toContain('thanos-querier-ingress-tls');
    expect(ofKind(r.objects, 'Secret').map((o) => o.obj.metadata.name)).not.toContain('thanos-querier-basic-auth');
    expect(pki.report.entries.map((e) => e.kind)).not.toContain('querier-ingress');
    // Only Grafana's admin password, which is no sign-in of the Querier's.
    expect(pki.report.credentials.map((c) => c.kind)).toEqual(['grafana-admin']);
    expect(fs.existsSync(path.join(fleet.pki.dir, 'querier-basic-auth'))).toBe(false);
  });

  it('an existing Secret, an Issuer, plain HTTP only when asked, and the fleet file annotations win', () => {
    const own = fleetFrom(
      withIngress((i) => {
        i.tls = { source: 'secret', secretName: 'my-tls' };
        i.annotations = { [`${NGINX}/auth-realm`]: 'Ops only' };
      }),
    );
    const ownR = render(own);
    const ownIngress = find(ownR, 'observer', 'Ingress', 'thanos-querier').obj;
    expect(ownIngress.spec.tls).toEqual([{ hosts: [HOST], secretName: 'my-tls' }]);
    expect(ownAnnotations(ownIngress)).toMatchObject({ [`${NGINX}/auth-type`]: 'basic', [`${NGINX}/auth-realm`]: 'Ops only' });
    expect(ofKind(ownR.objects, 'Secret').map((o) => o.obj.metadata.name)).not.toContain('my-tls');

    const issuer = render(fleetFrom(withIngress((i) => (i.tls = { source: 'cert-manager', issuer: 'internal-ca' }))));
    expect(find(issuer, 'observer', 'Ingress', 'thanos-querier').obj.metadata.annotations['cert-manager.io/issuer']).toBe('internal-ca');

    const plain = render(
      fleetFrom(
        withIngress((i) => {
          i.tls = { source: 'none' };
          i.auth = { type: 'none' };
          i.annotations = { [`${NGINX}/whitelist-source-range`]: '10.0.0.0/8' };
        }),
      ),
    );
    const ingress = find(plain, 'observer', 'Ingress', 'thanos-querier').obj;
    expect(ingress.spec.tls).toBeUndefined();
    expect(ownAnnotations(ingress)).toEqual({ [`${NGINX}/whitelist-source-range`]: '10.0.0.0/8' });
  });

  it('an ingress without tls or auth gets the secure defaults', () => {
    const r = render(
      fleetFrom(
        withIngress((i) => {
          delete i.tls;
          delete i.auth;
        }),
      ),
    );
    const ingress = find(r, 'observer', 'Ingress', 'thanos-querier').obj;
    expect(ingress.spec.tls).toEqual([{ hosts: [HOST], secretName: 'thanos-querier-ingress-tls' }]);
    expect(ingress.metadata.annotations[`${NGINX}/auth-type`]).toBe('basic');
  });
});

describe('bad Ingress settings name the field and the fix', () => {
  it.each<[string, (i: Record<string, unknown>) => void, RegExp]>([
    [
      'a sign-in on a controller that ignores nginx annotations',
      (i) => (i.className = 'traefik'),
      /^clusters\[0\]\.querier\.ingress\.className: is "traefik", but the basic sign-in is made of ingress-nginx annotations; set className: nginx, or set auth\.type: none/,
    ],
    [
      'the default sign-in without an IngressClass',
      (i) => {
        delete i.className;
        delete i.auth;
      },
      /^clusters\[0\]\.querier\.ingress\.className: is not set, but the basic sign-in \(the default\)/,
    ],
    [
      'an existing Secret without its name',
      (i) => (i.tls = { source: 'secret' }),
      /^clusters\[0\]\.querier\.ingress\.tls\.secretName: is required with source: secret/,
    ],
    [
      'cert-manager without an issuer',
      (i) => (i.tls = { source: 'cert-manager' }),
      /^clusters\[0\]\.querier\.ingress\.tls\.issuer: or clusterIssuer is required/,
    ],
    [
      'cert-manager with two issuers',
      (i) => (i.tls = { source: 'cert-manager', issuer: 'a', clusterIssuer: 'b' }),
      /^clusters\[0\]\.querier\.ingress\.tls\.issuer: and clusterIssuer are both set/,
    ],
    [
      'an issuer on a PKI certificate',
      (i) => (i.tls = { issuer: 'a' }),
      /^clusters\[0\]\.querier\.ingress\.tls\.issuer: is only for source: cert-manager \(source is pki\)/,
    ],
    [
      'oauth2-proxy without its URLs',
      (i) => (i.auth = { type: 'oauth2-proxy', url: 'https://a.example.com/oauth2/auth' }),
      /^clusters\[0\]\.querier\.ingress\.auth\.signinUrl: is required/,
    ],
    [
      'a user name without basic sign-in',
      (i) => (i.auth = { type: 'none', username: 'x' }),
      /^clusters\[0\]\.querier\.ingress\.auth\.username: is only for type: basic/,
    ],
    [
      'an unknown TLS source',
      (i) => (i.tls = { source: 'acme' }),
      /^clusters\[0\]\.querier\.ingress\.tls\.source: must be one of "pki", "secret", "cert-manager", "none"/,
    ],
  ])('rejects %s', (_what, edit, message) => {
    expect(fleetProblems(withIngress(edit))).toEqual([expect.stringMatching(message)]);
  });
});

describe('npm run synth', () => {
  it('names where the password is kept without printing it, and a second synth keeps it', async () => {
    const dir = tmpDir('promfleet-repo-');
    fs.writeFileSync(path.join(dir, 'fleet.yaml'), defaultFleetText());
    const env = { FLEET: path.join(dir, 'fleet.yaml'), PROMFLEET_PKI_DIR: path.join(dir, '.pki'), PROMFLEET_OUT: path.join(dir, 'dist') };
    const first = await runMain(env, dir);
    expect(first.code).toBe(0);
    const password = fs.readFileSync(path.join(dir, '.pki', 'querier-basic-auth', 'observer.password'), 'utf8').trim();
    expect(first.stderr).toContain(`querier-basic-auth password created, in ${path.join('.pki', 'querier-basic-auth', 'observer.password')}`);
    expect(first.stderr).toContain('querier-ingress certificate issued');
    const dist = readTree(env.PROMFLEET_OUT).files;
    const second = await runMain(env, dir);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('querier-basic-auth password kept');
    for (const out of [first.stderr, second.stderr]) expect(out).not.toContain(password);
    expect(readTree(env.PROMFLEET_OUT).files).toEqual(dist);
  });
});
