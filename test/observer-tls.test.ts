// Every (observer, store) pair of the rendered fleet handshakes with a real Go TLS stack: the
// server presents its rendered Secret, the client uses the files the rendered endpoint config
// names (read through the Querier's mounts) and the rendered server_name. up = 1 for each.
import { fleetFrom, render, Rendered } from './support/fleet';
import { GoTlsProbe, GoTlsResult, GoTlsServer, probeGoTls } from './support/go-tls';
import { find, HUB_FLEET, querierClientBundle, renderedSdConfig, renderedTlsSecret } from './support/observer-fleet';
import { sidecarRoute } from './support/sidecar-routes';

const OBSERVERS = ['hub', 'backup'];

/** Which rendered server answers at `address` when dialled from `observer`, and its Secret. */
function serverAt(r: Rendered, observer: string, address: string): { key: string; secret: GoTlsServer } {
  const host = address.slice(0, address.lastIndexOf(':'));
  const pick = (cluster: string, secret: string) => {
    const b = renderedTlsSecret(r, cluster, secret);
    return { key: `${cluster}/${secret}`, secret: { cert: b.cert, key: b.key, clientCa: b.ca } };
  };
  // In-cluster: a Prometheus pod of the observer itself (via the operator's headless Service), or one of its Services.
  if (/^prometheus-k8s-\d+\.prometheus-operated\.monitoring\.svc$/.test(host)) return pick(observer, 'thanos-sidecar-tls');
  if (host === 'thanos-store-gateway.monitoring.svc') {
    find(r, observer, 'Service', 'thanos-store-gateway');
    return pick(observer, 'thanos-store-gateway-tls');
  }
  // Across clusters: the workload cluster whose per-replica Service (external-dns) or passthrough Ingress carries that name.
  const svc = sidecarRoute(r, address);
  return pick(svc.cluster, 'thanos-sidecar-tls');
}

describe('Go TLS: every observer reaches every store with the rendered names and Secrets', () => {
  const r = render(fleetFrom(HUB_FLEET));
  const servers: Record<string, GoTlsServer> = {};
  const probes: (GoTlsProbe & { observer: string; target: string })[] = [];
  for (const observer of OBSERVERS) {
    for (const e of renderedSdConfig(r, observer).endpoints) {
      if (!e.client_config.tls_config.enabled) continue;
      const server = serverAt(r, observer, e.address);
      servers[server.key] = server.secret;
      const client = querierClientBundle(r, observer, e.client_config.tls_config);
      probes.push({
        name: `${observer} -> ${e.address}`,
        observer,
        target: server.key.split('/')[0],
        server: server.key,
        serverName: e.client_config.server_name!,
        ca: client.ca,
        cert: client.cert,
        key: client.key,
      });
    }
  }
  // Control: the same client with another endpoint's server name must be refused.
  const eu = probes.find((p) => p.name === 'backup -> sidecar-0.eu.example.com:443')!;
  const control = { ...eu, name: 'control: eu sidecar verified as the us name', serverName: 'sidecar-1.us.example.com' };
  let results: Record<string, GoTlsResult>;

  beforeAll(async () => {
    results = await probeGoTls({ servers, probes: [...probes, control] });
  });

  it('covers every (observer, workload) pair and the Store Gateway', () => {
    const pairs = new Set(probes.map((p) => `${p.observer} -> ${p.server}`));
    // backup monitors itself: its Querier reads its own sidecar too.
    expect([...pairs].sort()).toEqual([
      'backup -> backup/thanos-sidecar-tls',
      'backup -> eu/thanos-sidecar-tls',
      'backup -> hub/thanos-sidecar-tls',
      'backup -> us/thanos-sidecar-tls',
      'hub -> eu/thanos-sidecar-tls',
      'hub -> hub/thanos-sidecar-tls',
      'hub -> hub/thanos-store-gateway-tls',
      'hub -> us/thanos-sidecar-tls',
    ]);
  });

  it.each(probes.map((p) => p.name))('%s: up = 1', (name) => {
    expect([name, results[name]]).toEqual([name, { up: 1, lastError: '' }]);
  });

  it('refuses a server name that is not the one rendered for that store', () => {
    expect(results[control.name].up).toBe(0);
    expect(results[control.name].lastError).toMatch(/x509: certificate is valid for .*not sidecar-1\.us\.example\.com/);
  });
});
