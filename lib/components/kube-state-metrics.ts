// kube-state-metrics: object state as metrics (read-only access to the API), with its Service
// and ServiceMonitor.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_STACK, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { commonLabels, image, meta } from '../meta';
import { monitorSelectorOf, namespaceOf, type MonitoredComponentProps, type PlacedComponentProps } from './base';
import { clusterAccess, coreResources, podPlacement, singleDeployment } from './common';
import { kubeRbacProxyContainer, proxiedEndpoint, proxiedProbe } from './kube-rbac-proxy';
import { stackServiceMonitor } from './service-monitor';

export const KSM_NAME = 'kube-state-metrics';
const COMPONENT = 'exporter';
const list = ['list', 'watch'];
/** The object metrics and kube-state-metrics' own, each behind kube-rbac-proxy; the exporter listens on 127.0.0.1. */
export const KSM_PORTS = {
  main: { name: 'https-main', port: 8443, local: 8081 },
  self: { name: 'https-self', port: 9443, local: 8082 },
} as const;

/**
 * list/watch on every kind kube-state-metrics exports by default, as its v2.20 release needs them
 * (upstream examples/standard/cluster-role.yaml): a kind it cannot list gives permanent forbidden
 * errors and a missing metric family.
 */
export const KSM_RULES: k8s.PolicyRule[] = [
  {
    apiGroups: [''],
    resources: [
      'configmaps',
      'secrets',
      'nodes',
      'pods',
      'services',
      'serviceaccounts',
      'resourcequotas',
      'replicationcontrollers',
      'limitranges',
      'persistentvolumeclaims',
      'persistentvolumes',
      'namespaces',
      'endpoints',
    ],
    verbs: list,
  },
  { apiGroups: ['apps'], resources: ['statefulsets', 'daemonsets', 'deployments', 'replicasets'], verbs: list },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: list },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: list },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: list },
  { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests'], verbs: list },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: list },
  { apiGroups: ['storage.k8s.io'], resources: ['storageclasses', 'volumeattachments'], verbs: list },
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: [
      'mutatingwebhookconfigurations',
      'validatingwebhookconfigurations',
      // Admission policies and their bindings: watched since v2.20.
      'mutatingadmissionpolicies',
      'mutatingadmissionpolicybindings',
      'validatingadmissionpolicies',
      'validatingadmissionpolicybindings',
    ],
    verbs: list,
  },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies', 'ingresses', 'ingressclasses'], verbs: list },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: list },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterrolebindings', 'clusterroles', 'rolebindings', 'roles'], verbs: list },
  // Its /metrics can be protected with kube-rbac-proxy style checks.
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
];

export interface KubeStateMetricsProps extends MonitoredComponentProps, PlacedComponentProps {
  /** @default DEFAULT_VERSIONS.kubeStateMetrics */
  readonly version?: string;
  /** @default DEFAULT_STACK.kubeStateMetrics.resources */
  readonly resources?: Resources;
  /** @default DEFAULT_VERSIONS.kubeRbacProxy */
  readonly kubeRbacProxyVersion?: string;
}

/** ServiceAccount with read-only RBAC, Deployment (metrics behind kube-rbac-proxy), Service and ServiceMonitor. */
export class KubeStateMetrics extends Construct {
  constructor(scope: Construct, id: string, props: KubeStateMetricsProps = {}) {
    super(scope, id);
    const namespace = namespaceOf(props);

    clusterAccess(this, { name: KSM_NAME, namespace, component: COMPONENT, app: KSM_NAME, rules: KSM_RULES });

    const { main, self } = KSM_PORTS;
    const proxy = (name: string, p: (typeof KSM_PORTS)[keyof typeof KSM_PORTS], health: string) =>
      kubeRbacProxyContainer({
        name,
        portName: p.name,
        port: p.port,
        upstreamPort: p.local,
        ignorePaths: [health],
        version: props.kubeRbacProxyVersion,
        imageRegistry: props.imageRegistry,
      });
    const selector = singleDeployment(this, {
      name: KSM_NAME,
      namespace,
      component: COMPONENT,
      placement: podPlacement(props.placement, DEFAULT_STACK.kubeStateMetrics.placement, props.imagePullSecrets),
      container: {
        image: image('registry.k8s.io/kube-state-metrics/kube-state-metrics', props.version ?? DEFAULT_VERSIONS.kubeStateMetrics, props.imageRegistry),
        args: [`--host=127.0.0.1`, `--port=${main.local}`, `--telemetry-host=127.0.0.1`, `--telemetry-port=${self.local}`],
        resources: coreResources(props.resources ?? DEFAULT_STACK.kubeStateMetrics.resources),
        // Through the proxies, which pass the health paths without a token.
        livenessProbe: proxiedProbe('/livez', main.port, 20),
        readinessProbe: proxiedProbe('/readyz', self.port),
      },
      sidecars: [proxy('kube-rbac-proxy-main', main, '/livez'), proxy('kube-rbac-proxy-self', self, '/readyz')],
    });

    new k8s.KubeService(this, 'service', {
      metadata: meta(KSM_NAME, COMPONENT, { namespace }),
      spec: {
        selector,
        ports: [main, self].map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromString(p.name) })),
      },
    });

    stackServiceMonitor(this, 'service-monitor', {
      namespace,
      monitorSelector: monitorSelectorOf(props),
      name: KSM_NAME,
      component: COMPONENT,
      app: KSM_NAME,
      selector: commonLabels(KSM_NAME, COMPONENT),
      jobLabel: 'app.kubernetes.io/name',
      // Its series describe other objects: keep their namespace/pod labels, not the exporter's.
      endpoints: [proxiedEndpoint(main.name, { honorLabels: true }), proxiedEndpoint(self.name)],
    });
  }
}
