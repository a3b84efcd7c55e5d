// Building blocks shared by the workload components: pod hardening, resources, spreading,
// disruption budgets and RBAC. Kept here so every component applies them the same way.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { Placement, Resources, Toleration } from '../fleet/defaults';
import { commonLabels, meta } from '../meta';

/** Nobody: the conventional non-root user of the upstream images. */
export const NOBODY = 65534;

/** Converts fleet resources into any Kubernetes-shaped requirements (core or a CRD's own quantity class). */
export function resourceRequirements<L, R>(
  r: Resources,
  limit: (v: string) => L,
  request: (v: string) => R,
): { limits?: Record<string, L>; requests?: Record<string, R> } {
  const map = <T>(q: Record<string, string | undefined> | undefined, f: (v: string) => T) => {
    const entries = Object.entries(q ?? {}).filter((e): e is [string, string] => e[1] !== undefined);
    return entries.length ? Object.fromEntries(entries.map(([k, v]) => [k, f(v)])) : undefined;
  };
  const limits = map(r.limits, limit);
  const requests = map(r.requests, request);
  return { ...(limits ? { limits } : {}), ...(requests ? { requests } : {}) };
}

const quantity = (v: string) => k8s.Quantity.fromString(v);

/** Resources of a core container. */
export function coreResources(r: Resources): k8s.ResourceRequirements {
  return resourceRequirements(r, quantity, quantity);
}

/** The placement fields of a pod spec; the same in core pod specs and in the Prometheus and Alertmanager CRs. */
export interface PodPlacement {
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: Toleration[];
  readonly priorityClassName?: string;
  readonly imagePullSecrets?: { name: string }[];
}

/**
 * The pod spec fields of a component's `placement`, each field falling back to the component's
 * `defaults`, and the stack's `imagePullSecrets`. Empty fields are left out of the pod spec.
 */
export function podPlacement(placement: Placement | undefined, defaults: Placement, imagePullSecrets?: readonly string[]): PodPlacement {
  const nodeSelector = placement?.nodeSelector ?? defaults.nodeSelector ?? {};
  const tolerations = placement?.tolerations ?? defaults.tolerations ?? [];
  const priorityClassName = placement?.priorityClassName ?? defaults.priorityClassName;
  return {
    ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
    ...(tolerations.length ? { tolerations } : {}),
    ...(priorityClassName ? { priorityClassName } : {}),
    ...(imagePullSecrets?.length ? { imagePullSecrets: imagePullSecrets.map((name) => ({ name })) } : {}),
  };
}

/** Container hardening: no privilege escalation, no capabilities, read-only root filesystem. */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

/** Pod security context of a non-root workload (RuntimeDefault seccomp, files group-owned by `fsGroup`). */
export function nonRootPod(uid: number, gid = uid) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Prefer spreading replicas over nodes, without blocking scheduling when there are too few. */
export function softAntiAffinity(podLabels: Record<string, string>) {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: podLabels } } },
      ],
    },
  };
}

export interface DisruptionBudgetProps {
  readonly name: string;
  readonly namespace: string;
  readonly component: string;
  readonly app: string;
  /** Labels of the pods it protects (as the operator or our pod template sets them). */
  readonly podLabels: Record<string, string>;
  readonly replicas: number;
}

/** One voluntary eviction at a time, only where there is more than one replica to keep serving. */
export function disruptionBudget(scope: Construct, props: DisruptionBudgetProps): void {
  if (props.replicas <= 1) return;
  new k8s.KubePodDisruptionBudget(scope, 'pdb', {
    metadata: meta(props.name, props.component, { namespace: props.namespace, app: props.app }),
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: props.podLabels } },
  });
}

export interface ClusterAccessProps {
  /** Name of the ServiceAccount, ClusterRole and ClusterRoleBinding. */
  readonly name: string;
  readonly namespace: string;
  readonly component: string;
  readonly app: string;
  readonly rules: k8s.PolicyRule[];
  /**
   * Mount the API token into pods (only what talks to the API server needs it).
   * @default true
   */
  readonly automountToken?: boolean;
  /**
   * Annotations of the ServiceAccount, such as a workload identity's.
   * @default none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Name of a cluster-scoped RBAC object: prefixed so it never replaces the ClusterRole of another
 * installation (kube-prometheus also has `prometheus-k8s`, `node-exporter`, ...).
 */
export function clusterRoleName(namespace: string, name: string): string {
  return `promfleet:${namespace}:${name}`;
}

/** ServiceAccount bound to its own ClusterRole. */
export function clusterAccess(scope: Construct, props: ClusterAccessProps): void {
  const { name, namespace, component, app } = props;
  const roleName = clusterRoleName(namespace, name);
  new k8s.KubeServiceAccount(scope, 'service-account', {
    metadata: meta(name, component, { namespace, app, annotations: props.annotations && { ...props.annotations } }),
    automountServiceAccountToken: props.automountToken ?? true,
  });
  new k8s.KubeClusterRole(scope, 'cluster-role', { metadata: meta(roleName, component, { app }), rules: props.rules });
  new k8s.KubeClusterRoleBinding(scope, 'cluster-role-binding', {
    metadata: meta(roleName, component, { app }),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
}

/** HTTP probe on a named container port. */
export function httpProbe(path: string, port: string, periodSeconds = 10): k8s.Probe {
  return { httpGet: { path, port: k8s.IntOrString.fromString(port) }, periodSeconds, timeoutSeconds: 5, failureThreshold: 3 };
}

/** The labels a Service selects a workload's pods by (kept apart from the mutable common labels). */
export function selectorLabels(app: string): Record<string, string> {
  return { 'app.kubernetes.io/name': app, 'app.kubernetes.io/instance': app };
}

/** Labels of a pod template: the common labels plus the selector labels. */
export function podLabels(app: string, component: string): Record<string, string> {
  return { ...commonLabels(app, component), ...selectorLabels(app) };
}

export interface SingleDeploymentProps {
  readonly name: string;
  readonly namespace: string;
  readonly component: string;
  /** The one container; hardening and the pod's labels and account are added here. */
  readonly container: Omit<k8s.Container, 'name' | 'securityContext'>;
  /** Node selector, tolerations, priority class and image pull secrets of the pod (see podPlacement). */
  readonly placement: PodPlacement;
  /**
   * Containers beside it, such as kube-rbac-proxy in front of its metrics (hardened by their builder).
   * @default none
   */
  readonly sidecars?: k8s.Container[];
}

/**
 * One-replica Deployment of a stateless controller or exporter running as nobody, with the API
 * token of the ServiceAccount of the same name. Returns the labels its pods are selected by.
 */
export function singleDeployment(scope: Construct, props: SingleDeploymentProps): Record<string, string> {
  const { name, namespace, component } = props;
  const selector = selectorLabels(name);
  new k8s.KubeDeployment(scope, 'deployment', {
    metadata: meta(name, component, { namespace }),
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: podLabels(name, component) },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: true,
          securityContext: nonRootPod(NOBODY),
          ...props.placement,
          containers: [{ ...props.container, name, securityContext: RESTRICTED_CONTAINER }, ...(props.sidecars ?? [])],
        },
      },
    },
  });
  return selector;
}
