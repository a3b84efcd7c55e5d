// The promfleet command as a project that depends on it runs it: `npx promfleet ...` finds
// node_modules/.bin/promfleet, here a launcher of this repository's bin/promfleet.mjs.
import * as fs from 'fs';
import * as path from 'path';
import { ROOT } from './fleet';

export const BIN = path.join(ROOT, 'bin', 'promfleet.mjs');

/** What `npm install` of promfleet gives a project folder: a package.json and the promfleet command. */
export function installPromfleet(dir: string): void {
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  if (!fs.existsSync(path.join(dir, 'package.json'))) fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "monitoring", "private": true }\n');
  fs.writeFileSync(path.join(dir, 'node_modules', '.bin', 'promfleet'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
}
