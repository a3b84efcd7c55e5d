// A PKI store shared with age (docs/operations.md, "Sharing the store with age"): every secret file is
// kept encrypted (<file>.age) to the recipients of pki.encryption and decrypted in memory only, so that
// `git add` stages the store without a plaintext key. age-encryption is an ES module: Jest loads the
// CommonJS bundle its global setup makes of it (jest.config.js), so the synths run in this process.
import { execFileSync, spawnSync } from 'child_process';
import * as age from 'age-encryption';
import * as fs from 'fs';
import * as path from 'path';
import bcrypt from 'bcryptjs';
import { defaultFleetText, fleetProblems, ROOT, runMain, tmpDir } from './support/fleet';
import { changedFiles, fingerprintTree } from './support/pki';
import { makeController } from './support/sealed';

// A key's first line and a malformed identity, written in two parts so that secret scanners of the repository do
// not take these made-up values for real keys.
const FAKE_KEY_HEADER = `${'-----BEGIN PRIVATE'} KEY-----\n`;
const FAKE_IDENTITY = `${'AGE-SECRET-KEY-'}1GARBAGE`;

interface Identity {
  identity: string;
  recipient: string;
}

/** New age identities, made by age-encryption itself. */
async function identities(n: number): Promise<Identity[]> {
  const out: Identity[] = [];
  for (let i = 0; i < n; i++) {
    const identity = await age.generateX25519Identity();
    out.push({ identity, recipient: await age.identityToRecipient(identity) });
  }
  return out;
}

const withRecipients = (recipients: string[]) =>
  defaultFleetText().replace(/^clusters:\n/m, `pki:\n  encryption:\n    recipients: [${recipients.join(', ')}]\n\nclusters:\n`);

function project(): { dir: string; fleet: string; store: string; dist: string } {
  const dir = tmpDir('promfleet-age-');
  return { dir, fleet: path.join(dir, 'fleet.yaml'), store: path.join(dir, '.pki'), dist: path.join(dir, 'dist') };
}
type Project = ReturnType<typeof project>;

async function synth(p: Project, fleetText: string, env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  fs.writeFileSync(p.fleet, fleetText);
  return runMain({ FLEET: p.fleet, PROMFLEET_OUT: p.dist, PROMFLEET_PKI_DIR: p.store, CDK8S_OUTDIR: '', ...env }, p.dir);
}

/** Files of the store whose content is plaintext key material or seal state. */
const plaintextSecrets = (store: string) =>
  Object.keys(fingerprintTree(store)).filter(
    (f) => /\.(password|htpasswd)$/.test(f) || /PRIVATE KEY|"entries"/.test(fs.readFileSync(path.join(store, f), 'utf8')),
  );

describe('a store encrypted with age', () => {
  let ids: Identity[];
  const p = project();
  let plainDist: Record<string, string>;
  let encrypted: Record<string, string>;
  beforeAll(async () => {
    ids = await identities(2);
    // A team's plaintext store first, as it is before it is shared.
    expect((await synth(p, defaultFleetText())).code).toBe(0);
    plainDist = fingerprintTree(p.dist);
  });

  it('turning pki.encryption on encrypts every key, leaves no plaintext, and renders the same dist/', async () => {
    const r = await synth(p, withRecipients([ids[0].recipient]));
    expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('certificates: 0 issued, 0 renewed, 5 kept')]);
    encrypted = fingerprintTree(p.store);
    expect(Object.keys(encrypted).sort()).toEqual([
      '.gitignore',
      'age-recipients',
      'ca/ca.crt',
      'ca/ca.key.age',
      'grafana-admin/observer.password.age',
      'querier-basic-auth/observer.htpasswd.age',
      'querier-basic-auth/observer.password.age',
      'querier-ingress/observer.crt',
      'querier-ingress/observer.key.age',
      'querier/observer.crt',
      'querier/observer.key.age',
      'sidecar/observer.crt',
      'sidecar/observer.key.age',
      'sidecar/workload-eu.crt',
      'sidecar/workload-eu.key.age',
      'sidecar/workload-us.crt',
      'sidecar/workload-us.key.age',
    ]);
    expect(plaintextSecrets(p.store)).toEqual([]);
    expect(fs.readFileSync(path.join(p.store, 'ca', 'ca.key.age'), 'utf8')).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n/);
    expect(fingerprintTree(p.dist)).toEqual(plainDist);
  });

  it('a synth with the identity renders the same dist/ and keeps every encrypted file byte for byte', async () => {
    const r = await synth(p, withRecipients([ids[0].recipient]), { PROMFLEET_AGE_IDENTITY: `# created: a comment\n${ids[0].identity}\n` });
    expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('5 kept')]);
    // The password is named by the file that exists: the encrypted one.
    expect(r.stderr).toContain(`querier-basic-auth password kept, in ${path.join('.pki', 'querier-basic-auth', 'observer.password.age')} (encrypted)`);
    expect(fingerprintTree(p.store)).toEqual(encrypted);
    expect(fingerprintTree(p.dist)).toEqual(plainDist);
  });

  it('git add -A stages the certificates and the encrypted keys, never a plaintext key, lock or temporary file', () => {
    const repo = tmpDir('promfleet-age-git-');
    fs.cpSync(p.store, path.join(repo, '.pki'), { recursive: true });
    // What must stay out even if it appears in the store: a decrypted key, a lock, an editor's temporary file.
    fs.writeFileSync(path.join(repo, '.pki', 'ca', 'ca.key'), FAKE_KEY_HEADER);
    fs.writeFileSync(path.join(repo, '.pki', 'sidecar', '.workload-eu.key.swp'), 'x');
    fs.mkdirSync(path.join(repo, '.pki', 'x.lock'));
    fs.writeFileSync(path.join(repo, '.pki', 'x.lock', 'owner'), '1');
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('add', '-A');
    expect(git('ls-files').trim().split('\n').sort()).toEqual(
      Object.keys(encrypted)
        .map((f) => `.pki/${f}`)
        .sort(),
    );
  });

  it('without the identity: outside CI an error naming the fix; in CI the committed part of dist/, and nothing written', async () => {
    const before = fingerprintTree(p.dir);
    const r = await synth(p, withRecipients([ids[0].recipient]));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.pki: is encrypted with age \(pki\.encryption\) and no identity was given to open it: set PROMFLEET_AGE_IDENTITY/);
    expect(fingerprintTree(p.dir)).toEqual(before);

    const ci = await synth(p, withRecipients([ids[0].recipient]), { CI: 'true' });
    expect(ci.code).toBe(0);
    expect(ci.stderr).toContain('lacks the keys (the store is encrypted with age and no identity was given)');
    expect(fingerprintTree(p.dist)).toEqual(Object.fromEntries(Object.entries(plainDist).filter(([f]) => !f.split(path.sep).includes('secrets'))));
    expect(fingerprintTree(p.store)).toEqual(encrypted);

    // With the identity in CI: the whole dist/ again, the store untouched.
    const file = path.join(tmpDir('promfleet-age-id-'), 'key.txt');
    fs.writeFileSync(file, `${ids[0].identity}\n`);
    expect((await synth(p, withRecipients([ids[0].recipient]), { CI: 'true', PROMFLEET_AGE_IDENTITY_FILE: file })).code).toBe(0);
    expect(fingerprintTree(p.dist)).toEqual(plainDist);
    expect(fingerprintTree(p.store)).toEqual(encrypted);
  });

  it('a new recipient: every file is encrypted anew, after which the new identity alone opens the store', async () => {
    const both = withRecipients([ids[0].recipient, ids[1].recipient]);
    expect((await synth(p, both, { PROMFLEET_AGE_IDENTITY: ids[0].identity })).code).toBe(0);
    const after = fingerprintTree(p.store);
    expect(changedFiles(encrypted, after)).toEqual([
      'age-recipients',
      'ca/ca.key.age',
      'grafana-admin/observer.password.age',
      'querier-basic-auth/observer.htpasswd.age',
      'querier-basic-auth/observer.password.age',
      'querier-ingress/observer.key.age',
      'querier/observer.key.age',
      'sidecar/observer.key.age',
      'sidecar/workload-eu.key.age',
      'sidecar/workload-us.key.age',
    ]);
    const second = await synth(p, both, { PROMFLEET_AGE_IDENTITY: ids[1].identity });
    expect([second.code, second.stderr]).toEqual([0, expect.stringContaining('5 kept')]);
    expect(fingerprintTree(p.store)).toEqual(after);
    expect(fingerprintTree(p.dist)).toEqual(plainDist);
  });

  it('an identity that is not a recipient is refused, naming the file and the fix', async () => {
    const [stranger] = await identities(1);
    const before = fingerprintTree(p.store);
    const r = await synth(p, withRecipients([ids[0].recipient, ids[1].recipient]), { PROMFLEET_AGE_IDENTITY: stranger.identity });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.pki\/ca\/ca\.key\.age: cannot be decrypted with the age identity given .*add yours and synth/);
    expect(fingerprintTree(p.store)).toEqual(before);
  });

  it('sealed-secrets mode: the seal state is encrypted too, and the committed SealedSecrets stay byte-identical', async () => {
    const q = project();
    makeController().writeCert(path.join(q.dir, 'certs', 'observer.pem'));
    const text = withRecipients([ids[0].recipient]).replace(/( {2}- name: observer\n)/, '$1    sealedSecrets:\n      certificate: certs/observer.pem\n');
    expect((await synth(q, text)).code).toBe(0);
    const store = fingerprintTree(q.store);
    expect(Object.keys(store)).toContain('sealed/observer.json.age');
    expect(plaintextSecrets(q.store)).toEqual([]);
    const dist = fingerprintTree(q.dist);
    expect(Object.keys(dist)).toContain('observer/sealed-secrets/thanos-querier-tls.yaml');
    for (const env of [{ CI: 'false' }, { CI: 'true' }]) {
      expect((await synth(q, text, { PROMFLEET_AGE_IDENTITY: ids[0].identity, ...env })).code).toBe(0);
      expect(fingerprintTree(q.dist)).toEqual(dist);
      expect(fingerprintTree(q.store)).toEqual(store);
    }
  });

  it('npm run pki -- status reads the expiry without an identity', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'promfleet.mjs'), 'pki', 'status', '--expiring-within', '30d'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, FLEET: p.fleet, PROMFLEET_PKI_DIR: p.store },
    });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^ {2}sidecar\/workload-eu: expires \d{4}-\d\d-\d\d$/m);
  });

  describe('on a copy of the shared store', () => {
    const both = () => withRecipients([ids[0].recipient, ids[1].recipient]);
    function copy(): Project {
      const q = project();
      fs.cpSync(p.store, q.store, { recursive: true });
      fs.cpSync(p.dist, q.dist, { recursive: true });
      return q;
    }
    const pkiCmd = (q: Project, fleetText: string, env: Record<string, string>, ...args: string[]) => {
      fs.writeFileSync(q.fleet, fleetText);
      return spawnSync(process.execPath, [path.join(ROOT, 'bin', 'promfleet.mjs'), 'pki', 'status', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60000,
        env: { ...process.env, FLEET: q.fleet, PROMFLEET_PKI_DIR: q.store, ...env },
      });
    };
    /** Mode of every file and folder. */
    const modes = (dir: string): Record<string, number> => {
      const out: Record<string, number> = { '.': fs.statSync(dir).mode & 0o777 };
      const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const f = path.join(d, e.name);
          out[path.relative(dir, f)] = fs.statSync(f).mode & 0o777;
          if (e.isDirectory()) walk(f);
        }
      };
      walk(dir);
      return out;
    };

    it('as a git clone has it (folders 0755, files 0644): a synth in CI leaves it byte- and mode-identical', async () => {
      const q = copy();
      const cloned = (d: string): void => {
        fs.chmodSync(d, 0o755);
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          const f = path.join(d, e.name);
          if (e.isDirectory()) cloned(f);
          else fs.chmodSync(f, 0o644);
        }
      };
      cloned(q.store);
      const before = { files: fingerprintTree(q.store), modes: modes(q.store) };
      const r = await synth(q, both(), { CI: 'true', PROMFLEET_AGE_IDENTITY: ids[1].identity });
      expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('5 kept')]);
      expect(r.stderr).not.toContain('PKI warning');
      expect({ files: fingerprintTree(q.store), modes: modes(q.store) }).toEqual(before);
    });

    it('a password written by hand (any mode) is encrypted, hashed, and its plaintext removed', async () => {
      const q = copy();
      fs.writeFileSync(path.join(q.store, 'querier-basic-auth', 'observer.password'), 'chosen-by-hand\n', { mode: 0o644 });
      const r = await synth(q, both(), { PROMFLEET_AGE_IDENTITY: ids[0].identity });
      expect([r.code, r.stderr]).toEqual([0, expect.stringContaining('querier-basic-auth password renewed (the stored password changed)')]);
      expect(plaintextSecrets(q.store)).toEqual([]);
      const secret = fs.readFileSync(path.join(q.dist, 'observer', 'secrets', 'thanos-querier-basic-auth.yaml'), 'utf8');
      const auth = Buffer.from(/^\s+auth: (\S+)$/m.exec(secret)?.[1] ?? '', 'base64').toString();
      expect(bcrypt.compareSync('chosen-by-hand', auth.trim().slice('admin:'.length))).toBe(true);
      // pki status with the identity names the encrypted file.
      const status = pkiCmd(q, both(), { PROMFLEET_AGE_IDENTITY: ids[0].identity });
      expect(status.stdout).toContain(
        `querier-basic-auth/observer: user admin, password in ${path.join(q.store, 'querier-basic-auth', 'observer.password.age')} (encrypted)`,
      );
    });

    it('a malformed identity is an error naming the variable or the file, for a synth and for pki status', async () => {
      const q = copy();
      const before = fingerprintTree(q.store);
      const bad = FAKE_IDENTITY;
      const r = await synth(q, both(), { PROMFLEET_AGE_IDENTITY: bad });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('promfleet: PROMFLEET_AGE_IDENTITY: is not a valid age identity (');
      expect(r.stderr).toContain('copy the whole AGE-SECRET-KEY-... line that age-keygen wrote');
      expect(r.stderr).not.toContain('internal error');
      const file = path.join(q.dir, 'key.txt');
      fs.writeFileSync(file, `# created: today\n${bad}\n`);
      expect((await synth(q, both(), { PROMFLEET_AGE_IDENTITY_FILE: file })).stderr).toContain(
        `${file} (PROMFLEET_AGE_IDENTITY_FILE): is not a valid age identity`,
      );
      const status = pkiCmd(q, both(), { PROMFLEET_AGE_IDENTITY: bad });
      expect([status.status, status.stderr]).toEqual([1, expect.stringContaining('promfleet pki: PROMFLEET_AGE_IDENTITY: is not a valid age identity')]);
      expect(fingerprintTree(q.store)).toEqual(before);
    });

    it('a file damaged by a merge conflict is named as damaged, with the fix, not as a wrong identity', async () => {
      const q = copy();
      const file = path.join(q.store, 'sidecar', 'workload-eu.key.age');
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, `<<<<<<< HEAD\n${text}=======\n${text}>>>>>>> theirs\n`);
      const r = await synth(q, both(), { PROMFLEET_AGE_IDENTITY: ids[0].identity });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /sidecar\/workload-eu\.key\.age: is damaged, not a readable age file \(.*\); a merge conflict leaves such a file: restore it from Git/,
      );
      expect(r.stderr).not.toContain('cannot be decrypted with the age identity given');
    });

    it('locked, with a changed recipient list: pki status still reads the expiry, a CI synth renders without secrets and says who must synth', async () => {
      const q = copy();
      const one = withRecipients([ids[0].recipient]);
      const before = fingerprintTree(q.store);
      const status = pkiCmd(q, one, {}, '--expiring-within', '30d');
      expect([status.status, status.stderr]).toEqual([0, '']);
      expect(status.stdout).toMatch(/^ {2}sidecar\/workload-eu: expires \d{4}-\d\d-\d\d$/m);
      const ci = await synth(q, one, { CI: 'true' });
      expect(ci.code).toBe(0);
      expect(ci.stderr).toContain('pki.encryption.recipients changed, so someone with an age identity that opens the store must run CI=false npm run synth');
      expect(ci.stderr).not.toContain('give this job an age identity');
      expect(fingerprintTree(q.store)).toEqual(before);
      const local = await synth(q, one);
      expect([local.code, local.stderr]).toEqual([1, expect.stringContaining('age-recipients: differs from pki.encryption.recipients')]);
    });
  });
});

describe('pki.encryption in the fleet file', () => {
  it('refuses a recipient that is not age1..., and an empty list, naming the field', () => {
    expect(fleetProblems(withRecipients(['ssh-ed25519-AAAA']))).toEqual([
      'pki.encryption.recipients[0]: must be an age recipient, age1... (age-keygen -y <identity file> prints it), got "ssh-ed25519-AAAA"',
    ]);
    expect(fleetProblems(withRecipients([]))).toEqual(['pki.encryption.recipients: list at least one age recipient: the store would be readable by nobody']);
  });
});
