// The observer's probes of the sidecar path: a blackbox exporter that dials every store the Querier dials, with the
// Querier's own client certificate and the same server names, and asks each for its gRPC health
// (grpc.health.v1, which every Thanos server answers). A Probe per store group has the stack's Prometheus drive it.
// What the Querier sees as a partial response (a store it cannot reach) becomes probe_success = 0 with the
// store's address, and the server's certificate chain becomes probe_ssl_earliest_cert_expiry before it runs out.
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import { Probe, ProbeSpecProberScheme } from '../../imports/probe-monitoring.coreos.com';
import { DEFAULT_SIDECAR_PROBES, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { image, meta } from '../meta';
import { monitorSelectorOf, namespaceOf, type MonitoredComponentProps, type PlacedComponentProps, type StackComponentProps } from './base';
import { coreResources, httpProbe, nonRootPod, NOBODY, podLabels, podPlacement, RESTRICTED_CONTAINER, selectorLabels } from './common';
import { serviceHost, type StoreEndpoint } from './endpoints';
import { QUERIER_TLS_SECRET } from './tls-secret';

export const BLACKBOX_NAME = 'blackbox-exporter';
const COMPONENT = 'exporter';
export const BLACKBOX_PORT = 9115;
/** The `job` label of every probe of a store (dashboards and the store-probes rules select on it). */
export const SIDECAR_PROBE_JOB = 'sidecar-probes';
/** Target label naming the workload cluster of a probed sidecar. Not `cluster`: see StoreProbes. */
export const SIDECAR_CLUSTER_LABEL = 'sidecar_cluster';
/** Target label naming what serves a probed store: sidecar, store-gateway or extra-store. */
export const STORE_KIND_LABEL = 'store';
export const BLACKBOX_CONFIG_FILE = 'blackbox.yaml';
export const BLACKBOX_CONFIG_MOUNT = '/etc/blackbox-exporter/config';
/** Where the Querier's client Secret (tls.crt, tls.key, ca.crt) is mounted. */
export const BLACKBOX_TLS_MOUNT = '/etc/blackbox-exporter/tls';
/** gRPC health over mTLS, verifying the server certificate under the target's host: every fleet store. */
export const STORE_MODULE = 'thanos_grpc_mtls';
/** gRPC health in plaintext: an extra store declared with `tls: false`. */
export const PLAINTEXT_STORE_MODULE = 'thanos_grpc_plaintext';
/** How long one probe may take (Prometheus' scrape timeout, 10s by default, shortens it further). */
const PROBE_TIMEOUT = '10s';

/** What serves a probed store. */
export type ProbedStoreKind = 'sidecar' | 'store-gateway' | 'extra-store';

/** A store the Querier dials, as the probes see it. */
export interface ProbedStore extends StoreEndpoint {
  readonly kind: ProbedStoreKind;
  /**
   * The workload cluster whose sidecar it is (the Store Gateway and extra stores have none: their alerts keep the
   * observer's own `cluster`).
   * @default none
   */
  readonly cluster?: string;
}

/** The host part of `host:port`. */
export function addressHost(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

/** A blackbox module: the grpc prober, with the Querier's client files when the store serves mTLS. */
interface BlackboxModule {
  prober: 'grpc';
  timeout: string;
  grpc: { tls?: true; tls_config?: { ca_file: string; cert_file: string; key_file: string; server_name?: string } };
}

/**
 * The module each store is probed with: plaintext, mTLS under the target's host (the grpc prober's default server
 * name, and what the Querier verifies for every fleet store), or, for a store whose certificate carries another
 * name, a module of its own that sets `server_name`.
 */
export function storeModules(stores: readonly ProbedStore[]): { modules: Record<string, BlackboxModule>; moduleOf: string[] } {
  const files = { ca_file: `${BLACKBOX_TLS_MOUNT}/ca.crt`, cert_file: `${BLACKBOX_TLS_MOUNT}/tls.crt`, key_file: `${BLACKBOX_TLS_MOUNT}/tls.key` };
  const mtls = (serverName?: string): BlackboxModule => ({
    prober: 'grpc',
    timeout: PROBE_TIMEOUT,
    grpc: { tls: true, tls_config: { ...files, ...(serverName ? { server_name: serverName } : {}) } },
  });
  const modules: Record<string, BlackboxModule> = { [STORE_MODULE]: mtls() };
  let named = 0;
  const moduleOf = stores.map((s) => {
    if (!s.serverName) {
      modules[PLAINTEXT_STORE_MODULE] = { prober: 'grpc', timeout: PROBE_TIMEOUT, grpc: {} };
      return PLAINTEXT_STORE_MODULE;
    }
    if (s.serverName === addressHost(s.address)) return STORE_MODULE;
    const name = `${STORE_MODULE}_${named++}`;
    modules[name] = mtls(s.serverName);
    return name;
  });
  return { modules, moduleOf };
}

/** The blackbox exporter's configuration file for these stores. */
export function blackboxConfig(stores: readonly ProbedStore[]): string {
  return stringify({ modules: storeModules(stores).modules }, { lineWidth: 0, aliasDuplicateObjects: false });
}

export interface BlackboxExporterProps extends StackComponentProps, PlacedComponentProps {
  /** The stores it probes: each gets the module it needs. */
  readonly stores: readonly ProbedStore[];
  /** @default DEFAULT_VERSIONS.blackboxExporter */
  readonly version?: string;
  /** @default DEFAULT_SIDECAR_PROBES.resources */
  readonly resources?: Resources;
  /**
   * kubernetes.io/tls Secret with the Querier's client certificate (tls.crt, tls.key) and the CAs of the stores (ca.crt).
   * @default QUERIER_TLS_SECRET
   */
  readonly tlsSecret?: string;
}

/** ConfigMap of modules, Deployment (one replica) and Service of the blackbox exporter. */
export class BlackboxExporter extends Construct {
  constructor(scope: Construct, id: string, props: BlackboxExporterProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const config = blackboxConfig(props.stores);
    const selector = selectorLabels(BLACKBOX_NAME);
    new k8s.KubeConfigMap(this, 'config', {
      metadata: meta(BLACKBOX_NAME, COMPONENT, { namespace }),
      data: { [BLACKBOX_CONFIG_FILE]: config },
    });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: meta(BLACKBOX_NAME, COMPONENT, { namespace }),
      spec: {
        replicas: 1,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: podLabels(BLACKBOX_NAME, COMPONENT),
            // The exporter reads its modules only at start: a changed configuration (a store added) rolls the pod.
            annotations: { 'promfleet.dev/config-hash': createHash('sha256').update(config).digest('hex').slice(0, 16) },
          },
          spec: {
            // It never calls the API server.
            automountServiceAccountToken: false,
            securityContext: nonRootPod(NOBODY),
            ...podPlacement(props.placement, DEFAULT_SIDECAR_PROBES.placement, props.imagePullSecrets),
            containers: [
              {
                name: BLACKBOX_NAME,
                image: image('quay.io/prometheus/blackbox-exporter', props.version ?? DEFAULT_VERSIONS.blackboxExporter, props.imageRegistry),
                args: [`--config.file=${BLACKBOX_CONFIG_MOUNT}/${BLACKBOX_CONFIG_FILE}`, `--web.listen-address=:${BLACKBOX_PORT}`],
                ports: [{ name: 'http', containerPort: BLACKBOX_PORT, protocol: 'TCP' }],
                livenessProbe: httpProbe('/-/healthy', 'http', 30),
                readinessProbe: httpProbe('/-/healthy', 'http', 10),
                resources: coreResources(props.resources ?? DEFAULT_SIDECAR_PROBES.resources),
                securityContext: RESTRICTED_CONTAINER,
                // Whole-volume mounts: the prober reads the certificate files at every probe, so a renewed Secret
                // reaches it without a restart.
                volumeMounts: [
                  { name: 'config', mountPath: BLACKBOX_CONFIG_MOUNT, readOnly: true },
                  { name: 'tls', mountPath: BLACKBOX_TLS_MOUNT, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: BLACKBOX_NAME } },
              { name: 'tls', secret: { secretName: props.tlsSecret ?? QUERIER_TLS_SECRET } },
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: meta(BLACKBOX_NAME, COMPONENT, { namespace }),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: BLACKBOX_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
  }
}

export interface StoreProbesProps extends MonitoredComponentProps {
  /** The stores to probe, through the BlackboxExporter of the same namespace built with the same list. */
  readonly stores: readonly ProbedStore[];
  /** @default DEFAULT_SIDECAR_PROBES.interval */
  readonly interval?: string;
}

/** The name of the Probe of a store group. */
function probeName(store: ProbedStore, extraIndex: number): string {
  if (store.kind === 'extra-store') return `probe-extra-store-${extraIndex}`;
  if (store.kind === 'store-gateway') return 'probe-store-gateway';
  return store.cluster ? `probe-sidecar-${store.cluster}` : 'probe-sidecars';
}

interface ProbeGroup {
  readonly base: string;
  readonly module: string;
  readonly labels: Record<string, string>;
  readonly targets: string[];
}

/**
 * One Probe per store group (the sidecars of one cluster, the Store Gateway, each extra store), all with the job
 * SIDECAR_PROBE_JOB: a Probe has a single set of target labels, and each sidecar target must say which workload
 * cluster it probes. That cluster is the label SIDECAR_CLUSTER_LABEL, not `cluster`: the sidecar of the Prometheus
 * that scrapes the probes replaces a series' `cluster` by its own external label, so seen through the Querier every
 * probe would claim the observer.
 */
export class StoreProbes extends Construct {
  constructor(scope: Construct, id: string, props: StoreProbesProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const { moduleOf } = storeModules(props.stores);
    const groups = new Map<string, ProbeGroup>();
    let extras = 0;
    props.stores.forEach((store, i) => {
      const base = probeName(store, store.kind === 'extra-store' ? extras++ : 0);
      const module = moduleOf[i];
      const key = `${base} ${module}`;
      const labels = { [STORE_KIND_LABEL]: store.kind, ...(store.cluster ? { [SIDECAR_CLUSTER_LABEL]: store.cluster } : {}) };
      const group: ProbeGroup = groups.get(key) ?? { base, module, labels, targets: [] };
      group.targets.push(store.address);
      groups.set(key, group);
    });
    // A group probed with two modules (a library user's list) becomes two Probes, each named after its module.
    const modulesOf = (base: string) => [...groups.values()].filter((g) => g.base === base).length;
    for (const g of groups.values()) {
      const name = modulesOf(g.base) === 1 ? g.base : `${g.base}-${g.module.replace(/_/g, '-')}`;
      new Probe(this, name, {
        metadata: meta(name, COMPONENT, { namespace, app: BLACKBOX_NAME, labels: monitorSelectorOf(props) }),
        spec: {
          jobName: SIDECAR_PROBE_JOB,
          interval: props.interval ?? DEFAULT_SIDECAR_PROBES.interval,
          module: g.module,
          prober: { url: `${serviceHost(BLACKBOX_NAME, namespace)}:${BLACKBOX_PORT}`, scheme: ProbeSpecProberScheme.HTTP, path: '/probe' },
          targets: { staticConfig: { static: g.targets, labels: g.labels } },
        },
      });
    }
  }
}
