// The observer's Thanos Ruler (the operator's ThanosRuler kind): it evaluates the fleet-level rules through the
// observer's own Querier, over every cluster the Querier reads, and sends its alerts to the observer's Alertmanager.
// The operator runs it as the StatefulSet `thanos-ruler-<name>` behind the headless Service `thanos-ruler-operated`.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import {
  ThanosRuler as ThanosRulerCr,
  ThanosRulerSpecResourcesLimits,
  ThanosRulerSpecResourcesRequests,
} from '../../imports/thanosruler-monitoring.coreos.com';
import { DEFAULT_THANOS_RULER, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { commonLabels, image, meta } from '../meta';
import { FLEET_RULE_SCOPE, RULE_SCOPE_LABEL } from '../names';
import { controllerAnnotations, namespaceOf, type OperatedComponentProps, type PlacedComponentProps } from './base';
import { disruptionBudget, nonRootPod, podPlacement, resourceRequirements, softAntiAffinity } from './common';
import { serviceHost } from './endpoints';
import { stackServiceMonitor } from './service-monitor';
import { THANOS_HTTP_PORT } from './thanos-pod';

/** Name of the ThanosRuler object; the operator's StatefulSet is `thanos-ruler-<name>`. */
export const THANOS_RULER_NAME = 'fleet';
/** The Service in front of the ruler pods (its UI and metrics), and its ServiceAccount. */
export const THANOS_RULER_SERVICE = 'thanos-ruler';
export const THANOS_RULER_APP = 'thanos-ruler';
/**
 * The external label with each ruler replica's pod name: the operator (v0.93) sets it on every replica and drops it
 * from the alerts, so the Alertmanager deduplicates what the replicas send.
 */
export const THANOS_RULER_REPLICA_LABEL = 'thanos_ruler_replica';
/** The headless Service the operator creates for every Alertmanager's StatefulSet: one DNS record per replica. */
export const ALERTMANAGER_OPERATED_SERVICE = 'alertmanager-operated';
const COMPONENT = 'ruler';

/** Labels the operator (v0.93) puts on the pods of a ThanosRuler object; Services and the PDB select on them. */
export function thanosRulerPodSelector(name = THANOS_RULER_NAME): Record<string, string> {
  return { 'app.kubernetes.io/name': THANOS_RULER_APP, 'thanos-ruler': name };
}

/**
 * Where the ruler sends alerts: every replica of the Alertmanager `name` in `namespace`, through the SRV records
 * of its `web` port under the operator's headless Service (Thanos' `dnssrv+` discovery), as a Prometheus does.
 */
export function alertmanagerUrl(namespace: string): string {
  return `dnssrv+http://_web._tcp.${serviceHost(ALERTMANAGER_OPERATED_SERVICE, namespace)}`;
}

export interface ThanosRulerProps extends OperatedComponentProps, PlacedComponentProps {
  /** The Query APIs it evaluates rules through, `host:port` (HTTP), e.g. the observer's Querier Service. */
  readonly queryEndpoints: readonly string[];
  /**
   * Alertmanager URLs (Thanos' `--alertmanagers.url`, `dnssrv+` allowed).
   * @default alertmanagerUrl(namespace): the Alertmanager of the stack's namespace
   */
  readonly alertmanagersUrl?: readonly string[];
  /**
   * External labels of its rule results and alerts, besides the replica label. A label set here replaces the alert's
   * own label of that name when it is sent (Thanos' alert queue sets them over the alert's): never set `cluster`,
   * which names the cluster a fleet alert is about.
   * @default none
   */
  readonly labels?: Record<string, string>;
  /** @default DEFAULT_VERSIONS.thanos */
  readonly version?: string;
  /** @default DEFAULT_THANOS_RULER.replicas */
  readonly replicas?: number;
  /** @default DEFAULT_THANOS_RULER.evaluationInterval */
  readonly evaluationInterval?: string;
  /** @default DEFAULT_THANOS_RULER.resources */
  readonly resources?: Resources;
  /**
   * Labels of the PrometheusRules it evaluates, in its own namespace.
   * @default {RULE_SCOPE_LABEL: FLEET_RULE_SCOPE}: the fleet-level rules, which no stack Prometheus selects
   */
  readonly ruleSelector?: Record<string, string>;
}

/** ServiceAccount (no API token), the ThanosRuler, its Service, ServiceMonitor and PodDisruptionBudget. */
export class ThanosRuler extends Construct {
  constructor(scope: Construct, id: string, props: ThanosRulerProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const version = props.version ?? DEFAULT_VERSIONS.thanos;
    const replicas = props.replicas ?? DEFAULT_THANOS_RULER.replicas;
    const d = DEFAULT_THANOS_RULER;

    // Thanos never calls the API server: no token in its pods.
    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: meta(THANOS_RULER_SERVICE, COMPONENT, { namespace, app: THANOS_RULER_APP }),
      automountServiceAccountToken: false,
    });

    new ThanosRulerCr(this, 'ruler', {
      metadata: meta(THANOS_RULER_NAME, COMPONENT, { namespace, app: THANOS_RULER_APP, annotations: controllerAnnotations(props) }),
      spec: {
        replicas,
        image: image('quay.io/thanos/thanos', version, props.imageRegistry),
        version,
        podMetadata: { labels: { 'app.kubernetes.io/component': COMPONENT, 'app.kubernetes.io/part-of': 'promfleet' } },
        serviceAccountName: THANOS_RULER_SERVICE,
        queryEndpoints: [...props.queryEndpoints],
        alertmanagersUrl: [...(props.alertmanagersUrl ?? [alertmanagerUrl(namespace)])],
        // Each replica evaluates every rule; the operator adds THANOS_RULER_REPLICA_LABEL and drops it from the alerts.
        ...(props.labels && Object.keys(props.labels).length ? { labels: props.labels } : {}),
        evaluationInterval: props.evaluationInterval ?? d.evaluationInterval,
        retention: d.retention,
        ruleSelector: { matchLabels: props.ruleSelector ?? { [RULE_SCOPE_LABEL]: FLEET_RULE_SCOPE } },
        // Left out, the rules are read from the ruler's own namespace only: the fleet rules are rendered there.
        resources: resourceRequirements(
          props.resources ?? d.resources,
          (v) => ThanosRulerSpecResourcesLimits.fromString(v),
          (v) => ThanosRulerSpecResourcesRequests.fromString(v),
        ),
        securityContext: nonRootPod(1000, 2000),
        affinity: softAntiAffinity(thanosRulerPodSelector()),
        ...podPlacement(props.placement, d.placement, props.imagePullSecrets),
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: meta(THANOS_RULER_SERVICE, COMPONENT, { namespace, app: THANOS_RULER_APP }),
      spec: {
        selector: thanosRulerPodSelector(),
        ports: [{ name: 'web', port: THANOS_HTTP_PORT, targetPort: k8s.IntOrString.fromString('web') }],
      },
    });

    if (props.monitorSelector) {
      stackServiceMonitor(this, 'service-monitor', {
        namespace,
        monitorSelector: props.monitorSelector,
        name: THANOS_RULER_SERVICE,
        component: COMPONENT,
        app: THANOS_RULER_APP,
        selector: commonLabels(THANOS_RULER_APP, COMPONENT),
        endpoints: [{ port: 'web' }],
      });
    }

    disruptionBudget(this, {
      name: THANOS_RULER_SERVICE,
      namespace,
      component: COMPONENT,
      app: THANOS_RULER_APP,
      podLabels: thanosRulerPodSelector(),
      replicas,
    });
  }
}
