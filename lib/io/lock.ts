// Locks beside the folders promfleet writes (the output folder and the PKI store), so that two
// synths of one fleet never interleave: the second waits, then fails clearly. A lock is a folder
// (mkdir is atomic) holding its owner's pid and a .gitignore, so that `git add -A` never stages it.
// It lives beside the folder it guards, never inside: taking it changes neither folder.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvError, IoError, isErrno } from './errors';

export interface Lock {
  readonly path: string;
  release(): void;
}

export interface LockOptions {
  /** How long to wait for another holder. @default 300 seconds */
  readonly timeoutMs?: number;
  /** Told once when the lock is held by another process and this one starts waiting. */
  readonly onWait?: (message: string) => void;
}

/** PROMFLEET_LOCK_TIMEOUT (seconds), as LockOptions.timeoutMs; undefined when unset. Read by a synth and `npm run pki`. */
export function lockTimeoutFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.PROMFLEET_LOCK_TIMEOUT;
  if (v === undefined || v === '') return undefined;
  const seconds = Number(v);
  if (!Number.isFinite(seconds) || seconds < 0) throw new EnvError('PROMFLEET_LOCK_TIMEOUT', `must be a number of seconds, got ${JSON.stringify(v)}`);
  return seconds * 1000;
}

interface Owner {
  pid: number;
  host: string;
}

/** Creating a lock takes two writes; a lock this old without its owner file was left by a killed process. */
const ORPHAN_MS = 10_000;
const POLL_MS = 100;

/** The lock that guards `target`: `.<name>.lock` in the same parent folder (`.pki.lock` for `.pki`). */
export function lockPathFor(target: string): string {
  return path.join(path.dirname(target), `${hidden(path.basename(target))}.lock`);
}

/** `name` as a hidden file name: with one leading dot. */
export function hidden(name: string): string {
  return name.startsWith('.') ? name : `.${name}`;
}

function readOwner(lock: string): Owner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(path.join(lock, 'owner'), 'utf8')) as Owner;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the lock was left behind by a process that no longer runs (on this machine). */
function isStale(lock: string): boolean {
  const owner = readOwner(lock);
  if (owner) return owner.host === os.hostname() && !alive(owner.pid);
  try {
    return Date.now() - fs.statSync(lock).mtimeMs > ORPHAN_MS;
  } catch {
    return false; // gone meanwhile: the next attempt takes it
  }
}

/** Moves a stale lock aside and removes it; a lock taken over meanwhile by a live process is put back. */
function breakStale(lock: string): void {
  const aside = `${lock}.stale-${process.pid}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return; // someone else broke it first
  }
  if (!isStale(aside) && readOwner(aside)) {
    try {
      fs.renameSync(aside, lock);
      return;
    } catch {
      // a third process took the lock meanwhile: the one moved aside is dropped below
    }
  }
  fs.rmSync(aside, { recursive: true, force: true });
}

const held = new Set<string>();
process.on('exit', () => {
  for (const l of held) fs.rmSync(l, { recursive: true, force: true });
});

/** Takes the lock of `target` (see lockPathFor), waiting for another holder up to the timeout. */
export async function acquireLock(target: string, what: string, opts: LockOptions = {}): Promise<Lock> {
  const lock = lockPathFor(target);
  const timeout = opts.timeoutMs ?? 300_000;
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(path.dirname(lock), { recursive: true });
      fs.mkdirSync(lock);
      try {
        fs.writeFileSync(path.join(lock, '.gitignore'), '*\n');
        fs.writeFileSync(path.join(lock, 'owner'), JSON.stringify({ pid: process.pid, host: os.hostname() }) + '\n');
      } catch (e) {
        fs.rmSync(lock, { recursive: true, force: true });
        throw e;
      }
      held.add(lock);
      return {
        path: lock,
        release: () => {
          held.delete(lock);
          fs.rmSync(lock, { recursive: true, force: true });
        },
      };
    } catch (e) {
      if (!isErrno(e) || e.code !== 'EEXIST') throw new IoError(lock, `take the lock of ${what}`, e, `make ${path.dirname(lock)} writable`);
    }
    if (isStale(lock)) {
      breakStale(lock);
      continue;
    }
    const owner = readOwner(lock);
    const holder = owner ? `process ${owner.pid} on ${owner.host}` : 'another process';
    if (Date.now() - started >= timeout) {
      throw new IoError(
        lock,
        `take the lock of ${what}`,
        Object.assign(new Error('held'), { code: 'ELOCKED' }),
        `${holder} is writing it (another synth or pki command). Wait for it to finish; if no promfleet command runs any more, delete ${lock}`,
      );
    }
    if (!told) {
      opts.onWait?.(`waiting for ${holder}, which holds ${lock}`);
      told = true;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
