// Fleet errors carry every problem at once, each naming the field path and the fix.

export interface FleetProblem {
  /** Dotted path with indices, e.g. `clusters[2].thanos.endpoint.host`. */
  path: string;
  message: string;
}

export class FleetError extends Error {
  constructor(
    readonly source: string,
    readonly problems: FleetProblem[],
  ) {
    super(
      `${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the fleet file\n` +
        problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n'),
    );
    this.name = 'FleetError';
  }
}

/** Formats a path of keys and indices as `a.b[2].c`; a key with invisible characters is quoted, escaped. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (INVISIBLE.test(String(s))) out += `[${showValue(String(s))}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out;
}

// Characters that print as nothing or as a plain space: a value holding one looks right but is not.
// Controls, format characters (zero-width, bidi marks, BOM, soft hyphen), separators other than the plain space,
// and the fillers that render blank.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u115f\u1160\u3164\uffa0]/u;
const INVISIBLE_ALL = new RegExp(INVISIBLE.source, 'gu');

/** Longest value shown whole in a message; a longer one is cut, with its length said. */
export const SHOWN_VALUE_LENGTH = 80;

/**
 * A value as a message shows it: JSON-quoted, every invisible character escaped (`\u200b`), and
 * cut past SHOWN_VALUE_LENGTH characters, so that a pasted blob neither floods the terminal nor hides
 * the stray character that made it wrong.
 */
export function showValue(value: unknown): string {
  let text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const long = text.length > SHOWN_VALUE_LENGTH ? text.length : 0;
  if (long) text = text.slice(0, SHOWN_VALUE_LENGTH - 20);
  const quoted = (typeof value === 'string' ? JSON.stringify(text) : text).replace(INVISIBLE_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (!long) return quoted;
  return typeof value === 'string' ? `${quoted.slice(0, -1)}..." (${long} characters)` : `${quoted}... (${long} characters)`;
}
