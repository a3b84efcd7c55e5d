// Reading the dashboards' queries as PromQL: Grafana's variables replaced by values the parser accepts, then the
// syntax tree walked for syntax errors, the series names the query reads, and its selectors' matchers.
import { parser } from '@prometheus-io/lezer-promql';

/** A node of the syntax tree (lezer's type, reached through the parser: @lezer/common is not a dependency of ours). */
type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** Grafana's built-in variables that stand for a duration, as they appear inside a range or subquery. */
const DURATIONS: Readonly<Record<string, string>> = {
  __rate_interval: '5m',
  __interval: '1m',
  __range: '1h',
  __range_s: '3600',
  __range_ms: '3600000',
  __interval_ms: '60000',
};

/**
 * `expr` with every Grafana variable replaced: the built-in durations by a duration, a dashboard variable by its
 * value in `values`. Grafana's forms are `$name`, `${name}`, `${name:format}` and `[[name]]`. `$1` and the like are
 * not variables (label_replace's replacement refers to a capture group) and stay. A variable neither built in nor
 * in `values` throws: a query that uses a variable its dashboard lacks is broken.
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)/g, (whole, braced?: string, bracketed?: string, bare?: string) => {
    const name = (braced ?? bracketed ?? bare) as string;
    if (/^\d+$/.test(name)) return whole;
    const value = DURATIONS[name] ?? values[name];
    if (value === undefined)
      throw new Error(`the query uses the variable "${name}", which is neither built into Grafana nor a variable of its dashboard: ${expr}`);
    return value;
  });
}

/** Where the parser found no PromQL: the offsets of its error nodes. */
export function syntaxErrors(expr: string): number[] {
  const at: number[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) at.push(n.from);
    },
  });
  return at;
}

/** The value of a PromQL string literal (double, single or back quotes). */
function stringValue(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  // Go's escapes in a double- or single-quoted string; JSON reads the common ones the same way.
  return JSON.parse(`"${(quote === "'" ? body.replace(/\\'/g, "'") : body).replace(/(^|[^\\])"/g, '$1\\"')}"`) as string;
}

export interface Matcher {
  readonly label: string;
  readonly op: string;
  readonly value: string;
}

export interface Selector {
  /** The series name: the identifier before the braces, a quoted name inside them, or an equality on `__name__`. */
  readonly name?: string;
  readonly matchers: readonly Matcher[];
  readonly text: string;
}

const children = (node: SyntaxNode): SyntaxNode[] => {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
};

/** Every vector selector of `expr` (those inside range selectors and subqueries included), parsed. */
export function selectors(expr: string): Selector[] {
  const out: Selector[] = [];
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  parser.parse(expr).iterate({
    enter: (ref) => {
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      let name: string | undefined;
      const matchers: Matcher[] = [];
      for (const c of children(node)) {
        if (c.name === 'Identifier') name = text(c);
        if (c.name !== 'LabelMatchers') continue;
        for (const m of children(c)) {
          if (m.name === 'QuotedLabelName') {
            name = stringValue(text(m.firstChild!));
            continue;
          }
          if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
          const parts = children(m);
          const labelNode = parts.find((p) => p.name === 'LabelName' || p.name === 'QuotedLabelName')!;
          const label = labelNode.name === 'LabelName' ? text(labelNode) : stringValue(text(labelNode.firstChild!));
          const op = text(parts.find((p) => p.name === 'MatchOp')!);
          const value = stringValue(text(parts.find((p) => p.name === 'StringLiteral')!));
          matchers.push({ label, op, value });
          if (label === '__name__' && op === '=') name = value;
        }
      }
      out.push({ name, matchers, text: text(node) });
    },
  });
  return out;
}

/** The series names `expr` reads that are recording rules' (by the naming convention level:metric:operations, a colon). */
export function recordedSeries(expr: string): string[] {
  return selectors(expr)
    .map((s) => s.name)
    .filter((n): n is string => n !== undefined && n.includes(':'));
}

/** Grafana's `label_values(<selector>, <label>)` query of a variable, split. */
export function labelValuesQuery(query: string): { selector: string; label: string } {
  const m = /^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$/.exec(query);
  if (!m) throw new Error(`not a label_values(<selector>, <label>) query: ${query}`);
  return { selector: m[1], label: m[2] };
}
