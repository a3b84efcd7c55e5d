// Bad fleet files: each must fail with a message that names the offending field.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sealingCertificateProblems } from '../lib/delivery/sealed-secrets';
import { FleetError } from '../lib/fleet/errors';
import { parseFleet } from '../lib/fleet/load';

const workload = (name: string, host: string, extra = '') => `
  - name: ${name}
    roles: [workload]
    thanos:
      endpoint: { host: "${host.replace('.', '-{replica}.')}" }${extra}`;

const base = (clusters: string, top = '') => `${top}
clusters:
  - name: observer
    roles: [observer]
${clusters}
`;

function problems(text: string): string[] {
  try {
    parseFleet(text);
  } catch (e) {
    expect(e).toBeInstanceOf(FleetError);
    return (e as FleetError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the fleet to be rejected');
}

const cases: [string, string, RegExp][] = [
  ['cluster name not a DNS label', base(workload('Workload_EU', 's.example.com')), /^clusters\[1\]\.name: must be a DNS-1123 label.*got "Workload_EU"/],
  ['endpoint host not a DNS name', base(workload('eu', 'thanos_eu')), /^clusters\[1\]\.thanos\.endpoint\.host: must be a DNS name.*got "thanos_eu"/],
  [
    'port out of range',
    base(workload('eu', 's.example.com').replace(' }', ', port: 70000 }')),
    /^clusters\[1\]\.thanos\.endpoint\.port: must be a port number from 1 to 65535/,
  ],
  [
    'port not an integer',
    base(workload('eu', 's.example.com').replace(' }', ', port: 109.5 }')),
    /^clusters\[1\]\.thanos\.endpoint\.port: must be a whole port number/,
  ],
  [
    'duplicate cluster names',
    base(workload('eu', 'a.example.com') + workload('eu', 'b.example.com')),
    /^clusters\[2\]\.name: "eu" is already the name of clusters\[1\]/,
  ],
  ['no observer', `clusters:${workload('eu', 'a.example.com')}`, /^clusters: no cluster has the "observer" role/],
  ['no workload', base(''), /^clusters: no cluster has the "workload" role/],
  [
    'unknown key with a hint',
    base(workload('eu', 'a.example.com', '\n    externalLables: { region: eu }')),
    /^clusters\[1\]\.externalLables: unknown key; did you mean "externalLabels"\?/,
  ],
  ['unknown top-level key', base(workload('eu', 'a.example.com'), 'defautls: {}'), /^defautls: unknown key; did you mean "defaults"\?/],
  [
    'colliding external labels',
    base(workload('eu', 'a.example.com', '\n    externalLabels: { cluster: us }') + workload('us', 'b.example.com')),
    /^clusters\[2\]\.externalLabels: \{cluster="us"\} of "us" equals the external labels of clusters\[1\] \("eu"\); Thanos would drop/,
  ],
  [
    'duplicate sidecar endpoint',
    base(workload('eu', 'a.example.com') + workload('us', 'a.example.com')),
    /^clusters\[2\]\.thanos\.endpoint\.host: "a-0\.example\.com" is already the name of clusters\[1\]\.thanos\.endpoint\.host \(replica 0\); each Prometheus replica needs a DNS name of its own/,
  ],
  ['workload without thanos', base('  - name: eu\n    roles: [workload]'), /^clusters\[1\]\.thanos: is required on a workload cluster/],
  ['bad role', base('  - name: eu\n    roles: [worker]'), /^clusters\[1\]\.roles\[0\]: must be "observer" or "workload"/],
  [
    'label value not quoted (boolean)',
    base(workload('eu', 'a.example.com'), 'defaults:\n  monitorSelector: { prometheus.io/monitor: true }'),
    /^defaults\.monitorSelector\.prometheus\.io\/monitor: must be a string; quote it in YAML/,
  ],
  [
    'bad label key',
    base(workload('eu', 'a.example.com'), 'defaults:\n  monitorSelector: { "bad key!": "x" }'),
    /^defaults\.monitorSelector\.bad key!: .*must be a Kubernetes label key/,
  ],
  [
    'bad external label name',
    base(workload('eu', 'a.example.com', '\n    externalLabels: { "1region": eu }')),
    /^clusters\[1\]\.externalLabels\.1region: .*must be a Prometheus label name/,
  ],
  [
    'replica label declared as external label',
    base(workload('eu', 'a.example.com', '\n    externalLabels: { prometheus_replica: a }')),
    /^clusters\[1\]\.externalLabels\.prometheus_replica: is the replica label/,
  ],
  [
    'bad duration',
    base(workload('eu', 'a.example.com'), 'defaults:\n  prometheus: { retention: 15 days }'),
    /^defaults\.prometheus\.retention: must be a Prometheus duration.*got "15 days"/,
  ],
  [
    'bad namespace override',
    base(workload('eu', 'a.example.com', '\n    overrides: { namespace: Monitoring }')),
    /^clusters\[1\]\.overrides\.namespace: must be a DNS-1123 label/,
  ],
  [
    'bad quantity',
    base(workload('eu', 'a.example.com'), 'defaults:\n  prometheus: { storage: { size: lots } }'),
    /^defaults\.prometheus\.storage\.size: must be a Kubernetes quantity/,
  ],
  [
    'bad CIDR',
    base(workload('eu', 'a.example.com', '\n      service: { sourceRanges: [10.0.0.0/33] }')),
    /^clusters\[1\]\.thanos\.service\.sourceRanges\[0\]: must be a CIDR range/,
  ],
  [
    'thanos on an observer that does not monitor itself',
    base(workload('eu', 'a.example.com')).replace(
      'roles: [observer]',
      'roles: [observer]\n    selfMonitoring: false\n    thanos: { endpoint: { host: o.example.com } }',
    ),
    /^clusters\[0\]\.thanos: configures a Thanos sidecar, and this cluster runs no Prometheus; remove selfMonitoring: false/,
  ],
  [
    'external labels on an observer that does not monitor itself',
    base(workload('eu', 'a.example.com')).replace('roles: [observer]', 'roles: [observer]\n    selfMonitoring: false\n    externalLabels: { region: eu }'),
    /^clusters\[0\]\.externalLabels: label a Prometheus, and this cluster runs none/,
  ],
  ['missing cluster name', base('  - roles: [workload]\n    thanos: { endpoint: { host: a.example.com } }'), /^clusters\[1\]\.name: is required/],
  ['empty clusters list', 'clusters: []', /^clusters: must list at least one cluster/],
  [
    'version without its "v"',
    base(workload('eu', 'a.example.com'), 'defaults:\n  versions: { prometheus: "3.5.0" }'),
    /^defaults\.versions\.prometheus: must be an upstream release tag such as "v3\.5\.0".*got "3\.5\.0"/,
  ],
  [
    'version as a YAML number',
    base(workload('eu', 'a.example.com'), 'defaults:\n  versions: { thanos: 0.42 }'),
    /^defaults\.versions\.thanos: must be a string \(quote it in YAML\), got 0\.42/,
  ],
  [
    'misspelt Service type',
    base(workload('eu', 'a.example.com', '\n      service: { type: LoadBalancr }')),
    /^clusters\[1\]\.thanos\.service\.type: must be one of "LoadBalancer", "NodePort", "ClusterIP", got "LoadBalancr"/,
  ],
  [
    'replicas below 1',
    base(workload('eu', 'a.example.com', '\n    overrides: { prometheus: { replicas: 0 } }')),
    /^clusters\[1\]\.overrides\.prometheus\.replicas: must be at least 1, got 0/,
  ],
  ['YAML syntax error', 'clusters:\n  - name: [unclosed', /^: YAML syntax/],
  [
    'YAML indentation error, quoting the line',
    'clusters:\n  - name: a\n   roles: [x]\n',
    /^: YAML syntax: Sequence item without - indicator at line 3, column 1: " {3}roles: \[x\]"$/,
  ],
  [
    'duplicate YAML key',
    base(workload('eu', 'a.example.com')).replace('roles: [observer]', 'roles: [observer]\n    roles: [workload]'),
    /YAML syntax: Map keys must be unique/,
  ],
  // Indentation slips: the key exists one level down or up, and the message says where.
  [
    'key indented too little',
    base(workload('eu', 'a.example.com', '\n      port: 10901')),
    /^clusters\[1\]\.thanos\.port: unknown key; it belongs at clusters\[1\]\.thanos\.endpoint\.port: check its indentation$/,
  ],
  [
    'key indented too much',
    base('  - name: eu\n    roles: [workload]\n    thanos:\n      endpoint:\n        host: a.example.com\n        service: { type: ClusterIP }'),
    /^clusters\[1\]\.thanos\.endpoint\.service: unknown key; it belongs at clusters\[1\]\.thanos\.service: check its indentation$/,
  ],
  [
    'missing field, with what belongs there',
    base('  - name: eu\n    roles: [workload]\n    thanos: { endpoint: { port: 10901 } }'),
    /^clusters\[1\]\.thanos\.endpoint\.host: is required: the DNS name of each Prometheus replica, e\.g\. "sidecar-\{replica\}\.example\.com" \(or list them under hosts\)/,
  ],
  [
    'a scalar where a list belongs',
    base('  - name: eu\n    roles: workload\n    thanos: { endpoint: { host: a.example.com } }'),
    /^clusters\[1\]\.roles: must be a list, e\.g\. \[workload\], got "workload"$/,
  ],
  [
    'duration without its unit',
    base(workload('eu', 'a.example.com'), 'defaults:\n  prometheus: { retention: 15 }'),
    /^defaults\.prometheus\.retention: must be a Prometheus duration such as "30s".*\(a number needs its unit\), got 15$/,
  ],
  [
    'monitor port given as a number',
    base(workload('eu', 'a.example.com', '\n    serviceMonitors: [{ name: web, namespace: web, selector: { app: web }, endpoints: [{ port: 9117 }] }]')),
    /^clusters\[1\]\.serviceMonitors\[0\]\.endpoints\[0\]\.port: must be the name of the port \(e\.g\. "metrics"\), not its number, got 9117$/,
  ],
  [
    'monitor port given as a quoted number',
    base(workload('eu', 'a.example.com', '\n    podMonitors: [{ name: kafka, namespace: kafka, selector: { app: kafka }, endpoints: [{ port: "9308" }] }]')),
    /^clusters\[1\]\.podMonitors\[0\]\.endpoints\[0\]\.port: must be the name of the port .*a port number names no port, got "9308"$/,
  ],
  ['empty fleet file', '', /^clusters: is required \(array\): The clusters of the fleet, at least one observer and one workload$/],
];

describe('fleet validation', () => {
  it.each(cases)('rejects %s', (_name, text, expected) => {
    const found = problems(text);
    expect(found).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  it('reports every problem at once', () => {
    const found = problems(base(workload('Bad_Name', 'bad_host', '\n    typo: 1')));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^clusters\[1\]\.name:/),
        expect.stringMatching(/^clusters\[1\]\.thanos\.endpoint\.host:/),
        expect.stringMatching(/^clusters\[1\]\.typo: unknown key/),
      ]),
    );
  });

  it('names the cluster to fetch a missing sealing certificate from, and tells a folder from a file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'promfleet-sealing-'));
    fs.mkdirSync(path.join(dir, 'certs'));
    const text = base(workload('eu', 'a.example.com', '\n    sealedSecrets: { certificate: certs/eu.pem }')).replace(
      'roles: [observer]',
      'roles: [observer]\n    sealedSecrets: { certificate: certs }',
    );
    const found = sealingCertificateProblems(parseFleet(text, path.join(dir, 'fleet.yaml'))).map((p) => `${p.path}: ${p.message}`);
    expect(found).toEqual([
      `clusters[0].sealedSecrets.certificate: ${path.join(dir, 'certs')} is a folder; name the certificate file in it, e.g. certs/observer.pem`,
      `clusters[1].sealedSecrets.certificate: cannot read ${path.join(dir, 'certs', 'eu.pem')} (ENOENT); save the controller's certificate there with "kubeseal --fetch-cert --context eu > ${path.join(dir, 'certs', 'eu.pem')}"`,
    ]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('accepts the default fleet and derives the cluster label', () => {
    const fleet = parseFleet(fs.readFileSync(`${__dirname}/../fleet.yaml`, 'utf8'));
    expect(fleet.clusters.map((c) => c.name)).toEqual(['observer', 'workload-eu', 'workload-us']);
    // The observer monitors itself: a Prometheus that only its own Querier reads (no endpoint to dial from outside).
    expect(fleet.clusters[0].workload?.externalLabels).toEqual({ cluster: 'observer' });
    expect(fleet.clusters[0].workload?.sidecar.endpoints).toEqual([]);
    expect(fleet.clusters[1].workload?.externalLabels).toEqual({ cluster: 'workload-eu', region: 'eu-west-1' });
    expect(fleet.clusters[1].workload?.sidecar.endpoints).toEqual([
      { host: 'sidecar-0.workload-eu.example.com', port: 10901 },
      { host: 'sidecar-1.workload-eu.example.com', port: 10901 },
    ]);
    // Behind the Ingress, the observer dials each replica's name on the controller's port 443.
    expect(fleet.clusters[2].workload?.sidecar.endpoints).toEqual([
      { host: 'sidecar-0.workload-us.example.com', port: 443 },
      { host: 'sidecar-1.workload-us.example.com', port: 443 },
    ]);
  });

  it('merges defaults, then per-cluster overrides', () => {
    const fleet = parseFleet(
      base(
        workload('eu', 'a.example.com', '\n    overrides: { namespace: obs, prometheus: { replicas: 3 } }') + workload('us', 'b.example.com'),
        'defaults:\n  prometheus: { retention: 30d }',
      ),
    );
    const [, eu, us] = fleet.clusters;
    expect(eu.stack.namespace).toBe('obs');
    expect(eu.stack.prometheus).toMatchObject({ replicas: 3, retention: '30d', scrapeInterval: '30s' });
    expect(us.stack.namespace).toBe('monitoring');
    expect(us.stack.prometheus).toMatchObject({ replicas: 2, retention: '30d' });
  });
});
