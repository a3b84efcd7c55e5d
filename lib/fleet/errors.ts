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

/** Formats a path of keys and indices as `a.b[2].c`. */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${String(s)}` : String(s);
  }
  return out;
}
