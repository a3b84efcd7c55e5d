// Runs a TypeScript entry point: esbuild bundles it, with its dependencies, into the git-ignored
// .build/ (no type-check: `npm test` does that), and this process loads the bundle.
//   node scripts/ts.mjs scripts/gen-schema.ts [args...]   (the entry's main(argv) is called)
// A synth in CI or in an edit loop starts this way every time, so two caches keep the start short:
// - the bundle is rebuilt only when one of its inputs changed (size, mtime, or a file added next to one);
// - V8's code cache of the bundle spares compiling ~3 MB of JavaScript (V8 rejects a stale one).
import * as fs from 'fs';
import Module, { createRequire } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as vm from 'vm';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// The packages are bundled too: one file to read and compile instead of ~450 modules to resolve.
// (esbuild itself could not be: it runs its own binary. No entry imports it.)
const BUILD_OPTIONS = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' };

/** Every input file's size and mtime, and those of the folders holding them (a new file there could change what resolves). */
function fingerprint(files) {
  const dirs = [...new Set(files.map((f) => path.dirname(f)))];
  return [...files, ...dirs, path.join(root, 'package.json'), path.join(root, 'tsconfig.json')].map((f) => {
    try {
      const st = fs.statSync(f);
      return `${f}:${st.size}:${st.mtimeMs}`;
    } catch {
      return `${f}:missing`;
    }
  });
}

/** Writes next to `file`, then renames: a concurrent run never reads a half-written file. */
function writeAtomically(file, content) {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** Bundles `entry` into `outfile`, unless the stamp says the existing bundle was made from the same inputs. */
function bundle(entry, outfile) {
  const stampFile = outfile.replace(/\.cjs$/, '.inputs.json');
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    if (JSON.stringify(stamp.options) === JSON.stringify(BUILD_OPTIONS) && fs.existsSync(outfile) && fingerprint(stamp.files).join('\n') === stamp.fingerprint.join('\n')) return;
  } catch {
    // No stamp yet, or unreadable: build.
  }
  const { buildSync } = require('esbuild');
  const tmp = `${outfile}.tmp-${process.pid}.cjs`;
  const result = buildSync({ ...BUILD_OPTIONS, entryPoints: [entry], outfile: tmp, metafile: true, absWorkingDir: root });
  fs.renameSync(tmp, outfile);
  const files = Object.keys(result.metafile.inputs).map((f) => path.resolve(root, f));
  writeAtomically(stampFile, JSON.stringify({ options: BUILD_OPTIONS, files, fingerprint: fingerprint(files) }));
}

/** Loads a CommonJS bundle like require() does, with V8's code cache (written once the process has run). */
function loadWithCodeCache(file) {
  const cacheFile = file.replace(/\.cjs$/, '.v8cache');
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // First run of this bundle.
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  if (!cachedData || script.cachedDataRejected) {
    // After the run the cache also holds the functions compiled lazily while rendering.
    process.once('beforeExit', () => {
      try {
        writeAtomically(cacheFile, script.createCachedData());
      } catch {
        // Only a cache: the next run compiles again.
      }
    });
  }
  return module.exports;
}

/** Bundles (if needed) and loads `entry`; `buildDir` holds the bundle and its caches. */
export function loadTs(entry, buildDir = path.join(root, '.build')) {
  const name = path.relative(root, path.resolve(root, entry)).replace(/[\\/]/g, '_').replace(/\.ts$/, '');
  const outfile = path.join(buildDir, `${name}.cjs`);
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  bundle(path.resolve(root, entry), outfile);
  return loadWithCodeCache(outfile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, ...args] = process.argv.slice(2);
  const mod = loadTs(entry);
  Promise.resolve(mod.main(args)).then((code) => {
    process.exitCode = code ?? 0;
  });
}
