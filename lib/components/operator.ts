// The Prometheus Operator: turns Prometheus/Alertmanager custom resources into StatefulSets and
// keeps the kubelet Service in kube-system up to date for kubelet/cAdvisor scraping.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_STACK, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { commonLabels, image, meta } from '../meta';
import { monitorSelectorOf, namespaceOf, type MonitoredComponentProps, type PlacedComponentProps } from './base';
import { clusterAccess, coreResources, podPlacement, singleDeployment } from './common';
import { KUBE_RBAC_PROXY_RULES, kubeRbacProxyContainer, proxiedEndpoint, proxiedProbe } from './kube-rbac-proxy';
import { KUBELET_SERVICE } from './monitors';
import { stackServiceMonitor } from './service-monitor';

export const OPERATOR_NAME = 'prometheus-operator';
const COMPONENT = 'controller';
/** The operator's own HTTP server, on 127.0.0.1 only. */
const LOCAL_PORT = 8080;
/** Its metrics over HTTPS, through kube-rbac-proxy. */
export const OPERATOR_METRICS_PORT = { name: 'https', port: 8443 } as const;

/** What the operator needs, per upstream v0.93 (example/rbac/prometheus-operator) plus EndpointSlices for the kubelet. */
export const OPERATOR_RULES: k8s.PolicyRule[] = [
  {
    apiGroups: ['monitoring.coreos.com'],
    resources: [
      'alertmanagers',
      'alertmanagers/finalizers',
      'alertmanagers/status',
      'alertmanagerconfigs',
      'prometheuses',
      'prometheuses/finalizers',
      'prometheuses/status',
      'prometheusagents',
      'prometheusagents/finalizers',
      'prometheusagents/status',
      'thanosrulers',
      'thanosrulers/finalizers',
      'thanosrulers/status',
      'scrapeconfigs',
      'scrapeconfigs/status',
      'servicemonitors',
      'servicemonitors/status',
      'podmonitors',
      'podmonitors/status',
      'probes',
      'probes/status',
      'prometheusrules',
      'prometheusrules/status',
    ],
    verbs: ['*'],
  },
  // Prometheus, Alertmanager and ThanosRuler objects become StatefulSets.
  { apiGroups: ['apps'], resources: ['statefulsets'], verbs: ['*'] },
  // Generated configuration, rule files and TLS assets.
  { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['*'] },
  // Rolling version migrations delete pods of the old version.
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
  // The governing `prometheus-operated` / `alertmanager-operated` Services and the kubelet Service.
  { apiGroups: [''], resources: ['services', 'services/finalizers'], verbs: ['get', 'create', 'update', 'delete'] },
  { apiGroups: [''], resources: ['endpoints'], verbs: ['get', 'create', 'update', 'delete'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'create', 'update', 'delete'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['patch', 'create'] },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses'], verbs: ['get'] },
];

/** The config-reloader image the operator injects into Prometheus and Alertmanager pods. */
export function configReloaderImage(version: string, imageRegistry?: string): string {
  return image('quay.io/prometheus-operator/prometheus-config-reloader', version, imageRegistry);
}

export interface PrometheusOperatorProps extends MonitoredComponentProps, PlacedComponentProps {
  /**
   * Release of the operator and of the config-reloader it injects.
   * @default DEFAULT_VERSIONS.prometheusOperator
   */
  readonly version?: string;
  /** @default DEFAULT_STACK.operator.resources */
  readonly resources?: Resources;
  /**
   * Keep the kubelet Service in kube-system up to date, which the kubelet ServiceMonitor scrapes
   * (see StackMonitors).
   * @default true
   */
  readonly kubeletService?: boolean;
  /**
   * `--controller-id`: reconcile only the Prometheus, Alertmanager and ThanosRuler objects whose
   * `operator.prometheus.io/controller-id` annotation has this value, so that the operator and
   * another one in the same cluster each keep to their own objects.
   * @default none: every object without the annotation
   */
  readonly controllerId?: string;
  /**
   * `--namespaces`: the only namespaces whose custom resources the operator watches. They must
   * include its own stack's namespace and those of the monitors it should load.
   * @default every namespace
   */
  readonly namespaces?: string[];
  /** @default DEFAULT_VERSIONS.kubeRbacProxy */
  readonly kubeRbacProxyVersion?: string;
}

/** ServiceAccount + RBAC, Deployment (metrics behind kube-rbac-proxy), Service on 8443 and its ServiceMonitor. */
export class PrometheusOperator extends Construct {
  constructor(scope: Construct, id: string, props: PrometheusOperatorProps = {}) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const version = props.version ?? DEFAULT_VERSIONS.prometheusOperator;

    // kube-rbac-proxy reviews each caller's token with the API server.
    clusterAccess(this, { name: OPERATOR_NAME, namespace, component: COMPONENT, app: OPERATOR_NAME, rules: [...OPERATOR_RULES, ...KUBE_RBAC_PROXY_RULES] });

    const args = [
      `--prometheus-config-reloader=${configReloaderImage(version, props.imageRegistry)}`,
      // Everything but the pod itself goes through kube-rbac-proxy.
      `--web.listen-address=127.0.0.1:${LOCAL_PORT}`,
    ];
    if (props.kubeletService ?? true) {
      // Keep the kubelet Service's EndpointSlices in sync with the nodes: Prometheus discovers through EndpointSlices,
      // so the deprecated Endpoints copy would only add writes.
      args.push(`--kubelet-service=${KUBELET_SERVICE.namespace}/${KUBELET_SERVICE.name}`, '--kubelet-endpoints=false', '--kubelet-endpointslice=true');
    }
    if (props.controllerId) args.push(`--controller-id=${props.controllerId}`);
    if (props.namespaces?.length) args.push(`--namespaces=${props.namespaces.join(',')}`);

    const selector = singleDeployment(this, {
      name: OPERATOR_NAME,
      namespace,
      component: COMPONENT,
      placement: podPlacement(props.placement, DEFAULT_STACK.operator.placement, props.imagePullSecrets),
      container: {
        image: image('quay.io/prometheus-operator/prometheus-operator', version, props.imageRegistry),
        args,
        resources: coreResources(props.resources ?? DEFAULT_STACK.operator.resources),
        // Through the proxy, which passes /healthz without a token.
        livenessProbe: proxiedProbe('/healthz', OPERATOR_METRICS_PORT.port, 20),
        readinessProbe: proxiedProbe('/healthz', OPERATOR_METRICS_PORT.port),
      },
      sidecars: [
        kubeRbacProxyContainer({
          name: 'kube-rbac-proxy',
          portName: OPERATOR_METRICS_PORT.name,
          port: OPERATOR_METRICS_PORT.port,
          upstreamPort: LOCAL_PORT,
          ignorePaths: ['/healthz'],
          version: props.kubeRbacProxyVersion,
          imageRegistry: props.imageRegistry,
        }),
      ],
    });

    const { name, port } = OPERATOR_METRICS_PORT;
    new k8s.KubeService(this, 'service', {
      metadata: meta(OPERATOR_NAME, COMPONENT, { namespace }),
      spec: { selector, ports: [{ name, port, targetPort: k8s.IntOrString.fromString(name) }] },
    });

    stackServiceMonitor(this, 'service-monitor', {
      namespace,
      monitorSelector: monitorSelectorOf(props),
      name: OPERATOR_NAME,
      component: COMPONENT,
      app: OPERATOR_NAME,
      selector: commonLabels(OPERATOR_NAME, COMPONENT),
      endpoints: [proxiedEndpoint(OPERATOR_METRICS_PORT.name, { honorLabels: true })],
    });
  }
}
