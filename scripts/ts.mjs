// Runs a TypeScript entry point: esbuild bundles it (~0.1 s, no type-check: `npm test` does
// that) and this process requires the result. Much faster than ts-node; always the current source.
//   node scripts/ts.mjs scripts/gen-schema.ts [args...]   (the entry's main(argv) is called)
import { buildSync } from 'esbuild';
import { createRequire } from 'module';
import { fileURLToPath } from 'url';
import * as path from 'path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function loadTs(entry) {
  const name = path.relative(root, path.resolve(root, entry)).replace(/[\\/]/g, '_').replace(/\.ts$/, '');
  const outfile = path.join(root, '.build', `${name}.cjs`);
  buildSync({
    entryPoints: [path.resolve(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    logLevel: 'error',
  });
  return createRequire(import.meta.url)(outfile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, ...args] = process.argv.slice(2);
  const mod = loadTs(entry);
  Promise.resolve(mod.main(args)).then((code) => { process.exitCode = code ?? 0; });
}
