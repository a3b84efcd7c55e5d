// A folder replaced whole, atomically: the new tree is built in a staging folder beside it, then
// two renames swap it in. promfleet writes both of its folders (the output folder and the PKI
// store) this way, so that an interruption at any moment leaves each one old or new, never mixed.
// The staging folder carries a `*` .gitignore, so that `git add -A` never stages a half-built tree
// (both hold keys), and a fixed name, so that the next run finds what an interrupted one left: a
// complete tree is swapped in, anything else is removed.
import * as fs from 'fs';
import * as path from 'path';
import { io } from './errors';
import { failpoint } from './failpoint';
import { hidden } from './lock';

/** `.<name>.promfleet` beside the folder `<name>` (`.pki.promfleet` for `.pki`). */
export function stagingDirFor(target: string): string {
  return path.join(path.dirname(target), `${hidden(path.basename(target))}.promfleet`);
}

const NEW = 'new';
const OLD = 'old';
/** Written once the new tree is complete: from then on the swap is finished rather than undone. */
const READY = 'ready';

export function exists(p: string): boolean {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Completes or undoes what an interrupted run left beside `target`; returns what it did, in words.
 * Must run under the folder's lock, before a new staging folder is made.
 */
export function recoverTree(target: string, what: string): string[] {
  const staging = stagingDirFor(target);
  if (!exists(staging)) return [];
  const done: string[] = [];
  if (!exists(target)) {
    if (exists(path.join(staging, READY)) && exists(path.join(staging, NEW))) {
      io(target, 'finish an interrupted swap', () => fs.renameSync(path.join(staging, NEW), target));
      done.push(`finished replacing ${what} ${target}, which an interrupted run had begun`);
    } else if (exists(path.join(staging, OLD))) {
      io(target, 'undo an interrupted swap', () => fs.renameSync(path.join(staging, OLD), target));
      done.push(`restored ${what} ${target} as it was before an interrupted run`);
    }
  }
  io(staging, 'remove what an interrupted run left', () => fs.rmSync(staging, { recursive: true, force: true }), `remove ${staging} by hand`);
  if (!done.length) done.push(`removed ${staging}, left by an interrupted run`);
  return done;
}

/** A new tree being built beside the folder it will replace. */
export class StagedTree {
  /** Where the new tree is written. */
  readonly dir: string;
  private readonly staging: string;

  /**
   * Starts a staging folder for `target` (recoverTree must have run); `mode` is the new tree's.
   * `fix` says what to do when the folder beside `target` cannot be written.
   */
  constructor(
    readonly target: string,
    mode: number,
    fix: string,
    /** Names the failpoints of this tree's swap, e.g. `dist` (see failpoint). */
    private readonly label = 'tree',
  ) {
    this.staging = stagingDirFor(target);
    this.dir = path.join(this.staging, NEW);
    io(
      this.staging,
      'create a staging folder',
      () => {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.mkdirSync(this.staging, { mode: 0o700 });
        try {
          fs.writeFileSync(path.join(this.staging, '.gitignore'), '# promfleet: work in progress, removed when it ends\n*\n');
          fs.mkdirSync(this.dir, { mode });
          fs.chmodSync(this.dir, mode); // the umask must not loosen it
        } catch (e) {
          this.discard();
          throw e;
        }
      },
      fix,
    );
  }

  /** Replaces the target with the new tree: two renames, each atomic; the old tree is then removed. */
  publish(): void {
    failpoint(`${this.label}-built`);
    const old = path.join(this.staging, OLD);
    try {
      io(this.staging, 'mark the new tree complete', () => fs.writeFileSync(path.join(this.staging, READY), ''));
      failpoint(`${this.label}-ready`);
      if (exists(this.target)) io(this.target, 'move the old folder aside', () => fs.renameSync(this.target, old));
      failpoint(`${this.label}-half-swapped`);
      io(this.target, 'move the new folder into place', () => fs.renameSync(this.dir, this.target));
    } catch (e) {
      // Put the old tree back and drop the new one; failing that, the next run does it (recoverTree).
      try {
        if (!exists(this.target) && exists(old)) fs.renameSync(old, this.target);
        this.discard();
      } catch {
        // left for recoverTree
      }
      throw e;
    }
    failpoint(`${this.label}-swapped`);
    this.discard();
  }

  /** Drops the staging folder (the target is untouched unless publish() ran). */
  discard(): void {
    try {
      fs.rmSync(this.staging, { recursive: true, force: true });
    } catch {
      // The next run removes it (recoverTree).
    }
  }
}
