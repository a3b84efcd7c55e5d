// Adding a workload cluster: its endpoints (one per replica) appear in the observer's config, exactly one new
// server certificate is issued, and no other cluster's folder changes.
import * as path from 'path';
import { defaultFleetText, fleetFrom, ofKind, render, Rendered, testPki, tmpDir } from './support/fleet';
import { renderedSdConfig } from './support/observer-fleet';
import { changedFiles, fingerprintTree } from './support/pki';

const THIRD = `
  - name: workload-ap
    roles: [workload]
    externalLabels:
      region: ap-southeast-1
    thanos:
      endpoint:
        host: "sidecar-{replica}.workload-ap.example.com"
`;

/** Files of the cluster folders only (dist/_argocd and other fleet-wide files are not a cluster's). */
function clusterFiles(r: Rendered): Map<string, string> {
  const clusters = new Set(r.result.clusters.map((c) => c.cluster));
  return new Map([...r.files].filter(([f]) => clusters.has(f.split(path.sep)[0])));
}

function certificates(r: Rendered): Set<string> {
  return new Set(
    ofKind(r.objects, 'Secret')
      .filter((o) => o.obj.type === 'kubernetes.io/tls')
      .map((o) => o.obj.data['tls.crt']),
  );
}

describe('adding a third workload cluster', () => {
  const pkiDir = path.join(tmpDir('promfleet-pki-'), 'store');
  const before = fleetFrom(defaultFleetText());
  const after = fleetFrom(`${defaultFleetText().trimEnd()}\n${THIRD}`);
  const pkiBefore = testPki(before, pkiDir);
  const r1 = render(before, path.join(tmpDir(), 'dist'), pkiBefore);
  const storeBefore = fingerprintTree(pkiDir);
  const pkiAfter = testPki(after, pkiDir);
  const r2 = render(after, path.join(tmpDir(), 'dist'), pkiAfter);

  it("adds the new sidecar to the observer's endpoint config, and nothing else there", () => {
    const old = renderedSdConfig(r1, 'observer');
    const now = renderedSdConfig(r2, 'observer');
    expect(now.endpoints.slice(0, -2)).toEqual(old.endpoints);
    // One endpoint per Prometheus replica of the new cluster.
    expect(now.endpoints.slice(-2)).toEqual(
      [0, 1].map((i) => ({
        address: `sidecar-${i}.workload-ap.example.com:10901`,
        client_config: { ...old.endpoints[0].client_config, server_name: `sidecar-${i}.workload-ap.example.com` },
      })),
    );
  });

  it('issues exactly one new certificate: the server certificate of the new sidecar', () => {
    expect(pkiAfter.report.entries.filter((e) => e.action !== 'kept').map((e) => [e.name, e.action])).toEqual([['sidecar/workload-ap', 'issued']]);
    expect(changedFiles(storeBefore, fingerprintTree(pkiDir))).toEqual(['sidecar/workload-ap.crt', 'sidecar/workload-ap.key']);
    const added = [...certificates(r2)].filter((c) => !certificates(r1).has(c));
    expect(added).toHaveLength(1);
    const secret = r2.objects.find((o) => o.obj.kind === 'Secret' && o.obj.data?.['tls.crt'] === added[0])!;
    expect([secret.cluster, secret.obj.metadata.name]).toEqual(['workload-ap', 'thanos-sidecar-tls']);
  });

  it("changes no cluster's folder but the observer's, and adds the new cluster's", () => {
    const a = clusterFiles(r1);
    const b = clusterFiles(r2);
    const changed = [...new Set([...a.keys(), ...b.keys()])].filter((f) => a.get(f) !== b.get(f));
    expect(new Set(changed.map((f) => f.split(path.sep)[0]))).toEqual(new Set(['observer', 'workload-ap']));
    // The Querier's endpoints, the fleet-level alerts of the ruler and the probes of the store paths, which now cover the new cluster too.
    expect(changed.filter((f) => f.startsWith('observer/'))).toEqual([
      'observer/70-querier.yaml',
      'observer/75-thanos-ruler.yaml',
      'observer/77-sidecar-probes.yaml',
    ]);
    expect(changed.filter((f) => f.startsWith('workload-ap/')).every((f) => !a.has(f))).toBe(true);
  });
});
