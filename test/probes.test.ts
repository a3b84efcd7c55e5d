// The probes of the sidecar path: the blackbox exporter of an observer dials exactly the stores the Querier dials,
// with the Querier's client Secret and the server names the Querier verifies, and the observer's Prometheus picks up
// the Probes and the store-probes rules. Everything is read back from the rendered YAML.
import * as path from 'path';
import { parse } from 'yaml';
import { Testing } from 'cdk8s';
import { BLACKBOX_CONFIG_MOUNT, blackboxConfig, type ProbedStore, SIDECAR_PROBE_JOB, STORE_MODULE, StoreProbes } from '../lib/components/blackbox-exporter';
import { QUERIER_TLS_SECRET } from '../lib/components/tls-secret';
import { fleetFrom, ofKind, render, type Rendered, validateRendered } from './support/fleet';
import { find, flagValue, HUB_FLEET, querierClientBundle, renderedSdConfig, resolveMountedFile } from './support/observer-fleet';
import { matches, prometheusSelects, SELECTION } from './support/selection';
import type { Manifest, ManifestOf } from './support/manifests';

interface TlsConfig {
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  server_name?: string;
}
interface BlackboxModule {
  prober: string;
  timeout: string;
  grpc: { tls?: boolean; tls_config?: TlsConfig };
}

const PEM_CERT = /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n?$/;
const PEM_KEY = /^-----BEGIN (RSA )?PRIVATE[ ]KEY-----\n[\s\S]+-----END (RSA )?PRIVATE[ ]KEY-----\n?$/;

const blackboxPod = (r: Rendered, cluster: string) => find(r, cluster, 'Deployment', 'blackbox-exporter').obj.spec.template;
const blackboxContainer = (r: Rendered, cluster: string) => blackboxPod(r, cluster).spec.containers[0];

/** The modules the exporter loads, found through its --config.file flag and mounts. */
function renderedModules(r: Rendered, cluster: string): Record<string, BlackboxModule> {
  const file = flagValue(blackboxContainer(r, cluster).args, 'config.file');
  if (!file) throw new Error(`${cluster}: the blackbox exporter has no --config.file`);
  const resolved = resolveMountedFile(r, cluster, blackboxPod(r, cluster), file);
  if (resolved.value === undefined) throw new Error(`${cluster}: ${file} is not in ConfigMap ${resolved.object.obj.metadata.name}`);
  return (parse(resolved.value) as { modules: Record<string, BlackboxModule> }).modules;
}

/** Every probed target of a cluster: address, module and target labels. */
function probeTargets(r: Rendered, cluster: string) {
  return ofKind(r.objects, 'Probe')
    .filter((p) => p.cluster === cluster)
    .flatMap((p) => p.obj.spec.targets.staticConfig.static.map((address: string) => ({ address, probe: p, labels: p.obj.spec.targets.staticConfig.labels })));
}

const hostOf = (address: string) => address.slice(0, address.lastIndexOf(':'));

describe('HUB_FLEET: the observer that is also a workload cluster probes every store its Querier dials', () => {
  const fleet = fleetFrom(HUB_FLEET);
  const r = render(fleet);
  const sd = renderedSdConfig(r, 'hub');
  const targets = probeTargets(r, 'hub');
  const modules = renderedModules(r, 'hub');

  it('probes each endpoint of the Querier sd-config exactly once, and nothing else', () => {
    const endpoints = sd.endpoints.map((e) => e.address).sort();
    // The hub's own two sidecar replicas, eu's and us's two each, the Store Gateway and the extra store.
    expect(endpoints).toHaveLength(8);
    expect(targets.map((t) => t.address).sort()).toEqual(endpoints);
  });

  it('labels each target with the cluster that serves it and what it is, under job sidecar-probes', () => {
    // What HUB_FLEET declares: hub's sidecars in-cluster, eu's and us's on their hosts, hub's Store Gateway, a ruler.
    const expected = (address: string): Record<string, string> => {
      if (/^prometheus-k8s-\d\.prometheus-operated\.monitoring\.svc:10901$/.test(address)) return { store: 'sidecar', sidecar_cluster: 'hub' };
      if (/^sidecar-\d\.eu\.example\.com:443$/.test(address)) return { store: 'sidecar', sidecar_cluster: 'eu' };
      if (/^sidecar-\d\.us\.example\.com:10901$/.test(address)) return { store: 'sidecar', sidecar_cluster: 'us' };
      if (address === 'thanos-store-gateway.monitoring.svc:10901') return { store: 'store-gateway' };
      if (address === 'thanos-ruler.monitoring.svc:10901') return { store: 'extra-store' };
      throw new Error(`unexpected target ${address}`);
    };
    for (const t of targets) {
      expect([t.address, t.labels]).toEqual([t.address, expected(t.address)]);
      expect([t.address, t.probe.obj.spec.jobName]).toEqual([t.address, SIDECAR_PROBE_JOB]);
    }
    expect(new Set(targets.map((t) => t.labels.sidecar_cluster))).toEqual(new Set(['hub', 'eu', 'us', undefined]));
  });

  it('verifies the server name the Querier verifies: the target host for every mTLS store, plaintext where the Querier dials plaintext', () => {
    for (const e of sd.endpoints) {
      const t = targets.find((x) => x.address === e.address)!;
      const module = modules[t.probe.obj.spec.module];
      expect([e.address, module.prober]).toEqual([e.address, 'grpc']);
      if (!e.client_config.tls_config.enabled) {
        expect([e.address, module.grpc.tls ?? false]).toEqual([e.address, false]);
        continue;
      }
      // Every mTLS store of this fleet is verified under its own host, which is what the grpc prober verifies
      // when tls_config has no server_name (blackbox_exporter prober/grpc.go, v0.28.0).
      expect([e.address, e.client_config.server_name]).toEqual([e.address, hostOf(e.address)]);
      expect([e.address, t.probe.obj.spec.module, module.grpc.tls, module.grpc.tls_config?.server_name]).toEqual([e.address, STORE_MODULE, true, undefined]);
    }
  });

  it("reads the Querier's client Secret: each file a module names is a key of it, mounted where the module says", () => {
    const querierPod = find(r, 'hub', 'Deployment', 'thanos-querier').obj.spec.template;
    const sdTls = sd.default_client_config.tls_config;
    const querierFiles = querierClientBundle(r, 'hub', sdTls);
    const tlsModules = Object.values(modules).filter((m) => m.grpc.tls);
    expect(tlsModules.length).toBeGreaterThan(0);
    for (const m of tlsModules) {
      const tls = m.grpc.tls_config!;
      const read = (file: string | undefined) => {
        const resolved = resolveMountedFile(r, 'hub', blackboxPod(r, 'hub'), file!);
        expect([file, resolved.object.obj.kind, resolved.object.obj.metadata.name]).toEqual([file, 'Secret', QUERIER_TLS_SECRET]);
        // The same Secret the Querier mounts.
        expect(querierPod.spec.volumes.some((v: { secret?: { secretName: string } }) => v.secret?.secretName === QUERIER_TLS_SECRET)).toBe(true);
        return resolved.value;
      };
      const files = { cert: read(tls.cert_file), key: read(tls.key_file), ca: read(tls.ca_file) };
      expect(files.cert).toMatch(PEM_CERT);
      expect(files.key).toMatch(PEM_KEY);
      expect(files.ca).toMatch(PEM_CERT);
      expect(files).toEqual(querierFiles);
    }
    // Whole-volume mounts, so a renewed Secret reaches the prober without a restart.
    expect(blackboxContainer(r, 'hub').volumeMounts.every((m: { subPath?: string }) => m.subPath === undefined)).toBe(true);
    expect(flagValue(blackboxContainer(r, 'hub').args, 'config.file')!.startsWith(`${BLACKBOX_CONFIG_MOUNT}/`)).toBe(true);
  });

  it("is driven by the observer's own Prometheus: the Probes match its probeSelector, and the prober URL is the exporter's Service", () => {
    const prometheus = ofKind(r.objects, 'Prometheus').find((p) => p.cluster === 'hub')!;
    const probes = ofKind(r.objects, 'Probe').filter((p) => p.cluster === 'hub');
    expect(probes.map((p) => p.obj.metadata.name).sort()).toEqual([
      'probe-extra-store-0',
      'probe-sidecar-eu',
      'probe-sidecar-hub',
      'probe-sidecar-us',
      'probe-store-gateway',
    ]);
    const svc = find(r, 'hub', 'Service', 'blackbox-exporter').obj;
    for (const p of probes) {
      expect([p.obj.metadata.name, prometheusSelects(r.objects, prometheus, SELECTION.Probe, p)]).toEqual([p.obj.metadata.name, true]);
      expect(p.obj.metadata.labels.team).toBe('platform');
      expect(p.obj.spec.prober).toEqual({ url: `blackbox-exporter.monitoring.svc:${svc.spec.ports[0].port}`, scheme: 'http', path: '/probe' });
      expect(p.obj.spec.interval).toBe('30s');
    }
    expect(matches({ matchLabels: svc.spec.selector }, blackboxPod(r, 'hub').metadata.labels)).toBe(true);
    expect(blackboxContainer(r, 'hub').ports.map((port: { name: string; containerPort: number }) => [port.name, port.containerPort])).toEqual([
      ['http', svc.spec.ports[0].port],
    ]);
  });

  it("renders the store-probes rules for each observer's own Prometheus, and only there", () => {
    const rules = ofKind(r.objects, 'PrometheusRule').filter((o) => o.obj.metadata.name === 'promfleet-store-probes');
    // backup monitors itself too, and probes the stores its own Querier dials.
    expect(rules.map((o) => o.cluster).sort()).toEqual(['backup', 'hub']);
    const prometheus = ofKind(r.objects, 'Prometheus').find((p) => p.cluster === 'hub')!;
    expect(prometheusSelects(r.objects, prometheus, SELECTION.PrometheusRule, rules[0])).toBe(true);
    const alerts = rules[0].obj.spec.groups.flatMap((g: { rules: { alert?: string }[] }) => g.rules.map((x) => x.alert));
    expect(alerts).toEqual(['StoreEndpointProbeFailed', 'StoreEndpointCertificateExpiring', 'StoreEndpointCertificateExpiringSoon']);
  });

  it('renders nothing on an observer without a Prometheus to drive the probes (backup without self-monitoring), nor on workload clusters', () => {
    const withoutSelf = render(
      fleetFrom(HUB_FLEET.replace('  - name: backup\n    roles: [observer]\n', '  - name: backup\n    roles: [observer]\n    selfMonitoring: false\n')),
    );
    expect(withoutSelf.objects.some((o) => o.cluster === 'backup' && o.obj.kind === 'Prometheus')).toBe(false);
    for (const cluster of ['backup', 'eu', 'us']) {
      const mine = withoutSelf.objects.filter((o) => o.cluster === cluster);
      expect([cluster, mine.filter((o) => o.obj.kind === 'Probe' || o.obj.metadata.name === 'blackbox-exporter').map((o) => o.obj.kind)]).toEqual([
        cluster,
        [],
      ]);
    }
  });

  it('lets only the Prometheus in, and lets the exporter reach the Store Gateway as the Querier does', () => {
    const prometheus = ofKind(r.objects, 'Prometheus').find((p) => p.cluster === 'hub')!;
    const policy = find(r, 'hub', 'NetworkPolicy', 'blackbox-exporter').obj.spec;
    expect(matches(policy.podSelector, blackboxPod(r, 'hub').metadata.labels)).toBe(true);
    expect(policy.policyTypes).toEqual(['Ingress']);
    expect(policy.ingress).toHaveLength(1);
    expect(policy.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9115 }]);
    // The operator's Prometheus pods carry the Prometheus' pod metadata labels and the operator's own.
    const prometheusPod = { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': prometheus.obj.metadata.name };
    expect(policy.ingress[0].from.map((f: { podSelector: { matchLabels: Record<string, string> } }) => matches(f.podSelector, prometheusPod))).toEqual([true]);
    const gateway = find(r, 'hub', 'NetworkPolicy', 'thanos-store-gateway').obj.spec;
    const grpcFrom = gateway.ingress.find((i) => i.ports.some((p) => Number(p.port) === 10901))!.from;
    for (const app of ['thanos-querier', 'blackbox-exporter']) {
      const pod = app === 'thanos-querier' ? find(r, 'hub', 'Deployment', app).obj.spec.template : blackboxPod(r, 'hub');
      expect([app, grpcFrom.some((f: { podSelector: object }) => matches(f.podSelector, pod.metadata.labels))]).toEqual([app, true]);
    }
  });

  it('runs as the restricted Pod Security profile asks, pinned to the release, without an API token', () => {
    const pod = blackboxPod(r, 'hub').spec;
    const c = blackboxContainer(r, 'hub');
    expect(c.image).toBe('quay.io/prometheus/blackbox-exporter:v0.28.0');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } });
  });

  it('writes only keys the blackbox exporter knows, as its module types declare them', () => {
    // prometheus/blackbox_exporter config/config.go (v0.28.0): Module {prober, timeout, http, tcp, icmp, dns, grpc,
    // unix}; GRPCProbe {service, tls, tls_config, ip_protocol_fallback, preferred_ip_protocol, metadata}; tls_config is
    // prometheus/common's TLSConfig (ca_file, cert_file, key_file, server_name, ...). The exporter refuses unknown keys
    // at start, which test/probes-tls.test.ts shows with the real binary.
    for (const [name, m] of Object.entries(modules)) {
      expect([name, Object.keys(m).filter((k) => !['prober', 'timeout', 'grpc'].includes(k))]).toEqual([name, []]);
      expect([name, Object.keys(m.grpc).filter((k) => !['tls', 'tls_config'].includes(k))]).toEqual([name, []]);
      const tlsKeys = Object.keys(m.grpc.tls_config ?? {});
      expect([name, tlsKeys.filter((k) => !['ca_file', 'cert_file', 'key_file', 'server_name'].includes(k))]).toEqual([name, []]);
    }
  });

  it('passes schema validation (promfleet validate), the Probes included', () => {
    const report = validateRendered(path.join(r.outDir, 'hub'));
    expect(report.findings).toEqual([]);
    expect(report.kinds['monitoring.coreos.com/v1/Probe']).toBe(5);
  });
});

describe('the fleet file settings of querier.probes', () => {
  const withProbes = (probes: string, extra = '') =>
    HUB_FLEET.replace('      replicas: 3\n', `      replicas: 3\n      probes: ${probes}\n`).replace(
      '        - { address: "thanos-ruler.monitoring.svc:10901", tls: false }\n',
      `        - { address: "thanos-ruler.monitoring.svc:10901", tls: false }\n${extra}`,
    );

  it('enabled: false renders no exporter, Probe, NetworkPolicy or rules, and leaves the Querier as it was', () => {
    const on = render(fleetFrom(HUB_FLEET));
    const r = render(fleetFrom(withProbes('{ enabled: false }')));
    const hub = r.objects.filter((o) => o.cluster === 'hub');
    expect(
      hub.filter((o) => o.obj.kind === 'Probe' || o.obj.metadata.name === 'blackbox-exporter' || o.obj.metadata.name === 'promfleet-store-probes'),
    ).toEqual([]);
    expect(find(r, 'hub', 'ConfigMap', 'thanos-querier-endpoints').obj).toEqual(find(on, 'hub', 'ConfigMap', 'thanos-querier-endpoints').obj);
    const gateway = find(r, 'hub', 'NetworkPolicy', 'thanos-store-gateway').obj.spec;
    expect(JSON.stringify(gateway)).not.toContain('blackbox-exporter');
  });

  it('interval, resources and placement reach the Probes and the Deployment', () => {
    const r = render(
      fleetFrom(
        withProbes(
          '{ interval: 1m, resources: { requests: { cpu: 20m, memory: 40Mi }, limits: { memory: 80Mi } }, placement: { nodeSelector: { pool: monitoring }, priorityClassName: infra } }',
        ),
      ),
    );
    expect(
      new Set(
        ofKind(r.objects, 'Probe')
          .filter((p) => p.cluster === 'hub')
          .map((p) => p.obj.spec.interval),
      ),
    ).toEqual(new Set(['1m']));
    const c = blackboxContainer(r, 'hub');
    expect(c.resources).toEqual({ requests: { cpu: '20m', memory: '40Mi' }, limits: { memory: '80Mi' } });
    // Merged over the default, as every component's placement.
    expect(blackboxPod(r, 'hub').spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', pool: 'monitoring' });
    expect(blackboxPod(r, 'hub').spec.priorityClassName).toBe('infra');
  });

  it('an extra store verified under another name than its host gets a module that verifies that name', () => {
    const r = render(
      fleetFrom(withProbes('{}', '        - { address: "ruler.example.com:10901", tls: true, serverName: thanos-ruler.internal.example.com }\n')),
    );
    const sd = renderedSdConfig(r, 'hub');
    const entry = sd.endpoints.find((e) => e.address === 'ruler.example.com:10901')!;
    expect(entry.client_config.server_name).toBe('thanos-ruler.internal.example.com');
    const target = probeTargets(r, 'hub').find((t) => t.address === 'ruler.example.com:10901')!;
    const module = renderedModules(r, 'hub')[target.probe.obj.spec.module];
    expect(target.probe.obj.spec.module).not.toBe(STORE_MODULE);
    expect(module.grpc.tls).toBe(true);
    expect(module.grpc.tls_config?.server_name).toBe('thanos-ruler.internal.example.com');
    expect(
      probeTargets(r, 'hub')
        .map((t) => t.address)
        .sort(),
    ).toEqual(sd.endpoints.map((e) => e.address).sort());
    // A changed configuration rolls the exporter, which reads its modules only at start.
    const before = render(fleetFrom(HUB_FLEET));
    expect(blackboxPod(r, 'hub').metadata.annotations).not.toEqual(blackboxPod(before, 'hub').metadata.annotations);
  });

  it("lets the exporter through the sidecar's NetworkPolicy of an observer that restricts its load balancers' sources", () => {
    const text = HUB_FLEET.replace(
      '      endpoint: { host: "sidecar-{replica}.hub.example.com" }\n',
      '      endpoint: { host: "sidecar-{replica}.hub.example.com" }\n      service: { sourceRanges: [192.0.2.0/24] }\n',
    );
    expect(text).not.toBe(HUB_FLEET);
    const r = render(fleetFrom(text));
    const sidecar = find(r, 'hub', 'NetworkPolicy', 'prometheus-k8s').obj.spec;
    const grpc = sidecar.ingress.filter((i) => i.ports.some((p) => Number(p.port) === 10901));
    const admits = (labels: Record<string, string>) => grpc.some((i) => i.from.some((f) => f.podSelector && matches(f.podSelector, labels)));
    expect(admits(blackboxPod(r, 'hub').metadata.labels)).toBe(true);
    expect(admits(find(r, 'hub', 'Deployment', 'thanos-querier').obj.spec.template.metadata.labels)).toBe(true);
    // With the probes off, only the Querier's pods besides the CIDRs.
    const off = render(fleetFrom(text.replace('      replicas: 3\n', '      replicas: 3\n      probes: { enabled: false }\n')));
    const offGrpc = find(off, 'hub', 'NetworkPolicy', 'prometheus-k8s').obj.spec.ingress.filter((i) => i.ports.some((p) => Number(p.port) === 10901));
    expect(JSON.stringify(offGrpc)).not.toContain('blackbox-exporter');
  });

  it('keeps the certificate alerts out of the renewal window: a threshold at or past pki.renewBeforeDays is refused', () => {
    // renewBeforeDays 14 puts the default 21-day warning before every renewal of a healthy fleet.
    expect(() => render(fleetFrom(`pki: { renewBeforeDays: 14 }\n${HUB_FLEET}`))).toThrow(
      /pki\.renewBeforeDays: StoreEndpointCertificateExpiring fires 21 days before a certificate expires, but a synth renews it only 14 days before/,
    );
    // Tuned below it, or with the probes off, the same fleet renders.
    const tuned = `pki: { renewBeforeDays: 14 }\n${HUB_FLEET.replace('defaults:\n', 'defaults:\n  rules: { alerts: { StoreEndpointCertificateExpiring: { threshold: 10 } } }\n')}`;
    const rules = ofKind(render(fleetFrom(tuned)).objects, 'PrometheusRule').find(
      (o) => o.cluster === 'hub' && o.obj.metadata.name === 'promfleet-store-probes',
    )!;
    expect(JSON.stringify(rules.obj.spec)).toContain('< 10');
    const probesOff = withProbes('{ enabled: false }').replace(
      '  - name: backup\n    roles: [observer]\n',
      '  - name: backup\n    roles: [observer]\n    selfMonitoring: false\n',
    );
    expect(() => render(fleetFrom(`pki: { renewBeforeDays: 14 }\n${probesOff}`))).not.toThrow();
    // A threshold raised past the default window names where it is set.
    const raised = HUB_FLEET.replace('defaults:\n', 'defaults:\n  rules: { alerts: { StoreEndpointCertificateExpiring: { threshold: 45 } } }\n');
    expect(() => render(fleetFrom(raised))).toThrow(
      /defaults\.rules\.alerts\.StoreEndpointCertificateExpiring\.threshold: StoreEndpointCertificateExpiring fires 45 days/,
    );
  });

  it('rejects a bad interval, naming the field', () => {
    expect(() => fleetFrom(withProbes('{ interval: 30 }'))).toThrow(/clusters\[0\]\.querier\.probes\.interval/);
  });
});

describe('StoreProbes and blackboxConfig as library constructs', () => {
  it('split a group probed with two modules into two Probes, each with its module, and label sidecars without a cluster by kind only', () => {
    const stores: ProbedStore[] = [
      { address: 'a.example.com:10901', serverName: 'a.example.com', kind: 'sidecar' },
      { address: 'b.example.com:10901', serverName: 'thanos.internal.example.com', kind: 'sidecar' },
    ];
    const chart = Testing.chart();
    new StoreProbes(chart, 'probes', { stores });
    const probes = (Testing.synth(chart) as Manifest[]).filter((o): o is ManifestOf<'Probe'> => o.kind === 'Probe');
    expect(probes.map((p) => [p.metadata.name, p.spec.module, p.spec.targets.staticConfig.static, p.spec.targets.staticConfig.labels])).toEqual([
      ['probe-sidecars-thanos-grpc-mtls', STORE_MODULE, ['a.example.com:10901'], { store: 'sidecar' }],
      ['probe-sidecars-thanos-grpc-mtls-0', `${STORE_MODULE}_0`, ['b.example.com:10901'], { store: 'sidecar' }],
    ]);
    // Without a monitorSelector, the stack's default one.
    expect(probes[0].metadata.labels['prometheus.io/monitor']).toBe('true');
    const modules = (parse(blackboxConfig(stores)) as { modules: Record<string, BlackboxModule> }).modules;
    expect(modules[`${STORE_MODULE}_0`].grpc.tls_config?.server_name).toBe('thanos.internal.example.com');
    expect(modules[STORE_MODULE].grpc.tls_config?.server_name).toBeUndefined();
  });
});
