// The rendered blackbox module works as an mTLS client of a sidecar: Debian's blackbox exporter (the same grpc prober
// and Go crypto/tls as the upstream image) loads the module from the rendered ConfigMap, with the Querier's client
// Secret as rendered, and asks a sidecar-like gRPC server (test/support/grpc-health-server.py, holding a workload
// cluster's rendered sidecar certificate and requiring client certificates) for its health. The workload cluster's
// sidecar host is "localhost", so the module verifies the target's own host, as it does for every fleet store.
import { ChildProcess, spawn } from 'child_process';
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { BLACKBOX_TLS_MOUNT, STORE_MODULE } from '../lib/components/blackbox-exporter';
import { SIDECAR_TLS_SECRET } from '../lib/components/thanos-sidecar';
import { QUERIER_TLS_SECRET } from '../lib/components/tls-secret';
import { fleetFrom, ofKind, render, type Rendered, tmpDir } from './support/fleet';
import { find, HUB_FLEET, renderedTlsSecret } from './support/observer-fleet';

const BLACKBOX_BIN = process.env.BLACKBOX_EXPORTER_BIN ?? '/usr/bin/prometheus-blackbox-exporter';
const PYTHON = '/usr/bin/python3';
const SERVER = path.join(__dirname, 'support', 'grpc-health-server.py');

const loopFleet = (port: number) => `${HUB_FLEET}  - name: loop
    roles: [workload]
    overrides: { prometheus: { replicas: 1 } }
    thanos:
      endpoint: { host: localhost, port: ${port} }
`;

/** Starts a process and resolves with the first match of `ready` in its output. */
function start(cmd: string, args: string[], ready: RegExp, procs: ChildProcess[]): Promise<RegExpExecArray> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${cmd} did not start in time:\n${out}`)), 20000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('error', (e) => reject(new Error(`${cmd} could not start: ${e.message}`)));
    proc.on('exit', (code) => reject(new Error(`${cmd} exited (${code}):\n${out}`)));
  });
}

/** The sample values of one metric in a text exposition, by their label text. */
function samples(text: string, metric: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${metric}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (m) out.set(m[1] ?? '', Number(m[2]));
  }
  return out;
}

describe('the rendered store module dials a sidecar with mTLS (Debian blackbox exporter, Python gRPC server)', () => {
  const procs: ChildProcess[] = [];
  const dir = tmpDir('promfleet-probes-tls-');
  let r: Rendered;
  let sidecarCert: string;
  let port: number;
  let probe: (module: string, config?: object) => Promise<string>;

  beforeAll(async () => {
    // A first render issues the sidecar certificate of "loop" into the test file's store; the second, with the port
    // the server got, renders the same certificate.
    const first = render(fleetFrom(loopFleet(1)));
    const sidecar = renderedTlsSecret(first, 'loop', SIDECAR_TLS_SECRET);
    sidecarCert = sidecar.cert;
    fs.writeFileSync(path.join(dir, 'server.crt'), sidecar.cert);
    fs.writeFileSync(path.join(dir, 'server.key'), sidecar.key, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, 'client-ca.crt'), sidecar.ca);
    const m = await start(PYTHON, [SERVER, ...['server.crt', 'server.key', 'client-ca.crt'].map((f) => path.join(dir, f))], /listening on (\d+)/, procs);
    port = Number(m[1]);
    r = render(fleetFrom(loopFleet(port)));
    expect(renderedTlsSecret(r, 'loop', SIDECAR_TLS_SECRET).cert).toBe(sidecarCert);

    // The Querier's client Secret where the module expects it: only the mount point differs.
    const tlsDir = path.join(dir, 'tls');
    fs.mkdirSync(tlsDir);
    const client = renderedTlsSecret(r, 'hub', QUERIER_TLS_SECRET);
    fs.writeFileSync(path.join(tlsDir, 'tls.crt'), client.cert);
    fs.writeFileSync(path.join(tlsDir, 'tls.key'), client.key, { mode: 0o600 });
    fs.writeFileSync(path.join(tlsDir, 'ca.crt'), client.ca);
    const rendered = find(r, 'hub', 'ConfigMap', 'blackbox-exporter').obj.data['blackbox.yaml'];
    const config = parse(rendered.split(`${BLACKBOX_TLS_MOUNT}/`).join(`${tlsDir}/`)) as { modules: Record<string, object> };
    // Two mistakes to show the check is real: no client certificate, and a name the server certificate lacks.
    const store = config.modules[STORE_MODULE] as { grpc: { tls_config: Record<string, string> } };
    const { cert_file: _cert, key_file: _key, ...noClient } = store.grpc.tls_config;
    config.modules.no_client_cert = { ...store, grpc: { ...store.grpc, tls_config: noClient } };
    config.modules.wrong_name = { ...store, grpc: { ...store.grpc, tls_config: { ...store.grpc.tls_config, server_name: 'sidecar-0.eu.example.com' } } };
    const configFile = path.join(dir, 'blackbox.yaml');
    fs.writeFileSync(configFile, stringify(config));
    const bb = await start(
      BLACKBOX_BIN,
      [`--config.file=${configFile}`, '--web.listen-address=127.0.0.1:0'],
      /msg="Listening on" address=127\.0\.0\.1:(\d+)/,
      procs,
    );
    probe = async (module: string) => {
      const res = await fetch(`http://127.0.0.1:${bb[1]}/probe?module=${module}&target=localhost:${port}`, { signal: AbortSignal.timeout(15000) });
      return res.text();
    };
  }, 60000);

  afterAll(() => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('probes loop with the store module, as rendered', () => {
    const target = ofKind(r.objects, 'Probe')
      .filter((p) => p.cluster === 'hub')
      .find((p) => p.obj.spec.targets.staticConfig.static.includes(`localhost:${port}`))!;
    expect(target.obj.spec.module).toBe(STORE_MODULE);
    expect(target.obj.spec.targets.staticConfig.labels).toEqual({ store: 'sidecar', sidecar_cluster: 'loop' });
  });

  it("succeeds with the Querier's client certificate, sees SERVING, and reports the sidecar certificate's expiry", async () => {
    const text = await probe(STORE_MODULE);
    expect([samples(text, 'probe_success').get(''), text]).toEqual([1, text]);
    expect(samples(text, 'probe_grpc_healthcheck_response').get('{serving_status="SERVING"}')).toBe(1);
    // The chain the sidecar presents: the earliest expiry of its certificates (the leaf here).
    const notAfter = Math.min(
      ...sidecarCert
        .split(/(?<=-----END CERTIFICATE-----\n?)/)
        .filter((c) => c.includes('BEGIN'))
        .map((c) => Date.parse(new X509Certificate(c).validTo) / 1000),
    );
    expect(samples(text, 'probe_ssl_earliest_cert_expiry').get('')).toBe(notAfter);
  });

  it('fails without a client certificate: the sidecar refuses the call', async () => {
    const text = await probe('no_client_cert');
    expect([samples(text, 'probe_success').get(''), text]).toEqual([0, text]);
  });

  it('fails when the name verified is not in the sidecar certificate', async () => {
    const text = await probe('wrong_name');
    expect([samples(text, 'probe_success').get(''), text]).toEqual([0, text]);
  });
});
