// Writes fleet.schema.json from the zod schema (editors validate fleet.yaml with it).
// `npm run schema`; a test fails when the committed file is stale.
import * as fs from 'fs';
import * as path from 'path';
import { fleetJsonSchema } from '../lib/fleet/json-schema';

export function main(): number {
  const file = path.resolve(__dirname, '..', 'fleet.schema.json');
  fs.writeFileSync(file, fleetJsonSchema());
  process.stderr.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  return 0;
}
