// Rules of the observer's Thanos caches and shards that span fields: which cache type needs which field,
// whether an in-memory cache fits in the memory limit of its pod, and whether time shards are in order.
import { DEFAULT_QUERY_FRONTEND, DEFAULT_STORE_GATEWAY } from './defaults';
import type { FleetProblem } from './errors';
import { durationMs, quantityBytes } from './quantity';
import type { Fleet } from './schema';

type CacheInput = { type?: string; maxSize?: string; addresses?: string[]; address?: string };

/** The fields each cache type reads; the others are reported, as they would be silently ignored. */
const CACHE_FIELDS: Record<string, (keyof CacheInput)[]> = { inMemory: ['maxSize'], memcached: ['addresses'], redis: ['address'] };

function cacheProblems(cache: CacheInput | undefined, defaultType: string, at: string): FleetProblem[] {
  if (!cache) return [];
  const type = cache.type ?? defaultType;
  const problems: FleetProblem[] = [];
  for (const [t, fields] of Object.entries(CACHE_FIELDS)) {
    for (const field of fields) {
      if (t === type && t !== 'inMemory' && cache[field] === undefined) {
        problems.push({ path: `${at}.${field}`, message: `is required with type: ${type}; give the address of your ${type}` });
      }
      if (t !== type && cache[field] !== undefined) {
        problems.push({ path: `${at}.${field}`, message: `is for type: ${t} only, and this cache is ${type}; remove it or set type: ${t}` });
      }
    }
  }
  return problems;
}

/** `copies` in-memory caches of `maxSize` must leave room in the memory limit for the rest of the process. */
function fitProblem(maxSize: string, copies: number, limit: string | undefined, at: string, limitPath: string): FleetProblem | undefined {
  const cache = quantityBytes(maxSize);
  const memory = limit === undefined ? undefined : quantityBytes(limit);
  if (cache === undefined || memory === undefined) return undefined;
  if (cache < 2 ** 20) return { path: at, message: `is "${maxSize}", below 1Mi, the smallest cache Thanos is given; use at least "1Mi"` };
  if (cache * copies < memory) return undefined;
  const what = copies === 1 ? `"${maxSize}"` : `${copies} caches of "${maxSize}" (range queries and labels)`;
  return {
    path: at,
    message: `${what} would not fit in the memory limit "${limit}" of ${limitPath}: the pod would be killed before the cache is full; lower maxSize or raise the limit`,
  };
}

/** Milliseconds relative to now of a relative boundary such as "-14d2h". */
const relativeMs = (boundary: string): number => -durationMs(boundary.slice(1));

export function thanosProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  fleet.clusters.forEach((c, i) => {
    const q = c.querier;
    if (!q) return;
    const frontend = q.frontend;
    if (frontend) {
      const at = `clusters[${i}].querier.frontend`;
      problems.push(...cacheProblems(frontend.cache, DEFAULT_QUERY_FRONTEND.cache.type, `${at}.cache`));
      // Thanos refuses a cache without splitting, and a split of 0 splits nothing.
      if (frontend.splitInterval !== undefined && durationMs(frontend.splitInterval) === 0) {
        problems.push({ path: `${at}.splitInterval`, message: `is "${frontend.splitInterval}"; Thanos needs a split above 0 to cache results, e.g. "24h"` });
      }
      if ((frontend.cache?.type ?? DEFAULT_QUERY_FRONTEND.cache.type) === 'inMemory' && (frontend.enabled ?? DEFAULT_QUERY_FRONTEND.enabled)) {
        const limit = frontend.resources?.limits?.memory ?? DEFAULT_QUERY_FRONTEND.resources.limits?.memory;
        const fit = fitProblem(
          frontend.cache?.maxSize ?? DEFAULT_QUERY_FRONTEND.cache.maxSize,
          2,
          limit,
          `${at}.cache.maxSize`,
          `${at}.resources.limits.memory`,
        );
        if (fit) problems.push(fit);
      }
    }
    const gateway = q.storeGateway;
    if (!gateway) return;
    const at = `clusters[${i}].querier.storeGateway`;
    problems.push(...cacheProblems(gateway.indexCache, DEFAULT_STORE_GATEWAY.indexCache.type, `${at}.indexCache`));
    if ((gateway.indexCache?.type ?? DEFAULT_STORE_GATEWAY.indexCache.type) === 'inMemory') {
      const limit = gateway.resources?.limits?.memory ?? DEFAULT_STORE_GATEWAY.resources.limits?.memory;
      const fit = fitProblem(
        gateway.indexCache?.maxSize ?? DEFAULT_STORE_GATEWAY.indexCache.maxSize,
        1,
        limit,
        `${at}.indexCache.maxSize`,
        `${at}.resources.limits.memory`,
      );
      if (fit) problems.push(fit);
    }
    const sharding = gateway.sharding;
    if (!sharding) return;
    const s = `${at}.sharding`;
    if (sharding.type === 'hash') {
      if (sharding.shards === undefined) problems.push({ path: `${s}.shards`, message: 'is required with type: hash; give the number of shards, e.g. 3' });
      if (sharding.boundaries) problems.push({ path: `${s}.boundaries`, message: 'is for type: time only; remove it, or set type: time' });
      return;
    }
    if (sharding.shards !== undefined) {
      problems.push({ path: `${s}.shards`, message: 'is for type: hash only; with type: time the boundaries make the shards (n boundaries, n + 1 shards)' });
    }
    const boundaries = sharding.boundaries;
    if (!boundaries) {
      problems.push({ path: `${s}.boundaries`, message: 'is required with type: time; list where each shard ends, oldest first, e.g. ["-30d", "-7d"]' });
      return;
    }
    const relative = boundaries.map((b) => b.startsWith('-'));
    if (relative.some((r) => r !== relative[0])) {
      problems.push({
        path: `${s}.boundaries`,
        message: 'mixes durations before now with fixed times, whose order changes as time passes; use one kind for every boundary',
      });
      return;
    }
    const at2 = boundaries.map((b) => (b.startsWith('-') ? relativeMs(b) : Date.parse(b)));
    for (let k = 1; k < boundaries.length; k++) {
      if (at2[k] <= at2[k - 1]) {
        problems.push({
          path: `${s}.boundaries[${k}]`,
          message: `"${boundaries[k]}" is not after "${boundaries[k - 1]}"; list the boundaries oldest first, each later than the one before`,
        });
      }
    }
  });
  return problems;
}
