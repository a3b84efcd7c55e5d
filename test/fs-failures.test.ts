// File-system failures are promfleet errors: the path, the cause in words, exit 1, no stack trace,
// and a truthful account of what changed (nothing, or the store only). Real failures are made with
// a small tmpfs (ENOSPC), a read-only mount (EROFS), the immutable attribute (EPERM) and another
// user (EACCES); where the machine refuses mounts, the same errors are raised at the function level.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { io, IoError } from '../lib/io/errors';
import { defaultFleetText, ROOT, runMain, tmpDir } from './support/fleet';
import { fingerprintTree } from './support/pki';

interface Project {
  dir: string;
  env: Record<string, string>;
}

let template: string | undefined;

/** A project (fleet.yaml, .pki/, dist/ after one synth) copied into `dir`. */
async function projectIn(dir: string): Promise<Project> {
  if (!template) {
    template = tmpDir('promfleet-fs-');
    fs.writeFileSync(path.join(template, 'fleet.yaml'), defaultFleetText());
    expect((await runMain(envFor(template), template)).code).toBe(0);
  }
  fs.cpSync(template, dir, { recursive: true });
  return { dir, env: envFor(dir) };
}

function envFor(dir: string): Record<string, string> {
  return { FLEET: path.join(dir, 'fleet.yaml'), PROMFLEET_OUT: path.join(dir, 'dist'), PROMFLEET_PKI_DIR: path.join(dir, '.pki') };
}

/** Mounts a tmpfs of `kb` KiB at a new folder, or returns undefined where mounting is not allowed. */
function mountTmpfs(kb: number): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promfleet-mnt-'));
  mounts.push(dir);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir]);
  return r.status === 0 ? dir : undefined;
}

const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts) {
    spawnSync('umount', ['-l', m]);
    fs.rmSync(m, { recursive: true, force: true });
  }
});

/**
 * Where the machine refuses mounts: the same error, raised by the operation promfleet wraps, must
 * come out as a promfleet error naming the path and the cause (the function-level check).
 */
function expectConverted(code: string, words: string) {
  const target = '/some/project/dist';
  let err: unknown;
  try {
    io(target, 'write the rendered file', () => {
      throw Object.assign(new Error(`${code}: simulated`), { code, syscall: 'write', path: target });
    });
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(IoError);
  expect((err as IoError).message).toBe(`${target}: cannot write the rendered file: ${code} (${words})`);
}

function expectCleanFailure(r: { code: number; stderr: string }, cause: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(cause);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('file-system failures', () => {
  it('ENOSPC: a full disk while rendering leaves dist/ and the store as they were, and no staging folder', async () => {
    const mnt = mountTmpfs(2048);
    if (!mnt) return expectConverted('ENOSPC', 'no space left on the device');
    const p = await projectIn(mnt);
    // Fill the disk but for a few KiB: the staged dist/ cannot be written.
    const free = Number(execFileSync('df', ['--output=avail', '-B1', mnt], { encoding: 'utf8' }).split('\n')[1]);
    fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(Math.max(0, free - 16 * 1024)));
    // A changed fleet, so that every file must be written anew.
    fs.writeFileSync(path.join(p.dir, 'fleet.yaml'), defaultFleetText().replace('retention: 15d', 'retention: 20d'));
    const before = fingerprintTree(p.dir);
    const r = await runMain(p.env, p.dir);
    expectCleanFailure(r, /: cannot (write the rendered file|create an output folder|create a staging folder): ENOSPC \(no space left on the device\)/);
    expect(r.stderr).toMatch(/Nothing was written: .*dist\/ and the PKI store .*\.pki\/ are as they were\./);
    expect(fingerprintTree(p.dir)).toEqual(before);
    expect(fs.readdirSync(p.dir).filter((n) => n.endsWith('.promfleet') || n.endsWith('.lock'))).toEqual([]);
  });

  it('EROFS: a read-only file system is named, nothing changes', async () => {
    const mnt = mountTmpfs(4096);
    if (!mnt) return expectConverted('EROFS', 'read-only file system');
    const p = await projectIn(mnt);
    const before = fingerprintTree(p.dir);
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    const r = await runMain(p.env, p.dir);
    execFileSync('mount', ['-o', 'remount,rw', mnt]);
    expectCleanFailure(r, /\.dist\.lock: cannot take the lock of the output folder: EROFS \(read-only file system\)/);
    expect(r.stderr).toContain('Nothing was written');
    expect(fingerprintTree(p.dir)).toEqual(before);
  });

  it('EPERM: an immutable dist/ stops the swap; the store, already updated, says so', async () => {
    const p = await projectIn(tmpDir('promfleet-fs-'));
    const dist = path.join(p.dir, 'dist');
    // A new cluster, so that the store gains a certificate before dist/ is swapped.
    fs.appendFileSync(
      path.join(p.dir, 'fleet.yaml'),
      '  - name: workload-ap\n    roles: [workload]\n    thanos:\n      endpoint: { host: "sidecar-{replica}.workload-ap.example.com" }\n',
    );
    const distBefore = fingerprintTree(dist);
    if (spawnSync('chattr', ['+i', dist]).status !== 0) return expectConverted('EPERM', 'operation not permitted (an immutable or protected file?)');
    let r: { code: number; stderr: string };
    try {
      r = await runMain(p.env, p.dir);
    } finally {
      execFileSync('chattr', ['-i', dist]);
    }
    expectCleanFailure(r, /dist: cannot move the old folder aside: EPERM \(operation not permitted/);
    expect(r.stderr).toMatch(/the PKI store .*\.pki\/ was updated \(its new certificates are kept\); .*dist\/ is as it was/);
    expect(fingerprintTree(dist)).toEqual(distBefore);
    expect(fs.existsSync(path.join(p.dir, '.pki', 'sidecar', 'workload-ap.crt'))).toBe(true);
    expect(fs.readdirSync(p.dir).filter((n) => n.endsWith('.promfleet') || n.endsWith('.lock'))).toEqual([]);
    // Once the cause is gone, the next synth renders with the certificate the failed one kept.
    const cert = fs.readFileSync(path.join(p.dir, '.pki', 'sidecar', 'workload-ap.crt'), 'utf8');
    expect((await runMain(p.env, p.dir)).code).toBe(0);
    expect(fs.readFileSync(path.join(p.dir, '.pki', 'sidecar', 'workload-ap.crt'), 'utf8')).toBe(cert);
  });

  it('EACCES: a user who cannot write the project folder gets the folder named', async () => {
    const p = await projectIn(tmpDir('promfleet-fs-'));
    fs.chmodSync(p.dir, 0o755);
    const before = fingerprintTree(p.dir);
    const asRoot = process.getuid?.() === 0;
    const app = path.join(ROOT, 'scripts', 'app.mjs');
    // The app bundles itself on first use into the project's .build/: let that happen as the owner.
    spawnSync(process.execPath, [app], { env: { ...process.env, FLEET: path.join(p.dir, 'missing.yaml') } });
    const r = spawnSync(process.execPath, [app], {
      cwd: p.dir,
      env: { ...process.env, ...p.env },
      encoding: 'utf8',
      // Root may write anywhere: the synth runs as an unprivileged user.
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    expectCleanFailure(
      { code: r.status ?? -1, stderr: r.stderr },
      /\.dist\.lock: cannot take the lock of the output folder: EACCES \(permission denied\); make .* writable/,
    );
    expect(r.stderr).toContain('Nothing was written');
    expect(fingerprintTree(p.dir)).toEqual(before);
  });
});
