// `npm test`'s static checks, run side by side (each is single-threaded): the type check, the lint
// (with the layer rule) and the formatting. Prints each one's output under its name; fails if any fails.
import { spawn } from 'child_process';

const CHECKS = [
  ['typecheck', 'tsc', ['--noEmit', '-p', '.']],
  ['lint', 'eslint', ['--cache', '--cache-location', '.build/eslintcache', '.']],
  ['format', 'prettier', ['--check', '--log-level', 'warn', '.']],
];

const run = ([name, bin, args]) =>
  new Promise((resolve) => {
    const child = spawn(`node_modules/.bin/${bin}`, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ name, code, out }));
  });

const results = await Promise.all(CHECKS.map(run));
for (const r of results) {
  process.stdout.write(`${r.code === 0 ? 'ok  ' : 'FAIL'} ${r.name}\n${r.out.trim() ? `${r.out.trim()}\n` : ''}`);
}
process.exitCode = results.some((r) => r.code !== 0) ? 1 : 0;
