// The two readings of a TreeDiff: one line per change for a terminal or grep, and a pull request comment that
// stays readable for a fleet of a hundred clusters, where most changes are the same in every cluster.
import type { FieldChange, LineChange, ObjectDiff, TreeDiff } from './compare';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * One line: `N objects added, N removed, N changed, N moved in M clusters and _argocd`, leaving out the zero
 * counts; `no changes` when the trees hold the same objects.
 */
export function formatSummary(d: TreeDiff): string {
  const s = d.summary;
  const counts = (
    [
      [s.added, 'added'],
      [s.removed, 'removed'],
      [s.changed, 'changed'],
      [s.moved, 'moved'],
    ] as const
  ).filter(([n]) => n > 0);
  if (!counts.length) return 'no changes';
  const parts = counts.map(([n, word], i) => (i === 0 ? `${plural(n, 'object')} ${word}` : `${n} ${word}`));
  const where = [...(s.clusters.length ? [plural(s.clusters.length, 'cluster')] : []), ...s.otherGroups];
  return `${parts.join(', ')} in ${where.join(' and ')}`;
}

/** A file relative to its group's folder, as the reader of one group's changes sees it. */
function inGroup(group: string, file: string): string {
  return group !== '.' && file.startsWith(`${group}/`) ? file.slice(group.length + 1) : file;
}

/** `Kind/name`, with the namespace only where two changed objects of a group would otherwise read the same. */
function labeller(objects: readonly ObjectDiff[]): (o: ObjectDiff) => string {
  const seen = new Map<string, Set<string>>();
  for (const o of objects) seen.set(`${o.kind}/${o.name}`, (seen.get(`${o.kind}/${o.name}`) ?? new Set()).add(o.namespace ?? ''));
  return (o) => {
    const short = `${o.kind}/${o.name}`;
    return (seen.get(short)?.size ?? 0) > 1 ? `${short} (namespace ${o.namespace ?? 'none'})` : short;
  };
}

function lineCount(l: LineChange): string {
  return `+${l.added} -${l.removed} ${l.unit}`;
}

function fieldText(f: FieldChange): string {
  if (f.secret) return `${f.path} ${f.status}`;
  if (f.lines) {
    // A few flags of a container's args read best as themselves.
    const items = f.lines.hunks.join(' ');
    if (f.lines.unit === 'items' && f.lines.hunks.length <= 4 && items.length <= 200) return `${f.path} ${items}`;
    if (f.status === 'changed') return `${f.path} changed (${lineCount(f.lines)})`;
    return `${f.path} ${f.status} (${plural(f.status === 'added' ? f.lines.added : f.lines.removed, f.lines.unit.slice(0, -1))})`;
  }
  if (f.status === 'added') return `${f.path} added: ${f.new}`;
  if (f.status === 'removed') return `${f.path} removed: ${f.old}`;
  return `${f.path} ${f.old} -> ${f.new}`;
}

/**
 * The changes as plain text, one line each, every line starting with the group (the cluster) and the object:
 * `workload-eu Prometheus/k8s spec.replicas 2 -> 3`. Objects added, removed or moved take one line; a changed
 * object one line per field. The summary line ({@link formatSummary}) comes last. Nothing is left out.
 */
export function formatDiffText(d: TreeDiff): string {
  const lines: string[] = [];
  for (const g of d.groups) {
    const label = labeller(g.objects);
    for (const o of g.objects) {
      const who = `${g.group} ${label(o)}`;
      if (o.status === 'added') lines.push(`${who} added in ${inGroup(g.group, o.file)}`);
      else if (o.status === 'removed') lines.push(`${who} removed from ${inGroup(g.group, o.file)}`);
      else {
        if (o.movedFrom) lines.push(`${who} moved ${inGroup(g.group, o.movedFrom)} -> ${inGroup(g.group, o.file)}`);
        for (const f of o.fields ?? []) lines.push(`${who} ${fieldText(f)}`);
      }
    }
  }
  lines.push(formatSummary(d));
  return `${lines.join('\n')}\n`;
}

export interface MarkdownOptions {
  /**
   * The most characters of the comment; changes past it are counted in a last line. GitHub refuses comments over
   * 65536 characters.
   * @default 60000
   */
  readonly maxChars?: number;
}

/** Fields listed per object before `... and N more fields`. */
const MAX_FIELDS = 40;
/** Lines of one text change shown before `... N more lines`. */
const MAX_DIFF_LINES = 60;
/** Room kept for the line that counts what is left out. */
const OMITTED_LINE_MAX = 100;
/** Groups named in a section heading before `and N more`. */
const MAX_GROUP_NAMES = 5;

/** Inline code that survives backticks in the value. */
function code(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = s.startsWith('`') || s.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${s}${pad}${fence}`;
}

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fieldMarkdown(f: FieldChange): string {
  const path = code(f.path);
  if (f.secret) return `${path}: ${f.status} (secret, value not shown)`;
  if (f.lines) {
    const what = f.status === 'changed' ? lineCount(f.lines) : plural(f.status === 'added' ? f.lines.added : f.lines.removed, f.lines.unit.slice(0, -1));
    return `${path}: ${f.status} (${what}, below)`;
  }
  if (f.status === 'added') return `${path}: added ${code(f.new ?? '')}`;
  if (f.status === 'removed') return `${path}: removed ${code(f.old ?? '')}`;
  return `${path}: ${code(f.old ?? '')} → ${code(f.new ?? '')}`;
}

function diffBlock(title: string, l: LineChange): string[] {
  const shown = l.hunks.slice(0, MAX_DIFF_LINES);
  if (l.hunks.length > shown.length) shown.push(`... ${l.hunks.length - shown.length} more lines`);
  const longest = Math.max(2, ...shown.flatMap((s) => s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  return [`<details><summary>${title}</summary>`, '', `${fence}diff`, ...shown, fence, '', '</details>', ''];
}

/** One object of a section: its list item, and the diff blocks that go after the section's list. */
function objectMarkdown(o: ObjectDiff, label: string): { item: string[]; blocks: string[] } {
  const where = o.namespace ? [`namespace ${code(o.namespace)}`] : [];
  const head = (status: string, file: string) => `- **${status}** ${code(label)} (${[...where, file].join(', ')})`;
  if (o.status === 'added' || o.status === 'removed') return { item: [head(o.status, code(o.file))], blocks: [] };
  const file = o.movedFrom ? `moved from ${code(o.movedFrom)} to ${code(o.file)}` : code(o.file);
  const fields = o.fields ?? [];
  const item = [head(o.status, file), ...fields.slice(0, MAX_FIELDS).map((f) => `  - ${fieldMarkdown(f)}`)];
  if (fields.length > MAX_FIELDS) item.push(`  - ... and ${fields.length - MAX_FIELDS} more fields`);
  const blocks = fields
    .slice(0, MAX_FIELDS)
    .flatMap((f) => (f.lines && !f.secret ? diffBlock(`<code>${html(label)}</code> <code>${html(f.path)}</code> (${lineCount(f.lines)})`, f.lines) : []));
  return { item, blocks };
}

interface Section {
  readonly groups: string[];
  readonly objects: ObjectDiff[];
}

/** Objects with the very same change in several groups, files taken relative to each group, share one section. */
function sections(d: TreeDiff): Section[] {
  const bySignature = new Map<string, { groups: string[]; object: ObjectDiff }>();
  for (const g of d.groups) {
    for (const o of g.objects) {
      const object: ObjectDiff = { ...o, file: inGroup(g.group, o.file), ...(o.movedFrom ? { movedFrom: inGroup(g.group, o.movedFrom) } : {}) };
      const signature = JSON.stringify(object);
      const entry = bySignature.get(signature) ?? { groups: [], object };
      entry.groups.push(g.group);
      bySignature.set(signature, entry);
    }
  }
  const bySet = new Map<string, Section>();
  for (const { groups, object } of bySignature.values()) {
    const key = groups.join('\n');
    const section = bySet.get(key) ?? { groups, objects: [] };
    section.objects.push(object);
    bySet.set(key, section);
  }
  // Fleet-wide changes first: they are what the pull request is usually about.
  return [...bySet.values()].sort((x, y) => y.groups.length - x.groups.length || (x.groups[0] < y.groups[0] ? -1 : x.groups[0] > y.groups[0] ? 1 : 0));
}

function heading(groups: readonly string[], clusters: ReadonlySet<string>): string {
  const names = groups.length > MAX_GROUP_NAMES + 1 ? groups.slice(0, MAX_GROUP_NAMES) : groups;
  const more = groups.length > names.length ? ` and ${groups.length - names.length} more` : '';
  const count = groups.length > 1 ? `${plural(groups.length, groups.every((g) => clusters.has(g)) ? 'cluster' : 'folder')}: ` : '';
  return `#### ${count}${names.map(code).join(', ')}${more}`;
}

/**
 * The changes as a pull request comment (GitHub-flavoured Markdown): a title and the summary, then one section per
 * set of groups that share the same changes, the fleet-wide ones first, each a list of objects with their changed
 * fields; text changes follow each section in collapsed `diff` blocks. Past `maxChars`, a last line counts what
 * is left out.
 */
export function formatDiffMarkdown(d: TreeDiff, opts: MarkdownOptions = {}): string {
  const maxChars = opts.maxChars ?? 60_000;
  const out = ['### promfleet diff', '', `**${formatSummary(d)}**`, ''];
  const clusters = new Set(d.groups.filter((g) => g.cluster === g.group).map((g) => g.group));
  let size = out.join('\n').length;
  let omitted = 0;
  for (const section of sections(d)) {
    if (omitted) {
      omitted += section.objects.length;
      continue;
    }
    const label = labeller(section.objects);
    const lines = [heading(section.groups, clusters), ''];
    const blocks: string[] = [];
    for (const [i, o] of section.objects.entries()) {
      const entry = objectMarkdown(o, label(o));
      const cost = [...entry.item, ...entry.blocks].join('\n').length + 1;
      // The heading's own lines count too, so that a section never ends up as a bare heading.
      if (size + lines.join('\n').length + blocks.join('\n').length + cost > maxChars - OMITTED_LINE_MAX) {
        omitted += section.objects.length - i;
        break;
      }
      lines.push(...entry.item);
      blocks.push(...entry.blocks);
    }
    if (lines.length > 2) {
      lines.push('');
      out.push(...lines, ...blocks);
      size = out.join('\n').length;
    }
  }
  if (omitted) out.push(`_... and ${plural(omitted, 'more object change')} not shown: \`promfleet diff\` lists them all._`, '');
  return `${out.join('\n').trimEnd()}\n`;
}
