// The Store Gateway completed: its index cache, and its shards. Every shard is an endpoint of the Querier whose
// server name is in the certificate the shard presents; hash shards split the bucket so that each block is
// served by exactly one shard; time shards leave no gap between them.
//
// Upstream facts, read from thanos-io/thanos at tag v0.42.4 (the DEFAULT_VERSIONS.thanos release):
// - cmd/thanos/store.go (storeConfig.registerFlag) registers the flags below; cmd/thanos/config.go the HTTP and
//   gRPC ones; pkg/extkingpin/flags.go --selector.relabel-config (RegisterSelectorRelabelFlags).
// - pkg/store/cache/factory.go: the index cache YAML is {type, config, enabled_items, ttl} (UnmarshalStrict), type
//   IN-MEMORY or MEMCACHED (or REDIS); pkg/store/cache/inmemory.go: IN-MEMORY config max_size and max_item_size
//   (model.Bytes, units.ParseBase2Bytes; max_item_size defaults to 125MiB and may not exceed max_size);
//   pkg/cacheutil/memcached_client.go: MEMCACHED config addresses.
// - pkg/block/fetcher.go: the selector relabels each block's labels plus __block_id (BlockIDLabel) and supports
//   the keep, drop and hashmod actions (SelectorSupportedRelabelActions); pkg/model/timeduration.go: --min-time
//   and --max-time take an RFC 3339 time or a duration such as -14d.
// - Prometheus model/relabel/relabel.go: hashmod is sum64(md5(value)) % modulus, sum64 reading the last 8 bytes
//   of the digest big-endian; a regex is anchored, ^(?:regex)$.
import * as crypto from 'crypto';
import * as path from 'path';
import { parse, parseDocument, stringify } from 'yaml';
import type { FleetInput } from '../lib/fleet/schema';
import { defaultFleetText, fleetFrom, fleetProblems, ofKind, render, validateRendered, type Rendered, type RenderedObject } from './support/fleet';
import { probeGoTls } from './support/go-tls';
import { find, flagValue, HUB_FLEET, querierClientBundle, renderedSdConfig, renderedTlsSecret } from './support/observer-fleet';

const STORE_FLAGS = new Set([
  'http-address',
  'http-grace-period',
  'http.config',
  'grpc-address',
  'grpc-server-tls-cert',
  'grpc-server-tls-key',
  'grpc-server-tls-client-ca',
  'data-dir',
  'cache-index-header',
  'index-cache-size',
  'index-cache.config',
  'index-cache.config-file',
  'chunk-pool-size',
  'sync-block-duration',
  'block-sync-concurrency',
  'min-time',
  'max-time',
  'selector.relabel-config',
  'selector.relabel-config-file',
  'consistency-delay',
  'ignore-deletion-marks-delay',
  'web.disable',
  'objstore.config',
  'objstore.config-file',
]);

type CacheYaml = { type: string; config: Record<string, unknown> };

/** The default fleet whose observer has a Store Gateway with `gateway` (merged over its bucket, a Secret you manage). */
function withGateway(gateway: Record<string, unknown>): string {
  const fleet = parseDocument(defaultFleetText()).toJS() as FleetInput;
  fleet.buckets = { metrics: { type: 'existingSecret', secret: { name: 'thanos-objstore', key: 'objstore.yml' } } };
  (fleet.clusters[0].querier as unknown as Record<string, unknown>).storeGateway = { bucket: 'metrics', ...gateway };
  return stringify(fleet);
}

type Sts = RenderedObject & {
  obj: { metadata: { name: string }; spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: { args: string[] }[] } } } };
};
const statefulSets = (r: Rendered, cluster = 'observer') =>
  ofKind(r.objects, 'StatefulSet').filter((o) => o.cluster === cluster && o.obj.metadata.name.startsWith('thanos-store-gateway')) as unknown as Sts[];
const args = (s: Sts) => s.obj.spec.template.spec.containers[0].args;

// ---------- a small interpreter of the relabel actions the selector allows (keep, drop, hashmod) ----------
interface Relabel {
  action: string;
  source_labels: string[];
  target_label?: string;
  modulus?: number;
  regex?: string;
  separator?: string;
}

function hashmod(value: string, modulus: number): number {
  const digest = crypto.createHash('md5').update(value).digest();
  return Number(digest.readBigUInt64BE(8) % BigInt(modulus));
}

/** Whether the block with these labels survives the relabel configs (undefined: dropped). */
function keeps(configs: Relabel[], labels: Record<string, string>): boolean {
  const l = { ...labels };
  for (const c of configs) {
    const value = c.source_labels.map((n) => l[n] ?? '').join(c.separator ?? ';');
    const matches = new RegExp(`^(?:${c.regex ?? '(.*)'})$`).test(value);
    if (c.action === 'hashmod') l[c.target_label!] = String(hashmod(value, c.modulus!));
    else if (c.action === 'keep' && !matches) return false;
    else if (c.action === 'drop' && matches) return false;
    else if (!['hashmod', 'keep', 'drop'].includes(c.action)) throw new Error(`the selector does not support action ${c.action}`);
  }
  return true;
}

/** A ULID-like block ID (26 Crockford base32 characters), deterministic per index. */
function blockId(i: number): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bytes = crypto.createHash('sha256').update(`block-${i}`).digest();
  return Array.from({ length: 26 }, (_, k) => alphabet[bytes[k] % 32]).join('');
}

describe('default Store Gateway: one, with an in-memory index cache', () => {
  const r = render(fleetFrom(withGateway({})));

  it('is one StatefulSet thanos-store-gateway, as before sharding existed', () => {
    expect(statefulSets(r).map((s) => s.obj.metadata.name)).toEqual(['thanos-store-gateway']);
    expect(
      renderedSdConfig(r, 'observer')
        .endpoints.filter((e) => e.address.startsWith('thanos-store-gateway'))
        .map((e) => e.address),
    ).toEqual(['thanos-store-gateway.monitoring.svc:10901']);
  });

  it("caches 250MiB of index entries in memory, Thanos's default, in the shape Thanos parses", () => {
    const config = parse(flagValue(args(statefulSets(r)[0]), 'index-cache.config')!) as CacheYaml;
    expect(config).toEqual({ type: 'IN-MEMORY', config: { max_size: '250MiB' } });
  });

  it('starts with flags that exist in Thanos v0.42 only', () => {
    const names = args(statefulSets(r)[0])
      .slice(1)
      .map((a) => /^--([^=]+)/.exec(a)?.[1]);
    expect(names.filter((n) => !n || !STORE_FLAGS.has(n))).toEqual([]);
  });
});

describe('index cache settings', () => {
  const cacheOf = (indexCache: Record<string, unknown>, resources?: Record<string, unknown>) =>
    parse(
      flagValue(args(statefulSets(render(fleetFrom(withGateway({ indexCache, ...(resources ? { resources } : {}) }))))[0]), 'index-cache.config')!,
    ) as CacheYaml;

  it('memcached: type MEMCACHED with the addresses under config', () => {
    expect(cacheOf({ type: 'memcached', addresses: ['dnssrv+_memcache._tcp.memcached.cache.svc'] })).toEqual({
      type: 'MEMCACHED',
      config: { addresses: ['dnssrv+_memcache._tcp.memcached.cache.svc'] },
    });
  });

  it('a cache smaller than the 125MiB item limit gets its own size as the item limit, which Thanos requires', () => {
    const c = cacheOf({ maxSize: '64Mi' });
    expect(c).toEqual({ type: 'IN-MEMORY', config: { max_size: '64MiB', max_item_size: '64MiB' } });
    expect(cacheOf({ maxSize: '2Gi' }, { limits: { memory: '8Gi' } }).config).toEqual({ max_size: '2GiB' });
  });
});

describe('hash shards', () => {
  const SHARDS = 3;
  const r = render(fleetFrom(withGateway({ sharding: { type: 'hash', shards: SHARDS }, replicas: 2 })));
  const sets = statefulSets(r);
  const selectors = sets.map((s) => parse(flagValue(args(s), 'selector.relabel-config')!) as Relabel[]);

  it('is one StatefulSet per shard, each with its own Service selecting its pods only', () => {
    expect(sets.map((s) => s.obj.metadata.name)).toEqual(['thanos-store-gateway-0', 'thanos-store-gateway-1', 'thanos-store-gateway-2']);
    for (const s of sets) {
      const svc = find(r, 'observer', 'Service', s.obj.metadata.name).obj;
      const mine = (set: Sts) => Object.entries(svc.spec.selector).every(([k, v]) => set.obj.spec.template.metadata.labels[k] === v);
      expect(sets.filter(mine).map((x) => x.obj.metadata.name)).toEqual([s.obj.metadata.name]);
      expect(find(r, 'observer', 'PodDisruptionBudget', s.obj.metadata.name).obj.spec.maxUnavailable).toBe(1);
    }
  });

  it('covers every block exactly once: the hashmod selectors partition the block IDs into 0..n-1', () => {
    const counts = new Array<number>(SHARDS).fill(0);
    for (let i = 0; i < 3000; i++) {
      const id = blockId(i);
      const owners = selectors.map((sel, shard) => (keeps(sel, { __block_id: id }) ? shard : -1)).filter((s) => s >= 0);
      expect(owners).toHaveLength(1);
      counts[owners[0]]++;
    }
    // Each shard gets its share (a third, give or take).
    for (const c of counts) expect(c).toBeGreaterThan(800);
    // Control: the check sees a broken partition, where shard 1 repeats shard 0's selector.
    const broken = [selectors[0], selectors[0], selectors[2]];
    const owners = Array.from({ length: 50 }, (_, i) => broken.filter((sel) => keeps(sel, { __block_id: blockId(i) })).length);
    expect(owners.some((n) => n !== 1)).toBe(true);
  });

  it('every shard is an endpoint of the Querier, with a server name in the certificate every shard presents', () => {
    const endpoints = renderedSdConfig(r, 'observer').endpoints.filter((e) => e.address.startsWith('thanos-store-gateway'));
    expect(endpoints.map((e) => e.address)).toEqual(sets.map((s) => `${s.obj.metadata.name}.monitoring.svc:10901`));
    for (const s of sets) {
      const mounted = s.obj.spec.template as unknown as { spec: { volumes: { name: string; secret?: { secretName: string } }[] } };
      const secretName = mounted.spec.volumes.find((v) => v.name === 'tls')!.secret!.secretName;
      const cert = new crypto.X509Certificate(renderedTlsSecret(r, 'observer', secretName).cert);
      const e = endpoints.find((x) => x.address.startsWith(`${s.obj.metadata.name}.`))!;
      expect(e.client_config.tls_config.enabled).toBe(true);
      expect(cert.checkHost(e.client_config.server_name!)).toBe(e.client_config.server_name);
    }
    const cert = new crypto.X509Certificate(renderedTlsSecret(r, 'observer', 'thanos-store-gateway-tls').cert);
    expect(cert.checkHost('thanos-store-gateway-3.monitoring.svc')).toBeUndefined();
  });

  it("Go's TLS stack (Prometheus as the client) completes mTLS with each shard under its rendered server name, and refuses another", async () => {
    const secret = renderedTlsSecret(r, 'observer', 'thanos-store-gateway-tls');
    const servers = { gateway: { cert: secret.cert, key: secret.key, clientCa: secret.ca } };
    const endpoints = renderedSdConfig(r, 'observer').endpoints.filter((e) => e.address.startsWith('thanos-store-gateway'));
    const probes = endpoints.map((e) => {
      const client = querierClientBundle(r, 'observer', e.client_config.tls_config);
      return { name: e.address, server: 'gateway', serverName: e.client_config.server_name!, ca: client.ca, cert: client.cert, key: client.key };
    });
    const control = { ...probes[0], name: 'control', serverName: 'thanos-store-gateway-9.monitoring.svc' };
    const results = await probeGoTls({ servers, probes: [...probes, control] });
    expect(probes.map((p) => [p.name, results[p.name].up])).toEqual(probes.map((p) => [p.name, 1]));
    expect(results.control.up).toBe(0);
    expect(results.control.lastError).toMatch(/x509: certificate is valid for .*not thanos-store-gateway-9\.monitoring\.svc/);
  }, 90_000);

  it('one ServiceMonitor over every shard, whose targets keep the job thanos-store-gateway the alerts select', () => {
    // The hub observer runs its own Prometheus (monitorSelector team: platform).
    const hub = render(
      fleetFrom(HUB_FLEET.replace('        storage: { size: 20Gi', '        sharding: { type: hash, shards: 2 }\n        storage: { size: 20Gi')),
    );
    const monitors = ofKind(hub.objects, 'ServiceMonitor').filter((o) => o.cluster === 'hub' && o.obj.metadata.name.startsWith('thanos-store-gateway'));
    expect(monitors).toHaveLength(1);
    const sm = monitors[0].obj;
    expect(sm.spec.jobLabel).toBe('app.kubernetes.io/name');
    const services = ofKind(hub.objects, 'Service').filter((o) => o.cluster === 'hub' && o.obj.metadata.name.startsWith('thanos-store-gateway'));
    const selected = services.filter((svc) => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.obj.metadata.labels[k] === v));
    expect(selected.map((s) => s.obj.metadata.name)).toEqual(['thanos-store-gateway-0', 'thanos-store-gateway-1']);
    for (const svc of selected) expect(svc.obj.metadata.labels[sm.spec.jobLabel]).toBe('thanos-store-gateway');
    // The NetworkPolicy lets the Querier reach every shard.
    const np = find(hub, 'hub', 'NetworkPolicy', 'thanos-store-gateway').obj;
    for (const s of statefulSets(hub, 'hub')) {
      expect(Object.entries(np.spec.podSelector.matchLabels).every(([k, v]) => s.obj.spec.template.metadata.labels[k] === v)).toBe(true);
    }
  });

  it('validates against the Kubernetes schemas', () => {
    const report = validateRendered(path.join(r.outDir, 'observer'));
    expect(report.findings).toEqual([]);
    expect(report.kinds['apps/v1/StatefulSet']).toBe(SHARDS);
  });
});

describe('time shards', () => {
  const r = render(fleetFrom(withGateway({ sharding: { type: 'time', boundaries: ['-30d', '-7d'] } })));
  const sets = statefulSets(r);

  it('n boundaries make n + 1 shards whose ranges meet at each boundary: no gap, the oldest and newest open-ended', () => {
    const ranges = sets.map((s) => [flagValue(args(s), 'min-time'), flagValue(args(s), 'max-time')]);
    expect(ranges).toEqual([
      [undefined, '-30d'],
      ['-30d', '-7d'],
      ['-7d', undefined],
    ]);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i][0]).toBe(ranges[i - 1][1]);
    expect(sets.every((s) => flagValue(args(s), 'selector.relabel-config') === undefined)).toBe(true);
  });

  it('every shard is an endpoint of the Querier', () => {
    const endpoints = renderedSdConfig(r, 'observer').endpoints.filter((e) => e.address.startsWith('thanos-store-gateway'));
    expect(endpoints.map((e) => e.client_config.server_name)).toEqual(sets.map((s) => `${s.obj.metadata.name}.monitoring.svc`));
  });
});

describe('Store Gateway fleet checks name the field', () => {
  const problems = (gateway: Record<string, unknown>) => fleetProblems(withGateway(gateway));
  const at = 'clusters[0].querier.storeGateway';

  it('an in-memory index cache must stay below the memory limit', () => {
    expect(problems({ indexCache: { maxSize: '4Gi' } })).toEqual([
      `${at}.indexCache.maxSize: "4Gi" would not fit in the memory limit "4Gi" of ${at}.resources.limits.memory: the pod would be killed before the cache is full; lower maxSize or raise the limit`,
    ]);
    expect(problems({ indexCache: { maxSize: '4Gi' }, resources: { limits: { memory: '6Gi' } } })).toEqual([]);
    expect(problems({ indexCache: { maxSize: '512Ki' } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.indexCache\.maxSize: is "512Ki", below 1Mi/),
    ]);
  });

  it('memcached needs addresses; redis is no index cache type', () => {
    expect(problems({ indexCache: { type: 'memcached' } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.indexCache\.addresses: is required/),
    ]);
    expect(problems({ indexCache: { type: 'memcached', addresses: ['m.svc:11211'], maxSize: '1Gi' } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.indexCache\.maxSize: is for type: inMemory only/),
    ]);
    expect(problems({ indexCache: { type: 'redis' } })).toEqual([expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.indexCache\.type: /)]);
  });

  it('hash needs shards, time needs boundaries in order and of one kind', () => {
    expect(problems({ sharding: { type: 'hash' } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.sharding\.shards: is required with type: hash/),
    ]);
    expect(problems({ sharding: { type: 'hash', shards: 2, boundaries: ['-7d'] } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.sharding\.boundaries: is for type: time only/),
    ]);
    expect(problems({ sharding: { type: 'time' } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.sharding\.boundaries: is required with type: time/),
    ]);
    expect(problems({ sharding: { type: 'time', boundaries: ['-7d', '-30d'] } })).toEqual([
      `${at}.sharding.boundaries[1]: "-30d" is not after "-7d"; list the boundaries oldest first, each later than the one before`,
    ]);
    expect(problems({ sharding: { type: 'time', boundaries: ['-2w', '-14d'] } })).toEqual([
      expect.stringMatching(/boundaries\[1\]: "-14d" is not after "-2w"/),
    ]);
    expect(problems({ sharding: { type: 'time', boundaries: ['2026-01-01T00:00:00Z', '-7d'] } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.sharding\.boundaries: mixes durations/),
    ]);
    expect(problems({ sharding: { type: 'time', boundaries: ['7d'] } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.storeGateway\.sharding\.boundaries\[0\]: must be a duration before now/),
    ]);
    expect(problems({ sharding: { type: 'time', boundaries: ['2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z'] } })).toEqual([]);
  });
});
