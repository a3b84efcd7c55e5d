// File-system failures as promfleet errors: the path, the cause in words, and what to do,
// instead of a Node stack trace.

const CAUSES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted (an immutable or protected file?)',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder, not a file',
  EEXIST: 'already exists',
  ENOTEMPTY: 'folder not empty',
  EBUSY: 'busy (a mount point, or in use)',
  EXDEV: 'on another file system',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  ELOCKED: 'locked',
};

/** `ENOSPC (no space left on the device)`, or the message of an error without a code. */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (!err?.code) return String((e as Error)?.message ?? e);
  return CAUSES[err.code] ? `${err.code} (${CAUSES[err.code]})` : `${err.code}${err.message ? ` (${err.message.replace(/^[A-Z]+: /, '').split(',')[0]})` : ''}`;
}

/** A system error with its code. (Not `instanceof Error`: errors from another realm, such as a test sandbox, fail that.) */
export function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return typeof e === 'object' && e !== null && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as Error).message === 'string';
}

/** A file-system operation failed on `path`; the message says which, why, and what to do. */
export class IoError extends Error {
  readonly code?: string;

  constructor(
    readonly path: string,
    doing: string,
    cause: unknown,
    fix?: string,
  ) {
    super(`${path}: cannot ${doing}: ${errnoText(cause)}${fix ? `; ${fix}` : ''}`);
    this.name = 'IoError';
    this.code = (cause as NodeJS.ErrnoException)?.code;
  }
}

/** Runs `op`; a file-system error becomes an IoError naming `path` (other errors pass through). */
export function io<T>(path: string, doing: string, op: () => T, fix?: string): T {
  try {
    return op();
  } catch (e) {
    if (isErrno(e)) throw new IoError(path, doing, e, fix);
    throw e;
  }
}

/** An environment variable promfleet reads has a value it cannot use; the message names the variable and what it takes. */
export class EnvError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`environment variable ${variable}: ${problem}`);
    this.name = 'EnvError';
  }
}
