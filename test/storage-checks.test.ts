// The fleet checks of object storage (lib/fleet/storage-checks.ts) and the bucket schema: each bad fleet is
// refused before anything is rendered, with the field, the clusters involved and the fix.
import { durationMs } from '../lib/fleet/storage-checks';
import { fleetProblems } from './support/fleet';

/** An observer "hub" with a Store Gateway and a compactor on "metrics", and two workload clusters uploading to it. */
const BASE = `
buckets:
  metrics:
    type: s3
    config: { bucket: acme-metrics, endpoint: s3.eu-west-1.amazonaws.com }
    credentials: { source: store, accessKey: metrics-access-key, secretKey: metrics-secret-key }
  archive:
    type: gcs
    config: { bucket: acme-archive }
    credentials: { source: workloadIdentity, gcpServiceAccount: thanos@acme.iam.gserviceaccount.com }
defaults:
  thanosSidecar: { bucket: metrics }
clusters:
  - name: hub
    roles: [observer]
    querier:
      storeGateway: { bucket: metrics }
      compactor: { bucket: metrics }
  - name: eu
    roles: [workload]
    thanos:
      endpoint: { host: "sidecar-{replica}.eu.example.com" }
  - name: us
    roles: [workload]
    thanos:
      endpoint: { host: "sidecar-{replica}.us.example.com" }
`;

/** BASE with a second observer, "dr", whose querier block is `querier`. */
const withSecondObserver = (querier: string) => `${BASE}  - name: dr\n    roles: [observer]\n    querier:\n${querier.replace(/^/gm, '      ')}\n`;

describe('object storage checks', () => {
  it('accepts the base fleet', () => {
    expect(fleetProblems(BASE)).toEqual([]);
  });

  it('allows exactly one compactor per bucket: the second names both clusters and fields', () => {
    const text = withSecondObserver('storeGateway: { bucket: metrics }\ncompactor: { bucket: metrics }');
    expect(fleetProblems(text)).toEqual([
      'clusters[3].querier.compactor.bucket: bucket "metrics" already has a compactor, clusters[0].querier.compactor.bucket (cluster "hub"); two compactors on one bucket compact and delete the same blocks: keep exactly one per bucket',
    ]);
    // Another bucket may have its own compactor.
    expect(fleetProblems(withSecondObserver('storeGateway: { bucket: archive }\ncompactor: { bucket: archive }'))).toEqual([]);
  });

  it('knows two entries of buckets that name the same storage: one compactor for both, and one Store Gateway reads both', () => {
    // "metrics-vpc" reaches the same S3 bucket through a VPC endpoint.
    const vpc = BASE.replace(
      '  archive:\n',
      '  metrics-vpc:\n    type: s3\n    config: { bucket: acme-metrics, endpoint: bucket.vpce-0abc.s3.eu-west-1.vpce.amazonaws.com }\n    credentials: { source: workloadIdentity, roleArn: "arn:aws:iam::123456789012:role/thanos" }\n  archive:\n',
    );
    const uploads = vpc.replace(/( {2}- name: us\n(.*\n){3})/, '$1    overrides:\n      thanosSidecar: { bucket: metrics-vpc }\n');
    expect(fleetProblems(uploads)).toEqual([]);
    expect(fleetProblems(`${vpc}  - name: dr\n    roles: [observer]\n    querier:\n      compactor: { bucket: metrics-vpc }\n`)).toEqual([
      'clusters[3].querier.compactor.bucket: bucket "metrics-vpc" already has a compactor, clusters[0].querier.compactor.bucket (cluster "hub") (buckets.metrics and buckets.metrics-vpc name the same storage); two compactors on one bucket compact and delete the same blocks: keep exactly one per bucket',
    ]);
  });

  it('wants raw samples kept at least 40h while downsampling', () => {
    const text = BASE.replace('compactor: { bucket: metrics }', 'compactor: { bucket: metrics, retention: { raw: 1d12h } }');
    expect(fleetProblems(text)).toEqual([
      'clusters[0].querier.compactor.retention.raw: "1d12h" is shorter than 40h: raw blocks are deleted before they are downsampled to 5 minutes, and Thanos refuses to start; keep raw samples at least 40h (or 0d, forever), or set clusters[0].querier.compactor.downsampling.enabled: false',
    ]);
    // Exactly 40h, forever, or no downsampling are all fine.
    for (const c of ['retention: { raw: 40h }', 'retention: { raw: 0d }', 'retention: { raw: 1d }, downsampling: { enabled: false }']) {
      expect(fleetProblems(BASE.replace('compactor: { bucket: metrics }', `compactor: { bucket: metrics, ${c} }`))).toEqual([]);
    }
  });

  it('wants 5-minute samples kept at least 10d while downsampling', () => {
    const text = BASE.replace('compactor: { bucket: metrics }', 'compactor: { bucket: metrics, retention: { fiveMinutes: 1w } }');
    expect(fleetProblems(text)).toEqual([
      'clusters[0].querier.compactor.retention.fiveMinutes: "1w" is shorter than 10d: 5-minute blocks are deleted before they are downsampled to 1 hour, and Thanos refuses to start; keep them at least 10d (or 0d, forever), or set clusters[0].querier.compactor.downsampling.enabled: false',
    ]);
    expect(fleetProblems(BASE.replace('compactor: { bucket: metrics }', 'compactor: { bucket: metrics, retention: { fiveMinutes: 10d } }'))).toEqual([]);
  });

  it('wants every bucket a cluster uploads to read by some Store Gateway', () => {
    const text = BASE.replace(/( {2}- name: us\n(.*\n){3})/, '$1    overrides:\n      thanosSidecar: { bucket: archive }\n');
    expect(fleetProblems(text)).toEqual([
      'clusters[2].overrides.thanosSidecar.bucket: cluster "us" uploads to bucket "archive", which no observer\'s Store Gateway reads, so its blocks are never queried; the Store Gateways read clusters[0].querier.storeGateway.bucket ("metrics", cluster "hub"): point one at "archive" or upload to its bucket',
    ]);
    const noGateway = BASE.replace('      storeGateway: { bucket: metrics }\n', '');
    expect(fleetProblems(noGateway)).toEqual([
      'defaults.thanosSidecar.bucket: clusters "eu", "us" upload to bucket "metrics", which no observer\'s Store Gateway reads, so its blocks are never queried; add querier.storeGateway.bucket: metrics to an observer',
    ]);
  });

  it('names an undeclared bucket with the declared ones', () => {
    const text = BASE.replace('storeGateway: { bucket: metrics }', 'storeGateway: { bucket: metric }');
    expect(fleetProblems(text)).toEqual(
      expect.arrayContaining(['clusters[0].querier.storeGateway.bucket: names bucket "metric", which buckets does not declare; declared: metrics, archive']),
    );
    expect(fleetProblems(BASE.replace('thanosSidecar: { bucket: metrics }', 'thanosSidecar: { bucket: nope }'))).toEqual([
      'defaults.thanosSidecar.bucket: names bucket "nope", which buckets does not declare; declared: metrics, archive',
    ]);
  });

  it('keeps a filesystem bucket with a claim to one cluster', () => {
    const text = BASE.replace(
      '  archive:\n',
      '  local:\n    type: filesystem\n    config: { directory: /var/thanos/bucket }\n    persistentVolumeClaim: thanos-bucket\n  archive:\n',
    ).replace(/bucket: metrics/g, 'bucket: local');
    expect(fleetProblems(text)).toEqual([
      'buckets.local.persistentVolumeClaim: is a volume of one cluster, but clusters[1] ("eu") and clusters[2] ("us") and clusters[0] ("hub") use bucket "local" (defaults.thanosSidecar.bucket, defaults.thanosSidecar.bucket, clusters[0].querier.storeGateway.bucket, clusters[0].querier.compactor.bucket); a filesystem bucket serves a single cluster: use s3, gcs or azure across clusters',
    ]);
  });

  it('points the removed objectStorage fields at buckets', () => {
    const text = BASE.replace(
      '      endpoint: { host: "sidecar-{replica}.eu.example.com" }\n',
      '$&      objectStorage: { name: thanos-objstore, key: objstore.yml }\n',
    );
    expect(fleetProblems(text)).toEqual([
      expect.stringMatching(/^clusters\[1\]\.thanos\.objectStorage: was replaced by buckets: declare the bucket under buckets\.<name> \(type: existingSecret/),
    ]);
  });

  it.each([
    [
      'an access key in the fleet file',
      'accessKey: metrics-access-key',
      'accessKey: AKIAIOSFODNN7EXAMPLE',
      /^buckets\.metrics\.credentials\.accessKey: must be the name of a credential of the secret store .*, never the value itself$/,
    ],
    [
      'a key in config',
      'config: { bucket: acme-metrics, endpoint: s3.eu-west-1.amazonaws.com }',
      'config: { bucket: acme-metrics, endpoint: s3.eu-west-1.amazonaws.com, secret_key: abc }',
      /^buckets\.metrics\.config\.secret_key: unknown key/,
    ],
    [
      'an endpoint with a scheme',
      'endpoint: s3.eu-west-1.amazonaws.com',
      'endpoint: "https://s3.eu-west-1.amazonaws.com"',
      /^buckets\.metrics\.config\.endpoint: must be host\[:port\] without a scheme/,
    ],
    [
      'a role that is no ARN',
      'credentials: { source: store, accessKey: metrics-access-key, secretKey: metrics-secret-key }',
      'credentials: { source: workloadIdentity, roleArn: thanos }',
      /^buckets\.metrics\.credentials\.roleArn: must be the ARN of an IAM role/,
    ],
    ['an unknown provider', 'type: s3', 'type: swift', /^buckets\.metrics\.type: /],
  ])('the schema refuses %s', (_what, from, to, message) => {
    const problems = fleetProblems(BASE.replace(from, to));
    expect(problems).toEqual([expect.stringMatching(message)]);
    // Whatever was written where a credential name goes may be the key itself: it is never echoed.
    expect(problems.join('\n')).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});

describe('durationMs', () => {
  it('reads Prometheus durations as Thanos does', () => {
    expect([durationMs('40h'), durationMs('1d16h'), durationMs('10d'), durationMs('1w3d'), durationMs('0d'), durationMs('1y')]).toEqual([
      144e6,
      144e6,
      864e6,
      864e6,
      0,
      365 * 864e5,
    ]);
  });
});
