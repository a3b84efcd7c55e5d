// JSON Schema of the fleet file, generated from the zod schema so the two never drift.
import { z } from 'zod';
import { fleetSchema } from './schema';

export function fleetJsonSchema(): string {
  const schema = z.toJSONSchema(fleetSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const doc = {
    ...schema,
    // Top-level `x-` keys hold the file's own YAML anchors; promfleet ignores them.
    patternProperties: { '^x-': {} },
    title: 'promfleet fleet file',
    description: 'One fleet declaration rendered by promfleet into dist/<cluster>/ (see docs/fleet-reference.md).',
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
