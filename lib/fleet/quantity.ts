// Kubernetes quantities as numbers of bytes: the fleet checks compare cache sizes with memory limits, and
// the components write cache sizes in the units Thanos reads.

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The bytes of a quantity such as "250Mi", "1G" or "1e9"; undefined for what is no size (e.g. "500m"). */
export function quantityBytes(quantity: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)|[eE](\d+))?$/.exec(quantity);
  if (!m) return undefined;
  const [, number, unit, exponent] = m;
  const factor = exponent !== undefined ? 10 ** Number(exponent) : (BINARY[unit ?? ''] ?? DECIMAL[unit ?? '']);
  return Number(number) * factor;
}

/**
 * A size in the binary units both of Thanos's size parsers read the same way ("256MiB": units.ParseBase2Bytes
 * of the Store Gateway's index cache, humanize.ParseBytes of the query frontend's cache), rounded down to
 * whole MiB; undefined below 1 MiB.
 */
export function thanosSize(quantity: string): string | undefined {
  const bytes = quantityBytes(quantity);
  if (bytes === undefined) return undefined;
  const mib = Math.floor(bytes / 2 ** 20);
  if (mib < 1) return undefined;
  return mib % 1024 === 0 ? `${mib / 1024}GiB` : `${mib}MiB`;
}

const DURATION_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 };

/** The milliseconds of a Prometheus duration such as "1d12h" (its year is 365 days). */
export function durationMs(duration: string): number {
  let total = 0;
  for (const [, n, unit] of duration.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(n) * DURATION_MS[unit];
  return total;
}

/**
 * A Prometheus duration as Go's time.ParseDuration reads it, which has no d, w or y: the flags Thanos declares
 * with kingpin's DurationVar (--query-range.split-interval) take "24h", never "1d".
 */
export function goDuration(duration: string): string {
  const ms = durationMs(duration);
  if (ms % 3600e3 === 0) return `${ms / 3600e3}h`;
  if (ms % 60e3 === 0) return `${ms / 60e3}m`;
  if (ms % 1e3 === 0) return `${ms / 1e3}s`;
  return `${ms}ms`;
}
