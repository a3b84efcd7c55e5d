// docs/fleet-reference.md, generated from the JSON Schema of the fleet file (lib/fleet/json-schema.ts),
// so the reference shows exactly what editors show: every field with its type, default, allowed
// values and description. `npm run docs` writes it; a test fails when the committed file is stale.
import { z } from 'zod';
import { fleetJsonSchema } from '../lib/fleet/json-schema';
import { VALUE_TYPES } from '../lib/fleet/schema';

export interface JsonSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
}

/** One row of a field table. */
export interface Field {
  path: string;
  type: string;
  default: string;
  allowed: string;
  description: string;
}

/** Subtrees with the keys of another one: listed once, where they first appear. */
const SAME_KEYS_AS: Record<string, string> = { 'clusters[].overrides': 'defaults' };

/** Objects with a title are shapes used in several places: one row each, the shape is explained once. */
const isShape = (n: JsonSchema) => n.type === 'object' && n.title !== undefined;

const FORMATS: Record<string, string> = { email: 'e-mail address', uri: 'URL' };

/** zod writes the safe-integer bounds for every integer; they are no restriction worth listing. */
const isSafeBound = (n: number | undefined) => n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER;

/** Plain text from the schema, made safe for a Markdown table cell. */
export function cell(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\*/g, '\\*').replace(/\|/g, '\\|');
}

const code = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``;

/** A value as YAML flow syntax, the way it would be written in the fleet file. */
export function flowYaml(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.map(flowYaml).join(', ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries.map(([k, x]) => `${scalar(k)}: ${flowYaml(x)}`).join(', ')}}`;
  }
  return typeof v === 'string' ? scalar(v) : JSON.stringify(v);
}

/** Strings a YAML reader (1.1 or 1.2) would take for something else: booleans, null, numbers, dates, times. */
const NOT_A_STRING =
  /^(true|false|null|yes|no|on|off|y|n|~|[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?|0x[\da-f]+|0o?[0-7]+|\d{4}-\d\d-\d\d.*|\d+(:\d+)+|[-+]?\.inf|\.nan)$/i;

function scalar(s: string): string {
  const plain = s !== '' && !NOT_A_STRING.test(s) && !/[:#,[\]{}"'&*!|>%@`]|^[-?\s]|\s$/.test(s);
  if (plain) return s;
  return s.includes('"') && !s.includes("'") ? `'${s}'` : JSON.stringify(s);
}

/** The description, and the computed default its last sentence may state ("... Default: the cluster name."). */
export function splitDefault(description = ''): { text: string; computed?: string } {
  const m = /(^|\s)Default: (.+?)\.?$/.exec(description);
  if (!m) return { text: description };
  return { text: description.slice(0, m.index).trim(), computed: m[2] };
}

const sentence = (s: string) => (s === '' || /[.!?]$/.test(s) ? s : `${s}.`);

export class Reference {
  private readonly root: JsonSchema;
  /** Where each $ref target was first listed, for later references to it. */
  private readonly refAt = new Map<string, string>();

  constructor(root: JsonSchema = JSON.parse(fleetJsonSchema()) as JsonSchema) {
    this.root = root;
  }

  private deref(n: JsonSchema): JsonSchema {
    return n.$ref ? (this.root.$defs?.[n.$ref.replace('#/$defs/', '')] ?? {}) : n;
  }

  typeOf(n: JsonSchema): string {
    if (n.title) return `[${n.title}](#value-types)`;
    if (n.$ref) return 'object';
    if (n.anyOf) {
      const branches = n.anyOf.filter((b) => b.type !== 'null').map((b) => this.typeOf(b));
      return branches.join(' or ') + (n.anyOf.some((b) => b.type === 'null') ? ' or null' : '');
    }
    if (n.format && FORMATS[n.format]) return FORMATS[n.format];
    if (n.type === 'array') {
      const item = this.deref(n.items ?? {});
      return item.type === 'object' && !item.title && item.properties ? 'list of objects' : `list of ${this.typeOf(n.items ?? {})}`;
    }
    if (n.type === 'object' && !n.properties && typeof n.additionalProperties === 'object') {
      return `map of ${n.propertyNames ? this.typeOf(n.propertyNames) : 'string'} to ${this.typeOf(n.additionalProperties)}`;
    }
    return n.type ?? 'any';
  }

  allowedOf(n: JsonSchema): string {
    const parts: string[] = [];
    if (n.enum) parts.push(n.enum.map((v) => code(flowYaml(v))).join(', '));
    if (n.type === 'integer' || n.type === 'number') {
      const [min, max] = [isSafeBound(n.minimum) ? undefined : n.minimum, isSafeBound(n.maximum) ? undefined : n.maximum];
      if (min !== undefined && max !== undefined) parts.push(`${min} to ${max}`);
      else if (min !== undefined) parts.push(`at least ${min}`);
      else if (max !== undefined) parts.push(`at most ${max}`);
    }
    if (n.minLength === 1) parts.push('not empty');
    if (n.minItems) parts.push(`at least ${n.minItems} ${n.minItems === 1 ? 'item' : 'items'}`);
    if (n.pattern && !n.title && !n.format) parts.push(`matches ${code(n.pattern)}`);
    if (n.anyOf)
      parts.push(
        ...n.anyOf
          .filter((b) => b.type !== 'null')
          .map((b) => this.allowedOf(b))
          .filter(Boolean),
      );
    return parts.join('; ');
  }

  /** Every field of the schema below `n`, in schema order. */
  fields(n: JsonSchema = this.root, at = ''): Field[] {
    const out: Field[] = [];
    const node = this.deref(n);
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = at ? `${at}.${key}` : key;
      out.push(this.field(child, path, node.required?.includes(key) ?? false));
      out.push(...this.children(child, path));
    }
    return out;
  }

  private field(n: JsonSchema, path: string, required: boolean): Field {
    const { text, computed } = splitDefault(n.description);
    const same = SAME_KEYS_AS[path] ?? (n.$ref && this.refAt.get(n.$ref));
    let type = this.typeOf(n);
    if (n.type === 'array' && n.items?.$ref && this.refAt.has(n.items.$ref)) type = `list of objects with the keys of \`${this.refAt.get(n.items.$ref)}\``;
    else if (same) type = `object with the keys of \`${same}\``;
    return {
      path,
      type,
      default: required ? 'required' : n.default !== undefined ? code(flowYaml(n.default)) : computed !== undefined ? cell(computed) : '-',
      allowed: this.allowedOf(n),
      description: cell(sentence(text)),
    };
  }

  /** The fields nested in `n`: object keys, list items' keys, each $ref target once. */
  private children(n: JsonSchema, path: string): Field[] {
    if (SAME_KEYS_AS[path] || isShape(n)) return [];
    if (n.$ref) {
      if (this.refAt.has(n.$ref)) return [];
      this.refAt.set(n.$ref, path);
      return this.fields(n, path);
    }
    if (n.anyOf) return n.anyOf.flatMap((b) => this.children(b, path));
    if (n.type === 'array' && n.items) {
      const item = n.items;
      if (item.$ref && this.refAt.has(item.$ref)) return [];
      if (isShape(this.deref(item))) return [];
      return item.$ref ? this.children(item, `${path}[]`) : this.fields(item, `${path}[]`);
    }
    return n.properties ? this.fields(n, path) : [];
  }
}

function table(fields: Field[]): string {
  return [
    '| field | type | default | allowed values | description |',
    '| --- | --- | --- | --- | --- |',
    ...fields.map((f) => `| ${code(f.path)} | ${f.type} | ${f.default} | ${f.allowed} | ${f.description} |`),
  ].join('\n');
}

/** The named value types: what each accepts, and its pattern or format. */
function valueTypes(): string {
  const rows = VALUE_TYPES.map((t) => {
    const j = z.toJSONSchema(t, { io: 'input' }) as JsonSchema;
    const formats = (j.anyOf ?? [j]).map((b) => b.format).filter(Boolean);
    const range = j.type === 'integer' ? `integer from ${j.minimum} to ${j.maximum}` : '';
    const rule = formats.length ? `format ${formats.map((f) => code(f!)).join(' or ')}` : j.pattern ? code(j.pattern) : range;
    return `| ${j.title} | ${cell(j.description ?? '')} | ${rule} |`;
  });
  return ['| type | accepts | pattern or format |', '| --- | --- | --- |', ...rows].join('\n');
}

const INTRO = `# Fleet file reference

<!-- Generated by \`npm run docs\` from lib/fleet/schema.ts and lib/fleet/defaults.ts. Edit those, then regenerate; a test fails when this file is stale. -->

The fleet file (\`fleet.yaml\`, or the file named by \`FLEET\`) declares every cluster of the fleet and how each
one is monitored. This page lists every field it accepts. The same descriptions and defaults are in
\`fleet.schema.json\`: \`fleet.yaml\` starts with \`# yaml-language-server: $schema=./fleet.schema.json\`, so editors with
the YAML language server complete and check the file as you type and show each field's default.

\`examples/reference/fleet.yaml\` sets every field (the \`sealedSecrets\` fields are in
\`examples/sealed-secrets/fleet.yaml\`, receiver credentials of the secret store in
\`examples/alert-receivers/fleet.yaml\`, the caches you run yourself and time shards in
\`examples/external-caches/fleet.yaml\`); a test keeps it complete and renderable.

## How the file is read

**Layers.** Stack settings merge in layers: the built-in defaults, then \`defaults\`, then the cluster's
\`overrides\`. Objects, label maps included, merge key by key. Lists and scalar values replace what was there. The
default column gives each field's built-in value in code font, or in plain words what happens when the field is left out.

**Errors.** Any key the schema does not know is an error. When the key belongs one level up or down (an
indentation slip), the message names the path where it belongs; otherwise it suggests the closest valid key. Every
error names its path, for example \`clusters[2].thanos.endpoint.host: must be a DNS name ..., got "thanos_eu"\`.
All problems are reported at once, in rounds: first every problem of a single field (syntax, types, unknown keys);
then, once each field is well-formed, every rule that looks across fields and clusters (below); then the
sealed-secrets certificates and the PKI store. For example:

\`\`\`text
promfleet: /work/fleet.yaml: 2 problems in the fleet file
  - clusters[1].thanos.port: unknown key; it belongs at clusters[1].thanos.endpoint.port: check its indentation
  - clusters[2].roles: must be a list, e.g. [workload], got "workload"
Nothing was written; dist/ is unchanged.
\`\`\`

## Rules checked across the fleet

Besides the syntax of each field (Kubernetes names, label keys and values, ports, durations, quantities, CIDRs,
versions), the synth checks these rules:

- **Clusters.** Names are unique. There is at least one observer and one workload. Every workload cluster has either
  a \`thanos.endpoint\` or a \`thanos.ingress\`, not both.
- **Sidecar replicas.** Each Prometheus replica is dialled on a name of its own: \`host\` holds \`{replica}\` when
  \`prometheus.replicas\` is more than 1, or \`hosts\` lists exactly one name per replica (not both). No name is used
  twice, in one cluster or across clusters.
- **External labels.** No two workload clusters end up with the same set (including \`cluster\`), because Thanos would
  drop one of the two stores. The replica label cannot be declared as an external label.
- **Alertmanager**, on each workload cluster's merged settings: every receiver a route names is declared, receiver
  names are unique, and matchers parse.
- **Sidecar Service.** \`thanos.service.sourceRanges\` and \`thanos.service.loadBalancer\` need \`type: LoadBalancer\`, and
  \`loadBalancer.scope\` needs a \`provider\`. With \`type: NodePort\`, \`thanos.endpoint.port\` is required and every
  replica's node port (\`port + i\`) must lie in the API server's default node-port range, 30000 to 32767.
- **Sidecar Ingress.** Behind \`thanos.ingress\` the Services are ClusterIP (another \`type\` is an error), and the
  Ingress passes TLS through: \`className: nginx\`, or your controller's passthrough annotation under
  \`annotations\`.
- **Operator scope.** When promfleet's operator runs with \`operator.namespaces\` set, the list holds the stack
  namespace and the namespace of every \`serviceMonitors\` and \`podMonitors\` entry of the cluster; otherwise the
  operator would silently ignore them.
- **Querier Ingress.** \`tls.source: secret\` needs \`tls.secretName\`, \`source: none\` takes none, and
  \`source: cert-manager\` needs exactly one of \`issuer\` and \`clusterIssuer\` (which no other source takes). A sign-in
  (\`auth.type\` other than \`none\`) needs \`className: nginx\`, because it is made of ingress-nginx annotations;
  \`auth.url\` and \`auth.signinUrl\` are required with \`oauth2-proxy\` and only allowed there, and \`auth.username\` only
  with \`basic\`.
- **Settings that would have no effect** are errors: \`thanos\`, \`externalLabels\`, \`serviceMonitors\` and \`podMonitors\`
  on an observer-only cluster, \`querier\` on a cluster that is not an observer, and \`clusters[].argocd\` without a
  \`gitops\` section.
- **Argo CD.** With \`gitops\`, every Application name is unique and at most 63 characters long, because it is also a
  label value. A cluster name can therefore be at most 63 characters minus the length of \`<gitops.name>-\` and \`-crds\`,
  and, with application monitors, \`<gitops.name>-<cluster>-monitors-<namespace>\` must fit too.
  \`gitops.project: default\` requires \`gitops.renderProject: false\`, so that promfleet never narrows Argo CD's own
  default project.

The checks that need the certificates run later, on each observer, before anything is written: see
[Checks of the observer's wiring](output.md#checks-of-the-observers-wiring).`;

const SECTIONS: [string, string, (path: string) => boolean][] = [
  ['Top level', '', (p) => !p.includes('.') && !p.includes('[')],
  [
    'Stack settings (`defaults`, `clusters[].overrides`)',
    'Each key can be set fleet-wide under `defaults` and per cluster under `clusters[].overrides`.',
    (p) => p.startsWith('defaults.'),
  ],
  ['Clusters (`clusters[]`)', '', (p) => p.startsWith('clusters[].')],
  ['PKI (`pki`)', 'See [PKI](operations.md#pki) for what is issued and how the store is kept.', (p) => p.startsWith('pki.')],
  [
    'GitOps (`gitops`)',
    'With this section, the synth writes the Argo CD Applications into `dist/_argocd/`: see [Deploying with Argo CD](operations.md#deploying-with-argo-cd).',
    (p) => p.startsWith('gitops.'),
  ],
];

/** The whole of docs/fleet-reference.md. */
export function fleetReference(): string {
  const fields = new Reference().fields();
  const parts = [INTRO];
  for (const [title, lead, matches] of SECTIONS) {
    parts.push(`## ${title}`);
    if (lead) parts.push(lead);
    parts.push(table(fields.filter((f) => matches(f.path))));
  }
  parts.push('## Value types', 'The named types of the tables above. Each is a string written as shown, except `port`, which is a number.', valueTypes());
  return parts.join('\n\n') + '\n';
}
