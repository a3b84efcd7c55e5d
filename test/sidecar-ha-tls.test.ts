// Go TLS (Debian's prometheus, the crypto/tls of Thanos) for every Querier -> sidecar replica
// endpoint of the default fleet: the server is the rendered Secret of the workload cluster whose
// objects route that address (a load balancer per replica, or the passthrough Ingress), the client
// presents the files the Querier mounts and verifies the rendered server_name. Each replica
// handshakes; a name of another cluster, or no client certificate, does not.
import { SIDECAR_TLS_SECRET } from '../lib/components/thanos-sidecar';
import { defaultFleetText, fleetFrom, render } from './support/fleet';
import { GoTlsProbe, GoTlsResult, GoTlsServer, probeGoTls } from './support/go-tls';
import { querierClientBundle, renderedSdConfig, renderedTlsSecret } from './support/observer-fleet';
import { sidecarRoute } from './support/sidecar-routes';

const SERVER_REFUSED = /remote error: tls: (certificate required|bad certificate|unknown certificate authority)|connection reset by peer|broken pipe|EOF/;

describe('Go TLS: the Querier reaches every sidecar replica of the default fleet with the rendered names', () => {
  const r = render(fleetFrom(defaultFleetText()));
  const servers: Record<string, GoTlsServer> = {};
  // The observer's own Prometheus (it monitors itself) included, dialled pod by pod in-cluster.
  const endpoints = renderedSdConfig(r, 'observer').endpoints.map((e) => ({ ...e, route: sidecarRoute(r, e.address, 'observer') }));
  const ok: GoTlsProbe[] = [];
  const wrongName: GoTlsProbe[] = [];
  const noClientCert: GoTlsProbe[] = [];
  for (const e of endpoints) {
    const { cluster, pod } = e.route;
    const b = renderedTlsSecret(r, cluster, SIDECAR_TLS_SECRET);
    servers[cluster] = { cert: b.cert, key: b.key, clientCa: b.ca };
    const client = querierClientBundle(r, 'observer', e.client_config.tls_config);
    const probe = { name: `${e.address} (${cluster}/${pod})`, server: cluster, serverName: e.client_config.server_name!, ...client };
    ok.push(probe);
    // A name the Querier verifies for another cluster: this cluster's certificate must not cover it.
    // (In-cluster pod names are every sidecar's own in its cluster, and reach no other cluster: an outside name.)
    const other = endpoints.find((x) => x.route.cluster !== cluster && x.route.via !== 'pod')!;
    wrongName.push({ ...probe, name: `wrong name: ${probe.name} as ${other.client_config.server_name}`, serverName: other.client_config.server_name! });
    noClientCert.push({ name: `no client certificate: ${probe.name}`, server: cluster, serverName: probe.serverName, ca: client.ca });
  }
  let results: Record<string, GoTlsResult>;

  beforeAll(async () => {
    results = await probeGoTls({ servers, probes: [...ok, ...wrongName, ...noClientCert] });
  });

  it('probes one endpoint per replica of each workload cluster, and of the observer itself', () => {
    expect(endpoints.map((e) => `${e.route.cluster}/${e.route.pod} via ${e.route.via}`)).toEqual([
      'observer/prometheus-k8s-0 via pod',
      'observer/prometheus-k8s-1 via pod',
      'workload-eu/prometheus-k8s-0 via service',
      'workload-eu/prometheus-k8s-1 via service',
      'workload-us/prometheus-k8s-0 via ingress',
      'workload-us/prometheus-k8s-1 via ingress',
    ]);
  });

  it.each(ok.map((p) => p.name))('%s: up = 1', (name) => {
    expect([name, results[name]]).toEqual([name, { up: 1, lastError: '' }]);
  });

  it.each(wrongName.map((p) => p.name))('%s: up = 0, the name is not in the certificate', (name) => {
    expect(results[name].up).toBe(0);
    expect(results[name].lastError).toMatch(/x509: certificate is valid for .*, not sidecar-\d\.workload-(eu|us)\.example\.com/);
  });

  it.each(noClientCert.map((p) => p.name))('%s: up = 0, the sidecar requires the client certificate', (name) => {
    expect(results[name].up).toBe(0);
    expect(results[name].lastError).toMatch(SERVER_REFUSED);
  });
});
