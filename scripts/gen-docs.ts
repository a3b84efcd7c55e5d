// Writes docs/fleet-reference.md from the fleet schema (see scripts/fleet-reference.ts).
// `npm run docs`; a test fails when the committed file is stale.
import * as fs from 'fs';
import * as path from 'path';
import { fleetReference } from './fleet-reference';

export function main(): number {
  const file = path.resolve(__dirname, '..', 'docs', 'fleet-reference.md');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, fleetReference());
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  return 0;
}
