// The Kubernetes core schemas promfleet validates against: the GA API groups of one Kubernetes release,
// as kubernetes-models compiles them. kubernetes-models 5.1.0 is generated from the Kubernetes v1.36.0
// OpenAPI spec, merged with older releases' specs for APIs removed since; only the GA group versions
// below are served by 1.36, so only they are loaded (a removed beta API gets "no schema").
import * as admissionregistrationV1 from 'kubernetes-models/admissionregistration.k8s.io/v1';
import * as apiextensionsV1 from 'kubernetes-models/apiextensions.k8s.io/v1';
import * as apiregistrationV1 from 'kubernetes-models/apiregistration.k8s.io/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV1 from 'kubernetes-models/autoscaling/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as certificatesV1 from 'kubernetes-models/certificates.k8s.io/v1';
import * as coordinationV1 from 'kubernetes-models/coordination.k8s.io/v1';
import * as discoveryV1 from 'kubernetes-models/discovery.k8s.io/v1';
import * as eventsV1 from 'kubernetes-models/events.k8s.io/v1';
import * as flowcontrolV1 from 'kubernetes-models/flowcontrol.apiserver.k8s.io/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as nodeV1 from 'kubernetes-models/node.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as resourceV1 from 'kubernetes-models/resource.k8s.io/v1';
import * as schedulingV1 from 'kubernetes-models/scheduling.k8s.io/v1';
import * as storageV1 from 'kubernetes-models/storage.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';

/** The Kubernetes release whose core schemas are bundled (kubernetes-models 5.1.0). */
export const KUBERNETES_VERSION = '1.36';

/** The releases `promfleet validate --kubernetes-version` accepts: those whose schemas are bundled. */
export const SUPPORTED_KUBERNETES_VERSIONS: readonly string[] = [KUBERNETES_VERSION];

/** A kubernetes-models class: its compiled validator runs on `this` and throws with ajv-style errors. */
export interface CoreModel {
  apiVersion: string;
  kind: string;
  prototype: { validate: (this: unknown) => void };
}

const GROUP_VERSIONS: readonly object[] = [
  coreV1,
  appsV1,
  batchV1,
  autoscalingV1,
  autoscalingV2,
  policyV1,
  rbacV1,
  networkingV1,
  schedulingV1,
  storageV1,
  nodeV1,
  discoveryV1,
  eventsV1,
  coordinationV1,
  certificatesV1,
  admissionregistrationV1,
  apiextensionsV1,
  apiregistrationV1,
  flowcontrolV1,
  resourceV1,
];

function isModel(value: unknown): value is CoreModel {
  if (typeof value !== 'function') return false;
  const m = value as unknown as Partial<CoreModel>;
  return typeof m.apiVersion === 'string' && typeof m.kind === 'string' && typeof m.prototype?.validate === 'function';
}

let models: Map<string, CoreModel> | undefined;

/** The model of `apiVersion`/`kind` among the bundled core kinds, if Kubernetes serves it. */
export function coreModel(apiVersion: string, kind: string): CoreModel | undefined {
  if (!models) {
    models = new Map();
    // A group version module also exports the kinds' parts (Container, ObjectReference...): only top-level kinds have apiVersion and kind.
    for (const gv of GROUP_VERSIONS) for (const value of Object.values(gv)) if (isModel(value)) models.set(`${value.apiVersion}/${value.kind}`, value);
  }
  return models.get(`${apiVersion}/${kind}`);
}
