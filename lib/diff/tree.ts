// The two sides of a review: a rendered output folder read from disk (the working tree's dist/) or from a Git
// commit (`<ref>:dist`, what the pull request's base branch holds), both as the same map of file texts.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { io } from '../io/errors';

/** The commit exists but holds no such folder: a branch from before the first render, for instance. */
export class MissingFolderError extends Error {}

/** A rendered tree: path relative to the output folder (posix, e.g. `workload-eu/20-prometheus.yaml`) -> file text. */
export type RenderedTree = ReadonlyMap<string, string>;

/**
 * Whether a file of a rendered tree is one promfleet compares: a `.yaml` file outside any dot-folder. The marker
 * `.promfleet`, the `.gitignore` and lock or staging leftovers are promfleet's bookkeeping, not manifests.
 */
export function isManifestFile(file: string): boolean {
  return file.endsWith('.yaml') && !file.split('/').some((segment) => segment.startsWith('.'));
}

/**
 * Every manifest file under `dir` (see {@link isManifestFile}), `secrets/` folders included, keyed by its posix
 * path relative to `dir`. Symbolic links are not followed: promfleet writes none.
 *
 * @throws IoError naming the folder when it cannot be read (ENOENT when there is no rendered folder yet).
 */
export function readTreeFromDir(dir: string): RenderedTree {
  const tree = new Map<string, string>();
  const walk = (rel: string): void => {
    const abs = rel ? path.join(dir, rel) : dir;
    const entries = io(abs, 'read the rendered folder', () => fs.readdirSync(abs, { withFileTypes: true }));
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const file = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile() && isManifestFile(file))
        tree.set(
          file,
          io(path.join(dir, file), 'read', () => fs.readFileSync(path.join(dir, file), 'utf8')),
        );
    }
  };
  walk('');
  return tree;
}

/** Runs git in `cwd`; a failure becomes an error quoting git's own message. */
function git(cwd: string, args: string[], input?: Buffer): Buffer {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`cannot run git in ${cwd}: ${r.error.message}; install git, or compare with a folder instead`);
  if (r.status !== 0) throw new Error(`git ${args[0]} failed in ${cwd}: ${r.stderr.toString().trim() || `exit code ${r.status}`}`);
  return r.stdout;
}

/** The output of a git query whose failure means "no such thing" rather than an error; undefined then. */
function gitQuery(cwd: string, args: string[]): string | undefined {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new Error(`cannot run git in ${cwd}: ${r.error.message}; install git, or compare with a folder instead`);
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * The manifest files of folder `dir` as commit `ref` holds them (`git show <ref>:<dir>`), read with one
 * `git ls-tree` and one `git cat-file --batch`. `dir` is relative to `cwd` (or absolute) and must lie inside the
 * repository that holds `cwd`; the working tree and the index play no part. Git-ignored files such as
 * `secrets/` are never in a commit, so they are never in this tree.
 *
 * @throws Error naming the ref when it is not a commit of the repository, and the folder when the commit lacks it.
 */
export function readTreeFromGit(ref: string, dir: string, cwd: string): RenderedTree {
  if (!ref || ref.startsWith('-')) throw new Error(`git ref ${JSON.stringify(ref)}: not a ref; give a branch, tag or commit such as origin/main`);
  const top = gitQuery(cwd, ['rev-parse', '--show-toplevel']);
  if (top === undefined) throw new Error(`${cwd} is not inside a Git repository, so there is no ref ${ref} to compare with`);
  const commit = gitQuery(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (commit === undefined)
    throw new Error(`git ref ${JSON.stringify(ref)} is not a commit of ${top}; fetch it first (git fetch origin), or name an existing branch, tag or commit`);
  const absDir = path.resolve(cwd, dir);
  const realDir = fs.existsSync(absDir) ? fs.realpathSync(absDir) : path.join(fs.realpathSync(cwd), path.relative(cwd, absDir));
  const rel = path.relative(fs.realpathSync(top), realDir).split(path.sep).join('/');
  if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Error(`${dir} is outside the Git repository ${top}, so ${ref} cannot hold it`);
  // Everything after the colon is a path, so the object's type is asked apart.
  const tree = gitQuery(cwd, ['rev-parse', '--verify', '--quiet', rel ? `${commit}:${rel}` : `${commit}^{tree}`]);
  if (tree === undefined || gitQuery(cwd, ['cat-file', '-t', tree]) !== 'tree')
    throw new MissingFolderError(`git ref ${JSON.stringify(ref)} (${commit.slice(0, 12)}) has no folder ${rel || '.'}; was it rendered and committed there?`);

  const blobs: { file: string; oid: string }[] = [];
  for (const entry of git(cwd, ['ls-tree', '-r', '-z', tree]).toString('utf8').split('\0')) {
    if (!entry) continue;
    // `<mode> <type> <oid>\t<path>`; links (120000) and submodules are not rendered files.
    const tab = entry.indexOf('\t');
    const [mode, type, oid] = entry.slice(0, tab).split(' ');
    const file = entry.slice(tab + 1);
    if (type === 'blob' && mode !== '120000' && isManifestFile(file)) blobs.push({ file, oid });
  }
  const result = new Map<string, string>();
  if (!blobs.length) return result;
  const out = git(cwd, ['cat-file', '--batch'], Buffer.from(blobs.map((b) => `${b.oid}\n`).join('')));
  // Each answer is `<oid> blob <size>\n<size bytes>\n`, in the order asked.
  let at = 0;
  for (const { file, oid } of blobs) {
    const eol = out.indexOf(0x0a, at);
    const [gotOid, type, size] = out.subarray(at, eol).toString('utf8').split(' ');
    if (gotOid !== oid || type !== 'blob') throw new Error(`git cat-file: unexpected answer for ${file} (${oid}) in ${ref}`);
    const start = eol + 1;
    result.set(file, out.subarray(start, start + Number(size)).toString('utf8'));
    at = start + Number(size) + 1;
  }
  return result;
}
