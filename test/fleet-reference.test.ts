// examples/reference/fleet.yaml is the README's example for every field: it must stay complete
// (together with examples/sealed-secrets/fleet.yaml, every key of the schema is used) and valid.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { fleetFrom, render, ROOT, validateWithKubernetesModels } from './support/fleet';

const EXAMPLES = ['reference', 'sealed-secrets'].map((e) => path.join(ROOT, 'examples', e, 'fleet.yaml'));

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

// Keys of one shape count once: a cluster's `overrides` take the keys of `defaults`, every
// `resources` is {requests, limits} of {cpu, memory}, and nested `routes` are routes.
const normalize = (p: string) =>
  p
    .replace(/^clusters\[\]\.overrides(\.|$)/, 'defaults$1')
    .replace(/^.*\.resources(\.|$)/, 'resources$1')
    .replace(/\.routes\[\]/g, '');

/** Every key path the schema defines (`clusters[].thanos.endpoint.host`); each $ref is followed once. */
function schemaPaths(root: JsonSchema): Set<string> {
  const out = new Set<string>();
  const followed = new Set<string>();
  const walk = (node: JsonSchema | undefined, at: string): void => {
    if (!node) return;
    if (node.$ref) {
      if (followed.has(node.$ref)) return;
      followed.add(node.$ref);
      walk(root.$defs?.[node.$ref.replace('#/$defs/', '')], at);
      return;
    }
    node.anyOf?.forEach((n) => walk(n, at));
    walk(node.items, `${at}[]`);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const p = at ? `${at}.${key}` : key;
      out.add(normalize(p));
      walk(child, p);
    }
  };
  walk(root, '');
  return out;
}

/** Every key path a parsed fleet file uses. */
function usedPaths(value: unknown, at = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => usedPaths(v, `${at}[]`, out));
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const p = at ? `${at}.${key}` : key;
      out.add(normalize(p));
      usedPaths(child, p, out);
    }
  }
  return out;
}

describe('examples/reference/fleet.yaml', () => {
  const text = fs.readFileSync(EXAMPLES[0], 'utf8');

  it('uses every key of the fleet schema (with examples/sealed-secrets for sealedSecrets)', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'fleet.schema.json'), 'utf8')) as JsonSchema;
    const used = new Set(EXAMPLES.flatMap((f) => [...usedPaths(parse(fs.readFileSync(f, 'utf8')))]));
    const all = schemaPaths(schema);
    expect(all.size).toBeGreaterThan(100);
    expect([...all].filter((p) => !used.has(p))).toEqual([]);
  });

  it('renders, and every object passes independent schema validation', () => {
    const r = render(fleetFrom(text));
    expect(r.result.clusters.map((c) => c.cluster)).toEqual(['hub', 'prod-eu']);
    const report = validateWithKubernetesModels(r.outDir);
    expect(report.errors).toEqual([]);
    expect(report.objects).toBe(r.objects.length);
  });
});
