// What a reviewer of a GitOps pull request wants to know about two renderings of the fleet: which objects each
// cluster gains, loses or changes, and which fields change, not which lines of which file. Objects are matched by
// identity, so reordering or moving them between files is no change of theirs, and list entries that carry a name
// (containers, ports, env, volumes, rule groups, alerts) are matched by it. Secret values never enter the result.
import { diffArrays, structuredPatch } from 'diff';
import * as YAML from 'yaml';
import type { RenderedTree } from './tree';

/** A value of a parsed manifest. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** What happened to a field. */
export type FieldStatus = 'added' | 'removed' | 'changed';

/** What happened to an object: `moved` is an object that changed file and nothing else. */
export type ObjectStatus = 'added' | 'removed' | 'changed' | 'moved';

/** A change of a long or multi-line text (a configuration, a rule expression) or of a long list of scalars. */
export interface LineChange {
  /** `lines` of a text, `items` of a list. */
  readonly unit: 'lines' | 'items';
  readonly added: number;
  readonly removed: number;
  /**
   * The changes, in the unified diff format without file headers: `@@` hunk headers, then lines starting with
   * `+`, `-` or a space (context). Lists have no hunk headers nor context.
   */
  readonly hunks: readonly string[];
}

/** One changed field of an object. */
export interface FieldChange {
  /**
   * Where: keys joined by dots, list entries by their name in brackets (`spec.template.spec.containers[prometheus].args`),
   * or by their index in the new list when they have no unique name (`rules[3]`).
   */
  readonly path: string;
  readonly status: FieldStatus;
  /** The old value, printable on one line; absent for an added field, a secret or a {@link LineChange}. */
  readonly old?: string;
  /** The new value, likewise. */
  readonly new?: string;
  /** For long or multi-line texts and long lists, instead of old and new. */
  readonly lines?: LineChange;
  /** The field holds a secret value: it is named, never shown, not even as a line count. */
  readonly secret?: true;
}

/** One object that differs between the two trees. */
export interface ObjectDiff {
  readonly status: ObjectStatus;
  /** The new apiVersion (the old one for a removed object); a version change shows as a field change. */
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for a cluster-scoped object. */
  readonly namespace?: string;
  readonly name: string;
  /** The file that holds the object, relative to the output folder (the old file for a removed object). */
  readonly file: string;
  /** The old file of an object that changed file (status `moved`, or `changed` when its fields changed too). */
  readonly movedFrom?: string;
  /** The changed fields of a `changed` object, in the order of the object. */
  readonly fields?: readonly FieldChange[];
}

/** The changes of one group of the output folder: a cluster's folder, `_argocd` or `_app-monitors/<cluster>`. */
export interface GroupDiff {
  readonly group: string;
  /** The cluster the group deploys to; absent for `_argocd` and files at the top of the output folder. */
  readonly cluster?: string;
  /** Sorted by kind, namespace, name. */
  readonly objects: readonly ObjectDiff[];
}

/** Counts of objects over every group. */
export interface DiffSummary {
  readonly added: number;
  readonly removed: number;
  /** Objects whose fields changed, moved or not. */
  readonly changed: number;
  /** Objects that changed file, whether their fields changed or not. */
  readonly moved: number;
  /** Clusters with at least one change, sorted. */
  readonly clusters: readonly string[];
  /** Groups with at least one change that belong to no cluster (`_argocd`), sorted. */
  readonly otherGroups: readonly string[];
}

/** The difference between two rendered trees: plain JSON data, without any secret value. */
export interface TreeDiff {
  readonly summary: DiffSummary;
  /** The groups with at least one change, sorted by name. */
  readonly groups: readonly GroupDiff[];
}

export interface DiffOptions {
  /** Files (relative to the output folder) to leave out of both trees, such as {@link isSecretsFile}. */
  readonly ignore?: (file: string) => boolean;
}

/** The folder of the application monitors, one subfolder per cluster (docs/output.md). */
const APP_MONITORS_DIR = '_app-monitors';
/** The folder of the Argo CD Applications, which belong to no one cluster. */
const ARGOCD_DIR = '_argocd';

/** The group of a file: its top folder, with the cluster's subfolder for `_app-monitors`; `.` at the top. */
export function groupOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return '.';
  if (parts[0] === APP_MONITORS_DIR && parts.length > 2) return `${parts[0]}/${parts[1]}`;
  return parts[0];
}

function clusterOf(group: string): string | undefined {
  if (group === '.' || group === ARGOCD_DIR) return undefined;
  return group.startsWith(`${APP_MONITORS_DIR}/`) ? group.slice(APP_MONITORS_DIR.length + 1) : group;
}

/** Files in a `secrets/` folder hold private keys: none of their values is ever shown. */
export function isSecretsFile(file: string): boolean {
  return file.split('/').slice(0, -1).includes('secrets');
}

/** The fields of a kind that hold secret values, as path prefixes. */
const SECRET_FIELDS: Record<string, readonly string[]> = {
  Secret: ['data', 'stringData'],
  SealedSecret: ['spec.encryptedData', 'spec.template.data'],
};

interface Located {
  readonly id: string;
  readonly group: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly file: string;
  readonly body: Json;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/** The objects of a tree by identity: group, API group (not version), kind, namespace, name. */
function objectsOf(tree: RenderedTree, side: string, ignore: (file: string) => boolean): Map<string, Located> {
  const objects = new Map<string, Located>();
  for (const [file, text] of [...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (ignore(file)) continue;
    YAML.parseAllDocuments(text).forEach((doc, i) => {
      // Only the first line: the parser's excerpt of the source that follows it may hold a secret value.
      if (doc.errors.length) throw new Error(`${side} ${file}: not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      const body = doc.toJS() as Json;
      if (body === null || body === undefined) return;
      const meta = isObject(body) && isObject(body.metadata) ? body.metadata : {};
      const apiVersion = (isObject(body) && str(body.apiVersion)) || '';
      const kind = (isObject(body) && str(body.kind)) || '(document)';
      const name = str(meta.name) ?? `${file}#${i + 1}`;
      const namespace = str(meta.namespace);
      const group = groupOf(file);
      const apiGroup = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
      let id = JSON.stringify([group, apiGroup, kind, namespace ?? '', name]);
      // Two documents with one identity would be one object in the cluster; keep both rather than lose one.
      for (let n = 2; objects.has(id); n++) id = JSON.stringify([group, apiGroup, kind, namespace ?? '', name, n]);
      objects.set(id, { id, group, apiVersion, kind, namespace, name, file, body });
    });
  }
  return objects;
}

/** A key's value, never one inherited from Object (a label may well be called `constructor`). */
function own(o: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

/** The keys of a, then those only b has. */
function keysOf(a: JsonObject, b: JsonObject): string[] {
  return [...Object.keys(a), ...Object.keys(b).filter((k) => !Object.hasOwn(a, k))];
}

function same(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => same(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && same(a[k], b[k]));
  }
  return false;
}

/** Strings a reader could not tell from a number, boolean or null unquoted. */
const LOOKS_TYPED = /^(?:true|false|null|~|yes|no|on|off|[-+]?(?:\d[\d_]*)?\.?\d+(?:e[-+]?\d+)?|0x[\da-f]+|0o[0-7]+|\.inf|\.nan)$/i;
const PLAIN = /^[\w.\-/:@=+~*%,]+$/;
/** Longer values, or lists of these, are shown as line or item changes rather than inline. */
const INLINE_MAX = 100;

/** A value on one line: scalars as they read (strings quoted when they would read as something else), small objects as JSON. */
function brief(v: Json): string {
  if (typeof v === 'string') return PLAIN.test(v) && !LOOKS_TYPED.test(v) ? v : JSON.stringify(v);
  if (v === null || typeof v !== 'object') return String(v);
  const s = JSON.stringify(v);
  if (s.length <= 60) return s;
  return Array.isArray(v) ? `[${v.length} items]` : `{${Object.keys(v).length} keys}`;
}

function isLongText(v: Json | undefined): v is string {
  return typeof v === 'string' && (v.includes('\n') || v.length > INLINE_MAX);
}

function lineChange(a: string, b: string): LineChange {
  const patch = structuredPatch('', '', a.endsWith('\n') || !a ? a : `${a}\n`, b.endsWith('\n') || !b ? b : `${b}\n`, undefined, undefined, { context: 2 });
  const hunks: string[] = [];
  let added = 0;
  let removed = 0;
  for (const h of patch.hunks) {
    hunks.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    for (const line of h.lines) {
      if (line.startsWith('\\')) continue;
      if (line.startsWith('+')) added++;
      if (line.startsWith('-')) removed++;
      hunks.push(line);
    }
  }
  return { unit: 'lines', added, removed, hunks };
}

function itemChange(a: Json[], b: Json[]): LineChange {
  const hunks: string[] = [];
  let added = 0;
  let removed = 0;
  for (const c of diffArrays(a.map(brief), b.map(brief))) {
    if (c.added) added += c.count;
    if (c.removed) removed += c.count;
    if (c.added || c.removed) hunks.push(...c.value.map((v) => `${c.added ? '+' : '-'}${v}`));
  }
  return { unit: 'items', added, removed, hunks };
}

/** The unique key of each entry of a list of named entries, or undefined when the entries are not all named uniquely. */
function entryKeys(list: Json[]): string[] | undefined {
  const keys: string[] = [];
  for (const e of list) {
    const key = isObject(e) ? (str(e.name) ?? str(e.alert) ?? str(e.record)) : undefined;
    if (key === undefined) return undefined;
    keys.push(key);
  }
  return new Set(keys).size === keys.length ? keys : undefined;
}

class FieldDiffer {
  readonly out: FieldChange[] = [];

  constructor(private readonly isSecret: (path: string) => boolean) {}

  value(path: string, a: Json | undefined, b: Json | undefined): void {
    if (same(a, b)) return;
    if (this.isSecret(path)) return this.secret(path, a, b);
    if (a === undefined || b === undefined) {
      const v = (a ?? b) as Json;
      const status: FieldStatus = a === undefined ? 'added' : 'removed';
      if (isLongText(v)) this.out.push({ path, status, lines: a === undefined ? lineChange('', v) : lineChange(v, '') });
      else this.out.push({ path, status, [a === undefined ? 'new' : 'old']: brief(v) });
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const key of keysOf(a, b)) this.value(path ? `${path}.${key}` : key, own(a, key), own(b, key));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) return this.list(path, a, b);
    if (isLongText(a) || isLongText(b)) {
      this.out.push({ path, status: 'changed', lines: lineChange(typeof a === 'string' ? a : brief(a), typeof b === 'string' ? b : brief(b)) });
      return;
    }
    this.out.push({ path, status: 'changed', old: brief(a), new: brief(b) });
  }

  /** A secret region: keys are named, values never kept. Maps are walked so that each key shows on its own. */
  private secret(path: string, a: Json | undefined, b: Json | undefined): void {
    if (same(a, b)) return;
    if ((isObject(a) || a === undefined) && (isObject(b) || b === undefined)) {
      const ka = a ?? {};
      const kb = b ?? {};
      for (const key of keysOf(ka, kb)) this.secret(path ? `${path}.${key}` : key, own(ka, key), own(kb, key));
      return;
    }
    this.out.push({ path, status: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed', secret: true });
  }

  private list(path: string, a: Json[], b: Json[]): void {
    const ka = entryKeys(a);
    const kb = entryKeys(b);
    if (ka && kb) {
      const byA = new Map(ka.map((k, i) => [k, a[i]]));
      const byB = new Map(kb.map((k, i) => [k, b[i]]));
      for (const k of kb) this.value(`${path}[${k}]`, byA.get(k), byB.get(k));
      for (const k of ka) if (!byB.has(k)) this.value(`${path}[${k}]`, byA.get(k), undefined);
      const common = (keys: string[], other: Map<string, Json>) => keys.filter((k) => other.has(k));
      const orderA = common(ka, byB);
      const orderB = common(kb, byA);
      if (orderA.some((k, i) => k !== orderB[i]))
        this.out.push({ path, status: 'changed', old: `order ${orderA.join(', ')}`, new: `order ${orderB.join(', ')}` });
      return;
    }
    if ([...a, ...b].every((v) => v === null || typeof v !== 'object')) {
      const oldText = JSON.stringify(a);
      const newText = JSON.stringify(b);
      if (oldText.length <= INLINE_MAX && newText.length <= INLINE_MAX && !a.some(isLongText) && !b.some(isLongText)) {
        this.out.push({ path, status: 'changed', old: oldText, new: newText });
      } else this.out.push({ path, status: 'changed', lines: itemChange(a, b) });
      return;
    }
    // Entries without names: align equal entries, then compare the changed ones pairwise by position.
    let ia = 0;
    let ib = 0;
    let pending: Json[] = [];
    for (const c of diffArrays(a, b, { comparator: same })) {
      if (c.removed) {
        pending.push(...c.value);
        ia += c.count;
      } else if (c.added) {
        for (const v of c.value) {
          const old = pending.shift();
          this.value(`${path}[${ib}]`, old, v);
          ib++;
        }
      } else {
        pending.forEach((v, i) => this.value(`${path}[${ia - pending.length + i}]`, v, undefined));
        pending = [];
        ia += c.count;
        ib += c.count;
      }
    }
    pending.forEach((v, i) => this.value(`${path}[${ia - pending.length + i}]`, v, undefined));
  }
}

function compareObjects(a: Located, b: Located, secretFile: boolean): FieldChange[] {
  const prefixes = SECRET_FIELDS[b.kind] ?? [];
  const differ = new FieldDiffer((path) => secretFile || prefixes.some((p) => path === p || path.startsWith(`${p}.`)));
  differ.value('', a.body, b.body);
  return differ.out;
}

function byIdentity(x: ObjectDiff, y: ObjectDiff): number {
  const kx = [x.kind, x.namespace ?? '', x.name, x.apiVersion];
  const ky = [y.kind, y.namespace ?? '', y.name, y.apiVersion];
  for (let i = 0; i < kx.length; i++) if (kx[i] !== ky[i]) return kx[i] < ky[i] ? -1 : 1;
  return 0;
}

/**
 * Compares two rendered trees object by object. An object is identified by its group (see {@link groupOf}), API
 * group, kind, namespace and name, not by its file: an object that changes file is `moved`. Formatting, comments,
 * key order and document order are not changes. Values under `data`/`stringData` of a Secret,
 * `spec.encryptedData`/`spec.template.data` of a SealedSecret, and every value of an object in a `secrets/`
 * folder, are reported by key only.
 *
 * @throws Error naming the side (`base` or `head`) and file of a document that is not valid YAML.
 */
export function diffTrees(base: RenderedTree, head: RenderedTree, opts: DiffOptions = {}): TreeDiff {
  const ignore = opts.ignore ?? (() => false);
  const before = objectsOf(base, 'base', ignore);
  const after = objectsOf(head, 'head', ignore);
  const groups = new Map<string, ObjectDiff[]>();
  const add = (group: string, d: ObjectDiff) => groups.set(group, [...(groups.get(group) ?? []), d]);
  const ref = (o: Located) => ({ apiVersion: o.apiVersion, kind: o.kind, ...(o.namespace ? { namespace: o.namespace } : {}), name: o.name });

  for (const [id, b] of after) {
    const a = before.get(id);
    if (!a) {
      add(b.group, { status: 'added', ...ref(b), file: b.file });
      continue;
    }
    const fields = compareObjects(a, b, isSecretsFile(a.file) || isSecretsFile(b.file));
    const movedFrom = a.file !== b.file ? { movedFrom: a.file } : {};
    if (fields.length) add(b.group, { status: 'changed', ...ref(b), file: b.file, ...movedFrom, fields });
    else if (a.file !== b.file) add(b.group, { status: 'moved', ...ref(b), file: b.file, ...movedFrom });
  }
  for (const [id, a] of before) if (!after.has(id)) add(a.group, { status: 'removed', ...ref(a), file: a.file });

  const result: GroupDiff[] = [...groups]
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([group, objects]) => {
      const cluster = clusterOf(group);
      return { group, ...(cluster ? { cluster } : {}), objects: objects.sort(byIdentity) };
    });
  const all = result.flatMap((g) => g.objects);
  const count = (pred: (o: ObjectDiff) => boolean) => all.filter(pred).length;
  return {
    summary: {
      added: count((o) => o.status === 'added'),
      removed: count((o) => o.status === 'removed'),
      changed: count((o) => o.status === 'changed'),
      moved: count((o) => o.movedFrom !== undefined),
      clusters: [...new Set(result.flatMap((g) => (g.cluster ? [g.cluster] : [])))].sort(),
      otherGroups: result.filter((g) => !g.cluster).map((g) => g.group),
    },
    groups: result,
  };
}
