// The certificates work with a real Go TLS stack (Debian's prometheus, the same crypto/tls the
// Thanos sidecar and Querier use): the rendered Secrets give up = 1, and each way to get mTLS
// wrong gives up = 0.
import * as path from 'path';
import { SIDECAR_TLS_SECRET } from '../lib/components/thanos-sidecar';
import { QUERIER_TLS_SECRET } from '../lib/components/tls-secret';
import { FleetPki, preparePki, TlsBundle } from '../lib/pki';
import { render, tmpDir } from './support/fleet';
import { GoTlsProbe, GoTlsResult, GoTlsServer, probeGoTls } from './support/go-tls';
import { renderedTlsSecret } from './support/observer-fleet';
import { fleetWithStore } from './support/pki';

const EU = 'sidecar-0.workload-eu.example.com';
const US_INGRESS = 'sidecar-1.workload-us.example.com';
const SERVER_REFUSED = /remote error: tls: (certificate required|bad certificate|unknown certificate authority)|connection reset by peer|broken pipe|EOF/;

const server = (b: TlsBundle): GoTlsServer => ({ cert: b.cert, key: b.key, clientCa: b.ca });

describe('Go TLS (prometheus --web.config.file) accepts the certificates, and rejects mistakes', () => {
  let results: Record<string, GoTlsResult>;

  beforeAll(async () => {
    const [main, other, withIntermediate] = await Promise.all([
      preparePki(fleetWithStore()),
      // A second, unrelated CA: what a certificate from "another CA" means.
      preparePki(fleetWithStore()),
      preparePki(fleetWithStore(undefined, { intermediate: true })),
    ]);
    const mainFleet = fleetWithStore(main.dir);
    const rendered = render(mainFleet, path.join(tmpDir(), 'dist'), main);
    const eu = renderedTlsSecret(rendered, 'workload-eu', SIDECAR_TLS_SECRET);
    const us = renderedTlsSecret(rendered, 'workload-us', SIDECAR_TLS_SECRET);
    const querier = renderedTlsSecret(rendered, 'observer', QUERIER_TLS_SECRET);
    const client = (b: TlsBundle) => ({ ca: b.ca, cert: b.cert, key: b.key });
    const inter = (p: FleetPki) => ({ sidecar: p.sidecar('workload-eu'), querier: p.querier('observer') });
    const i = inter(withIntermediate);

    const probes: GoTlsProbe[] = [
      // What the Querier does: its client Secret, server_name = the sidecar's endpoint host.
      { name: 'eu-endpoint', server: 'eu', serverName: EU, ...client(querier) },
      { name: 'us-ingress-host', server: 'us', serverName: US_INGRESS, ...client(querier) },
      { name: 'us-in-cluster-service', server: 'us', serverName: 'thanos-sidecar-1.monitoring.svc', ...client(querier) },
      { name: 'us-pod-wildcard', server: 'us', serverName: 'prometheus-k8s-0.prometheus-operated.monitoring.svc.cluster.local', ...client(querier) },
      { name: 'intermediate-chain', server: 'intermediate', serverName: EU, ...client(i.querier) },
      // Failure modes.
      { name: 'wrong-server-name', server: 'eu', serverName: 'sidecar-0.workload-us.example.com', ...client(querier) },
      { name: 'no-client-cert', server: 'eu', serverName: EU, ca: querier.ca },
      { name: 'client-cert-other-ca', server: 'eu', serverName: EU, ...client(other.querier('observer')), ca: querier.ca },
      { name: 'server-cert-other-ca', server: 'eu', serverName: EU, ...client(querier), ca: other.caBundle },
      { name: 'client-cert-of-other-root-to-intermediate', server: 'intermediate', serverName: EU, ...client(querier), ca: i.querier.ca },
    ];
    results = await probeGoTls({ servers: { eu: server(eu), us: server(us), intermediate: server(i.sidecar) }, probes });
  });

  it.each(['eu-endpoint', 'us-ingress-host', 'us-in-cluster-service', 'us-pod-wildcard', 'intermediate-chain'])('%s: up = 1', (name) => {
    expect([name, results[name]]).toEqual([name, { up: 1, lastError: '' }]);
  });

  it.each([
    ['wrong-server-name', /x509: certificate is valid for .*not sidecar-0\.workload-us\.example\.com/],
    // The server aborts the handshake; with TLS 1.3 the client sees its alert or just the reset.
    ['no-client-cert', SERVER_REFUSED],
    ['client-cert-other-ca', SERVER_REFUSED],
    ['server-cert-other-ca', /x509: certificate signed by unknown authority/],
    ['client-cert-of-other-root-to-intermediate', SERVER_REFUSED],
  ])('%s: up = 0', (name, error) => {
    expect(results[name].up).toBe(0);
    expect(results[name].lastError).toMatch(error);
  });
});
