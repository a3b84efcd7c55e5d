// CRD objects are checked against the structural schemas of the imported CRDs (imports/crd-schemas/,
// written by scripts/import-crds.sh from the same files as imports/*.ts), made strict the way the API
// server prunes: a field no schema defines is reported instead of dropped.
import Ajv, { type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import { CRD_SCHEMAS } from '../../imports/crd-schemas';
import { pointerOf, type SchemaError } from './problems';

type Schema = Record<string, unknown>;

interface CrdSchemaFile {
  group: string;
  kind: string;
  versions: Record<string, Schema>;
}

const PRESERVE = 'x-kubernetes-preserve-unknown-fields';

/**
 * The schema as the API server applies it: an object schema with properties keeps only those (unless it
 * preserves unknown fields or declares additionalProperties), int-or-string takes either, an embedded
 * resource keeps apiVersion, kind and metadata, and `nullable` admits null. Inside anyOf/allOf/oneOf/not a
 * structural schema only adds constraints on the fields defined next to them, so those are left alone.
 */
export function prunedLikeTheApiServer(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.anyOf;
    out.type = ['integer', 'string'];
  }
  if (out['x-kubernetes-embedded-resource'] === true) {
    out.properties = {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', [PRESERVE]: true },
      ...(out.properties as Schema),
    };
  }
  if (out.properties && typeof out.properties === 'object') {
    out.properties = Object.fromEntries(Object.entries(out.properties as Record<string, Schema>).map(([k, v]) => [k, prunedLikeTheApiServer(v)]));
    if (out.additionalProperties === undefined && out[PRESERVE] !== true) out.additionalProperties = false;
  }
  if (out.additionalProperties && typeof out.additionalProperties === 'object')
    out.additionalProperties = prunedLikeTheApiServer(out.additionalProperties as Schema);
  if (out.items && typeof out.items === 'object' && !Array.isArray(out.items)) out.items = prunedLikeTheApiServer(out.items as Schema);
  if (out.nullable === true) {
    delete out.nullable;
    if (out.type !== undefined) out.type = [...new Set([...(Array.isArray(out.type) ? (out.type as string[]) : [out.type as string]), 'null'])];
  }
  for (const key of Object.keys(out)) if (key.startsWith('x-kubernetes-')) delete out[key];
  return out;
}

/**
 * CRD patterns are Go (RE2) regular expressions: JavaScript's agree but for inline flags, which the
 * operator's CRDs use as a leading `(?i)` (case-insensitive).
 */
export const goRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string) => {
    const m = /^\^?\(\?i\)/.exec(pattern);
    return m ? new RegExp((pattern.startsWith('^') ? '^' : '') + pattern.slice(m[0].length), flags + 'i') : new RegExp(pattern, flags);
  },
  { code: 'goRegExp' },
);

let ajv: Ajv | undefined;
let byKind: Map<string, Schema> | undefined;

/** The apiVersion/kind pairs of the imported CRDs (`monitoring.coreos.com/v1/Prometheus`...). */
export function crdKinds(): string[] {
  return [...schemas().keys()];
}

function schemas(): Map<string, Schema> {
  if (!byKind) {
    byKind = new Map();
    for (const crd of CRD_SCHEMAS as CrdSchemaFile[])
      for (const [version, schema] of Object.entries(crd.versions)) byKind.set(`${crd.group}/${version}/${crd.kind}`, schema);
  }
  return byKind;
}

type Validator = (obj: unknown) => SchemaError[];

/** Compiles a schema already made strict. */
function compile(strict: Schema): Validator {
  // Formats (int32, date-time...) are hints in CRDs, CEL rules (x-kubernetes-validations) need the server.
  // Generated code unoptimised: compiling a large CRD (Prometheus) takes a third of the time, checking it no longer.
  ajv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goRegExp, optimize: false } });
  const fn: ValidateFunction = ajv.compile(strict);
  return (obj) => (fn(obj) ? [] : ((fn.errors ?? []) as SchemaError[]));
}

/** A validator of `schema` (a CRD's structural schema) made strict as the API server prunes. */
export function strictValidator(schema: Schema): Validator {
  return compile(prunedLikeTheApiServer(schema));
}

/**
 * A validator of a strict CRD schema that compiles the schema of each field of `spec` (and of the other
 * top-level objects: `status`, an Application's `operation`) only once an object sets that field: a
 * Prometheus sets a dozen of its 126, and compiling them all was most of a run's time.
 */
function byField(strict: Schema): Validator {
  const top = strict.properties as Record<string, Schema>;
  const split = Object.keys(top).filter((k) => top[k].properties && typeof top[k].properties === 'object');
  const fieldsOf = (k: string) => top[k].properties as Record<string, Schema>;
  // Their own keywords (required, additionalProperties...) stay in the first validator, where any value passes a field's `{}`.
  const stubbed = Object.fromEntries(split.map((k) => [k, { ...top[k], properties: Object.fromEntries(Object.keys(fieldsOf(k)).map((f) => [f, {}])) }]));
  const first = compile({ ...strict, properties: { ...top, ...stubbed } });
  const perField = new Map<string, Validator>();
  return (obj) => {
    const errors = first(obj);
    for (const k of split) {
      const value = (obj as Record<string, unknown> | null)?.[k];
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      const fields = fieldsOf(k);
      for (const [field, v] of Object.entries(value)) {
        if (!Object.prototype.hasOwnProperty.call(fields, field)) continue;
        const key = pointerOf([k, field]);
        let validate = perField.get(key);
        if (!validate) perField.set(key, (validate = compile(fields[field])));
        for (const e of validate(v)) errors.push({ ...e, instancePath: key + e.instancePath });
      }
    }
    return errors;
  };
}

const compiled = new Map<string, Validator | undefined>();

/**
 * The validator of an imported CRD's kind (undefined if none is imported). The object's metadata is left
 * to the caller: the API server checks it as ObjectMeta, which the CRD schema does not spell out.
 */
export function crdValidator(apiVersion: string, kind: string): Validator | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!compiled.has(key)) {
    const schema = schemas().get(key);
    compiled.set(key, schema && byField(prunedLikeTheApiServer({ ...schema, properties: { ...(schema.properties as Schema), metadata: {} } })));
  }
  return compiled.get(key);
}
