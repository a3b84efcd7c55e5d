// Platforms as presets: what each kind of cluster exposes to a Prometheus running in it. This table is
// the one place that says it; the control-plane monitors, the fleet checks and the docs (docs/platforms.md,
// checked against it by test/control-plane.test.ts) all read it.

/** The kinds of cluster promfleet knows. `generic` is safe everywhere: it scrapes only what every cluster has. */
export const PLATFORMS = ['generic', 'kubeadm', 'eks', 'gke', 'aks', 'k3s'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The control-plane and node components promfleet can scrape; their `job` labels are those of the rule catalogue. */
export const CONTROL_PLANE_TARGETS = ['apiserver', 'kubelet', 'coredns', 'kube-scheduler', 'kube-controller-manager', 'kube-proxy', 'etcd'] as const;
export type ControlPlaneTarget = (typeof CONTROL_PLANE_TARGETS)[number];

/** A target is scraped (`true`), or not, with the reason a user reads in the docs. */
export type Exposure = true | { readonly why: string };

const HIDDEN = { why: 'run by the cloud provider outside the cluster; no endpoint to scrape' };
const ONE_PROCESS = { why: 'runs inside the k3s server process, with its metrics on 127.0.0.1 only' };
const UNKNOWN = { why: 'not every cluster runs it where Prometheus can reach it; name the platform to scrape it' };

/** What each platform exposes. */
export const PLATFORM_TARGETS: Record<Platform, Record<ControlPlaneTarget, Exposure>> = {
  generic: {
    apiserver: true,
    kubelet: true,
    coredns: UNKNOWN,
    'kube-scheduler': UNKNOWN,
    'kube-controller-manager': UNKNOWN,
    'kube-proxy': UNKNOWN,
    etcd: UNKNOWN,
  },
  // Static pods in kube-system (labels `component: <name>`), kube-proxy as a DaemonSet, CoreDNS as kube-dns.
  kubeadm: {
    apiserver: true,
    kubelet: true,
    coredns: true,
    'kube-scheduler': true,
    'kube-controller-manager': true,
    'kube-proxy': true,
    etcd: true,
  },
  eks: {
    apiserver: true,
    kubelet: true,
    coredns: true,
    'kube-scheduler': HIDDEN,
    'kube-controller-manager': HIDDEN,
    // The EKS kube-proxy add-on serves its metrics on every address (metricsBindAddress 0.0.0.0:10249).
    'kube-proxy': true,
    etcd: HIDDEN,
  },
  gke: {
    apiserver: true,
    kubelet: true,
    coredns: { why: 'GKE resolves names with kube-dns or Cloud DNS, not CoreDNS; kube-dns has no Prometheus endpoint' },
    'kube-scheduler': HIDDEN,
    'kube-controller-manager': HIDDEN,
    'kube-proxy': { why: 'a static pod whose metrics listen on 127.0.0.1 only (and no kube-proxy at all with Dataplane V2)' },
    etcd: HIDDEN,
  },
  aks: {
    apiserver: true,
    kubelet: true,
    coredns: true,
    'kube-scheduler': HIDDEN,
    'kube-controller-manager': HIDDEN,
    'kube-proxy': { why: 'managed by AKS, with its metrics on 127.0.0.1 only' },
    etcd: HIDDEN,
  },
  k3s: {
    apiserver: true,
    kubelet: true,
    coredns: true,
    'kube-scheduler': ONE_PROCESS,
    'kube-controller-manager': ONE_PROCESS,
    'kube-proxy': ONE_PROCESS,
    etcd: { why: 'k3s keeps its state in SQLite by default, and embedded etcd serves metrics only with --etcd-expose-metrics' },
  },
};

/** Whether the platform exposes the target. */
export const exposes = (platform: Platform, target: ControlPlaneTarget): boolean => PLATFORM_TARGETS[platform][target] === true;

/** The targets a cluster may leave out (controlPlane.exclude); the kubelets have a switch of their own (kubelet.enabled). */
export const EXCLUDABLE_TARGETS = CONTROL_PLANE_TARGETS.filter((t) => t !== 'kubelet');

/**
 * What a cluster of the platform scrapes: what the platform exposes, etcd only with its client certificate,
 * and none of `exclude`.
 */
export function scrapedTargets(platform: Platform, withEtcdClient: boolean, exclude: readonly ControlPlaneTarget[] = []): ControlPlaneTarget[] {
  return CONTROL_PLANE_TARGETS.filter((t) => exposes(platform, t) && (t !== 'etcd' || withEtcdClient) && !exclude.includes(t));
}

/**
 * The targets without a Service of their own that Prometheus could discover them through: promfleet renders
 * one in kube-system for each (the API server has `default/kubernetes`, the kubelets the operator's Service).
 */
export const DISCOVERY_SERVICE_TARGETS: readonly ControlPlaneTarget[] = ['coredns', 'kube-scheduler', 'kube-controller-manager', 'kube-proxy', 'etcd'];

/** The namespace of the components' discovery Services. */
export const KUBE_SYSTEM = 'kube-system';
