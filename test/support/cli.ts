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

export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a subcommand of the promfleet command in this process, as bin/promfleet.mjs would (its main with the
 * arguments after the command name), from `cwd` with `env` added to the environment; what it prints is captured.
 * In-process, a test pays for no Node.js start and no bundle: the subprocess tests cover the launcher itself.
 */
export async function runCli(main: (args: string[]) => Promise<number>, args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  const saved = { ...process.env };
  const before = process.cwd();
  try {
    Object.assign(process.env, { CI: '' }, opts.env);
    process.chdir(opts.cwd);
    const status = await main(args);
    return { status, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.chdir(before);
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
