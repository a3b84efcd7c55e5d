// Fleet file -> validated model. Reports every problem at once, never renders half a fleet.
import * as fs from 'fs';
import * as path from 'path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { crossFieldProblems } from './checks';
import { errnoText } from '../io/errors';
import { FleetError, FleetProblem, formatPath, showValue } from './errors';
import { FleetModel, resolveFleet } from './model';
import { fleetSchema, NOT_A_VALUE } from './schema';

/** The fleet file used when FLEET is not set. */
export const DEFAULT_FLEET_FILE = 'fleet.yaml';

/**
 * The fleet a command works on: the file named by FLEET (default fleet.yaml), with its PKI store
 * in PROMFLEET_PKI_DIR when that is set (it wins over pki.dir).
 */
export function loadFleetFromEnv(env: NodeJS.ProcessEnv = process.env): FleetModel {
  const fleet = loadFleetFile(env.FLEET ?? DEFAULT_FLEET_FILE);
  return env.PROMFLEET_PKI_DIR ? { ...fleet, pki: { ...fleet.pki, dir: path.resolve(env.PROMFLEET_PKI_DIR) } } : fleet;
}

/** Largest fleet file read: ample for thousands of clusters, and a device or a stray huge file fails fast. */
export const MAX_FLEET_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Most alias expansions a fleet file may make (`*anchor`, counted as the YAML library counts them,
 * nested ones weighing more): generous for shared settings, and it stops a file that would
 * expand without bound.
 */
export const MAX_FLEET_ALIASES = 10_000;

export function loadFleetFile(file: string): FleetModel {
  const abs = path.resolve(file);
  return parseFleet(readFleetText(abs), abs);
}

/** Reads a fleet file: a regular file of at most MAX_FLEET_FILE_BYTES, else an error naming it. */
function readFleetText(abs: string): string {
  const fail = (message: string) => new FleetError(abs, [{ path: '', message }]);
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw fail(`cannot read the fleet file: ${errnoText(e)}; name an existing fleet file (--fleet, or FLEET)`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile())
      throw fail(`is not a regular file (${st.isDirectory() ? 'a folder' : 'a device, pipe or socket'}); name a fleet file (--fleet, or FLEET)`);
    const limit = `the limit is ${MAX_FLEET_FILE_BYTES / 1024 / 1024} MiB; split shared settings into \`defaults\` and anchors, or check FLEET names the right file`;
    if (st.size > MAX_FLEET_FILE_BYTES) throw fail(`is ${st.size} bytes long: ${limit}`);
    // Read at most one byte past the limit, whatever the size said (files that grow, or lie).
    const buf = Buffer.alloc(MAX_FLEET_FILE_BYTES + 1);
    let n = 0;
    for (let r; n < buf.length && (r = fs.readSync(fd, buf, n, buf.length - n, null)) > 0;) n += r;
    if (n > MAX_FLEET_FILE_BYTES) throw fail(`is longer than ${MAX_FLEET_FILE_BYTES} bytes: ${limit}`);
    return buf.subarray(0, n).toString('utf8');
  } catch (e) {
    if (e instanceof FleetError) throw e;
    throw fail(`cannot read the fleet file: ${errnoText(e)}`);
  } finally {
    fs.closeSync(fd);
  }
}

export function parseFleet(text: string, source = '<inline>'): FleetModel {
  // Merge keys (`<<: *defaults`) as YAML 1.1 readers such as kubectl know them.
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length) {
    throw new FleetError(
      source,
      doc.errors.map((e) => ({ path: '', message: `YAML syntax: ${yamlErrorMessage(e.message, text, e.linePos?.[0].line)}` })),
    );
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_FLEET_ALIASES });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    throw new FleetError(source, [
      {
        path: '',
        message: `YAML aliases: the file expands more than ${MAX_FLEET_ALIASES} aliases (${e.message.replace(/\.$/, '')}); share settings through \`defaults\` and \`overrides\` instead of nested anchors`,
      },
    ]);
  }
  return validateFleet(withoutExtensionKeys(data), source);
}

/** Top-level keys starting with `x-` hold the file's own anchors (as in Compose files); promfleet ignores them. */
export const EXTENSION_KEY_PREFIX = 'x-';

function withoutExtensionKeys(data: unknown): unknown {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return data;
  return Object.fromEntries(Object.entries(data).filter(([k]) => !k.startsWith(EXTENSION_KEY_PREFIX)));
}

/** The parser's first line (without its code frame), plus the offending line itself: the frame is multi-line. */
function yamlErrorMessage(message: string, text: string, line: number | undefined): string {
  const first = message.split('\n')[0].replace(/:$/, '');
  const source = line === undefined ? undefined : text.split('\n')[line - 1]?.trimEnd();
  return source ? `${first}: ${showValue(source)}` : first;
}

export function validateFleet(data: unknown, source = '<inline>'): FleetModel {
  const parsed = fleetSchema.safeParse(data ?? {}, { reportInput: true, error: plainMessage });
  if (!parsed.success) {
    throw new FleetError(
      source,
      parsed.error.issues.flatMap((i) => describeIssue(i)),
    );
  }
  const problems = crossFieldProblems(parsed.data);
  if (problems.length) throw new FleetError(source, problems);
  return resolveFleet(parsed.data, source);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string (quote it in YAML)',
  int: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a map of keys and values',
  array: 'a list',
};

/**
 * Plain messages for zod's generic issues ("Too small: expected number to be >=1"). Passed per parse,
 * so a message written in the schema still wins; undefined keeps zod's own.
 */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const plural = (n: number | bigint, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return undefined;
      // `roles: workload` for `roles: [workload]`: show the list form of what was written.
      if (issue.expected === 'array' && isScalar(issue.input)) return `must be a list, e.g. [${String(issue.input)}]`;
      return TYPE_NAMES[issue.expected] && `must be ${TYPE_NAMES[issue.expected]}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      if (issue.origin === 'number') return issue.inclusive ? `must be at least ${issue.minimum}` : `must be greater than ${issue.minimum}`;
      if (issue.origin === 'array') return `must list at least ${plural(issue.minimum, 'item')}`;
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must have at least ${plural(issue.minimum, 'character')}`;
      return undefined;
    case 'too_big':
      if (issue.origin === 'number') return issue.inclusive ? `must be at most ${issue.maximum}` : `must be less than ${issue.maximum}`;
      if (issue.origin === 'array') return `must list at most ${plural(issue.maximum, 'item')}`;
      if (issue.origin === 'string') return `must have at most ${plural(issue.maximum, 'character')}`;
      return undefined;
    default:
      return undefined;
  }
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** Fields of earlier releases that moved, with what replaces them. */
const MOVED: Record<string, string> = {
  objectStorage:
    'was replaced by buckets: declare the bucket under buckets.<name> (type: existingSecret with secret: {name, key} keeps the Secret you manage), then name it in thanosSidecar.bucket (defaults or overrides) for uploads and in querier.storeGateway.bucket for the Store Gateway (docs/storage.md)',
};

function describeIssue(issue: z.core.$ZodIssue): FleetProblem[] {
  const at = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => {
        const moved = MOVED[k];
        if (moved) return { path: formatPath([...issue.path, k]), message: moved };
        const known = knownKeys(issue.path);
        const home = misplaced(k, issue.path, known);
        const hint = closest(k, known);
        return {
          path: formatPath([...issue.path, k]),
          message: `unknown key${home ? `; ${home}` : hint ? `; did you mean "${hint}"?` : known.length ? `; allowed keys: ${known.join(', ')}` : ''}`,
        };
      });
    case 'invalid_key':
      // A record key (label name) is wrong: report the key's own message, e.g. the label syntax.
      return issue.issues.map((sub) => ({ path: at, message: withInput(sub.message, issue.input) }));
    case 'invalid_union': {
      // Report the branch that got furthest rather than zod's generic "invalid input".
      const branches = issue.errors.filter((b) => b.length);
      if (branches.length === 1) return branches[0].flatMap((sub) => describeIssue({ ...sub, path: [...issue.path, ...sub.path] }));
      return [{ path: at, message: withInput(issue.message, issue.input) }];
    }
    default:
      if (issue.code === 'invalid_type' && issue.input === undefined) {
        // The schema's description says what belongs there (e.g. "DNS name you own that resolves to ...").
        const what = schemaAt(issue.path)?.description;
        return [{ path: at, message: `is required (${issue.expected})${what ? `: ${what}` : ''}` }];
      }
      return [{ path: at, message: withInput(issue.message, issue.input) }];
  }
}

function withInput(message: string, input: unknown): string {
  // A credential pasted where its name belongs stays out of the terminal and the CI log.
  if (input === undefined || typeof input === 'object' || message.endsWith(NOT_A_VALUE)) return message;
  return `${message}, got ${showValue(input)}`;
}

/** The schema of the field at `segments`, or undefined where the path leaves the schema. */
function schemaAt(segments: ReadonlyArray<PropertyKey>): z.ZodType | undefined {
  let s: unknown = fleetSchema;
  for (const seg of segments) {
    const def = (unwrap(s) as { _zod: { def: { type: string; shape?: Record<string, unknown>; element?: unknown; valueType?: unknown } } })._zod.def;
    if (def.type === 'object' && typeof seg === 'string') s = def.shape?.[seg];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return undefined;
    if (!s) return undefined;
  }
  return s as z.ZodType;
}

/** Keys the schema allows at `segments` (for "did you mean" hints). */
function knownKeys(segments: ReadonlyArray<PropertyKey>): string[] {
  const s = schemaAt(segments);
  if (!s) return [];
  const def = (unwrap(s) as { _zod: { def: { type: string; shape?: Record<string, unknown> } } })._zod.def;
  return def.type === 'object' ? Object.keys(def.shape ?? {}) : [];
}

/**
 * Where an unknown key does belong when it is a key of exactly one neighbouring object: one level
 * down or up. That is nearly always an indentation slip, which "allowed keys" would not reveal.
 */
function misplaced(key: string, at: ReadonlyArray<PropertyKey>, known: string[]): string | undefined {
  const homes = known.filter((c) => knownKeys([...at, c]).includes(key)).map((c) => [...at, c, key]);
  const last = at[at.length - 1];
  if (typeof last === 'string' && knownKeys(at.slice(0, -1)).includes(key)) homes.push([...at.slice(0, -1), key]);
  return homes.length === 1 ? `it belongs at ${formatPath(homes[0])}: check its indentation` : undefined;
}

function unwrap(s: unknown): unknown {
  for (;;) {
    const def = (s as { _zod: { def: { type: string; innerType?: unknown; getter?: () => unknown } } })._zod.def;
    if (def.innerType && ['optional', 'nullable', 'default', 'prefault'].includes(def.type)) s = def.innerType;
    else if (def.type === 'lazy' && def.getter) s = def.getter();
    else return s;
  }
}

/** The candidate nearest to `word` (case-insensitive edit distance), when it is near enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestDist) [best, bestDist] = [c, d];
  }
  return bestDist <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
