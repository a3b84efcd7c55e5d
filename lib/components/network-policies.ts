// NetworkPolicies of the stacks: one per component, selecting its pods, so that each pod accepts
// exactly the connections the stack makes to it (scrapes, alerts, the Alertmanager mesh, the
// observer's gRPC) and nothing else. node-exporter runs on the host network, where NetworkPolicies do
// not apply: kube-rbac-proxy guards it instead.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_STACK } from '../fleet/defaults';
import { meta } from '../meta';
import { alertmanagerPodSelector, ALERTMANAGER_SERVICE } from './alertmanager';
import { namespaceOf, type NamespacedProps } from './base';
import { BLACKBOX_NAME, BLACKBOX_PORT } from './blackbox-exporter';
import { selectorLabels } from './common';
/** Set by the API server on every namespace (Kubernetes 1.22 and later): selects a namespace by its name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
import { KSM_NAME, KSM_PORTS } from './kube-state-metrics';
import { OPERATOR_METRICS_PORT, OPERATOR_NAME } from './operator';
import { PROMETHEUS_SERVICE, prometheusPodSelector } from './prometheus';
import { GRAFANA_NAME, GRAFANA_PORT } from './grafana';
import { QUERIER_NAME } from './querier';
import { SIDECAR_GRPC_PORT, SIDECAR_HTTP_PORT } from './thanos-sidecar';
import { THANOS_GRPC_PORT, THANOS_HTTP_PORT } from './thanos-pod';
import { THANOS_RULER_APP, THANOS_RULER_SERVICE, thanosRulerPodSelector } from './thanos-ruler';
import { COMPACTOR_NAME, QUERY_FRONTEND_NAME, STORE_GATEWAY_NAME } from '../names';

/** Ports of the pods the operator creates (v0.93): Prometheus web and config-reloader, Alertmanager web and mesh. */
export const OPERATOR_POD_PORTS = { prometheusWeb: 9090, reloaderWeb: 8080, alertmanagerWeb: 9093, alertmanagerMesh: 9094 } as const;

type Protocol = 'TCP' | 'UDP';
const ports = (numbers: number[], protocol: Protocol = 'TCP'): k8s.NetworkPolicyPort[] =>
  numbers.map((port) => ({ protocol, port: k8s.IntOrString.fromNumber(port) }));

interface PolicyOptions {
  readonly name: string;
  readonly namespace: string;
  readonly component: string;
  readonly app: string;
  /** Labels of the component's pods. */
  readonly pods: Record<string, string>;
  readonly ingress: k8s.NetworkPolicyIngressRule[];
  /**
   * The only connections the pods may open.
   * @default egress is not restricted
   */
  readonly egress?: k8s.NetworkPolicyEgressRule[];
}

function networkPolicy(scope: Construct, id: string, o: PolicyOptions): void {
  new k8s.KubeNetworkPolicy(scope, id, {
    metadata: meta(o.name, o.component, { namespace: o.namespace, app: o.app }),
    spec: {
      podSelector: { matchLabels: o.pods },
      policyTypes: o.egress ? ['Ingress', 'Egress'] : ['Ingress'],
      ingress: o.ingress,
      ...(o.egress ? { egress: o.egress } : {}),
    },
  });
}

/** From the stack's Prometheus pods, in the same namespace. */
const fromPrometheus = (): k8s.NetworkPolicyPeer[] => [{ podSelector: { matchLabels: prometheusPodSelector() } }];

/**
 * Who may call the sidecar's StoreAPI (mTLS): the source CIDRs, or anyone; and a Querier (and its probes) next to it.
 * A sidecar nothing exposes answers those neighbours only.
 */
function sidecarRules(
  sidecar: { sources?: string[]; exposed?: boolean },
  querierInNamespace: boolean,
  probedInNamespace: boolean,
): k8s.NetworkPolicyIngressRule[] {
  const grpc = ports([SIDECAR_GRPC_PORT]);
  const neighbours = [...(querierInNamespace ? [QUERIER_NAME] : []), ...(probedInNamespace ? [BLACKBOX_NAME] : [])];
  const local = neighbours.length ? [{ from: neighbours.map((app) => ({ podSelector: { matchLabels: selectorLabels(app) } })), ports: grpc }] : [];
  if (!(sidecar.exposed ?? true)) return local;
  if (!sidecar.sources) return [{ ports: grpc }];
  return [{ from: sidecar.sources.map((cidr) => ({ ipBlock: { cidr } })), ports: grpc }, ...local];
}

export interface WorkloadNetworkPoliciesProps extends NamespacedProps {
  /** @default true */
  readonly operator?: boolean;
  /** @default true */
  readonly alertmanager?: boolean;
  /** @default true */
  readonly kubeStateMetrics?: boolean;
  /**
   * The Thanos sidecar's gRPC port is open: to these CIDRs only (the load balancer's source ranges,
   * seen as client addresses only where the load balancer keeps them), or to anyone when `sources` is
   * left out (an Ingress controller, a NodePort, a load balancer without source ranges).
   * @default no sidecar
   */
  readonly thanosSidecar?: {
    readonly sources?: string[];
    /**
     * Whether anything outside the namespace dials the sidecars; when not, only a Querier in the namespace may.
     * @default true
     */
    readonly exposed?: boolean;
  };
  /**
   * An observer's Querier runs in the same namespace and dials the sidecars of the Prometheus pods
   * directly (an observer that is also a workload cluster).
   * @default false
   */
  readonly querierInNamespace?: boolean;
  /**
   * An observer's blackbox exporter runs in the same namespace and probes the sidecars of the Prometheus pods
   * directly, as the Querier dials them.
   * @default false
   */
  readonly probedInNamespace?: boolean;
  /**
   * An observer's Grafana runs in the same namespace and reads Alertmanager as a datasource.
   * @default false
   */
  readonly grafanaInNamespace?: boolean;
  /**
   * An observer's ThanosRuler runs in the same namespace and sends its alerts to the Alertmanager.
   * @default false
   */
  readonly thanosRulerInNamespace?: boolean;
  /**
   * Ports of the API server, the only place the operator and kube-state-metrics connect to.
   * @default DEFAULT_STACK.networkPolicies.apiServerPorts
   */
  readonly apiServerPorts?: number[];
}

/**
 * One NetworkPolicy per component of a workload stack (Prometheus, Alertmanager, operator,
 * kube-state-metrics): ingress from exactly the pods of the stack that call it; the operator and
 * kube-state-metrics may only reach the API server.
 */
export class WorkloadNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: WorkloadNetworkPoliciesProps = {}) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const P = OPERATOR_POD_PORTS;
    // By port: NetworkPolicies cannot name the API server, whose address the cluster does not publish as a pod or a CIDR.
    const apiServerOnly: k8s.NetworkPolicyEgressRule[] = [{ ports: ports(props.apiServerPorts ?? DEFAULT_STACK.networkPolicies.apiServerPorts) }];
    const sidecar = props.thanosSidecar;

    networkPolicy(this, 'prometheus', {
      name: PROMETHEUS_SERVICE,
      namespace,
      component: 'prometheus',
      app: 'prometheus',
      pods: prometheusPodSelector(),
      ingress: [
        // Prometheus scrapes itself, its peer replica, their config-reloaders and sidecars.
        { from: fromPrometheus(), ports: ports([P.prometheusWeb, P.reloaderWeb, ...(sidecar ? [SIDECAR_HTTP_PORT] : [])]) },
        ...(sidecar ? sidecarRules(sidecar, props.querierInNamespace ?? false, props.probedInNamespace ?? false) : []),
      ],
    });
    if (props.alertmanager ?? true) {
      networkPolicy(this, 'alertmanager', {
        name: ALERTMANAGER_SERVICE,
        namespace,
        component: 'alertmanager',
        app: 'alertmanager',
        pods: alertmanagerPodSelector(),
        ingress: [
          // Alerts and scrapes.
          { from: fromPrometheus(), ports: ports([P.alertmanagerWeb, P.reloaderWeb]) },
          // Grafana shows the alerts and manages silences.
          ...(props.grafanaInNamespace ? [{ from: [{ podSelector: { matchLabels: selectorLabels(GRAFANA_NAME) } }], ports: ports([P.alertmanagerWeb]) }] : []),
          // The fleet-level alerts of an observer's ruler.
          ...(props.thanosRulerInNamespace ? [{ from: [{ podSelector: { matchLabels: thanosRulerPodSelector() } }], ports: ports([P.alertmanagerWeb]) }] : []),
          // Gossip between the replicas.
          {
            from: [{ podSelector: { matchLabels: alertmanagerPodSelector() } }],
            ports: [...ports([P.alertmanagerMesh]), ...ports([P.alertmanagerMesh], 'UDP')],
          },
        ],
      });
    }
    if (props.operator ?? true) {
      networkPolicy(this, 'operator', {
        name: OPERATOR_NAME,
        namespace,
        component: 'controller',
        app: OPERATOR_NAME,
        pods: selectorLabels(OPERATOR_NAME),
        ingress: [{ from: fromPrometheus(), ports: ports([OPERATOR_METRICS_PORT.port]) }],
        egress: apiServerOnly,
      });
    }
    if (props.kubeStateMetrics ?? true) {
      networkPolicy(this, 'kube-state-metrics', {
        name: KSM_NAME,
        namespace,
        component: 'exporter',
        app: KSM_NAME,
        pods: selectorLabels(KSM_NAME),
        ingress: [{ from: fromPrometheus(), ports: ports([KSM_PORTS.main.port, KSM_PORTS.self.port]) }],
        egress: apiServerOnly,
      });
    }
  }
}

export interface ObserverNetworkPoliciesProps extends NamespacedProps {
  /** @default false */
  readonly storeGateway?: boolean;
  /** @default false */
  readonly compactor?: boolean;
  /**
   * A query frontend serves the HTTP API to `querierClients`; the Querier's own HTTP API then answers its namespace only.
   * @default false
   */
  readonly queryFrontend?: boolean;
  /**
   * A ThanosRuler runs in the namespace: it answers the scraping Prometheus only (it calls the Querier, whose HTTP API
   * answers the namespace, and the Alertmanager, whose policy lets it in: see WorkloadNetworkPolicies).
   * @default false
   */
  readonly thanosRuler?: boolean;
  /**
   * Namespaces whose pods may call the Querier's HTTP API and UI, besides its own (the Ingress controller's,
   * Grafana's); null lets every pod in.
   * @default ["ingress-nginx"]
   */
  readonly querierClients?: readonly string[] | null;
  /**
   * Labels of the pods of a Prometheus in the same namespace that scrapes the Thanos servers.
   * @default none
   */
  readonly scrapedBy?: Record<string, string>;
  /**
   * A blackbox exporter probes the Querier's stores (see BlackboxExporter): the Prometheus of `scrapedBy` drives it,
   * and it dials the Store Gateway as the Querier does.
   * @default false
   */
  readonly blackboxExporter?: boolean;
  /**
   * Grafana runs in the namespace: its UI answers the namespace and the Querier's client namespaces (the Ingress controller's).
   * @default false
   */
  readonly grafana?: boolean;
}

/**
 * The observer's NetworkPolicies: the Querier's HTTP API and UI (the query frontend's, when there is one) answer its
 * own namespace and the named client namespaces only, as the sign-in sits on the Ingress; the Querier's gRPC is
 * closed; the Store Gateway answers the Querier only.
 */
export class ObserverNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: ObserverNetworkPoliciesProps = {}) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const clients = props.querierClients === undefined ? DEFAULT_STACK.networkPolicies.querierClients : props.querierClients;
    // A port open to the stack's namespace (Grafana, a Prometheus that scrapes) and the named client namespaces (every pod with null).
    const from = (who: readonly string[] | null, port: number): k8s.NetworkPolicyIngressRule =>
      who === null
        ? { ports: ports([port]) }
        : {
            from: [namespace, ...who.filter((c) => c !== namespace)].map((ns) => ({
              namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: ns } },
            })),
            ports: ports([port]),
          };
    networkPolicy(this, 'querier', {
      name: QUERIER_NAME,
      namespace,
      component: 'querier',
      app: QUERIER_NAME,
      pods: selectorLabels(QUERIER_NAME),
      // Behind a frontend, the clients go through it: the Querier answers the frontend (and its scraper) in the namespace.
      ingress: [from(props.queryFrontend ? [] : clients, THANOS_HTTP_PORT)],
    });
    if (props.queryFrontend) {
      networkPolicy(this, 'query-frontend', {
        name: QUERY_FRONTEND_NAME,
        namespace,
        component: 'query-frontend',
        app: QUERY_FRONTEND_NAME,
        pods: selectorLabels(QUERY_FRONTEND_NAME),
        ingress: [from(clients, THANOS_HTTP_PORT)],
      });
    }
    if (props.grafana) {
      // Egress stays open: the identity provider and extra Alertmanagers are outside the cluster.
      networkPolicy(this, 'grafana', {
        name: GRAFANA_NAME,
        namespace,
        component: 'grafana',
        app: GRAFANA_NAME,
        pods: selectorLabels(GRAFANA_NAME),
        ingress: [from(clients, GRAFANA_PORT)],
      });
    }
    const scraper = props.scrapedBy;
    if (props.thanosRuler) {
      networkPolicy(this, 'thanos-ruler', {
        name: THANOS_RULER_SERVICE,
        namespace,
        component: 'ruler',
        app: THANOS_RULER_APP,
        pods: thanosRulerPodSelector(),
        // Its gRPC StoreAPI is not read by the Querier: nothing else calls it.
        ingress: scraper ? [{ from: [{ podSelector: { matchLabels: scraper } }], ports: ports([THANOS_HTTP_PORT]) }] : [],
      });
    }
    if (props.storeGateway) {
      networkPolicy(this, 'store-gateway', {
        name: STORE_GATEWAY_NAME,
        namespace,
        component: 'store-gateway',
        app: STORE_GATEWAY_NAME,
        // Every shard: they share the name label, each has an instance label of its own.
        pods: { 'app.kubernetes.io/name': STORE_GATEWAY_NAME },
        ingress: [
          {
            from: [QUERIER_NAME, ...(props.blackboxExporter ? [BLACKBOX_NAME] : [])].map((app) => ({ podSelector: { matchLabels: selectorLabels(app) } })),
            ports: ports([THANOS_GRPC_PORT]),
          },
          ...(scraper ? [{ from: [{ podSelector: { matchLabels: scraper } }], ports: ports([THANOS_HTTP_PORT]) }] : []),
        ],
      });
    }
    if (props.blackboxExporter) {
      // Its egress is as open as the Querier's: the stores are wherever the fleet file says.
      networkPolicy(this, 'blackbox-exporter', {
        name: BLACKBOX_NAME,
        namespace,
        component: 'exporter',
        app: BLACKBOX_NAME,
        pods: selectorLabels(BLACKBOX_NAME),
        ingress: props.scrapedBy ? [{ from: [{ podSelector: { matchLabels: props.scrapedBy } }], ports: ports([BLACKBOX_PORT]) }] : [],
      });
    }
    if (props.compactor) {
      // Nothing calls the compactor but the Prometheus that scrapes it: it only talks to its bucket.
      const scraper = props.scrapedBy;
      networkPolicy(this, 'compactor', {
        name: COMPACTOR_NAME,
        namespace,
        component: 'compactor',
        app: COMPACTOR_NAME,
        pods: selectorLabels(COMPACTOR_NAME),
        ingress: scraper ? [{ from: [{ podSelector: { matchLabels: scraper } }], ports: ports([THANOS_HTTP_PORT]) }] : [],
      });
    }
  }
}
