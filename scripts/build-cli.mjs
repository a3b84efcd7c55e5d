// Bundles each subcommand of the promfleet command into out/cli/<command>.cjs for the packed package
// (`npm run build`, run by `npm pack`): an installed promfleet starts without esbuild or TypeScript sources.
import { buildSync } from 'esbuild';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { BUILD_OPTIONS } from './ts.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const commands = fs
  .readdirSync(path.join(root, 'lib', 'cli'))
  .filter((f) => f.endsWith('.ts') && fs.readFileSync(path.join(root, 'lib', 'cli', f), 'utf8').match(/^export (async )?function main\(/m));
for (const file of commands) {
  buildSync({
    ...BUILD_OPTIONS,
    entryPoints: [path.join(root, 'lib', 'cli', file)],
    outfile: path.join(root, 'out', 'cli', file.replace(/\.ts$/, '.cjs')),
    absWorkingDir: root,
  });
}
process.stderr.write(`bundled ${commands.map((f) => f.replace(/\.ts$/, '')).join(', ')} into out/cli/\n`);
