// The query frontend in front of the Querier: its downstream is the rendered Querier Service, the UI Ingress
// routes to it (to the Querier when it is switched off), its caches have the shape Thanos parses, and every
// flag it is started with exists in Thanos v0.42.
//
// Upstream facts, read from thanos-io/thanos at tag v0.42.4 (the DEFAULT_VERSIONS.thanos release):
// - cmd/thanos/query_frontend.go registers the flags below (registerQueryFrontend) and cmd/thanos/config.go
//   the HTTP ones (httpConfig.registerFlag: --http-address, default 0.0.0.0:10902). The split intervals are kingpin
//   DurationVars, which Go's time.ParseDuration reads: hours, never days.
// - pkg/queryfrontend/config.go, NewCacheConfig: the cache YAML is {type, config} (UnmarshalStrict), type
//   IN-MEMORY (config: max_size, max_size_items, validity), MEMCACHED (config: cacheutil.MemcachedClientConfig
//   inline, i.e. addresses..., and expiration), REDIS (config: cacheutil.RedisClientConfig inline, i.e. addr...,
//   and expiration); pkg/cacheutil/memcached_client.go and redis_client.go hold those keys.
// - internal/cortex/chunk/cache/fifo_cache.go parses max_size with humanize.ParseBytes ("128MiB" = 128 * 2^20).
// - pkg/queryfrontend/roundtrip.go registers the query_range and labels tripperwares under a `tripperware` label
//   each, so the two caches (one config, given to both flags) live side by side in one process.
// - Config.Validate (pkg/queryfrontend/config.go) wants split intervals above 0 when a cache is set: the fleet
//   schema's duration has at least one unit of time.
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseDocument, stringify } from 'yaml';
import { observerQueryUrl } from '../lib/clusters/observer';
import type { FleetInput } from '../lib/fleet/schema';
import { defaultFleetText, fleetFrom, fleetProblems, observerCluster, ofKind, render, validateRendered, type Rendered } from './support/fleet';
import { find, flagValue, HUB_FLEET } from './support/observer-fleet';

/** Every flag `thanos query-frontend` v0.42 accepts that promfleet might set (cmd/thanos/query_frontend.go, config.go). */
const QUERY_FRONTEND_FLAGS = new Set([
  'http-address',
  'http-grace-period',
  'http.config',
  'web.disable-cors',
  'query-range.align-range-with-step',
  'query-range.request-downsampled',
  'query-range.split-interval',
  'query-range.min-split-interval',
  'query-range.max-split-interval',
  'query-range.horizontal-shards',
  'query-range.max-retries-per-request',
  'query.max-retries-per-request',
  'query-range.max-query-length',
  'query-range.max-query-parallelism',
  'query-range.response-cache-max-freshness',
  'query-range.partial-response',
  'query-range.response-cache-config',
  'query-range.response-cache-config-file',
  'labels.split-interval',
  'labels.max-retries-per-request',
  'labels.max-query-parallelism',
  'labels.response-cache-max-freshness',
  'labels.partial-response',
  'labels.default-time-range',
  'labels.response-cache-config',
  'labels.response-cache-config-file',
  'cache-compression-type',
  'query-frontend.downstream-url',
  'query-frontend.downstream-tripper-config',
  'query-frontend.compress-responses',
  'query-frontend.log-queries-longer-than',
  'query-frontend.forward-header',
]);

/** The keys of each cache type's `config` that Thanos reads (the structs named above). */
const CACHE_CONFIG_KEYS: Record<string, string[]> = {
  'IN-MEMORY': ['max_size', 'max_size_items', 'validity'],
  MEMCACHED: [
    'addresses',
    'timeout',
    'max_idle_connections',
    'max_async_concurrency',
    'max_async_buffer_size',
    'max_get_multi_concurrency',
    'max_item_size',
    'max_get_multi_batch_size',
    'dns_provider_update_interval',
    'auto_discovery',
    'expiration',
  ],
  REDIS: [
    'addr',
    'username',
    'password',
    'db',
    'dial_timeout',
    'read_timeout',
    'write_timeout',
    'max_get_multi_concurrency',
    'get_multi_batch_size',
    'max_set_multi_concurrency',
    'set_multi_batch_size',
    'tls_enabled',
    'tls_config',
    'expiration',
  ],
};

type CacheYaml = { type: string; config: Record<string, unknown> };

/** The default fleet with its observer's querier edited. */
function withQuerier(edit: (querier: Record<string, unknown>) => void): string {
  const fleet = parseDocument(defaultFleetText()).toJS() as FleetInput;
  edit(fleet.clusters[0].querier as unknown as Record<string, unknown>);
  return stringify(fleet);
}

const container = (r: Rendered, cluster = 'observer') => find(r, cluster, 'Deployment', 'thanos-query-frontend').obj.spec.template.spec.containers[0];
const flag = (r: Rendered, name: string) => {
  const v = flagValue(container(r).args, name);
  if (v === undefined) throw new Error(`no --${name}`);
  return v;
};

/** Whether `selector` picks the pods of `workload` (a Deployment or StatefulSet). */
const selects = (selector: Record<string, string>, workload: { obj: { spec: { template: { metadata: { labels: Record<string, string> } } } } }) =>
  Object.entries(selector).every(([k, v]) => workload.obj.spec.template.metadata.labels[k] === v);

describe('default fleet: the query frontend in front of the Querier', () => {
  const r = render(fleetFrom(defaultFleetText()));

  it('is in 72-query-frontend.yaml, a Deployment of two replicas with a Service on its http port', () => {
    const d = find(r, 'observer', 'Deployment', 'thanos-query-frontend');
    expect(d.file).toBe('observer/72-query-frontend.yaml');
    expect(d.obj.spec.replicas).toBe(2);
    expect(container(r).args[0]).toBe('query-frontend');
    const svc = find(r, 'observer', 'Service', 'thanos-query-frontend').obj;
    expect(svc.spec.ports.map((p) => [p.name, p.port])).toEqual([['http', 10902]]);
    expect(selects(svc.spec.selector, d)).toBe(true);
    const listen = flag(r, 'http-address');
    const ports = container(r).ports as { name: string; containerPort: number }[];
    expect(ports.map((p) => [p.name, p.containerPort])).toEqual([['http', Number(listen.split(':')[1])]]);
  });

  it("sends its pieces to the rendered Querier Service: its DNS name and http port, the Service selecting the Querier's pods", () => {
    const svc = find(r, 'observer', 'Service', 'thanos-querier').obj;
    const http = svc.spec.ports.find((p) => p.name === 'http')!;
    const url = new URL(flag(r, 'query-frontend.downstream-url'));
    expect(url.protocol).toBe('http:');
    expect(url.hostname).toBe(`${svc.metadata.name}.${svc.metadata.namespace}.svc`);
    expect(Number(url.port)).toBe(http.port);
    expect(selects(svc.spec.selector, find(r, 'observer', 'Deployment', 'thanos-querier'))).toBe(true);
    // What Grafana's datasource is given: the frontend's Service.
    const front = find(r, 'observer', 'Service', 'thanos-query-frontend').obj;
    const fleet = fleetFrom(defaultFleetText());
    expect(observerQueryUrl(observerCluster(fleet, 'observer'))).toBe(
      `http://${front.metadata.name}.${front.metadata.namespace}.svc:${front.spec.ports[0].port}`,
    );
  });

  it('splits range and label requests by 24h, retries each piece 5 times and compresses responses', () => {
    expect([flag(r, 'query-range.split-interval'), flag(r, 'labels.split-interval')]).toEqual(['24h', '24h']);
    expect([flag(r, 'query-range.max-retries-per-request'), flag(r, 'labels.max-retries-per-request')]).toEqual(['5', '5']);
    expect(container(r).args).toContain('--query-frontend.compress-responses');
  });

  it('starts with flags that exist in Thanos v0.42 only, each given once', () => {
    const names = container(r)
      .args.slice(1)
      .map((a: string) => /^--([^=]+)/.exec(a)?.[1]);
    expect(names.filter((n: string | undefined) => !n || !QUERY_FRONTEND_FLAGS.has(n))).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  });

  it("caches both kinds of results in each pod's memory, 128MiB each, in the shape Thanos parses", () => {
    for (const name of ['query-range.response-cache-config', 'labels.response-cache-config']) {
      const config = parse(flag(r, name)) as { type: string; config: Record<string, unknown> };
      expect(Object.keys(config).sort()).toEqual(['config', 'type']);
      expect(config.type).toBe('IN-MEMORY');
      expect(Object.keys(config.config).filter((k) => !CACHE_CONFIG_KEYS['IN-MEMORY'].includes(k))).toEqual([]);
      expect(config.config.max_size).toBe('128MiB');
      expect(config.config.validity).toMatch(/^\d+h$/);
    }
  });

  it('is where the UI Ingress routes, with the sign-in and TLS the Querier Ingress had', () => {
    const ing = find(r, 'observer', 'Ingress', 'thanos-querier');
    expect(ing.file).toBe('observer/72-query-frontend.yaml');
    const backend = ing.obj.spec.rules[0].http.paths[0].backend.service;
    const svc = find(r, 'observer', 'Service', backend.name).obj;
    expect(svc.metadata.name).toBe('thanos-query-frontend');
    expect(svc.spec.ports.map((p) => p.name)).toContain(backend.port.name);
    expect(ing.obj.metadata.annotations['nginx.ingress.kubernetes.io/auth-type']).toBe('basic');
    expect(ing.obj.spec.tls).toEqual([{ hosts: ['thanos.example.com'], secretName: 'thanos-querier-ingress-tls' }]);
    // One Ingress for the host: the Querier has none of its own.
    expect(ofKind(r.objects, 'Ingress').filter((o) => o.cluster === 'observer')).toHaveLength(1);
  });

  it('validates against the Kubernetes schemas', () => {
    const report = validateRendered(path.join(r.outDir, 'observer'));
    expect(report.findings).toEqual([]);
    expect(
      ofKind(r.objects, 'Deployment')
        .filter((d) => d.cluster === 'observer')
        .map((d) => d.obj.metadata.name),
    ).toEqual(expect.arrayContaining(['thanos-querier', 'thanos-query-frontend']));
    expect(report.kinds['apps/v1/Deployment']).toBe(ofKind(r.objects, 'Deployment').filter((d) => d.cluster === 'observer').length);
  });
});

describe('frontend switched off: clients use the Querier', () => {
  const text = withQuerier((q) => (q.frontend = { enabled: false }));
  const r = render(fleetFrom(text));

  it('renders no frontend, and the same Ingress, annotations and TLS, routed to the Querier Service', () => {
    expect(r.files.has('observer/72-query-frontend.yaml')).toBe(false);
    expect(ofKind(r.objects, 'Deployment').some((o) => o.obj.metadata.name === 'thanos-query-frontend')).toBe(false);
    const ing = find(r, 'observer', 'Ingress', 'thanos-querier');
    expect(ing.file).toBe('observer/70-querier.yaml');
    expect(ing.obj.spec.rules[0].http.paths[0].backend.service).toEqual({ name: 'thanos-querier', port: { name: 'http' } });
    const withFrontend = find(render(fleetFrom(defaultFleetText())), 'observer', 'Ingress', 'thanos-querier').obj;
    expect(ing.obj.metadata).toEqual(withFrontend.metadata);
    expect(ing.obj.spec.tls).toEqual(withFrontend.spec.tls);
    expect(observerQueryUrl(observerCluster(fleetFrom(text), 'observer'))).toBe('http://thanos-querier.monitoring.svc:10902');
  });
});

describe('frontend settings', () => {
  const caches = (cache: Record<string, unknown>) => {
    const frontend = { cache, splitInterval: '12h', maxRetries: 2, resources: { limits: { memory: '4Gi' } } };
    const r = render(fleetFrom(withQuerier((q) => (q.frontend = frontend))));
    const read = (name: string) => parse(flag(r, name)) as CacheYaml;
    return { r, range: read('query-range.response-cache-config'), labels: read('labels.response-cache-config') };
  };

  it('memcached: the addresses under config, type MEMCACHED, for both caches', () => {
    const { r, range, labels } = caches({ type: 'memcached', addresses: ['dnssrv+_memcache._tcp.memcached.cache.svc', 'memcached-0.cache.svc:11211'] });
    for (const c of [range, labels]) {
      expect(c).toEqual({ type: 'MEMCACHED', config: { addresses: ['dnssrv+_memcache._tcp.memcached.cache.svc', 'memcached-0.cache.svc:11211'] } });
      expect(Object.keys(c.config).filter((k) => !CACHE_CONFIG_KEYS.MEMCACHED.includes(k))).toEqual([]);
    }
    expect([flag(r, 'query-range.split-interval'), flag(r, 'query-range.max-retries-per-request')]).toEqual(['12h', '2']);
  });

  it('redis: addr under config, type REDIS', () => {
    const { range, labels } = caches({ type: 'redis', address: 'redis.cache.svc:6379' });
    for (const c of [range, labels]) {
      expect(c).toEqual({ type: 'REDIS', config: { addr: 'redis.cache.svc:6379' } });
      expect(Object.keys(c.config).filter((k) => !CACHE_CONFIG_KEYS.REDIS.includes(k))).toEqual([]);
    }
  });

  it('a split interval in days reaches Thanos in hours, which Go durations (kingpin DurationVar) read', () => {
    const r = render(fleetFrom(withQuerier((q) => (q.frontend = { splitInterval: '1d12h' }))));
    expect([flag(r, 'query-range.split-interval'), flag(r, 'labels.split-interval')]).toEqual(['36h', '36h']);
  });

  it('inMemory: a size in Kubernetes units becomes the same number of bytes in the units humanize reads', () => {
    const { range } = caches({ type: 'inMemory', maxSize: '1Gi' });
    expect(range.config.max_size).toBe('1GiB');
  });

  it('gets a ServiceMonitor on an observer with its own Prometheus, selecting the frontend Service', () => {
    const r = render(fleetFrom(HUB_FLEET));
    const sm = find(r, 'hub', 'ServiceMonitor', 'thanos-query-frontend').obj;
    const svc = find(r, 'hub', 'Service', 'thanos-query-frontend').obj;
    expect(Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels[k] === v)).toBe(true);
    expect(sm.spec.endpoints.map((e) => e.port)).toEqual(['http']);
    expect(sm.metadata.labels.team).toBe('platform');
  });
});

describe('frontend fleet checks name the field', () => {
  const problems = (frontend: Record<string, unknown>) => fleetProblems(withQuerier((q) => (q.frontend = frontend)));

  it('memcached and redis need their address; a field of another type is refused', () => {
    expect(problems({ cache: { type: 'memcached' } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.frontend\.cache\.addresses: is required with type: memcached/),
    ]);
    expect(problems({ cache: { type: 'redis' } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.frontend\.cache\.address: is required with type: redis/),
    ]);
    expect(problems({ cache: { type: 'redis', address: 'r.svc:6379', maxSize: '1Gi' } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.frontend\.cache\.maxSize: is for type: inMemory only/),
    ]);
    expect(problems({ cache: { type: 'memcached', addresses: ['memcached.svc'] } })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.frontend\.cache\.addresses\[0\]: needs a port/),
    ]);
  });

  it('a split interval of 0 is refused, as Thanos caches only split queries', () => {
    expect(problems({ splitInterval: '0h' })).toEqual([
      expect.stringMatching(/^clusters\[0\]\.querier\.frontend\.splitInterval: is "0h"; Thanos needs a split above 0/),
    ]);
  });

  it('two in-memory caches must fit in the memory limit', () => {
    // 2 x 512Mi is the whole 1Gi default limit.
    expect(problems({ cache: { maxSize: '512Mi' } })).toEqual([
      expect.stringMatching(
        /^clusters\[0\]\.querier\.frontend\.cache\.maxSize: 2 caches of "512Mi" .* memory limit "1Gi" of clusters\[0\]\.querier\.frontend\.resources\.limits\.memory/,
      ),
    ]);
    expect(problems({ cache: { maxSize: '512Mi' }, resources: { limits: { memory: '2Gi' } } })).toEqual([]);
    expect(problems({ cache: { maxSize: '511Mi' } })).toEqual([]);
  });

  it('the default fleet passes, and its committed dist has the frontend', () => {
    expect(fleetProblems(defaultFleetText())).toEqual([]);
    expect(fs.existsSync(path.join(__dirname, '..', 'dist', 'observer', '72-query-frontend.yaml'))).toBe(true);
  });
});

describe('examples/external-caches/fleet.yaml', () => {
  const file = path.join(__dirname, '..', 'examples', 'external-caches', 'fleet.yaml');
  const r = render(fleetFrom(fs.readFileSync(file, 'utf8')));

  it('renders a redis frontend cache, a memcached one, a memcached index cache and three time shards, all valid', () => {
    const cacheOf = (cluster: string) => parse(flagValue(container(r, cluster).args, 'query-range.response-cache-config')!) as CacheYaml;
    expect(cacheOf('hub')).toEqual({ type: 'REDIS', config: { addr: 'redis.cache.svc:6379' } });
    expect(cacheOf('dr').type).toBe('MEMCACHED');
    const shards = ofKind(r.objects, 'StatefulSet').filter((o) => o.cluster === 'hub');
    expect(shards.map((s) => s.obj.metadata.name)).toEqual(['thanos-store-gateway-0', 'thanos-store-gateway-1', 'thanos-store-gateway-2']);
    const report = validateRendered(r.outDir);
    expect(report.findings).toEqual([]);
    expect(report.objects).toBe(r.objects.length);
  });
});
