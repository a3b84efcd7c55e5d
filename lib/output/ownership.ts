// The output folder belongs to promfleet alone: every synth replaces it whole, so promfleet refuses
// any path where that would destroy something else (the repository, the fleet file, the PKI store,
// a folder of the user's), and any user file found inside a folder it rendered.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { io } from '../io/errors';
import { contains, realPathOf } from '../io/paths';

/** The marker promfleet writes into every output folder, with the list of files it rendered there. */
export const MARKER_FILE = '.promfleet';

const MARKER_HEADER = [
  '# This folder is rendered by promfleet and replaced whole on every synth: keep nothing else in it',
  '# (docs/operations.md, "What promfleet owns"). The files it rendered, besides the git-ignored secrets:',
];

/** The dist/.gitignore of every promfleet release starts so: an output folder from before the marker. */
export const LEGACY_GITIGNORE_HEADER = '# Rendered by promfleet.';

/** Where a secret file is rendered: `<cluster>/secrets/<name>.yaml` (git-ignored, never listed). */
export function isSecretFile(rel: string): boolean {
  return /^[^/]+\/secrets\/[^/]+\.yaml$/.test(rel);
}

/** The marker's content for a folder holding `files` (paths relative to it). Deterministic. */
export function markerText(files: string[]): string {
  const listed = files.filter((f) => f !== MARKER_FILE && !isSecretFile(f)).sort();
  return [...MARKER_HEADER, ...listed].join('\n') + '\n';
}

/** Why an output path is not one promfleet may replace; thrown before anything is written. */
export class OutputError extends Error {
  constructor(
    readonly dir: string,
    reason: string,
  ) {
    super(`${dir}: ${reason}`);
    this.name = 'OutputError';
  }
}

export interface OutputContext {
  /** The fleet file (absent for an inline fleet). */
  readonly fleetFile?: string;
  /** The PKI store. */
  readonly storeDir: string;
  /** @default process.cwd() */
  readonly cwd?: string;
}

/** The top of the git repository holding `from`, if any. */
function repositoryRoot(from: string): string | undefined {
  for (let d = from; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * The folder a synth replaces, given the output path: a link is followed (its target is updated and
 * the link keeps pointing there). Refuses every path whose replacement would lose something else.
 */
export function resolveOutputDir(outDir: string, ctx: OutputContext): string {
  if (!outDir.trim()) throw new OutputError('PROMFLEET_OUT', 'is empty; name the folder promfleet renders into, e.g. PROMFLEET_OUT=dist (or leave it unset)');
  const given = path.resolve(ctx.cwd ?? process.cwd(), outDir);
  let target = given;
  const st = lstat(given);
  if (st?.isSymbolicLink()) {
    try {
      target = fs.realpathSync(given);
    } catch {
      throw new OutputError(given, `is a link to ${fs.readlinkSync(given)}, which does not exist; create that folder or point the link elsewhere`);
    }
  } else {
    target = realPathOf(given);
  }
  const refuse = (why: string) => {
    throw new OutputError(given, `cannot be the output folder: ${why}. Every synth replaces its output folder whole; use a folder of its own, e.g. dist/`);
  };
  const cwd = realPathOf(ctx.cwd ?? process.cwd());
  if (path.dirname(target) === target) refuse('it is the root of the file system');
  if (target === realPathOf(os.homedir())) refuse('it is your home folder');
  if (contains(target, cwd)) refuse(target === cwd ? 'it is the current folder' : `it holds the current folder ${cwd}`);
  for (const from of [cwd, ctx.fleetFile && path.dirname(realPathOf(ctx.fleetFile))]) {
    const repo = from && repositoryRoot(from);
    if (repo && contains(target, repo)) refuse(target === repo ? `it is the root of the git repository ${repo}` : `it holds the git repository ${repo}`);
  }
  if (ctx.fleetFile && contains(target, realPathOf(ctx.fleetFile))) refuse(`it holds the fleet file ${ctx.fleetFile}`);
  const store = realPathOf(ctx.storeDir);
  if (contains(target, store)) {
    throw new OutputError(
      given,
      `holds the PKI store ${ctx.storeDir}, which every synth would destroy with its CA key. Keep the store outside the output folder (pki.dir in the fleet file, or PROMFLEET_PKI_DIR), e.g. .pki`,
    );
  }
  if (contains(store, target)) refuse(`it lies inside the PKI store ${ctx.storeDir}`);
  const tst = lstat(target);
  if (tst && !tst.isDirectory()) refuse('it is a file, not a folder');
  let above = path.dirname(target);
  while (!lstat(above)) above = path.dirname(above);
  if (!lstat(above)?.isDirectory())
    throw new OutputError(given, `cannot be created: ${above} is a file, not a folder; set PROMFLEET_OUT to a folder you can write`);
  return target;
}

function lstat(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** The files promfleet rendered into `dir` last time (paths relative to it), or how to tell them. */
function ownedFiles(dir: string): { has(rel: string): boolean } | undefined {
  const marker = path.join(dir, MARKER_FILE);
  if (fs.existsSync(marker)) {
    const text = io(marker, 'read the output marker', () => fs.readFileSync(marker, 'utf8'));
    const listed = new Set(text.split('\n').filter((l) => l && !l.startsWith('#')));
    return { has: (rel) => rel === MARKER_FILE || listed.has(rel) || isSecretFile(rel) };
  }
  const gitignore = path.join(dir, '.gitignore');
  if (fs.existsSync(gitignore) && fs.readFileSync(gitignore, 'utf8').startsWith(LEGACY_GITIGNORE_HEADER)) {
    // Rendered by a promfleet release from before the marker: its files had these names.
    return {
      has: (rel) =>
        rel === '.gitignore' || /^[^/]+\/(\d\d-[^/]+|secrets\/[^/]+|sealed-secrets\/[^/]+)\.yaml$/.test(rel) || /^_(argocd|app-monitors)\/.+\.yaml$/.test(rel),
    };
  }
  return undefined;
}

/** Every file and empty folder below `dir`, relative to it (folders with a trailing slash). */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string) => {
    const entries = io(abs, 'list the output folder', () => fs.readdirSync(abs, { withFileTypes: true }));
    if (!entries.length && rel) out.push(`${rel}/`);
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out;
}

/**
 * Checks that `dir` (from resolveOutputDir) holds only what promfleet rendered there: a missing or
 * empty folder is fine; a folder without the marker, or a user's file inside, stops the synth.
 */
export function assertOwnedOutput(dir: string): void {
  if (!fs.existsSync(dir)) return;
  const files = listTree(dir);
  if (!files.length) return;
  const owned = ownedFiles(dir);
  if (!owned) {
    throw new OutputError(
      dir,
      `is not empty and was not rendered by promfleet (it has no ${MARKER_FILE} marker), so a synth would delete what it holds. Point PROMFLEET_OUT at a new or empty folder, or move those files away`,
    );
  }
  const foreign = files.filter((f) => !owned.has(f));
  if (foreign.length) {
    const shown =
      foreign
        .slice(0, 20)
        .map((f) => `\n    ${f}`)
        .join('') + (foreign.length > 20 ? `\n    ... and ${foreign.length - 20} more` : '');
    throw new OutputError(
      dir,
      `holds ${foreign.length} file${foreign.length === 1 ? '' : 's'} promfleet did not render, which the synth would delete:${shown}\n  Move ${foreign.length === 1 ? 'it' : 'them'} out of the output folder: it is replaced whole on every synth. Extra manifests belong in your own folder next to it (docs/operations.md, "What promfleet owns")`,
    );
  }
}
