// Object storage end to end: a fleet with an S3 bucket (keys from the secret store) and one with a filesystem
// bucket (a single cluster) render the sidecars' uploads, the Store Gateway and the compactor on the same bucket
// Secret; workload identity renders annotated ServiceAccounts instead of keys.
//
// Upstream facts checked here, from the sources (read with the search tools):
// - the objstore file: github.com/thanos-io/objstore client/factory.go (BucketConfig: type, config, prefix; type
//   matched without case against objstore.go's S3, GCS, AZURE, FILESYSTEM), with the fields of
//   providers/s3/s3.go, providers/gcs/gcs.go, providers/azure/azure.go and providers/filesystem/filesystem.go, at
//   the objstore version Thanos v0.42 pins (go.mod: v0.0.0-20250804093838-71d60dfee488);
// - `thanos compact` flags: thanos-io/thanos v0.42.4 cmd/thanos/compact.go (compactConfig.registerFlag),
//   cmd/thanos/config.go (http-address) and pkg/extkingpin/flags.go (objstore.config-file);
// - uploads: prometheus-operator v0.93.0 pkg/prometheus/server/statefulset.go, where spec.disableCompaction
//   sets --storage.tsdb.min-block-duration and max-block-duration both to thanos.blockSize.
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parse } from 'yaml';
import { main as credentialMain } from '../lib/cli/credential';
import { storeEndpoint } from '../lib/components/endpoints';
import { SECRETS_DIR } from '../lib/file-chart';
import { PkiError } from '../lib/pki';
import { preparePkiSync } from '../lib/pki/fleet-pki';
import { renderFleet } from '../lib/render';
import { ObserverMonitoring } from '../lib/stacks/observer-monitoring';
import { fleetFrom, ofKind, render, ROOT, type Rendered, type RenderedObject, testPki, testPkiDir, tmpDir, validateRendered } from './support/fleet';
import type { Manifest } from './support/manifests';
import { makeController, unseal } from './support/sealed';

const ACCESS_KEY = 'AKIAEXAMPLEVALUE0001';
const SECRET_KEY = 'wJalrXUtnFEMI-secret-VALUE';

const S3_FLEET = `
buckets:
  metrics:
    type: s3
    config:
      bucket: acme-metrics
      endpoint: s3.eu-west-1.amazonaws.com
      region: eu-west-1
      sse_config: { type: SSE-KMS, kms_key_id: alias/thanos }
    credentials: { source: store, accessKey: metrics-access-key, secretKey: metrics-secret-key }
defaults:
  thanosSidecar: { bucket: metrics }
clusters:
  - name: observer
    roles: [observer]
    querier:
      storeGateway: { bucket: metrics }
      compactor:
        bucket: metrics
        retention: { raw: 7d, fiveMinutes: 30d, oneHour: 0d }
        storage: { size: 200Gi, storageClassName: fast }
  - name: eu
    roles: [workload]
    thanos:
      endpoint: { host: "sidecar-{replica}.eu.example.com" }
  - name: lab
    roles: [workload]
    thanos:
      endpoint: { host: "sidecar-{replica}.lab.example.com" }
    overrides:
      thanosSidecar: { bucket: null }
`;

const FILESYSTEM_FLEET = `
buckets:
  local:
    type: filesystem
    config: { directory: /var/thanos/bucket }
    persistentVolumeClaim: thanos-bucket
clusters:
  - name: single
    roles: [observer, workload]
    thanos:
      endpoint: { host: "sidecar-{replica}.single.example.com" }
    overrides:
      thanosSidecar: { bucket: local }
    querier:
      storeGateway: { bucket: local }
      compactor:
        bucket: local
        retention: { raw: 1d }
        downsampling: { enabled: false }
        deduplication: { enabled: true }
`;

/** The fields of each provider's configuration (the yaml tags of objstore's Config structs, see above). */
const OBJSTORE_FIELDS: Record<string, string[]> = {
  S3: [
    'bucket',
    'endpoint',
    'region',
    'disable_dualstack',
    'aws_sdk_auth',
    'access_key',
    'insecure',
    'signature_version2',
    'secret_key',
    'session_token',
    'put_user_metadata',
    'http_config',
    'trace',
    'list_objects_version',
    'bucket_lookup_type',
    'send_content_md5',
    'disable_multipart',
    'part_size',
    'sse_config',
    'sts_endpoint',
    'max_retries',
  ],
  GCS: ['bucket', 'service_account', 'use_grpc', 'grpc_conn_pool_size', 'http_config', 'chunk_size_bytes', 'max_retries'],
  AZURE: [
    'az_tenant_id',
    'client_id',
    'client_secret',
    'storage_account',
    'storage_account_key',
    'storage_connection_string',
    'storage_create_container',
    'container',
    'endpoint',
    'user_assigned_id',
    'max_retries',
    'reader_config',
    'pipeline_config',
    'http_config',
    'msi_resource',
  ],
  FILESYSTEM: ['directory'],
};

/** Flags `thanos compact` v0.42 registers (compact.go registerFlag, with the http and objstore flags it adds). */
const COMPACT_FLAGS = new Set([
  'http-address',
  'http-grace-period',
  'data-dir',
  'objstore.config-file',
  'objstore.config',
  'consistency-delay',
  'retention.resolution-raw',
  'retention.resolution-5m',
  'retention.resolution-1h',
  'wait',
  'wait-interval',
  'downsampling.disable',
  'block-discovery-strategy',
  'compact.concurrency',
  'delete-delay',
  'compact.enable-vertical-compaction',
  'deduplication.func',
  'deduplication.replica-label',
]);

/** Puts each credential into the store with the command's code, as `npm run credential -- set <name>` does. */
async function setCredentials(text: string, values: Record<string, string>, store = testPkiDir()): Promise<string> {
  const file = path.join(tmpDir(), 'fleet.yaml');
  fs.writeFileSync(file, text);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    for (const [name, value] of Object.entries(values)) {
      expect(await credentialMain(['set', name, '--fleet', file, '--pki-dir', store], { stdin: () => `${value}\n` })).toBe(0);
    }
  } finally {
    err.mockRestore();
  }
  return file;
}

function find<K extends Manifest['kind']>(r: Rendered, cluster: string, kind: K, name: string): RenderedObject<Extract<Manifest, { kind: K }>> {
  const found = r.objects.find((o) => o.cluster === cluster && o.obj.kind === kind && o.obj.metadata?.name === name);
  if (!found) throw new Error(`${cluster} has no ${kind} ${name}`);
  return found as RenderedObject<Extract<Manifest, { kind: K }>>;
}

/** The objstore configuration in a bucket Secret, as Thanos reads it. */
function objstoreOf(r: Rendered, cluster: string, secret: string): { type: string; config: Record<string, unknown> } {
  const s = find(r, cluster, 'Secret', secret);
  expect(s.file).toBe(path.join(cluster, SECRETS_DIR, `${secret}.yaml`));
  const data = (s.obj as { data: Record<string, string> }).data;
  expect(Object.keys(data)).toEqual(['objstore.yml']);
  return parse(Buffer.from(data['objstore.yml'], 'base64').toString('utf8')) as { type: string; config: Record<string, unknown> };
}

/** The objstore Secret volume of a pod template: the Secret's name and the key it mounts. */
function objstoreVolume(spec: { volumes?: { name: string; secret?: { secretName?: string; items?: { key: string }[] } }[] }) {
  const v = spec.volumes?.find((x) => x.name === 'objstore');
  return { name: v?.secret?.secretName, key: v?.secret?.items?.[0]?.key };
}

interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: {
    serviceAccountName?: string;
    containers: { args: string[]; ports?: { name: string }[]; volumeMounts?: { name: string; mountPath: string }[] }[];
    volumes?: { name: string; secret?: { secretName?: string; items?: { key: string }[] }; persistentVolumeClaim?: { claimName: string } }[];
  };
}
const templateOf = (o: RenderedObject) => (o.obj as unknown as { spec: { template: PodTemplate } }).spec.template;

/**
 * The long-term read path of an observer: the query frontend's downstream is the rendered Querier Service, and the
 * Querier's endpoints include the rendered Store Gateway Service, which serves the bucket.
 */
function expectReadPath(r: Rendered, cluster: string): void {
  const service = (name: string) => {
    const svc = find(r, cluster, 'Service', name).obj;
    return { host: `${svc.metadata.name}.${svc.metadata.namespace}.svc`, ports: svc.spec.ports.map((p) => p.port) };
  };
  const frontendArgs = templateOf(find(r, cluster, 'Deployment', 'thanos-query-frontend')).spec.containers[0].args ?? [];
  const downstream = new URL(frontendArgs.find((a) => a.startsWith('--query-frontend.downstream-url='))!.split('=')[1]);
  const querier = service('thanos-querier');
  expect(downstream.hostname).toBe(querier.host);
  expect(querier.ports).toContain(Number(downstream.port));
  const sd = parse(find(r, cluster, 'ConfigMap', 'thanos-querier-endpoints').obj.data['endpoints.yaml']) as { endpoints: { address: string }[] };
  const gateway = service('thanos-store-gateway');
  expect(sd.endpoints.map((e) => e.address)).toContain(`${gateway.host}:${gateway.ports.find((p) => p === 10901)}`);
}

describe('an S3 bucket with keys from the secret store', () => {
  let r: Rendered;
  let file: string;
  beforeAll(async () => {
    file = await setCredentials(S3_FLEET, { 'metrics-access-key': ACCESS_KEY, 'metrics-secret-key': SECRET_KEY });
    r = render(fleetFrom(S3_FLEET));
  });

  it('lists the bucket credentials with promfleet credential list, without their values', async () => {
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await credentialMain(['list', '--fleet', file, '--pki-dir', testPkiDir()])).toBe(0);
      const listed = out.mock.calls.map((c) => String(c[0])).join('');
      expect(listed).toBe(
        'metrics-access-key\tstored\tbuckets.metrics.credentials.accessKey\nmetrics-secret-key\tstored\tbuckets.metrics.credentials.secretKey\n',
      );
    } finally {
      out.mockRestore();
    }
  });

  it('renders the objstore configuration Thanos expects, with the keys, in each cluster that uses the bucket', () => {
    for (const cluster of ['observer', 'eu']) {
      const objstore = objstoreOf(r, cluster, 'thanos-objstore-metrics');
      expect(objstore).toEqual({
        type: 'S3',
        config: {
          bucket: 'acme-metrics',
          endpoint: 's3.eu-west-1.amazonaws.com',
          region: 'eu-west-1',
          sse_config: { type: 'SSE-KMS', kms_key_id: 'alias/thanos' },
          access_key: ACCESS_KEY,
          secret_key: SECRET_KEY,
        },
      });
      expect(Object.keys(objstore.config).filter((k) => !OBJSTORE_FIELDS[objstore.type].includes(k))).toEqual([]);
    }
    // "lab" uploads nothing (bucket: null): no Secret, no upload.
    expect(r.objects.filter((o) => o.cluster === 'lab' && o.obj.metadata?.name === 'thanos-objstore-metrics')).toEqual([]);
  });

  it('has the sidecars upload 2-hour blocks with local compaction off, and not where the bucket is null', () => {
    const eu = find(r, 'eu', 'Prometheus', 'k8s').obj.spec;
    expect(eu.thanos?.objectStorageConfig).toEqual({ name: 'thanos-objstore-metrics', key: 'objstore.yml' });
    expect(eu.thanos?.blockSize).toBe('2h');
    expect(eu.disableCompaction).toBe(true);
    const lab = find(r, 'lab', 'Prometheus', 'k8s').obj.spec;
    expect([lab.thanos?.objectStorageConfig, lab.thanos?.blockSize, lab.disableCompaction]).toEqual([undefined, undefined, undefined]);
  });

  it('reads the bucket back through the query frontend, the Querier and the Store Gateway', () => {
    expectReadPath(r, 'observer');
  });

  it('points the Store Gateway and the compactor at the same Secret as the sidecars', () => {
    const gateway = templateOf(find(r, 'observer', 'StatefulSet', 'thanos-store-gateway'));
    const compactor = templateOf(find(r, 'observer', 'StatefulSet', 'thanos-compact'));
    expect(objstoreVolume(gateway.spec)).toEqual({ name: 'thanos-objstore-metrics', key: 'objstore.yml' });
    expect(objstoreVolume(compactor.spec)).toEqual({ name: 'thanos-objstore-metrics', key: 'objstore.yml' });
    // With keys, no identity: the pods keep the namespace's default ServiceAccount, without a token.
    expect(compactor.spec.serviceAccountName).toBeUndefined();
  });

  it('runs one compactor with its own volume and the retention of the fleet file, with flags of thanos compact v0.42', () => {
    const sts = find(r, 'observer', 'StatefulSet', 'thanos-compact');
    expect(sts.file).toBe(path.join('observer', '73-compactor.yaml'));
    const spec = (sts.obj as unknown as { spec: { replicas: number; volumeClaimTemplates: { spec: { storageClassName: string; resources: unknown } }[] } })
      .spec;
    expect(spec.replicas).toBe(1);
    expect(spec.volumeClaimTemplates.map((v) => [v.spec.storageClassName, v.spec.resources])).toEqual([['fast', { requests: { storage: '200Gi' } }]]);
    const container = templateOf(sts).spec.containers[0];
    expect(container.args).toEqual([
      'compact',
      '--wait',
      '--data-dir=/var/thanos/compact',
      '--objstore.config-file=/etc/thanos/objstore/objstore.yaml',
      '--http-address=0.0.0.0:10902',
      '--retention.resolution-raw=7d',
      '--retention.resolution-5m=30d',
      '--retention.resolution-1h=0d',
    ]);
    const flags = container.args.slice(1).map((a) => a.replace(/^--/, '').split('=')[0]);
    expect(flags.filter((f) => !COMPACT_FLAGS.has(f))).toEqual([]);
    expect(container.ports?.map((p) => p.name)).toEqual(['http']);
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: 'objstore', mountPath: '/etc/thanos/objstore', readOnly: true }]));
    const svc = find(r, 'observer', 'Service', 'thanos-compact').obj as unknown as { spec: { ports: { name: string; port: number }[] } };
    expect(svc.spec.ports.map((p) => [p.name, p.port])).toEqual([['http', 10902]]);
    // The observer monitors itself: its Prometheus scrapes the compactor, gets its alerts, and is the only caller it admits.
    const names = (kind: string) => r.objects.filter((o) => o.cluster === 'observer' && o.obj.kind === kind).map((o) => o.obj.metadata.name);
    expect(names('ServiceMonitor')).toContain('thanos-compact');
    expect(names('PrometheusRule')).toContain('promfleet-thanos-compact');
    const policy = find(r, 'observer', 'NetworkPolicy', 'thanos-compact').obj as unknown as {
      spec: { ingress: { from: { podSelector: { matchLabels: Record<string, string> } }[]; ports: { port: number }[] }[] };
    };
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0].ports.map((p) => p.port)).toEqual([10902]);
    const prometheus = find(r, 'observer', 'Prometheus', 'k8s').obj as unknown as { metadata: { name: string } };
    // The operator labels the Prometheus pods with its name and the app's.
    expect(policy.spec.ingress[0].from.map((f) => f.podSelector.matchLabels)).toEqual([
      { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': prometheus.metadata.name },
    ]);
  });

  it('validates against the CRD and Kubernetes schemas', () => {
    const report = validateRendered(...['observer', 'eu', 'lab'].map((c) => path.join(r.outDir, c)));
    expect(report.findings).toEqual([]);
    expect(report.kinds['apps/v1/StatefulSet']).toBe(2);
  });

  it('keeps the keys out of every committed file: git add of dist/ stages none of the Secrets', () => {
    const repo = path.dirname(r.outDir);
    execFileSync('git', ['init', '-q'], { cwd: repo });
    execFileSync('git', ['add', '-A', path.basename(r.outDir)], { cwd: repo });
    const staged = execFileSync('git', ['diff', '--cached', '--name-only'], { cwd: repo, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(staged).toContain('dist/observer/73-compactor.yaml');
    expect(staged.filter((f) => f.includes('thanos-objstore'))).toEqual([]);
    for (const f of staged) {
      const text = fs.readFileSync(path.join(repo, f), 'utf8');
      for (const v of [ACCESS_KEY, SECRET_KEY]) expect([f, text.includes(v) || text.includes(Buffer.from(v).toString('base64'))]).toEqual([f, false]);
    }
  });
});

describe('sealed secrets mode', () => {
  it("commits the bucket's configuration sealed for the cluster, and nothing in plain", async () => {
    const dir = tmpDir();
    const controller = makeController();
    controller.writeCert(path.join(dir, 'certs', 'eu.pem'));
    const text = S3_FLEET.replace('  - name: eu\n', '  - name: eu\n    sealedSecrets: { certificate: certs/eu.pem }\n');
    await setCredentials(text, { 'metrics-access-key': ACCESS_KEY, 'metrics-secret-key': SECRET_KEY });
    const fleet = fleetFrom(text, dir);
    const r = render(fleet, path.join(dir, 'dist'), testPki(fleet));
    const sealed = ofKind(r.objects, 'SealedSecret').find((o) => o.cluster === 'eu' && o.obj.metadata.name === 'thanos-objstore-metrics');
    expect(sealed?.file).toBe(path.join('eu', 'sealed-secrets', 'thanos-objstore-metrics.yaml'));
    const opened = unseal(controller.privateKey, sealed!.obj);
    expect(parse(opened.data['objstore.yml'].toString())).toMatchObject({ type: 'S3', config: { access_key: ACCESS_KEY, secret_key: SECRET_KEY } });
    // The observer is not sealed: its Secret stays in the git-ignored secrets/.
    expect(objstoreOf(r, 'observer', 'thanos-objstore-metrics').config.access_key).toBe(ACCESS_KEY);
    for (const [rel, content] of [...r.files].filter(([f]) => !f.split(path.sep).includes(SECRETS_DIR))) {
      expect([rel, content.includes(ACCESS_KEY) || content.includes(Buffer.from(ACCESS_KEY).toString('base64'))]).toEqual([rel, false]);
    }
  });
});

describe('a filesystem bucket on a single cluster', () => {
  let r: Rendered;
  beforeAll(() => {
    r = render(fleetFrom(FILESYSTEM_FLEET));
  });

  it('reads the bucket back through the query frontend, the Querier and the Store Gateway', () => {
    expectReadPath(r, 'single');
  });

  it('renders its configuration without credentials, and mounts the shared claim at its directory everywhere', () => {
    const objstore = objstoreOf(r, 'single', 'thanos-objstore-local');
    expect(objstore).toEqual({ type: 'FILESYSTEM', config: { directory: '/var/thanos/bucket' } });
    expect(Object.keys(objstore.config).filter((k) => !OBJSTORE_FIELDS[objstore.type].includes(k))).toEqual([]);
    const prom = find(r, 'single', 'Prometheus', 'k8s').obj.spec;
    expect(prom.volumes).toEqual([{ name: 'bucket', persistentVolumeClaim: { claimName: 'thanos-bucket' } }]);
    expect(prom.thanos?.volumeMounts).toEqual(expect.arrayContaining([{ name: 'bucket', mountPath: '/var/thanos/bucket' }]));
    expect(prom.thanos?.objectStorageConfig).toEqual({ name: 'thanos-objstore-local', key: 'objstore.yml' });
    for (const name of ['thanos-store-gateway', 'thanos-compact']) {
      const t = templateOf(find(r, 'single', 'StatefulSet', name));
      expect(t.spec.volumes?.find((v) => v.name === 'bucket')).toEqual({ name: 'bucket', persistentVolumeClaim: { claimName: 'thanos-bucket' } });
      expect(t.spec.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: 'bucket', mountPath: '/var/thanos/bucket' }]));
      expect(objstoreVolume(t.spec)).toEqual({ name: 'thanos-objstore-local', key: 'objstore.yml' });
    }
  });

  it('deduplicates on the replica label and skips downsampling when asked', () => {
    const args = templateOf(find(r, 'single', 'StatefulSet', 'thanos-compact')).spec.containers[0].args;
    expect(args).toEqual(expect.arrayContaining(['--retention.resolution-raw=1d', '--downsampling.disable']));
    expect(args.slice(-2)).toEqual(['--deduplication.replica-label=prometheus_replica', '--deduplication.func=penalty']);
    expect(args.map((a) => a.replace(/^--/, '').split('=')[0]).filter((f) => f !== 'compact' && !COMPACT_FLAGS.has(f))).toEqual([]);
  });

  it("is scraped by the cluster's own Prometheus, which gets the compactor's alerts", () => {
    const monitor = find(r, 'single', 'ServiceMonitor', 'thanos-compact');
    expect(monitor.file).toBe(path.join('single', '73-compactor.yaml'));
    const rules = ofKind(r.objects, 'PrometheusRule').filter((o) => o.cluster === 'single');
    const alerts = rules.flatMap((o) => o.obj.spec.groups.flatMap((g) => (g.rules ?? []).map((x) => x.alert)));
    expect(alerts).toEqual(expect.arrayContaining(['ThanosCompactHalted', 'ThanosCompactHasNotRun']));
    const policy = find(r, 'single', 'NetworkPolicy', 'thanos-compact').obj as unknown as { spec: { ingress: { ports: { port: number }[] }[] } };
    expect(policy.spec.ingress.map((i) => i.ports.map((p) => p.port))).toEqual([[10902]]);
  });

  it('validates against the CRD and Kubernetes schemas', () => {
    const report = validateRendered(path.join(r.outDir, 'single'));
    expect(report.findings).toEqual([]);
  });
});

describe('workload identity', () => {
  const fleet = (bucket: string) => S3_FLEET.replace(/buckets:\n(.*\n)+?defaults:\n/, `buckets:\n  metrics:\n${bucket.replace(/^/gm, '    ')}\ndefaults:\n`);

  it.each([
    [
      'IRSA on S3',
      'type: s3\nconfig: { bucket: acme-metrics, endpoint: s3.eu-west-1.amazonaws.com }\ncredentials: { source: workloadIdentity, roleArn: "arn:aws:iam::123456789012:role/thanos" }',
      { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/thanos' },
      {},
      { type: 'S3', config: { bucket: 'acme-metrics', endpoint: 's3.eu-west-1.amazonaws.com' } },
    ],
    [
      'GKE workload identity',
      'type: gcs\nconfig: { bucket: acme-metrics }\ncredentials: { source: workloadIdentity, gcpServiceAccount: thanos@acme.iam.gserviceaccount.com }',
      { 'iam.gke.io/gcp-service-account': 'thanos@acme.iam.gserviceaccount.com' },
      {},
      { type: 'GCS', config: { bucket: 'acme-metrics' } },
    ],
    [
      'Azure workload identity',
      'type: azure\nconfig: { storage_account: acmemetrics, container: thanos }\ncredentials: { source: workloadIdentity, clientId: 00000000-0000-4000-8000-000000000001 }',
      { 'azure.workload.identity/client-id': '00000000-0000-4000-8000-000000000001' },
      { 'azure.workload.identity/use': 'true' },
      { type: 'AZURE', config: { storage_account: 'acmemetrics', container: 'thanos' } },
    ],
  ])('%s: annotated ServiceAccounts and no key', (_what, bucket, annotations, labels, objstore) => {
    const r = render(fleetFrom(fleet(bucket)));
    const got = objstoreOf(r, 'eu', 'thanos-objstore-metrics');
    expect(got).toEqual(objstore);
    expect(Object.keys(got.config).filter((k) => !OBJSTORE_FIELDS[got.type].includes(k))).toEqual([]);
    // The ServiceAccount's own annotations, without the sync wave every object gets (lib/delivery/sync-waves.ts).
    const sa = (cluster: string, name: string) =>
      Object.fromEntries(
        Object.entries((find(r, cluster, 'ServiceAccount', name).obj.metadata as { annotations?: Record<string, string> }).annotations ?? {}).filter(
          ([k]) => !k.startsWith('argocd.argoproj.io/'),
        ),
      );
    expect(sa('eu', 'prometheus-k8s')).toEqual(annotations);
    expect(find(r, 'eu', 'Prometheus', 'k8s').obj.spec.podMetadata?.labels).toEqual(expect.objectContaining(labels));
    for (const name of ['thanos-store-gateway', 'thanos-compact']) {
      expect(sa('observer', name)).toEqual(annotations);
      const t = templateOf(find(r, 'observer', 'StatefulSet', name));
      expect(t.spec.serviceAccountName).toBe(name);
      expect(t.metadata.labels).toEqual(expect.objectContaining(labels));
    }
    // A cluster that does not upload keeps its ServiceAccount plain.
    expect(sa('lab', 'prometheus-k8s')).toEqual({});
    expect(validateRendered(path.join(r.outDir, 'observer'), path.join(r.outDir, 'eu')).findings).toEqual([]);
  });
});

describe('a bucket credential the store lacks', () => {
  it('stops the synth with the field and the command that sets it, and writes nothing', () => {
    const fleet = fleetFrom(S3_FLEET);
    const dir = path.join(tmpDir(), 'store');
    const pki = preparePkiSync({ ...fleet, pki: { ...fleet.pki, dir } });
    const out = path.join(tmpDir(), 'dist');
    expect(() => renderFleet(fleet, out, pki)).toThrow(PkiError);
    expect(() => renderFleet(fleet, out, pki)).toThrow(
      /buckets\.metrics\.credentials\.accessKey names the credential "metrics-access-key", which the secret store lacks; set it with: promfleet credential set metrics-access-key/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('is not needed where the keys are withheld (CI without the store): no secrets/ at all', () => {
    const fleet = fleetFrom(S3_FLEET);
    const pki = { ...testPki(fleet), withheld: ['the keys'] };
    const r = render(fleet, path.join(tmpDir(), 'dist'), pki);
    expect([...r.files.keys()].filter((f) => f.includes('thanos-objstore'))).toEqual([]);
    expect(find(r, 'eu', 'Prometheus', 'k8s').obj.spec.thanos?.objectStorageConfig).toEqual({ name: 'thanos-objstore-metrics', key: 'objstore.yml' });
  });
});

describe('the documented commands', () => {
  it('npm run credential -- set puts the keys of docs/storage.md into the store, and a synth renders them', () => {
    // Run from a folder inside the repository (the git-ignored .build/), as a reader runs npm from a checkout.
    fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(ROOT, '.build', 'bucket-credential-'));
    try {
      fs.writeFileSync(path.join(dir, 'fleet.yaml'), S3_FLEET);
      fs.writeFileSync(path.join(dir, 'access-key.txt'), `${ACCESS_KEY}\n`);
      fs.writeFileSync(path.join(dir, 'secret-key.txt'), `${SECRET_KEY}\n`);
      const store = path.join(dir, '.pki');
      const env = { ...process.env, FLEET: path.join(dir, 'fleet.yaml'), PROMFLEET_PKI_DIR: store, npm_config_update_notifier: 'false' };
      const sh = (command: string) => spawnSync('sh', ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
      for (const command of [
        'npm run credential -- set metrics-access-key < access-key.txt',
        'npm run credential -- set metrics-secret-key < secret-key.txt',
      ]) {
        const run = sh(command);
        expect([command, run.status]).toEqual([command, 0]);
      }
      const fleet = fleetFrom(S3_FLEET, dir);
      const r = render(fleet, path.join(dir, 'dist'), testPki(fleet, store));
      expect(objstoreOf(r, 'eu', 'thanos-objstore-metrics').config).toMatchObject({ access_key: ACCESS_KEY, secret_key: SECRET_KEY });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the compactor in a chart of your own', () => {
  it('runs on a bucket Secret you manage, with the default retention and downsampling', () => {
    const chart = new Chart(new App(), 'user', { disableResourceNameHashes: true });
    new ObserverMonitoring(chart, 'observer', {
      sidecars: [storeEndpoint('sidecar.eu.example.com')],
      monitorSelector: { team: 'platform' },
      compactor: { objectStorage: { name: 'my-bucket', key: 'thanos.yaml' } },
    });
    const objects = chart.toJson() as { kind: string; metadata: { name: string; labels?: Record<string, string> }; spec: { template: PodTemplate } }[];
    const sts = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'thanos-compact');
    expect(objstoreVolume(sts!.spec.template.spec)).toEqual({ name: 'my-bucket', key: 'thanos.yaml' });
    expect(sts!.spec.template.spec.containers[0].args).toEqual(
      expect.arrayContaining(['--retention.resolution-raw=30d', '--retention.resolution-5m=90d', '--retention.resolution-1h=1y']),
    );
    expect(sts!.spec.template.spec.containers[0].args.filter((a) => a.startsWith('--downsampling') || a.startsWith('--deduplication'))).toEqual([]);
    expect(objects.find((o) => o.kind === 'ServiceMonitor' && o.metadata.name === 'thanos-compact')?.metadata.labels).toMatchObject({ team: 'platform' });
  });
});
