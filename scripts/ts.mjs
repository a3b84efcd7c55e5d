// Runs a TypeScript entry point: esbuild bundles it, with its dependencies, into the git-ignored
// .build/ (no type-check: `npm test` does that), and this process loads the bundle.
//   node scripts/ts.mjs scripts/gen-schema.ts [args...]   (the entry's main(argv) is called)
// A synth in CI or in an edit loop starts this way every time, so two caches keep the start short:
// - the bundle is rebuilt only when one of its inputs changed (size, mtime, or a file added next to one);
// - V8's code cache of the bundle spares compiling ~3 MB of JavaScript. It is tied to the bundle's hash:
//   V8 itself checks only the source length, and would run the old code after a same-length edit.
import { createHash } from 'crypto';
import * as fs from 'fs';
import Module, { createRequire } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as vm from 'vm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// The packages are bundled too: one file to read and compile instead of ~450 modules to resolve.
// (esbuild itself could not be: it runs its own binary. No entry imports it.)
export const BUILD_OPTIONS = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'error' };

// File times can be coarse (up to 2 s on some filesystems) and lag the clock: an input whose mtime is
// this close to the build's start may have changed after esbuild read it.
const SETTLE_MS = 2000;

/**
 * Every input file's size and mtime, and the names in each folder holding one (a new file there could
 * change what resolves; a folder's mtime would not do: rendering dist/ changes that of the project root).
 * `newest` is the latest mtime of the files.
 */
function fingerprint(files) {
  let newest = 0;
  const stat = (f) => {
    try {
      const st = fs.statSync(f);
      newest = Math.max(newest, st.mtimeMs);
      return `${f}:${st.size}:${st.mtimeMs}`;
    } catch {
      return `${f}:missing`;
    }
  };
  const list = (dir) => {
    try {
      return `${dir}/:${createHash('sha1').update(fs.readdirSync(dir).sort().join('\n')).digest('hex')}`;
    } catch {
      return `${dir}/:missing`;
    }
  };
  const dirs = [...new Set(files.map((f) => path.dirname(f)))];
  const lines = [...[...files, path.join(root, 'package.json'), path.join(root, 'tsconfig.json')].map(stat), ...dirs.map(list)];
  return { lines, newest };
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
    if (
      JSON.stringify(stamp.options) === JSON.stringify(BUILD_OPTIONS) &&
      fs.existsSync(outfile) &&
      fingerprint(stamp.files).lines.join('\n') === stamp.fingerprint.join('\n')
    )
      return;
  } catch {
    // No stamp yet, or unreadable: build.
  }
  const { buildSync } = require('esbuild');
  const tmp = `${outfile}.tmp-${process.pid}.cjs`;
  const started = Date.now();
  const result = buildSync({ ...BUILD_OPTIONS, entryPoints: [entry], outfile: tmp, metafile: true, absWorkingDir: root });
  fs.renameSync(tmp, outfile);
  // What a command learnt about the old bundle (the PromQL it checked) may not hold for the new one.
  fs.rmSync(outfile.replace(/\.cjs$/, '.promql.json'), { force: true });
  const files = Object.keys(result.metafile.inputs).map((f) => path.resolve(root, f));
  const { lines, newest } = fingerprint(files);
  // An input saved while esbuild ran would match the stamp but not the bundle: leave no stamp, rebuild next time.
  if (newest >= started - SETTLE_MS) fs.rmSync(stampFile, { force: true });
  else writeAtomically(stampFile, JSON.stringify({ options: BUILD_OPTIONS, files, fingerprint: lines }));
}

/** Loads a CommonJS bundle like require() does, with V8's code cache (written once the process has run). */
export function loadBundle(file) {
  const cacheFile = file.replace(/\.cjs$/, '.v8cache');
  const source = fs.readFileSync(file);
  // The cache file starts with the hash of the bundle it was made from (see the top of this file).
  const hash = createHash('sha256').update(source).digest();
  let cachedData;
  try {
    const cache = fs.readFileSync(cacheFile);
    if (cache.subarray(0, hash.length).equals(hash)) cachedData = cache.subarray(hash.length);
  } catch {
    // First run of this bundle.
  }
  const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, cachedData });
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  module.loaded = true;
  if (!cachedData || script.cachedDataRejected) {
    // After the run the cache also holds the functions compiled lazily while rendering.
    process.once('beforeExit', () => {
      try {
        writeAtomically(cacheFile, Buffer.concat([hash, script.createCachedData()]));
      } catch {
        // Only a cache: the next run compiles again.
      }
    });
  }
  return module.exports;
}

/** The bundle of `entry` in `buildDir`. Caches a command keeps about its bundle sit beside it (see bundle()). */
export function bundleFileOf(entry, buildDir = path.join(root, '.build')) {
  const name = path.relative(root, path.resolve(root, entry)).replace(/[\\/]/g, '_').replace(/\.ts$/, '');
  return path.join(buildDir, `${name}.cjs`);
}

/** Bundles (if needed) and loads `entry`; `buildDir` holds the bundle and its caches. */
export function loadTs(entry, buildDir = path.join(root, '.build')) {
  const outfile = bundleFileOf(entry, buildDir);
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  bundle(path.resolve(root, entry), outfile);
  return loadBundle(outfile);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, ...args] = process.argv.slice(2);
  const mod = loadTs(entry);
  Promise.resolve(mod.main(args)).then((code) => {
    process.exitCode = code ?? 0;
  });
}
