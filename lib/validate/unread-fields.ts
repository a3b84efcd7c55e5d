// kubernetes-models ships the core schemas only as compiled validators, which accept a field their schema
// does not define; the API server prunes such a field silently. A compiled validator reads exactly the
// properties its schema defines, and lists the keys only of maps (additionalProperties): run it on a proxy
// that records what it reads, and every key it never read is a field the schema does not define.
import { type FieldProblem, fieldPath, pointerOf, pointerSegments, problemsOf, type SchemaError, UNKNOWN_FIELD } from './problems';

type Reads = Map<string, Set<string> | '*'>; // JSON pointer of an object -> keys read, or '*' once enumerated

function watched(value: unknown, at: string, reads: Reads): unknown {
  if (value === null || typeof value !== 'object') return value;
  const note = (key: string) => {
    const seen = reads.get(at);
    if (seen === '*') return;
    if (seen) seen.add(key);
    else reads.set(at, new Set([key]));
  };
  return new Proxy(value, {
    get(target, key, receiver) {
      const v: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string') return v;
      note(key);
      return watched(v, at + pointerOf([key]), reads);
    },
    has(target, key) {
      if (typeof key === 'string') note(key);
      return Reflect.has(target, key);
    },
    ownKeys(target) {
      reads.set(at, '*');
      return Reflect.ownKeys(target);
    },
  });
}

function unread(obj: unknown, reads: Reads): string[][] {
  const out: string[][] = [];
  const walk = (value: unknown, at: string, segments: string[]) => {
    if (value === null || typeof value !== 'object') return;
    const seen = reads.get(at);
    for (const [key, child] of Object.entries(value)) {
      const path = [...segments, key];
      if (Array.isArray(value) || seen === '*' || seen?.has(key)) walk(child, at + pointerOf([key]), path);
      else out.push(path);
    }
  };
  walk(obj, '', []);
  return out;
}

/**
 * Runs `validate` (a compiled validator: throws, or returns false with `errors`) on `obj` and returns its
 * problems plus one "unknown field" per field it never read. `base` prefixes the fields (e.g. `metadata`).
 */
export function validateWatchingReads(obj: unknown, validate: (data: unknown) => SchemaError[], base: string[] = []): FieldProblem[] {
  const reads: Reads = new Map();
  const errors = validate(watched(obj, '', reads));
  const rebased = (errors ?? []).map((e) => ({ ...e, instancePath: pointerOf([...base, ...pointerSegments(e.instancePath)]) }));
  const root = base.reduceRight<unknown>((inner, key) => ({ [key]: inner }), obj);
  return [...problemsOf(root, rebased), ...unread(obj, reads).map((segments) => ({ field: fieldPath(root, [...base, ...segments]), problem: UNKNOWN_FIELD }))];
}
