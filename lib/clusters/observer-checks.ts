// Cross-cluster checks of an observer's wiring, run once the PKI has issued the certificates and
// before the observer's charts are built (so before the new dist/ replaces the old one): each
// problem names the observer and the cluster at the other end.
// (Colliding external-label sets are already rejected with the fleet file, in lib/fleet/checks.ts.)
import { FleetError, FleetProblem } from '../fleet/errors';
import { isWorkload, sidecarExposed, type ClusterModel, type FleetModel, type ObserverCluster, type WorkloadCluster } from '../fleet/model';
import type { FleetPki, TlsBundle } from '../pki';
import { certificateCoversHost, describe, describeCertificate, parseCertificates, verifiesChain } from '../pki/inspect';
import { querierEndpoints, type EndpointSource } from './endpoints';

/** A store of the fleet itself (a sidecar or a Store Gateway), whose certificate the PKI issued. */
type FleetStore = Exclude<EndpointSource, { kind: 'extra' }>;

/** What the checks read from the PKI: each leaf's certificate chain and the CAs it trusts. */
export type ObserverPki = Pick<FleetPki, 'querier' | 'sidecar' | 'storeGateway'>;

/**
 * Every problem of the observer `observer` (fleet-file problems, then certificate problems; without
 * `pki`, as in a synth in CI without the store, the fleet-file problems only).
 */
export function observerProblems(fleet: FleetModel, observer: ObserverCluster, pki: ObserverPki | undefined): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const O = JSON.stringify(observer.name);
  // The Prometheus servers this Querier reads: its own, and every other one reachable from outside its cluster.
  const workloads = fleet.clusters.filter(isWorkload).filter((w) => w.name === observer.name || sidecarExposed(w));

  // The label most workload clusters use is the reference; the others are reported.
  const label = (c: ClusterModel) => c.stack.prometheus.replicaLabel;
  const count = (l: string) => workloads.filter((c) => label(c) === l).length;
  const reference = workloads.reduce<WorkloadCluster | undefined>((best, c) => (!best || count(label(c)) > count(label(best)) ? c : best), undefined);
  for (const w of workloads) {
    if (reference && label(w) !== label(reference)) {
      problems.push({
        path: `clusters[${w.index}].overrides.prometheus.replicaLabel`,
        message:
          `"${w.name}" labels its Prometheus replicas "${label(w)}" but "${reference.name}" uses "${label(reference)}"; ` +
          `the Querier on observer ${O} deduplicates on one label: give both clusters the same prometheus.replicaLabel`,
      });
    }
    if (w.workload.sidecar.listenLocal) {
      problems.push({
        path: `clusters[${w.index}].thanos.listenLocal`,
        message: `the sidecar of "${w.name}" listens on 127.0.0.1 only, so the Querier on observer ${O} cannot reach it: remove listenLocal`,
      });
    }
    // Its own sidecar is dialled pod by pod inside the cluster; another cluster's needs an address per replica.
    if (w.name !== observer.name) problems.push(...reachabilityProblems(w, O));
  }

  if (!pki) return problems;
  const client = pki.querier(observer.name);
  for (const e of querierEndpoints(fleet, observer)) {
    const { serverName, source } = e;
    if (!serverName || source.kind === 'extra') continue; // extra stores bring their own certificates
    const server = source.kind === 'sidecar' ? pki.sidecar(source.cluster.name) : pki.storeGateway(source.cluster.name);
    problems.push(...endpointProblems(observer, serverName, source, client, server));
  }
  // The replicas of a cluster share one certificate: a CA mismatch would otherwise be reported once per replica.
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** Whether the Querier on another cluster reaches every Prometheus replica of `w` at an address of its own. */
function reachabilityProblems(w: WorkloadCluster, O: string): FleetProblem[] {
  const { sidecar } = w.workload;
  const replicas = w.stack.prometheus.replicas;
  const problems: FleetProblem[] = [];
  const field = sidecar.ingress ? 'ingress' : 'endpoint';
  const hosts = new Set(sidecar.endpoints.map((e) => e.host));
  if (sidecar.endpoints.length !== replicas || hosts.size !== replicas) {
    problems.push({
      path: `clusters[${w.index}].thanos.${field}`,
      message:
        `names ${hosts.size} distinct address${hosts.size === 1 ? '' : 'es'} for the ${replicas} Prometheus replicas of "${w.name}", so the Querier on observer ${O} ` +
        `cannot reach every replica on its own: give each replica its own name ("{replica}" in host, or one entry per replica in hosts)`,
    });
  }
  if (!sidecar.ingress && sidecar.service.type === 'ClusterIP') {
    problems.push({
      path: `clusters[${w.index}].thanos.service.type`,
      message:
        `is ClusterIP, so no replica of "${w.name}" is reachable from observer ${O}, which runs in another cluster: ` +
        'use LoadBalancer (the default) or NodePort, or reach the sidecars through thanos.ingress',
    });
  }
  return problems;
}

/** Throws a FleetError listing every problem of the observer. */
export function assertObserverWiring(fleet: FleetModel, observer: ObserverCluster, pki: ObserverPki | undefined): void {
  const problems = observerProblems(fleet, observer, pki);
  if (problems.length) throw new FleetError(fleet.source, problems);
}

/** Problems of one TLS endpoint of a fleet cluster: `serverName` is what the Querier verifies. */
function endpointProblems(observer: ClusterModel, serverName: string, source: FleetStore, client: TlsBundle, server: TlsBundle): FleetProblem[] {
  const O = JSON.stringify(observer.name);
  const other = source.cluster;
  const what = source.kind === 'sidecar' ? `the sidecar of "${other.name}"` : `the Store Gateway of "${other.name}"`;
  const path =
    source.kind === 'store-gateway'
      ? `clusters[${other.index}].querier.storeGateway`
      : other.name === observer.name
        ? // An observer that monitors itself may have no thanos section: its sidecar is then the cluster's own.
          `clusters[${other.index}]${isWorkload(other) && sidecarExposed(other) ? '.thanos' : ''}`
        : `clusters[${other.index}].thanos.${isWorkload(other) && other.workload.sidecar.ingress ? 'ingress' : 'endpoint'}`;
  const problems: FleetProblem[] = [];
  if (!certificateCoversHost(server.cert, serverName)) {
    const names = describeCertificate(server.cert).dnsNames;
    problems.push({
      path,
      message:
        `"${serverName}", the server name the Querier on observer ${O} verifies, is not in the certificate of ${what} ` +
        `(it has ${names.map((n) => `"${n}"`).join(', ') || 'no DNS names'}); add the name to thanos.extraSANs or let the PKI re-issue the certificate`,
    });
  }
  if (!verifiesChain(server.ca, client.cert)) {
    problems.push({
      path,
      message:
        `${what} trusts client certificates from ${authorities(server.ca)}, but the Querier certificate of observer ${O} was issued by ` +
        `"${describeCertificate(client.cert).issuer}": the server would refuse the Querier; re-render so both come from the current CA`,
    });
  }
  if (!verifiesChain(client.ca, server.cert)) {
    problems.push({
      path,
      message:
        `the Querier on observer ${O} trusts servers signed by ${authorities(client.ca)}, but the certificate of ${what} was issued by ` +
        `"${describeCertificate(server.cert).issuer}": the Querier would refuse it; re-render so both come from the current CA`,
    });
  }
  return problems;
}

/** The CAs of a bundle by common name, for messages. */
function authorities(bundlePem: string): string {
  const names = parseCertificates(bundlePem).map((c) => `"${describe(c).commonName}"`);
  return names.length ? names.join(' and ') : 'no CA at all';
}
