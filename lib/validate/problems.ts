// Turns the validators' errors (ajv's, or kubernetes-models' compiled ajv code) into findings a user can
// act on: the field as a path into the object (spec.containers[0].image) and the problem in plain words.

/** An error as ajv reports it, which kubernetes-models' compiled validators report too. */
export interface SchemaError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** A field and what is wrong with it. */
export interface FieldProblem {
  field: string;
  problem: string;
}

export const UNKNOWN_FIELD = 'unknown field (the API server prunes it)';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `["spec", "containers", "0"]` of `obj` -> `spec.containers[0]`; keys that are not plain names are quoted. */
export function fieldPath(obj: unknown, segments: readonly string[]): string {
  let out = '';
  let at: unknown = obj;
  for (const s of segments) {
    if (Array.isArray(at) && /^\d+$/.test(s)) out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[s] : undefined;
  }
  return out;
}

/** A JSON pointer (`/spec/containers/0`) as segments. */
export function pointerSegments(pointer: string): string[] {
  return pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Segments as a JSON pointer. */
export function pointerOf(segments: readonly string[]): string {
  return segments.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function valueAt(obj: unknown, segments: readonly string[]): unknown {
  let at = obj;
  for (const s of segments) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[s] : undefined;
  return at;
}

function describe(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return `${type} ${JSON.stringify(value)}`;
  return type;
}

/**
 * The problems of `errors` (all from validating `obj`), one per field: ajv reports a value that fits no
 * branch of an int-or-string as one type error per branch plus an anyOf error, which say one thing.
 */
export function problemsOf(obj: unknown, errors: readonly SchemaError[]): FieldProblem[] {
  const byField = new Map<string, { segments: string[]; types: string[]; others: string[] }>();
  const add = (segments: string[], problem: string | { type: string }) => {
    const field = fieldPath(obj, segments);
    const entry = byField.get(field) ?? { segments, types: [], others: [] };
    byField.set(field, entry);
    if (typeof problem === 'string') {
      if (!entry.others.includes(problem)) entry.others.push(problem);
    } else if (!entry.types.includes(problem.type)) entry.types.push(problem.type);
  };
  const withAlternatives = new Map<string, string[]>();
  for (const e of errors) {
    const at = pointerSegments(e.instancePath);
    const p = e.params;
    switch (e.keyword) {
      case 'additionalProperties':
        add([...at, String(p.additionalProperty)], UNKNOWN_FIELD);
        break;
      case 'required':
        add([...at, String(p.missingProperty)], 'required field missing');
        break;
      case 'type':
        add(at, { type: Array.isArray(p.type) ? p.type.join(' or ') : String(p.type) });
        break;
      case 'enum':
        add(at, `${describe(valueAt(obj, at))} is not one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`);
        break;
      case 'pattern':
        add(at, `${describe(valueAt(obj, at))} does not match the pattern ${String(p.pattern)}`);
        break;
      case 'anyOf':
      case 'oneOf':
        withAlternatives.set(fieldPath(obj, at), at);
        break;
      default:
        add(at, e.message ?? e.keyword);
    }
  }
  for (const [field, segments] of withAlternatives)
    if (!byField.has(field)) byField.set(field, { segments, types: [], others: ['matches none of the allowed forms'] });
  const out: FieldProblem[] = [];
  for (const [field, { segments, types, others }] of byField) {
    if (types.length) out.push({ field, problem: `wrong type: ${describe(valueAt(obj, segments))}, must be ${types.join(' or ')}` });
    for (const problem of others) out.push({ field, problem });
  }
  return out;
}
