// The monitoring stack of a workload cluster: Prometheus Operator, Prometheus (with a Thanos
// sidecar when an observer queries it), Alertmanager, node-exporter, kube-state-metrics, the
// stack's own monitors and alerts, and the applications' monitors.
import { Construct } from 'constructs';
import { ALERTMANAGER_SERVICE, Alertmanager, type AlertmanagerProps } from '../components/alertmanager';
import { ReceiverCredentialsSecret } from '../components/receiver-credentials';
import { KubeStateMetrics, type KubeStateMetricsProps } from '../components/kube-state-metrics';
import { ControlPlaneMonitors, ControlPlaneServices, controlPlaneTargets, discoveredTargets, ETCD_CLIENT_SECRET } from '../components/control-plane';
import { AppMonitors, StackMonitors } from '../components/monitors';
import { podSecurityLevel, StackNamespace } from '../components/namespace';
import { WorkloadNetworkPolicies, type WorkloadNetworkPoliciesProps } from '../components/network-policies';
import { NodeExporter, type NodeExporterProps } from '../components/node-exporter';
import { PrometheusOperator, type PrometheusOperatorProps } from '../components/operator';
import { PriorityClassQuota } from '../components/priority-quota';
import { Prometheus, type PrometheusProps } from '../components/prometheus';
import type { RuleNeed, RuleOverrides } from '../components/rule-families';
import { StackRules } from '../components/rules';
import { ThanosSidecarEndpoint, type ThanosSidecarEndpointProps } from '../components/sidecar-endpoint';
import { SIDECAR_TLS_SECRET, type ThanosSidecarProps } from '../components/thanos-sidecar';
import { TlsSecret } from '../components/tls-secret';
import { DEFAULT_STACK, DEFAULT_VERSIONS, QUOTA_LIMITED_PRIORITY_CLASSES, type Placement } from '../fleet/defaults';
import type { AppMonitor, StackVersions } from '../fleet/model';
import type { ControlPlaneTarget, Platform } from '../fleet/platforms';
import type { TlsBundle } from '../pki';
import { enabled, part, type StackPart, type Toggle } from './part';
import { rulesNeedsMet } from './rule-needs';

/** The settings of the stack's Prometheus. */
export type WorkloadPrometheusOptions = Pick<
  PrometheusProps,
  | 'replicas'
  | 'retention'
  | 'retentionSize'
  | 'scrapeInterval'
  | 'evaluationInterval'
  | 'externalLabels'
  | 'replicaLabel'
  | 'storage'
  | 'resources'
  | 'placement'
>;

/** The Thanos sidecar in each Prometheus pod, and how an observer reaches it. */
export interface WorkloadSidecarOptions
  extends Omit<ThanosSidecarProps, 'version'>, Pick<ThanosSidecarEndpointProps, 'hosts' | 'port' | 'service' | 'ingress'> {
  /**
   * The sidecar's certificate chain, key and the CAs of the clients it accepts (from preparePki,
   * say), rendered as the `tlsSecret`: it holds a private key, so keep it out of Git.
   * @default not rendered: the Secret must exist
   */
  readonly certificates?: TlsBundle;
}

export interface WorkloadMonitoringProps {
  /** @default "monitoring" */
  readonly namespace?: string;
  /**
   * Render the Namespace; switch this off where something else creates it.
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Registry that replaces the upstream registry host of every image (see StackComponentProps).
   * @default the upstream registries
   */
  readonly imageRegistry?: string;
  /**
   * Names of Secrets in the namespace that every pod of the stack pulls its images with.
   * @default none
   */
  readonly imagePullSecrets?: readonly string[];
  /**
   * The upstream release of each image.
   * @default DEFAULT_VERSIONS
   */
  readonly versions?: Partial<StackVersions>;
  /**
   * The labels Prometheus selects ServiceMonitors, PodMonitors and PrometheusRules by, in every
   * namespace; see `monitorSelector` of the construct.
   * @default {"prometheus.io/monitor": "true"}
   */
  readonly monitorSelector?: Record<string, string>;
  /** @default the defaults of PrometheusProps */
  readonly prometheus?: WorkloadPrometheusOptions;
  /**
   * A Thanos sidecar in each Prometheus pod, exposed at an endpoint that an observer dials with mTLS.
   * @default no sidecar
   */
  readonly thanosSidecar?: WorkloadSidecarOptions;
  /**
   * Switch it off where another Prometheus Operator already runs, or scope it with `controllerId`
   * and `namespaces`. `controllerId` also goes on the stack's Prometheus and Alertmanager as the
   * `operator.prometheus.io/controller-id` annotation, even when the operator is switched off (the
   * id of the operator that runs instead).
   * @default enabled, with the defaults of PrometheusOperatorProps
   */
  readonly operator?: Toggle & Pick<PrometheusOperatorProps, 'resources' | 'placement' | 'controllerId' | 'namespaces'>;
  /**
   * Where alerts go; without it Prometheus sends none.
   * @default enabled, with the defaults of AlertmanagerProps
   */
  readonly alertmanager?: Toggle &
    Pick<AlertmanagerProps, 'replicas' | 'resources' | 'placement' | 'route' | 'receivers' | 'deadMansSwitch' | 'inhibitRules'> & {
      /**
       * Values of the secret store's credentials the receivers name (`{credential: <name>}`), rendered as the
       * Secret RECEIVER_CREDENTIALS_SECRET. Left out (a synth in CI without the store), that Secret is not rendered.
       * @default none
       */
      readonly credentials?: Readonly<Record<string, string>>;
    };
  /** @default enabled, with the defaults of NodeExporterProps */
  readonly nodeExporter?: Toggle & Pick<NodeExporterProps, 'resources' | 'placement'>;
  /** @default enabled, with the defaults of KubeStateMetricsProps */
  readonly kubeStateMetrics?: Toggle & Pick<KubeStateMetricsProps, 'resources' | 'placement'>;
  /**
   * Scrape the kubelets and cAdvisor through the kubelet Service the operator keeps up to date;
   * `manageService: false` leaves that Service to another operator that already maintains it.
   * @default enabled, with the Service maintained by the stack's operator
   */
  readonly kubelet?: Toggle & { readonly manageService?: boolean };
  /**
   * The kind of cluster, which decides the control-plane components scraped (see ControlPlaneMonitors).
   * @default DEFAULT_PLATFORM
   */
  readonly platform?: Platform;
  /**
   * Scrape etcd, where the platform exposes it, with a client certificate the etcd CA signed. `certificates`
   * renders the Secret it is read from (key material: keep it out of Git); without it the Secret must exist.
   * @default etcd is not scraped
   */
  readonly etcd?: { readonly certificates?: TlsBundle; readonly serverName?: string };
  /**
   * Control-plane components the platform exposes that are not scraped.
   * @default none
   */
  readonly controlPlaneExclude?: readonly ControlPlaneTarget[];
  /**
   * The stack's alerting and recording rules (StackRules): the rule families of the components it runs,
   * with groups or alerts disabled and alerts tuned by `disabled` and `alerts`.
   * @default enabled, every family whose needs the stack meets, as the catalogue has it
   */
  readonly rules?: Toggle & RuleOverrides;
  /**
   * A NetworkPolicy per component, letting in only the stack's own connections (see WorkloadNetworkPolicies).
   * @default enabled, with the API server ports of DEFAULT_STACK.networkPolicies
   */
  readonly networkPolicies?: Toggle &
    Pick<WorkloadNetworkPoliciesProps, 'apiServerPorts' | 'querierInNamespace' | 'probedInNamespace' | 'grafanaInNamespace' | 'thanosRulerInNamespace'>;
  /**
   * Rule needs met beside the stack in its namespace by what its Prometheus scrapes or drives there: an
   * ObserverMonitoring's Querier, Store Gateway, compactor and store probes (`observerRuleNeeds`). Their families
   * render with the stack's rules.
   * @default none
   */
  readonly needsMetBeside?: readonly RuleNeed[];
  /**
   * ServiceMonitors of applications, each in the application's namespace.
   * @default none
   */
  readonly serviceMonitors?: AppMonitor[];
  /**
   * PodMonitors of applications, each in the application's namespace.
   * @default none
   */
  readonly podMonitors?: AppMonitor[];
}

/** The parts of a workload stack, in apply order. */
export type WorkloadPartId =
  | 'namespace'
  | 'priority-quota'
  | 'network-policies'
  | 'operator'
  | 'prometheus'
  | 'sidecar-endpoint'
  | 'alertmanager'
  | 'node-exporter'
  | 'kube-state-metrics'
  | 'monitors'
  | 'control-plane'
  | 'control-plane-services'
  | 'rules'
  | 'app-monitors'
  | 'sidecar-tls'
  | 'etcd-client-tls'
  | 'receiver-credentials';

/**
 * The monitoring stack of a workload cluster, in any chart:
 *
 *   const monitoring = new WorkloadMonitoring(chart, 'monitoring', { prometheus: { retention: '30d' } });
 *
 * Monitors and rules of your own need the labels of `monitorSelector`; the monitoring.coreos.com
 * CRDs of the operator's release must be installed first.
 */
export class WorkloadMonitoring extends Construct {
  /**
   * The stack's components with these props, wired to each other, each to be built into a scope of
   * your choice: `for (const p of WorkloadMonitoring.parts(props)) p.build(chartFor(p.id))`.
   */
  static parts(props: WorkloadMonitoringProps = {}): StackPart<WorkloadPartId>[] {
    const namespace = props.namespace ?? DEFAULT_STACK.namespace;
    const versions: StackVersions = { ...DEFAULT_VERSIONS, ...props.versions };
    const common = { namespace, imageRegistry: props.imageRegistry, imagePullSecrets: props.imagePullSecrets, monitorSelector: props.monitorSelector };
    const sidecar = props.thanosSidecar;
    const withAlertmanager = enabled(props.alertmanager);
    const withNodeExporter = enabled(props.nodeExporter);
    const withKubeStateMetrics = enabled(props.kubeStateMetrics);
    const p = props.prometheus ?? {};
    const controllerId = props.operator?.controllerId;
    const parts: StackPart<WorkloadPartId>[] = [];

    if (props.createNamespace ?? true) {
      const podSecurity = podSecurityLevel({ nodeExporter: withNodeExporter });
      parts.push(part('namespace', (scope, id) => new StackNamespace(scope, id, { name: namespace, podSecurity })));
    }
    // The priority classes of the pods the stack runs: each enabled component's placement over its default,
    // as podPlacement renders it.
    const classOf = (on: boolean, placement: Placement | undefined, d: Placement) => (on ? (placement?.priorityClassName ?? d.priorityClassName) : undefined);
    const priorityClasses = [
      classOf(enabled(props.operator), props.operator?.placement, DEFAULT_STACK.operator.placement),
      classOf(true, p.placement, DEFAULT_STACK.prometheus.placement),
      classOf(withAlertmanager, props.alertmanager?.placement, DEFAULT_STACK.alertmanager.placement),
      classOf(withNodeExporter, props.nodeExporter?.placement, DEFAULT_STACK.nodeExporter.placement),
      classOf(withKubeStateMetrics, props.kubeStateMetrics?.placement, DEFAULT_STACK.kubeStateMetrics.placement),
    ].filter((c): c is string => c !== undefined && QUOTA_LIMITED_PRIORITY_CLASSES.includes(c));
    if (priorityClasses.length) parts.push(part('priority-quota', (scope, id) => new PriorityClassQuota(scope, id, { namespace, priorityClasses })));
    if (enabled(props.networkPolicies)) {
      // The load balancer's source ranges, unless an Ingress controller (an in-cluster client) passes the calls on.
      const sourceRanges = sidecar?.service?.sourceRanges;
      const sources = !sidecar?.ingress && (sidecar?.service?.type ?? 'LoadBalancer') === 'LoadBalancer' && sourceRanges?.length ? sourceRanges : undefined;
      parts.push(
        part(
          'network-policies',
          (scope, id) =>
            new WorkloadNetworkPolicies(scope, id, {
              namespace,
              operator: enabled(props.operator),
              alertmanager: withAlertmanager,
              kubeStateMetrics: withKubeStateMetrics,
              thanosSidecar: sidecar && { sources, exposed: sidecar.hosts.length > 0 },
              apiServerPorts: props.networkPolicies?.apiServerPorts,
              querierInNamespace: props.networkPolicies?.querierInNamespace,
              probedInNamespace: props.networkPolicies?.probedInNamespace,
              grafanaInNamespace: props.networkPolicies?.grafanaInNamespace,
              thanosRulerInNamespace: props.networkPolicies?.thanosRulerInNamespace,
            }),
        ),
      );
    }
    if (enabled(props.operator)) {
      parts.push(
        part(
          'operator',
          (scope, id) =>
            new PrometheusOperator(scope, id, {
              ...common,
              version: versions.prometheusOperator,
              resources: props.operator?.resources,
              placement: props.operator?.placement,
              kubeletService: enabled(props.kubelet) && (props.kubelet?.manageService ?? DEFAULT_STACK.kubelet.manageService),
              controllerId,
              namespaces: props.operator?.namespaces,
              kubeRbacProxyVersion: versions.kubeRbacProxy,
            }),
        ),
      );
    }
    parts.push(
      part(
        'prometheus',
        (scope, id) =>
          new Prometheus(scope, id, {
            ...common,
            controllerId,
            version: versions.prometheus,
            replicas: p.replicas,
            retention: p.retention,
            retentionSize: p.retentionSize,
            scrapeInterval: p.scrapeInterval,
            evaluationInterval: p.evaluationInterval,
            externalLabels: p.externalLabels,
            replicaLabel: p.replicaLabel,
            storage: p.storage,
            resources: p.resources,
            placement: p.placement,
            alertmanagerService: withAlertmanager ? ALERTMANAGER_SERVICE : undefined,
            thanosSidecar: sidecar && {
              version: versions.thanos,
              tlsSecret: sidecar.tlsSecret,
              listenLocal: sidecar.listenLocal,
              objectStorage: sidecar.objectStorage,
              resources: sidecar.resources,
            },
          }),
      ),
    );
    // Without a name to be dialled on, only a Querier in the same cluster reads the sidecars: nothing exposes them.
    if (sidecar?.hosts.length) {
      parts.push(
        part(
          'sidecar-endpoint',
          (scope, id) =>
            new ThanosSidecarEndpoint(scope, id, { namespace, hosts: sidecar.hosts, port: sidecar.port, service: sidecar.service, ingress: sidecar.ingress }),
        ),
      );
    }
    if (withAlertmanager) {
      const am = props.alertmanager;
      parts.push(
        part(
          'alertmanager',
          (scope, id) =>
            new Alertmanager(scope, id, {
              ...common,
              controllerId,
              version: versions.alertmanager,
              replicas: am?.replicas,
              resources: am?.resources,
              placement: am?.placement,
              route: am?.route,
              receivers: am?.receivers,
              deadMansSwitch: am?.deadMansSwitch,
              inhibitRules: am?.inhibitRules,
            }),
        ),
      );
    }
    const receiverCredentials = withAlertmanager ? props.alertmanager?.credentials : undefined;
    if (withNodeExporter) {
      parts.push(
        part(
          'node-exporter',
          (scope, id) =>
            new NodeExporter(scope, id, {
              ...common,
              version: versions.nodeExporter,
              kubeRbacProxyVersion: versions.kubeRbacProxy,
              resources: props.nodeExporter?.resources,
              placement: props.nodeExporter?.placement,
            }),
        ),
      );
    }
    if (withKubeStateMetrics) {
      parts.push(
        part(
          'kube-state-metrics',
          (scope, id) =>
            new KubeStateMetrics(scope, id, {
              ...common,
              version: versions.kubeStateMetrics,
              kubeRbacProxyVersion: versions.kubeRbacProxy,
              resources: props.kubeStateMetrics?.resources,
              placement: props.kubeStateMetrics?.placement,
            }),
        ),
      );
    }
    parts.push(part('monitors', (scope, id) => new StackMonitors(scope, id, { ...common, thanosSidecar: !!sidecar, kubelet: enabled(props.kubelet) })));
    const etcd = props.etcd && { secretName: ETCD_CLIENT_SECRET, serverName: props.etcd.serverName };
    const controlPlane = { ...common, platform: props.platform, etcd, exclude: props.controlPlaneExclude };
    if (controlPlaneTargets(controlPlane).length) {
      parts.push(part('control-plane', (scope, id) => new ControlPlaneMonitors(scope, id, controlPlane)));
    }
    if (discoveredTargets(controlPlane).length) {
      parts.push(part('control-plane-services', (scope, id) => new ControlPlaneServices(scope, id, controlPlane)));
    }
    if (enabled(props.rules)) {
      const needsMet = rulesNeedsMet(props);
      const overrides = { disabled: props.rules?.disabled, alerts: props.rules?.alerts };
      parts.push(part('rules', (s, id) => new StackRules(s, id, { ...common, needsMet, overrides })));
    }
    if (props.serviceMonitors?.length || props.podMonitors?.length) {
      parts.push(
        part(
          'app-monitors',
          (scope, id) =>
            new AppMonitors(scope, id, { monitorSelector: props.monitorSelector, serviceMonitors: props.serviceMonitors, podMonitors: props.podMonitors }),
        ),
      );
    }
    const certificates = sidecar?.certificates;
    if (certificates) {
      parts.push(
        part(
          'sidecar-tls',
          (scope, id) => new TlsSecret(scope, id, { name: sidecar.tlsSecret ?? SIDECAR_TLS_SECRET, namespace, app: 'thanos-sidecar', bundle: certificates }),
        ),
      );
    }
    const etcdCertificates = props.etcd?.certificates;
    if (etcdCertificates && controlPlaneTargets(controlPlane).includes('etcd')) {
      parts.push(
        part('etcd-client-tls', (scope, id) => new TlsSecret(scope, id, { name: ETCD_CLIENT_SECRET, namespace, app: 'kube-etcd', bundle: etcdCertificates })),
      );
    }
    if (receiverCredentials && Object.keys(receiverCredentials).length) {
      parts.push(part('receiver-credentials', (scope, id) => new ReceiverCredentialsSecret(scope, id, { namespace, credentials: receiverCredentials })));
    }
    return parts;
  }

  /** The namespace of the stack. */
  readonly namespace: string;
  /**
   * The labels a ServiceMonitor, PodMonitor or PrometheusRule must carry for the stack's Prometheus
   * to load it (from any namespace).
   */
  readonly monitorSelector: Record<string, string>;

  constructor(scope: Construct, id: string, props: WorkloadMonitoringProps = {}) {
    super(scope, id);
    this.namespace = props.namespace ?? DEFAULT_STACK.namespace;
    this.monitorSelector = { ...(props.monitorSelector ?? DEFAULT_STACK.monitorSelector) };
    for (const p of WorkloadMonitoring.parts(props)) p.build(this);
  }
}
