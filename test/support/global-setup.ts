// Jest's global setup, once before the test files run side by side: the RSA key pool (key-pool-file.ts), and
// age-encryption as a CommonJS bundle. age-encryption is an ES module, which Jest's CommonJS runtime cannot
// load; jest.config.js maps the package to this bundle, so the encrypted store is tested in-process.
import * as fs from 'fs';
import * as path from 'path';
import { buildSync } from 'esbuild';
import makePool from './key-pool-file';

export const AGE_BUNDLE = path.resolve(__dirname, '..', '..', '.build', 'age-encryption.cjs');

function bundleAge(): void {
  // The package exports no package.json: read it from its folder.
  const pkg = path.resolve(__dirname, '..', '..', 'node_modules', 'age-encryption', 'package.json');
  const { version } = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string };
  const stamp = `// age-encryption ${version}\n`;
  if (fs.existsSync(AGE_BUNDLE) && fs.readFileSync(AGE_BUNDLE, 'utf8').startsWith(stamp)) return;
  const tmp = `${AGE_BUNDLE}.${process.pid}`;
  buildSync({
    stdin: { contents: "export * from 'age-encryption';", resolveDir: path.dirname(pkg) },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    banner: { js: stamp.trimEnd() },
    outfile: tmp,
    logLevel: 'error',
  });
  fs.renameSync(tmp, AGE_BUNDLE);
}

export default function globalSetup(): void {
  makePool();
  bundleAge();
}
