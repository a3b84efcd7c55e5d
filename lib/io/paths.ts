// Path questions asked before promfleet replaces a folder: what it really is, and what it holds.
import * as fs from 'fs';
import * as path from 'path';

/** The real path of `p`, resolving links of its existing part; the missing rest is appended. */
export function realPathOf(p: string): string {
  const abs = path.resolve(p);
  let existing = abs;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return abs;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}

/** Whether `dir` is `p` or a folder above it. */
export function contains(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
