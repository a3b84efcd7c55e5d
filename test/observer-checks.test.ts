// Cross-cluster checks of the observer's wiring: each mistake fails the synth with a message
// that names the observer and the cluster at the other end, and leaves dist/ as it was.
import { expect } from '@jest/globals';
import * as fs from 'fs';
import * as path from 'path';
import { observerProblems, ObserverPki } from '../lib/clusters/observer-checks';
import { querierEndpoints } from '../lib/clusters/endpoints';
import { FleetError } from '../lib/fleet/errors';
import type { FleetModel } from '../lib/fleet/model';
import type { FleetPki } from '../lib/pki';
import { defaultFleetText, fleetFrom, observerCluster, fleetProblems, readTree, render, runMain, testPki, tmpDir } from './support/fleet';
import { HUB_FLEET } from './support/observer-fleet';

/** The real PKI of `fleet` with some answers replaced, as a FleetPki the renderer accepts. */
function tamperedPki(pki: FleetPki, overrides: Partial<ObserverPki>): FleetPki {
  return Object.assign(Object.create(pki) as FleetPki, overrides);
}

function problemsOf(fleet: FleetModel, pki: ObserverPki, observer = 'observer') {
  return observerProblems(fleet, observerCluster(fleet, observer), pki);
}

function renderError(fleet: FleetModel, pki: FleetPki): FleetError {
  try {
    render(fleet, path.join(tmpDir(), 'dist'), pki);
  } catch (e) {
    if (e instanceof FleetError) return e;
    throw e;
  }
  throw new Error('the render succeeded');
}

describe('observer cross-cluster checks', () => {
  const fleet = fleetFrom(defaultFleetText());
  const pki = testPki(fleet);

  it('finds nothing wrong with the default fleet', () => {
    expect(problemsOf(fleet, pki)).toEqual([]);
  });

  it("an endpoint server name missing from that sidecar's certificate", () => {
    // workload-eu presents workload-us' certificate.
    const bad = tamperedPki(pki, { sidecar: (c) => pki.sidecar(c === 'workload-eu' ? 'workload-us' : c) });
    const err = renderError(fleet, bad);
    // One problem per replica: each is dialled under its own name.
    expect(err.problems).toEqual(
      [0, 1].map((i) => ({
        path: 'clusters[1].thanos.endpoint',
        message: expect.stringMatching(
          new RegExp(
            `^"sidecar-${i}\\.workload-eu\\.example\\.com", the server name the Querier on observer "observer" verifies, is not in the certificate of the sidecar of "workload-eu" \\(it has "sidecar-0\\.workload-us\\.example\\.com", .*\\)`,
          ),
        ),
      })),
    );
  });

  it('a sidecar whose client CA did not sign the observer client certificate (and the reverse)', () => {
    const other = testPki(fleet, tmpDir('promfleet-other-ca-'));
    const clientCaWrong = tamperedPki(pki, { sidecar: (c) => (c === 'workload-us' ? { ...pki.sidecar(c), ca: other.caBundle } : pki.sidecar(c)) });
    const [p] = renderError(fleet, clientCaWrong).problems;
    expect(p.path).toBe('clusters[2].thanos.ingress');
    expect(p.message).toMatch(
      /^the sidecar of "workload-us" trusts client certificates from "promfleet root CA \w+", but the Querier certificate of observer "observer" was issued by "promfleet root CA \w+"/,
    );

    const serverCaWrong = tamperedPki(pki, { querier: (c) => ({ ...pki.querier(c), ca: other.caBundle }) });
    const messages = renderError(fleet, serverCaWrong).problems.map((x) => `${x.path}: ${x.message}`);
    expect(messages).toEqual([
      // The observer's own sidecar (it monitors itself), which its Querier dials in-cluster.
      expect.stringMatching(
        /^clusters\[0\]: the Querier on observer "observer" trusts servers signed by .*the certificate of the sidecar of "observer" was issued by/,
      ),
      expect.stringMatching(
        /^clusters\[1\]\.thanos\.endpoint: the Querier on observer "observer" trusts servers signed by .*the certificate of the sidecar of "workload-eu" was issued by/,
      ),
      expect.stringMatching(
        /^clusters\[2\]\.thanos\.ingress: the Querier on observer "observer" trusts servers signed by .*the certificate of the sidecar of "workload-us" was issued by/,
      ),
    ]);
  });

  it('checks the Store Gateway certificate too', () => {
    const hub = fleetFrom(HUB_FLEET);
    const hubPki = testPki(hub);
    expect(problemsOf(hub, hubPki, 'hub')).toEqual([]);
    const bad = tamperedPki(hubPki, { storeGateway: () => hubPki.sidecar('eu') });
    expect(problemsOf(hub, bad, 'hub')).toEqual([
      {
        path: 'clusters[0].querier.storeGateway',
        message: expect.stringMatching(
          /^"thanos-store-gateway\.monitoring\.svc", the server name the Querier on observer "hub" verifies, is not in the certificate of the Store Gateway of "hub"/,
        ),
      },
    ]);
  });

  it('a sidecar that listens only on localhost', () => {
    const local = fleetFrom(defaultFleetText().replace('        port: 10901\n', '        port: 10901\n      listenLocal: true\n'));
    expect(problemsOf(local, testPki(local))).toEqual([
      {
        path: 'clusters[1].thanos.listenLocal',
        message: 'the sidecar of "workload-eu" listens on 127.0.0.1 only, so the Querier on observer "observer" cannot reach it: remove listenLocal',
      },
    ]);
  });

  it('replica labels that disagree between workload clusters', () => {
    const text = HUB_FLEET.replace(
      '      endpoint: { host: "sidecar-{replica}.us.example.com" }\n',
      '      endpoint: { host: "sidecar-{replica}.us.example.com" }\n    overrides:\n      prometheus: { replicaLabel: replica }\n',
    );
    const mixed = fleetFrom(text);
    const err = renderError(mixed, testPki(mixed));
    // Reported once per observer that deduplicates; the first failing observer stops the render.
    expect(err.problems).toEqual([
      {
        path: 'clusters[3].overrides.prometheus.replicaLabel',
        message:
          '"us" labels its Prometheus replicas "replica" but "hub" uses "prometheus_replica"; the Querier on observer "hub" deduplicates on one label: give both clusters the same prometheus.replicaLabel',
      },
    ]);
  });

  it('external-label sets that collide (checked with the fleet file, naming both clusters)', () => {
    const text = defaultFleetText().replace('      region: us-east-1\n', '      region: eu-west-1\n      cluster: workload-eu\n');
    expect(fleetProblems(text)).toEqual([
      expect.stringMatching(
        /^clusters\[2\]\.externalLabels: .* of "workload-us" equals the external labels of clusters\[1\] \("workload-eu"\); Thanos would drop one of the two stores/,
      ),
    ]);
  });

  it('fails the synth with exit code 1, prints the problem, and leaves dist/ untouched', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'dist');
    const env = { PROMFLEET_OUT: out, PROMFLEET_PKI_DIR: path.join(dir, 'pki') };
    const run = async (fleetText: string) => {
      const file = path.join(dir, 'fleet.yaml');
      fs.writeFileSync(file, fleetText);
      return runMain({ ...env, FLEET: file });
    };
    expect((await run(defaultFleetText())).code).toBe(0);
    const before = readTree(out).files;
    const bad = await run(defaultFleetText().replace('        port: 10901\n', '        port: 10901\n      listenLocal: true\n'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'clusters[1].thanos.listenLocal: the sidecar of "workload-eu" listens on 127.0.0.1 only, so the Querier on observer "observer" cannot reach it',
    );
    expect(readTree(out).files).toEqual(before);
  });
});

describe('querier fields in the fleet file', () => {
  const withQuerier = (querier: string) => defaultFleetText().replace('    querier:\n      replicas: 2\n', `    querier:\n      replicas: 2\n${querier}`);

  it.each([
    [
      'a dns+ store address',
      '      extraStores: [{ address: "dns+thanos-ruler.monitoring.svc:10901", tls: false }]\n',
      /^clusters\[0\]\.querier\.extraStores\[0\]\.address: must be host:port of a StoreAPI.*no dns\+\/dnssrv\+ prefix/,
    ],
    [
      'a port out of range',
      '      extraStores: [{ address: "ruler:70000", tls: false }]\n',
      /^clusters\[0\]\.querier\.extraStores\[0\]\.address: must end in a port number from 1 to 65535/,
    ],
    [
      'an undeclared transport',
      '      extraStores: [{ address: "ruler:10901" }]\n',
      /^clusters\[0\]\.querier\.extraStores\[0\]\.tls: is required \(boolean\): Whether the store serves mTLS/,
    ],
    [
      'a server name on a plaintext store',
      '      extraStores: [{ address: "ruler:10901", tls: false, serverName: ruler.example.com }]\n',
      /^clusters\[0\]\.querier\.extraStores\[0\]\.serverName: serverName needs tls: true/,
    ],
    [
      'a typo in the Ingress',
      '      ingress: { host: thanos.example.com, tlsSecret: x }\n',
      /^clusters\[0\]\.querier\.ingress\.tlsSecret: unknown key; allowed keys: host, className, annotations, tls, auth$/,
    ],
    ['a Store Gateway without bucket', '      storeGateway: { replicas: 2 }\n', /^clusters\[0\]\.querier\.storeGateway\.bucket: is required/],
    ['the removed localSidecarTls', '      localSidecarTls: false\n', /^clusters\[0\]\.querier\.localSidecarTls: unknown key/],
  ])('rejects %s', (_what, querier, message) => {
    // The case's own Ingress replaces the default fleet's whole ingress block.
    const text = withQuerier(querier).replace(/ {6}ingress:\n( {8}.*\n)+/, (block) => (querier.includes('ingress') ? '' : block));
    expect(fleetProblems(text)).toEqual([expect.stringMatching(message)]);
  });

  it('accepts a TLS extra store and derives its server name from the address', () => {
    const fleet = fleetFrom(withQuerier('      extraStores: [{ address: "ruler.monitoring.svc:10901", tls: true }]\n'));
    const extra = querierEndpoints(fleet, observerCluster(fleet, 'observer')).at(-1);
    expect(extra).toEqual({ address: 'ruler.monitoring.svc:10901', serverName: 'ruler.monitoring.svc', source: { kind: 'extra', index: 0 } });
  });
});
