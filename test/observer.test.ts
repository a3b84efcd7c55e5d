// The observer: the Querier's endpoint config lists exactly the fleet's stores, every file it
// names exists in what is mounted, and the Querier, Store Gateway and their extras are wired right.
import { certificateCoversHost, verifiesChain } from '../lib/pki';
import { defaultFleetText, fleetFrom, ofKind, render, Rendered, validateRendered } from './support/fleet';
import {
  find,
  flagValue,
  HUB_FLEET,
  querierClientBundle,
  querierContainer,
  renderedSdConfig,
  renderedTlsSecret,
  resolveMountedFile,
} from './support/observer-fleet';
import { matches, prometheusSelects, SELECTION } from './support/selection';

const PEM_CERT = /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/;
const PEM_KEY = /^-----BEGIN (RSA )?PRIVATE[ ]KEY-----\n[\s\S]+-----END (RSA )?PRIVATE[ ]KEY-----\n?$/;

/** Every container file path in an sd-config tls_config. */
function tlsFiles(tls: { cert_file?: string; key_file?: string; ca_file?: string }): [string, string | undefined, RegExp][] {
  return [
    ['cert_file', tls.cert_file, PEM_CERT],
    ['key_file', tls.key_file, PEM_KEY],
    ['ca_file', tls.ca_file, PEM_CERT],
  ];
}

function podLabels(o: { obj: { spec: { template: { metadata: { labels: Record<string, string> } } } } }) {
  return o.obj.spec.template.metadata.labels;
}

describe('default fleet: the observer reaches both workload sidecars', () => {
  const r = render(fleetFrom(defaultFleetText()));
  const config = renderedSdConfig(r, 'observer');

  it('lists every replica of the workload clusters, with its host, port and server name (the Ingress on 443), after its own in-cluster', () => {
    expect(config.endpoints.map((e) => ({ address: e.address, serverName: e.client_config.server_name, tls: e.client_config.tls_config.enabled }))).toEqual([
      // The observer monitors itself: its own Prometheus replicas, pod by pod.
      { address: 'prometheus-k8s-0.prometheus-operated.monitoring.svc:10901', serverName: 'prometheus-k8s-0.prometheus-operated.monitoring.svc', tls: true },
      { address: 'prometheus-k8s-1.prometheus-operated.monitoring.svc:10901', serverName: 'prometheus-k8s-1.prometheus-operated.monitoring.svc', tls: true },
      { address: 'sidecar-0.workload-eu.example.com:10901', serverName: 'sidecar-0.workload-eu.example.com', tls: true },
      { address: 'sidecar-1.workload-eu.example.com:10901', serverName: 'sidecar-1.workload-eu.example.com', tls: true },
      { address: 'sidecar-0.workload-us.example.com:443', serverName: 'sidecar-0.workload-us.example.com', tls: true },
      { address: 'sidecar-1.workload-us.example.com:443', serverName: 'sidecar-1.workload-us.example.com', tls: true },
    ]);
  });

  it('uses the mounted client Secret on every endpoint, and every file it names exists there', () => {
    const pod = find(r, 'observer', 'Deployment', 'thanos-querier').obj.spec.template;
    expect(Object.keys(config)).toEqual(['default_client_config', 'endpoints']);
    const configs = [config.default_client_config.tls_config, ...config.endpoints.map((e) => e.client_config.tls_config)];
    expect(configs.map((c) => c.enabled)).toEqual(configs.map(() => true));
    for (const tls of configs) {
      for (const [field, file, shape] of tlsFiles(tls)) {
        expect([field, file]).toEqual([field, expect.any(String)]);
        const resolved = resolveMountedFile(r, 'observer', pod, file!);
        expect([file, resolved.object.obj.kind, resolved.object.obj.metadata.name]).toEqual([file, 'Secret', 'thanos-querier-tls']);
        expect(resolved.object.obj.kind === 'Secret' && resolved.object.obj.type).toBe('kubernetes.io/tls');
        expect([file, resolved.value]).toEqual([file, expect.stringMatching(shape)]);
        // Secrets holding keys are written under secrets/ (git-ignored).
        expect(resolved.object.file).toBe('observer/secrets/thanos-querier-tls.yaml');
      }
    }
  });

  it("verifies each sidecar under a name in that sidecar's rendered certificate, and each trusts the other", () => {
    for (const e of config.endpoints) {
      const cluster = e.address.includes('.workload-eu.') ? 'workload-eu' : 'workload-us';
      const sidecar = renderedTlsSecret(r, cluster, 'thanos-sidecar-tls');
      const client = querierClientBundle(r, 'observer', e.client_config.tls_config);
      expect([e.address, certificateCoversHost(sidecar.cert, e.client_config.server_name!)]).toEqual([e.address, true]);
      expect([e.address, verifiesChain(sidecar.ca, client.cert), verifiesChain(client.ca, sidecar.cert)]).toEqual([e.address, true, true]);
    }
  });

  it('deduplicates on the replica label the Prometheus objects use, and uses no removed or deprecated flag', () => {
    const args: string[] = querierContainer(r, 'observer').args;
    const labels = ofKind(r.objects, 'Prometheus').map((o) => o.obj.spec.replicaExternalLabelName);
    expect(labels).toEqual(['prometheus_replica', 'prometheus_replica', 'prometheus_replica']);
    expect(flagValue(args, 'query.replica-label')).toBe(labels[0]);
    expect(args[0]).toBe('query');
    expect(
      args.filter((a) => /^--(store|endpoint|grpc-client-tls|grpc-client-server-name|store\.sd-files)[=.-]?/.test(a) && !a.startsWith('--endpoint.sd-config')),
    ).toEqual([]);
    expect(flagValue(args, 'grpc-address')).toBe('0.0.0.0:10901');
    expect(flagValue(args, 'http-address')).toBe('0.0.0.0:10902');
  });

  it('runs 2 hardened, spread, probed replicas', () => {
    const d = find(r, 'observer', 'Deployment', 'thanos-querier').obj;
    const pod = d.spec.template.spec;
    const c = pod.containers[0];
    expect(d.spec.replicas).toBe(2);
    expect(c.image).toMatch(/^quay\.io\/thanos\/thanos:v0\.42\.\d+$/);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1001 });
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(c.resources).toEqual({ requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    const term = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
    expect(term.topologyKey).toBe('kubernetes.io/hostname');
    expect(matches(term.labelSelector, d.spec.template.metadata.labels)).toBe(true);
    const ports = c.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]);
    expect(ports).toEqual([
      ['grpc', 10901],
      ['http', 10902],
    ]);
    expect([c.livenessProbe.httpGet, c.readinessProbe.httpGet]).toEqual([
      { path: '/-/healthy', port: 'http' },
      { path: '/-/ready', port: 'http' },
    ]);
  });

  it('has a Service (http 10902, grpc 10901) and a PDB selecting the Querier pods; the Ingress routes to the query frontend', () => {
    const d = find(r, 'observer', 'Deployment', 'thanos-querier');
    const svc = find(r, 'observer', 'Service', 'thanos-querier').obj;
    expect(svc.spec.ports.map((p) => [p.name, p.port, p.targetPort])).toEqual([
      ['grpc', 10901, 'grpc'],
      ['http', 10902, 'http'],
    ]);
    expect(matches({ matchLabels: svc.spec.selector }, podLabels(d))).toBe(true);
    expect(matches(d.obj.spec.selector, podLabels(d))).toBe(true);
    const pdb = find(r, 'observer', 'PodDisruptionBudget', 'thanos-querier').obj;
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(matches(pdb.spec.selector, podLabels(d))).toBe(true);
    const ing = find(r, 'observer', 'Ingress', 'thanos-querier').obj;
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.rules).toEqual([
      {
        host: 'thanos.example.com',
        // The frontend is on by default (test/query-frontend.test.ts follows it to the Querier).
        http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'thanos-query-frontend', port: { name: 'http' } } } }] },
      },
    ]);
    // HTTPS by default, with the certificate promfleet issues (test/querier-ingress.test.ts).
    expect(ing.spec.tls).toEqual([{ hosts: ['thanos.example.com'], secretName: 'thanos-querier-ingress-tls' }]);
  });

  it('renders no ServiceMonitor on an observer without its own Prometheus (selfMonitoring: false), and nothing workload-only', () => {
    const off = render(fleetFrom(defaultFleetText().replace('    roles: [observer]\n', '    roles: [observer]\n    selfMonitoring: false\n')));
    const kinds = off.objects.filter((o) => o.cluster === 'observer').map((o) => o.obj.kind);
    expect(kinds).toContain('Deployment');
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('Prometheus');
    expect(kinds).not.toContain('StatefulSet');
  });
});

describe('hub fleet: an observer that is also a workload, with a Store Gateway and an extra store', () => {
  const r = render(fleetFrom(HUB_FLEET));
  const hub = renderedSdConfig(r, 'hub');

  it('reaches its own sidecar in-cluster (one endpoint per replica), the others by endpoint, then the Store Gateway and the extra store', () => {
    expect(hub.endpoints.map((e) => [e.address, e.client_config.tls_config.enabled, e.client_config.server_name])).toEqual([
      ['prometheus-k8s-0.prometheus-operated.monitoring.svc:10901', true, 'prometheus-k8s-0.prometheus-operated.monitoring.svc'],
      ['prometheus-k8s-1.prometheus-operated.monitoring.svc:10901', true, 'prometheus-k8s-1.prometheus-operated.monitoring.svc'],
      ['sidecar-0.eu.example.com:443', true, 'sidecar-0.eu.example.com'],
      ['sidecar-1.eu.example.com:443', true, 'sidecar-1.eu.example.com'],
      ['sidecar-0.us.example.com:10901', true, 'sidecar-0.us.example.com'],
      ['sidecar-1.us.example.com:10901', true, 'sidecar-1.us.example.com'],
      ['thanos-store-gateway.monitoring.svc:10901', true, 'thanos-store-gateway.monitoring.svc'],
      // Declared plaintext: TLS explicitly off.
      ['thanos-ruler.monitoring.svc:10901', false, undefined],
    ]);
  });

  it('the second observer reaches every workload sidecar, the hub through its endpoint', () => {
    expect(renderedSdConfig(r, 'backup').endpoints.map((e) => [e.address, e.client_config.server_name])).toEqual([
      ['sidecar-0.hub.example.com:10901', 'sidecar-0.hub.example.com'],
      ['sidecar-1.hub.example.com:10901', 'sidecar-1.hub.example.com'],
      // Its own Prometheus (it monitors itself), in fleet order, in-cluster.
      ['prometheus-k8s-0.prometheus-operated.monitoring.svc:10901', 'prometheus-k8s-0.prometheus-operated.monitoring.svc'],
      ['prometheus-k8s-1.prometheus-operated.monitoring.svc:10901', 'prometheus-k8s-1.prometheus-operated.monitoring.svc'],
      ['sidecar-0.eu.example.com:443', 'sidecar-0.eu.example.com'],
      ['sidecar-1.eu.example.com:443', 'sidecar-1.eu.example.com'],
      ['sidecar-0.us.example.com:10901', 'sidecar-0.us.example.com'],
      ['sidecar-1.us.example.com:10901', 'sidecar-1.us.example.com'],
    ]);
    // A single Querier replica: no budget that would block node drains (its query frontend has two replicas, and one).
    const budgets = r.objects.filter((o) => o.cluster === 'backup' && o.obj.kind === 'PodDisruptionBudget').map((o) => o.obj.metadata.name);
    expect(budgets).toContain('thanos-query-frontend');
    expect(budgets).not.toContain('thanos-querier');
  });

  it("every TLS endpoint's server name is in the rendered certificate it will meet", () => {
    // Who answers: the hub's own Store Gateway or sidecar pods in-cluster, else the workload cluster of that endpoint host.
    const secretAt = (address: string): [string, string] => {
      if (address.startsWith('thanos-store-gateway.')) return ['hub', 'thanos-store-gateway-tls'];
      if (address.startsWith('prometheus-k8s-')) return ['hub', 'thanos-sidecar-tls'];
      const cluster = /^sidecar-\d\.([a-z]+)\.example\.com:/.exec(address)?.[1];
      if (!cluster) throw new Error(`no rendered server for ${address}`);
      return [cluster, 'thanos-sidecar-tls'];
    };
    const tls = hub.endpoints.filter((x) => x.client_config.tls_config.enabled);
    expect(tls).toHaveLength(7);
    for (const e of tls) {
      const [cluster, secret] = secretAt(e.address);
      const { cert } = renderedTlsSecret(r, cluster, secret);
      expect([e.address, cluster, certificateCoversHost(cert, e.client_config.server_name!)]).toEqual([e.address, cluster, true]);
    }
  });

  it('serves the Store Gateway with mTLS from the rendered Secret and the bucket config from the user Secret', () => {
    const sts = find(r, 'hub', 'StatefulSet', 'thanos-store-gateway').obj;
    const c = sts.spec.template.spec.containers[0];
    expect(c.args[0]).toBe('store');
    for (const [flag, shape] of [
      ['grpc-server-tls-cert', PEM_CERT],
      ['grpc-server-tls-key', PEM_KEY],
      ['grpc-server-tls-client-ca', PEM_CERT],
    ] as const) {
      const file = flagValue(c.args, flag)!;
      const resolved = resolveMountedFile(r, 'hub', sts.spec.template, file);
      expect([flag, resolved.object.obj.metadata.name, resolved.value]).toEqual([flag, 'thanos-store-gateway-tls', expect.stringMatching(shape)]);
    }
    // The client CA of the Store Gateway verifies the Querier certificate, and the other way round.
    const gateway = renderedTlsSecret(r, 'hub', 'thanos-store-gateway-tls');
    const gatewayEndpoint = hub.endpoints.find((e) => e.address === 'thanos-store-gateway.monitoring.svc:10901')!;
    const client = querierClientBundle(r, 'hub', gatewayEndpoint.client_config.tls_config);
    expect([verifiesChain(gateway.ca, client.cert), verifiesChain(client.ca, gateway.cert)]).toEqual([true, true]);

    const objstore = flagValue(c.args, 'objstore.config-file')!;
    const mount = c.volumeMounts.find((m) => objstore.startsWith(`${m.mountPath}/`))!;
    const volume = sts.spec.template.spec.volumes.find((v) => v.name === mount.name)!;
    expect(volume.secret).toEqual({ secretName: 'thanos-objstore', items: [{ key: 'objstore.yml', path: objstore.slice(mount.mountPath.length + 1) }] });
    expect(r.objects.some((o) => o.obj.kind === 'Secret' && o.obj.metadata.name === 'thanos-objstore')).toBe(false);

    expect(sts.spec.replicas).toBe(2);
    expect(sts.spec.volumeClaimTemplates[0].spec).toEqual({
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '20Gi' } },
    });
    expect(c.volumeMounts.find((m) => m.name === 'data')?.mountPath).toBe(flagValue(c.args, 'data-dir'));
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('the Store Gateway Service and PDB select its pods', () => {
    const sts = find(r, 'hub', 'StatefulSet', 'thanos-store-gateway');
    const svc = find(r, 'hub', 'Service', 'thanos-store-gateway').obj;
    expect(sts.obj.spec.serviceName).toBe('thanos-store-gateway');
    expect(matches({ matchLabels: svc.spec.selector }, podLabels(sts))).toBe(true);
    expect(matches(find(r, 'hub', 'PodDisruptionBudget', 'thanos-store-gateway').obj.spec.selector, podLabels(sts))).toBe(true);
  });

  it("monitors the Querier and the Store Gateway with ServiceMonitors the hub's Prometheus selects", () => {
    const objects = r.objects.filter((o) => o.cluster === 'hub');
    const prometheus = ofKind(objects, 'Prometheus')[0];
    for (const name of ['thanos-querier', 'thanos-store-gateway']) {
      const monitor = find(r, 'hub', 'ServiceMonitor', name);
      expect([name, monitor.obj.metadata.labels.team]).toEqual([name, 'platform']);
      expect([name, prometheusSelects(objects, prometheus, SELECTION.ServiceMonitor, monitor)]).toEqual([name, true]);
      const svc = find(r, 'hub', 'Service', name).obj;
      expect([name, matches(monitor.obj.spec.selector, svc.metadata.labels)]).toEqual([name, true]);
      expect(monitor.obj.spec.endpoints.map((e: { port: string }) => e.port)).toEqual(['http']);
      expect(svc.spec.ports.map((p: { name: string }) => p.name)).toContain('http');
    }
  });

  it('serves the UI Ingress with the declared TLS Secret, and scales the Querier as declared', () => {
    expect(find(r, 'hub', 'Ingress', 'thanos-querier').obj.spec.tls).toEqual([{ hosts: ['thanos.example.com'], secretName: 'thanos-ui-tls' }]);
    expect(find(r, 'hub', 'Deployment', 'thanos-querier').obj.spec.replicas).toBe(3);
    expect(querierContainer(r, 'hub').args).toContain('--query.auto-downsampling');
  });

  it('passes schema validation (promfleet validate)', () => {
    const report = validateRendered(`${r.outDir}/hub`, `${r.outDir}/backup`);
    expect(report.findings).toEqual([]);
    expect(report.objects).toBe(r.objects.filter((o) => o.cluster === 'hub' || o.cluster === 'backup').length);
    expect(report.kinds['apps/v1/StatefulSet']).toBe(1);
  });

  it.each(['70-querier.yaml', '71-store-gateway.yaml', '72-query-frontend.yaml'])('snapshot of hub/%s', (file) => {
    expect(r.files.get(`hub/${file}`)).toMatchSnapshot();
  });
});

describe('Store Gateway without TLS', () => {
  const text = HUB_FLEET.replace('storage: { size: 20Gi, storageClassName: fast }', 'tls: false');
  let r: Rendered;
  beforeAll(() => {
    r = render(fleetFrom(text));
  });

  it('is listed as plaintext, serves no TLS, keeps its cache in an emptyDir and gets no certificate', () => {
    const e = renderedSdConfig(r, 'hub').endpoints.find((x) => x.address.startsWith('thanos-store-gateway'))!;
    expect(e.client_config).toEqual({ tls_config: { enabled: false } });
    const sts = find(r, 'hub', 'StatefulSet', 'thanos-store-gateway').obj;
    expect(sts.spec.template.spec.containers[0].args.filter((a: string) => a.startsWith('--grpc-server-tls'))).toEqual([]);
    expect(sts.spec.volumeClaimTemplates).toBeUndefined();
    expect(sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'data')).toEqual({ name: 'data', emptyDir: {} });
    expect([...r.files.keys()].filter((f) => f.includes('store-gateway-tls'))).toEqual([]);
  });
});
