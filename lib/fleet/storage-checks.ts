// Rules on object storage across the fleet: every bucket named is declared; each bucket has exactly one
// compactor (two would compact and delete the same blocks); a compactor's retention leaves each resolution
// long enough for the next downsampling (Thanos v0.42 refuses to start otherwise: cmd/thanos/compact.go,
// with the ranges of pkg/compact/downsample/downsample.go); and every bucket a cluster uploads to is read by
// the Store Gateway of some observer, or its blocks would never be queried.
import { DEFAULT_COMPACTOR } from './defaults';
import type { FleetProblem } from './errors';
import type { Fleet } from './schema';

const HOUR_MS = 3600_000;
/** Raw blocks are downsampled to 5 minutes once they span 40 hours (downsample.ResLevel1DownsampleRange). */
export const RAW_MIN_RETENTION_MS = 40 * HOUR_MS;
/** 5-minute blocks are downsampled to 1 hour once they span 10 days (downsample.ResLevel2DownsampleRange). */
export const FIVE_MINUTES_MIN_RETENTION_MS = 240 * HOUR_MS;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: HOUR_MS, d: 24 * HOUR_MS, w: 7 * 24 * HOUR_MS, y: 365 * 24 * HOUR_MS };

/** Milliseconds of a Prometheus duration such as "1d12h" (the schema checked its syntax). */
export function durationMs(d: string): number {
  let ms = 0;
  for (const [, n, unit] of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(n) * UNIT_MS[unit];
  return ms;
}

type BucketInput = NonNullable<Fleet['buckets']>[string];

/**
 * What identifies the storage behind an entry of `buckets`: two entries may name one bucket (a cluster that reaches
 * it through another endpoint, say), and then share its compactor and Store Gateways. S3 bucket names are unique
 * per partition whatever the endpoint; a filesystem directory or a Secret you manage says nothing across clusters.
 */
export function storageIdentity(name: string, bucket: BucketInput | undefined): string {
  switch (bucket?.type) {
    case 's3':
    case 'gcs':
      return `${bucket.type}:${bucket.config.bucket}`;
    case 'azure':
      return `azure:${bucket.config.storage_account}/${bucket.config.container}`;
    default:
      return `entry:${name}`;
  }
}

interface BucketUse {
  readonly path: string;
  readonly name: string;
  readonly cluster?: number;
}

export function storageProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const declared = Object.keys(fleet.buckets ?? {});
  const unknown = (use: BucketUse) =>
    !(use.name in (fleet.buckets ?? {})) &&
    problems.push({
      path: use.path,
      message: `names bucket "${use.name}", which buckets does not declare; ${declared.length ? `declared: ${declared.join(', ')}` : 'declare it under buckets (docs/storage.md)'}`,
    });

  const fleetUpload = fleet.defaults?.thanosSidecar?.bucket;
  if (fleetUpload) unknown({ path: 'defaults.thanosSidecar.bucket', name: fleetUpload });
  const uploads: BucketUse[] = [];
  const gateways: BucketUse[] = [];
  const compactors = new Map<string, BucketUse>();

  fleet.clusters.forEach((c, i) => {
    const at = `clusters[${i}]`;
    const own = c.overrides?.thanosSidecar?.bucket;
    if (own) unknown({ path: `${at}.overrides.thanosSidecar.bucket`, name: own });
    const upload = own === undefined ? fleetUpload : own;
    if (c.roles.includes('workload') && upload) {
      uploads.push({ path: own ? `${at}.overrides.thanosSidecar.bucket` : 'defaults.thanosSidecar.bucket', name: upload, cluster: i });
    }
    if (!c.roles.includes('observer')) return;
    const gateway = c.querier?.storeGateway;
    if (gateway) {
      const use = { path: `${at}.querier.storeGateway.bucket`, name: gateway.bucket, cluster: i };
      unknown(use);
      gateways.push(use);
    }
    const compactor = c.querier?.compactor;
    if (!compactor) return;
    const path = `${at}.querier.compactor`;
    unknown({ path: `${path}.bucket`, name: compactor.bucket });
    const identity = storageIdentity(compactor.bucket, fleet.buckets?.[compactor.bucket]);
    const first = compactors.get(identity);
    if (first) {
      const same = first.name === compactor.bucket ? '' : ` (buckets.${first.name} and buckets.${compactor.bucket} name the same storage)`;
      problems.push({
        path: `${path}.bucket`,
        message: `bucket "${compactor.bucket}" already has a compactor, ${first.path} (cluster "${fleet.clusters[first.cluster ?? 0].name}")${same}; two compactors on one bucket compact and delete the same blocks: keep exactly one per bucket`,
      });
    } else compactors.set(identity, { path: `${path}.bucket`, name: compactor.bucket, cluster: i });
    const downsampling = compactor.downsampling?.enabled ?? DEFAULT_COMPACTOR.downsampling.enabled;
    if (!downsampling) return;
    const raw = compactor.retention?.raw ?? DEFAULT_COMPACTOR.retention.raw;
    const fiveMinutes = compactor.retention?.fiveMinutes ?? DEFAULT_COMPACTOR.retention.fiveMinutes;
    // 0 keeps a resolution forever, which leaves every downsampling time to run.
    if (durationMs(raw) !== 0 && durationMs(raw) < RAW_MIN_RETENTION_MS) {
      problems.push({
        path: `${path}.retention.raw`,
        message: `"${raw}" is shorter than 40h: raw blocks are deleted before they are downsampled to 5 minutes, and Thanos refuses to start; keep raw samples at least 40h (or 0d, forever), or set ${path}.downsampling.enabled: false`,
      });
    }
    if (durationMs(fiveMinutes) !== 0 && durationMs(fiveMinutes) < FIVE_MINUTES_MIN_RETENTION_MS) {
      problems.push({
        path: `${path}.retention.fiveMinutes`,
        message: `"${fiveMinutes}" is shorter than 10d: 5-minute blocks are deleted before they are downsampled to 1 hour, and Thanos refuses to start; keep them at least 10d (or 0d, forever), or set ${path}.downsampling.enabled: false`,
      });
    }
  });

  // Every bucket that sidecars upload to is read by some observer's Store Gateway.
  const identity = (name: string) => storageIdentity(name, fleet.buckets?.[name]);
  const read = new Set(gateways.map((g) => identity(g.name)));
  // One problem per field: a fleet-wide default names every cluster it applies to.
  const unread = new Map<string, BucketUse[]>();
  for (const u of uploads) {
    if (read.has(identity(u.name)) || !(u.name in (fleet.buckets ?? {}))) continue;
    unread.set(u.path, [...(unread.get(u.path) ?? []), u]);
  }
  for (const [path, uses] of unread) {
    const { name } = uses[0];
    const clusters = uses.map((u) => `"${fleet.clusters[u.cluster ?? 0].name}"`);
    const readers = gateways.map((g) => `${g.path} ("${g.name}", cluster "${fleet.clusters[g.cluster ?? 0].name}")`);
    problems.push({
      path,
      message:
        `${clusters.length > 1 ? `clusters ${clusters.join(', ')} upload` : `cluster ${clusters[0]} uploads`} to bucket "${name}", which no observer's Store Gateway reads, so its blocks are never queried; ` +
        (readers.length
          ? `the Store Gateways read ${readers.join(', ')}: point one at "${name}" or upload to its bucket`
          : `add querier.storeGateway.bucket: ${name} to an observer`),
    });
  }

  // A claim lives in one cluster: a filesystem bucket on one cannot be shared with another cluster.
  for (const [name, bucket] of Object.entries(fleet.buckets ?? {})) {
    if (bucket.type !== 'filesystem' || !bucket.persistentVolumeClaim) continue;
    const users = [...uploads, ...gateways, ...compactors.values()].filter((u) => u.name === name);
    const clusters = [...new Set(users.map((u) => u.cluster ?? 0))];
    if (clusters.length > 1) {
      problems.push({
        path: `buckets.${name}.persistentVolumeClaim`,
        message: `is a volume of one cluster, but ${clusters.map((i) => `clusters[${i}] ("${fleet.clusters[i].name}")`).join(' and ')} use bucket "${name}" (${users.map((u) => u.path).join(', ')}); a filesystem bucket serves a single cluster: use s3, gcs or azure across clusters`,
      });
    }
  }
  return problems;
}
