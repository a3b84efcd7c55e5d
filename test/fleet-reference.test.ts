// The fleet file's reference material: fleet.schema.json and docs/fleet-reference.md are generated from
// the zod schema and must be current; every default they show must be the one a synth applies; and
// examples/reference/fleet.yaml, the example of every field, must stay complete (together with
// examples/sealed-secrets/fleet.yaml and examples/shared-store/fleet.yaml, every key of the schema is used) and valid.
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { z } from 'zod';
import { alertmanagerConfig } from '../lib/components/alertmanager';
import { DEFAULT_ROOT_ROUTE, DEFAULT_STACK, NULL_RECEIVER } from '../lib/fleet/defaults';
import { fleetJsonSchema } from '../lib/fleet/json-schema';
import { isObserver, isWorkload, type FleetModel } from '../lib/fleet/model';
import { fleetSchema, VALUE_TYPES } from '../lib/fleet/schema';
import { fleetReference, type JsonSchema as ReferenceSchema, Reference } from '../scripts/fleet-reference';
import { makeEtcdFiles } from './support/etcd';
import { fleetFrom, render, ROOT, tmpDir, validateRendered } from './support/fleet';

const EXAMPLES = ['reference', 'sealed-secrets', 'shared-store', 'alert-receivers', 'external-caches'].map((e) => path.join(ROOT, 'examples', e, 'fleet.yaml'));

type JsonSchema = ReferenceSchema;

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

  it('uses every key of the fleet schema (with examples/sealed-secrets for sealedSecrets, examples/shared-store for pki.encryption, examples/alert-receivers for store credentials, examples/external-caches for the caches you run)', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'fleet.schema.json'), 'utf8')) as JsonSchema;
    const used = new Set(EXAMPLES.flatMap((f) => [...usedPaths(parse(fs.readFileSync(f, 'utf8')))]));
    const all = schemaPaths(schema);
    expect(all.size).toBeGreaterThan(100);
    expect([...all].filter((p) => !used.has(p))).toEqual([]);
  });

  it('renders, and every object passes independent schema validation', () => {
    // prod-eu's etcd client files, which the example names relative to itself.
    const dir = tmpDir();
    makeEtcdFiles(dir);
    const r = render(fleetFrom(text, dir));
    expect(r.result.clusters.map((c) => c.cluster)).toEqual(['hub', 'prod-eu', 'prod-us']);
    const report = validateRendered(r.outDir);
    expect(report.findings).toEqual([]);
    expect(report.objects).toBe(r.objects.length);
  });
});

describe('generated reference', () => {
  it('commits a JSON Schema of the fleet file that matches the zod schema (npm run schema)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'fleet.schema.json'), 'utf8')).toBe(fleetJsonSchema());
  });

  it('commits docs/fleet-reference.md as the schema generates it (npm run docs)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'fleet-reference.md'), 'utf8')).toBe(fleetReference());
  });

  const fields = new Reference().fields();

  it('describes every field, and lists every value type a field uses', () => {
    expect(fields.length).toBeGreaterThan(150);
    expect(fields.filter((f) => f.description === '').map((f) => f.path)).toEqual([]);
    const listed = new Set(VALUE_TYPES.map((t) => (z.toJSONSchema(t, { io: 'input' }) as JsonSchema).title));
    const used = new Set(fields.flatMap((f) => [...f.type.matchAll(/\[([^\]]+)\]\(#value-types\)/g)].map((m) => m[1])));
    expect([...used].filter((t) => !listed.has(t))).toEqual([]);
  });

  it('lists clusters[].overrides once, as the keys of defaults', () => {
    const props = (JSON.parse(fleetJsonSchema()) as JsonSchema).properties!;
    const overrides = props.clusters.items!.properties!.overrides;
    const strip = ({ description: _d, ...rest }: JsonSchema) => rest;
    // But `platform`: what the cluster is, not a setting of its stack, so a cluster sets it as clusters[].platform.
    const { platform, ...stackKeys } = props.defaults.properties!;
    expect(platform).toEqual(props.clusters.items!.properties!.platform);
    expect(strip(overrides)).toEqual(strip({ ...props.defaults, properties: stackKeys }));
    expect(fields.filter((f) => f.path.startsWith('clusters[].overrides.'))).toEqual([]);
  });
});

describe('defaults', () => {
  // A fleet that leaves out every optional field, with each section present whose fields have defaults.
  const MINIMAL = `
gitops: { repoURL: https://git.example.com/platform/monitoring.git }
buckets:
  metrics: { type: existingSecret, secret: { name: objstore, key: objstore.yaml } }
clusters:
  - name: hub
    roles: [observer]
    querier:
      storeGateway: { bucket: metrics }
      compactor: { bucket: metrics }
      ingress: { host: thanos.example.com, className: nginx }
    grafana:
      ingress: { host: grafana.example.com }
      # Every default of the OpenID Connect sign-in; the default type, builtin, is that of hub2.
      auth:
        type: oidc
        clientId: grafana
        clientSecret: { name: grafana-oidc, key: client-secret }
        authUrl: https://sso.example.com/authorize
        tokenUrl: https://sso.example.com/token
        apiUrl: https://sso.example.com/userinfo
  - name: hub2
    roles: [observer]
  - name: eu
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-{replica}.eu.example.com" } }
    sealedSecrets: { certificate: certs/eu.pem }
`;

  /** Where each field of the fleet file ends up in the resolved model. */
  function effective(fleet: FleetModel, field: string): unknown {
    const observer = fleet.clusters.find(isObserver);
    // The workload cluster proper (the observer, which monitors itself, also runs the workload stack).
    const workload = fleet.clusters.filter(isWorkload).find((c) => !isObserver(c));
    if (!observer || !workload) throw new Error('the fleet lacks an observer or a workload cluster');
    const at = (value: unknown, keys: string): unknown => keys.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
    const sections: [string, unknown][] = [
      ['defaults.', workload.stack],
      ['clusters[].overrides.', workload.stack],
      // The endpoint's port is that of every replica's endpoint.
      ['clusters[].thanos.endpoint.', { port: workload.workload.sidecar.endpoints[0]?.port }],
      ['clusters[].thanos.', workload.workload.sidecar],
      ['clusters[].querier.', observer.observer.querier],
      // A Grafana switched off has no model at all.
      ['clusters[].grafana.', { ...observer.observer.grafana, enabled: !!observer.observer.grafana }],
      ['clusters[].sealedSecrets.', workload.sealedSecrets],
      ['pki.', { ...fleet.pki, dir: path.relative(fleet.baseDir, fleet.pki.dir) }],
      ['gitops.', fleet.gitops],
    ];
    if (field === 'defaults.platform' || field === 'clusters[].platform') return workload.platform;
    if (field === 'clusters[].grafana.auth.type') return fleet.clusters.filter(isObserver)[1]?.observer.grafana?.auth.type;
    // A switched-off frontend has no model: whether there is one is what `enabled` says.
    if (field === 'clusters[].querier.frontend.enabled') return observer.observer.querier.frontend !== undefined;
    if (field === 'clusters[].controlPlane.exclude') return workload.controlPlaneExclude;
    // An observer that monitors itself runs the workload stack.
    if (field === 'clusters[].selfMonitoring') return isWorkload(observer);
    const section = sections.find(([prefix]) => field.startsWith(prefix));
    if (!section) throw new Error(`${field}: no section of the model holds it`);
    return at(section[1], field.slice(section[0].length));
  }

  /** Every field that carries a JSON Schema default, with that default. */
  function schemaDefaults(node: JsonSchema, at = '', out: [string, unknown][] = []): [string, unknown][] {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const p = at ? `${at}.${key}` : key;
      if (child.default !== undefined) out.push([p, child.default]);
      for (const branch of [child, ...(child.anyOf ?? [])]) {
        if (branch.properties) schemaDefaults(branch, p, out);
        if (branch.items?.properties) schemaDefaults(branch.items, `${p}[]`, out);
      }
    }
    return out;
  }

  it('every default the schema shows is the value a synth uses when the field is left out', () => {
    const fleet = fleetFrom(MINIMAL);
    const defaults = schemaDefaults(JSON.parse(fleetJsonSchema()) as JsonSchema);
    expect(defaults.length).toBeGreaterThan(60);
    const wrong = defaults.filter(([field, value]) => !isDeepStrictEqualIgnoringUndefined(effective(fleet, field), value));
    expect(wrong.map(([field, value]) => ({ field, schema: value, model: effective(fleet, field) }))).toEqual([]);
  });

  it("parsing fills in no default: a cluster's overrides hold only what the file sets", () => {
    const data: unknown = parse(MINIMAL + '    overrides: { prometheus: { retention: 30d } }\n');
    expect(fleetSchema.parse(data)).toStrictEqual(data);
  });

  it('the root Alertmanager route takes the defaults the schema describes', () => {
    const config = alertmanagerConfig({ ...DEFAULT_STACK.alertmanager, route: undefined, receivers: [], inhibitRules: [] }) as {
      route: Record<string, unknown>;
    };
    expect(config.route).toMatchObject({
      receiver: NULL_RECEIVER,
      group_by: DEFAULT_ROOT_ROUTE.groupBy,
      group_wait: DEFAULT_ROOT_ROUTE.groupWait,
      group_interval: DEFAULT_ROOT_ROUTE.groupInterval,
      repeat_interval: DEFAULT_ROOT_ROUTE.repeatInterval,
    });
  });
});

/** Deep equality where a key holding undefined counts as absent (JSON drops such keys). */
function isDeepStrictEqualIgnoringUndefined(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  return v;
}
