// Types of the manifests the tests read back from dist/: the kubernetes-models interfaces of every
// kind promfleet renders. Type imports only: the packages are ES modules, which Jest cannot load
// (`promfleet validate`, run in a separate process, checks the files themselves).
import type { IApplication } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import type { IAppProject } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject';
import type { IAlertmanager } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Alertmanager';
import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { IProbe } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Probe';
import type { IPrometheus } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/Prometheus';
import type { IPrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import type { IServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import type { IThanosRuler } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ThanosRuler';
import type { ISealedSecret } from '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1/SealedSecret';
import type { IDaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';

/**
 * A manifest as read back, typed as if every field were set: a test that reads a field states that
 * it must be there (reading one that is not fails the test), and checks absence with toBeUndefined.
 */
export type Full<T> = T extends readonly (infer E)[] ? Full<E>[] : T extends object ? { [K in keyof T]-?: Full<T[K]> } : T;

/** Every kind promfleet renders. */
export type Manifest = Full<
  | INamespace
  | IServiceAccount
  | IClusterRole
  | IClusterRoleBinding
  | ISecret
  | IConfigMap
  | IResourceQuota
  | IService
  | IPersistentVolumeClaim
  | IIngress
  | INetworkPolicy
  | IPodDisruptionBudget
  | IDeployment
  | IStatefulSet
  | IDaemonSet
  | IPrometheus
  | IAlertmanager
  | IServiceMonitor
  | IPodMonitor
  | IProbe
  | IPrometheusRule
  | IThanosRuler
  | IApplication
  | IAppProject
  | ISealedSecret
>;

export type Kind = Manifest['kind'];

/** The manifest type of one kind. */
export type ManifestOf<K extends Kind> = Extract<Manifest, { kind: K }>;

/** Kinds with a pod template. */
export type PodOwner = ManifestOf<'Deployment' | 'StatefulSet' | 'DaemonSet'>;

export function isKind<K extends Kind>(obj: Manifest, ...kinds: K[]): obj is ManifestOf<K> {
  return (kinds as Kind[]).includes(obj.kind);
}

export function hasPodTemplate(obj: Manifest): obj is PodOwner {
  return isKind(obj, 'Deployment', 'StatefulSet', 'DaemonSet');
}
