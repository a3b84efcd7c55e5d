// What an interrupted synth may have left beside the output folder: the staging folder of the
// current release (lib/io/staged-tree.ts), or the temporary folders of earlier releases.
import * as fs from 'fs';
import * as path from 'path';
import { io } from '../io/errors';
import { exists, recoverTree } from '../io/staged-tree';
import { LEGACY_GITIGNORE_HEADER } from './ownership';

/** Completes or undoes an interrupted synth's work on `target`; returns what it did. Runs under the output lock. */
export function recoverOutput(target: string): string[] {
  const done: string[] = [];
  // Earlier releases staged into `.<name>.new-XXXXXX` and `.<name>.old-XXXXXX`, which nothing removed.
  const parent = path.dirname(target);
  const base = path.basename(target);
  let names: string[] = [];
  try {
    names = fs.readdirSync(parent).filter((n) => n.startsWith(`.${base}.new-`) || n.startsWith(`.${base}.old-`));
  } catch {
    // no parent yet: nothing was left
  }
  for (const name of names) {
    const p = path.join(parent, name);
    let ours = false;
    try {
      ours = fs.readFileSync(path.join(p, '.gitignore'), 'utf8').startsWith(LEGACY_GITIGNORE_HEADER);
    } catch {
      ours = false;
    }
    if (!ours) continue;
    if (!exists(target) && name.startsWith(`.${base}.old-`)) {
      io(p, `restore it as ${target}`, () => fs.renameSync(p, target));
      done.push(`restored the output folder ${target} from ${name}, left by an interrupted synth`);
    } else {
      io(p, 'remove what an interrupted synth left', () => fs.rmSync(p, { recursive: true, force: true }), `remove ${p} by hand`);
      done.push(`removed ${p}, left by an interrupted synth`);
    }
  }
  return [...done, ...recoverTree(target, 'the output folder')];
}
