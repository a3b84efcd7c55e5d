// Alertmanager (imported class) with its configuration Secret built from the fleet file.
// Receiver credentials stay in Secrets the user manages: the config only names files where the
// operator mounts them (spec.secrets -> /etc/alertmanager/secrets/<secret>/<key>).
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import {
  Alertmanager as AlertmanagerCr,
  AlertmanagerSpecResourcesLimits,
  AlertmanagerSpecResourcesRequests,
} from '../../imports/alertmanager-monitoring.coreos.com';
import { DEFAULT_ROOT_ROUTE, DEFAULT_STACK, DEFAULT_VERSIONS, NULL_RECEIVER, type Resources } from '../fleet/defaults';
import type { AlertmanagerInhibitRule, AlertmanagerReceiver, AlertmanagerRoute } from '../fleet/model';
import { commonLabels, image, meta } from '../meta';
import { controllerAnnotations, monitorSelectorOf, namespaceOf, type OperatedComponentProps, type PlacedComponentProps } from './base';
import { disruptionBudget, nonRootPod, podPlacement, resourceRequirements, softAntiAffinity } from './common';
import { stackServiceMonitor } from './service-monitor';

export const ALERTMANAGER_NAME = 'main';
/** Service Prometheus sends alerts to; also the name of the configuration Secret and ServiceAccount. */
export const ALERTMANAGER_SERVICE = `alertmanager-${ALERTMANAGER_NAME}`;
/** The operator reads `alertmanager.yaml` from this Secret (its default name, `alertmanager-<name>`, made explicit). */
export const ALERTMANAGER_CONFIG_SECRET = `alertmanager-${ALERTMANAGER_NAME}`;
export const ALERTMANAGER_CONFIG_KEY = 'alertmanager.yaml';
/** Where the operator mounts each Secret listed in spec.secrets. */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';
const APP = 'alertmanager';
const COMPONENT = 'alertmanager';

/** Labels the operator (v0.93) puts on Alertmanager pods (reserved, see the CRD's `podMetadata`). */
export function alertmanagerPodLabels(name = ALERTMANAGER_NAME): Record<string, string> {
  return {
    'app.kubernetes.io/name': APP,
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'prometheus-operator',
    alertmanager: name,
  };
}

export function alertmanagerPodSelector(name = ALERTMANAGER_NAME): Record<string, string> {
  return { 'app.kubernetes.io/name': APP, alertmanager: name };
}

/** Where alerts go: the routing tree, the receivers and the inhibition rules. */
export interface AlertmanagerRouting {
  /**
   * The routing tree. Watchdog, which always fires, goes to the "null" receiver unless a route of
   * yours matches it.
   * @default every alert to the first receiver, grouped by cluster, namespace and alertname
   */
  readonly route?: AlertmanagerRoute;
  /**
   * Receivers; each names the Secret keys holding its credentials, which Alertmanager reads as files.
   * @default none: alerts go to the "null" receiver, which drops them
   */
  readonly receivers?: AlertmanagerReceiver[];
  /**
   * @default a critical alert silences the warnings of the same alert in the same cluster and namespace
   */
  readonly inhibitRules?: AlertmanagerInhibitRule[];
}

type SecretRef = { name: string; key: string };

const DEFAULT_INHIBIT_RULES = DEFAULT_STACK.alertmanager.inhibitRules as AlertmanagerInhibitRule[];

/** File path of a Secret key inside the Alertmanager container. */
export function secretFile(ref: SecretRef): string {
  return `${ALERTMANAGER_SECRETS_DIR}/${ref.name}/${ref.key}`;
}

/** Every Secret the receivers read from, sorted and unique (spec.secrets). */
export function receiverSecrets(am: AlertmanagerRouting): string[] {
  const refs: SecretRef[] = (am.receivers ?? []).flatMap((r) =>
    [r.slack?.apiUrl, r.webhook?.url, r.pagerduty?.routingKey, r.email?.authPassword].filter((x): x is SecretRef => x !== undefined),
  );
  return [...new Set(refs.map((r) => r.name))].sort();
}

const WATCHDOG = /^\s*alertname\s*=\s*"?Watchdog"?\s*$/;

function route(r: AlertmanagerRoute): Record<string, unknown> {
  return {
    ...(r.receiver ? { receiver: r.receiver } : {}),
    ...(r.groupBy ? { group_by: r.groupBy } : {}),
    ...(r.matchers ? { matchers: r.matchers } : {}),
    ...(r.continue !== undefined ? { continue: r.continue } : {}),
    ...(r.groupWait ? { group_wait: r.groupWait } : {}),
    ...(r.groupInterval ? { group_interval: r.groupInterval } : {}),
    ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
    ...(r.routes?.length ? { routes: r.routes.map(route) } : {}),
  };
}

/**
 * The Alertmanager configuration (as a plain object) of a cluster. Watchdog always fires by design:
 * unless a route of yours handles it, it goes to the "null" receiver first.
 */
export function alertmanagerConfig(am: AlertmanagerRouting): Record<string, unknown> {
  const user = am.route ?? {};
  const receiverList = am.receivers ?? [];
  const inhibitRules = am.inhibitRules ?? DEFAULT_INHIBIT_RULES;
  const handlesWatchdog = (user.routes ?? []).some((r) => (r.matchers ?? []).some((m) => WATCHDOG.test(m)));
  const root: AlertmanagerRoute = {
    receiver: user.receiver ?? receiverList[0]?.name ?? NULL_RECEIVER,
    groupBy: user.groupBy ?? DEFAULT_ROOT_ROUTE.groupBy,
    groupWait: user.groupWait ?? DEFAULT_ROOT_ROUTE.groupWait,
    groupInterval: user.groupInterval ?? DEFAULT_ROOT_ROUTE.groupInterval,
    repeatInterval: user.repeatInterval ?? DEFAULT_ROOT_ROUTE.repeatInterval,
    routes: [...(handlesWatchdog ? [] : [{ receiver: NULL_RECEIVER, matchers: ['alertname="Watchdog"'] }]), ...(user.routes ?? [])],
  };
  const receivers = receiverList.map((r) => ({
    name: r.name,
    ...(r.slack ? { slack_configs: [{ channel: r.slack.channel, api_url_file: secretFile(r.slack.apiUrl), send_resolved: true }] } : {}),
    ...(r.webhook ? { webhook_configs: [{ url_file: secretFile(r.webhook.url), send_resolved: true }] } : {}),
    ...(r.pagerduty ? { pagerduty_configs: [{ routing_key_file: secretFile(r.pagerduty.routingKey), send_resolved: true }] } : {}),
    ...(r.email
      ? {
          email_configs: [
            {
              to: r.email.to,
              from: r.email.from,
              smarthost: r.email.smarthost,
              ...(r.email.authUsername ? { auth_username: r.email.authUsername } : {}),
              ...(r.email.authPassword ? { auth_password_file: secretFile(r.email.authPassword) } : {}),
              send_resolved: true,
            },
          ],
        }
      : {}),
  }));
  const hasNull = receiverList.some((r) => r.name === NULL_RECEIVER);
  return {
    route: route(root),
    receivers: [...(hasNull ? [] : [{ name: NULL_RECEIVER }]), ...receivers],
    ...(inhibitRules.length
      ? {
          inhibit_rules: inhibitRules.map((i) => ({
            source_matchers: i.sourceMatchers,
            target_matchers: i.targetMatchers,
            ...(i.equal?.length ? { equal: i.equal } : {}),
          })),
        }
      : {}),
  };
}

export interface AlertmanagerProps extends OperatedComponentProps, AlertmanagerRouting, PlacedComponentProps {
  /** @default DEFAULT_VERSIONS.alertmanager */
  readonly version?: string;
  /**
   * Replicas gossip to deduplicate notifications.
   * @default 2
   */
  readonly replicas?: number;
  /** @default DEFAULT_STACK.alertmanager.resources */
  readonly resources?: Resources;
}

/** Configuration Secret, ServiceAccount, Alertmanager, Service, ServiceMonitor and PDB. */
export class Alertmanager extends Construct {
  constructor(scope: Construct, id: string, props: AlertmanagerProps = {}) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const version = props.version ?? DEFAULT_VERSIONS.alertmanager;
    const replicas = props.replicas ?? DEFAULT_STACK.alertmanager.replicas;

    new k8s.KubeSecret(this, 'config', {
      metadata: meta(ALERTMANAGER_CONFIG_SECRET, COMPONENT, { namespace, app: APP }),
      type: 'Opaque',
      // No credential is in here (receivers read them from files), so it is safe to commit.
      stringData: { [ALERTMANAGER_CONFIG_KEY]: stringify(alertmanagerConfig(props), { lineWidth: 0 }) },
    });

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: meta(ALERTMANAGER_SERVICE, COMPONENT, { namespace, app: APP }),
      automountServiceAccountToken: false,
    });

    const secrets = receiverSecrets(props);
    new AlertmanagerCr(this, 'alertmanager', {
      metadata: meta(ALERTMANAGER_NAME, COMPONENT, { namespace, app: APP, annotations: controllerAnnotations(props) }),
      spec: {
        replicas,
        image: image('quay.io/prometheus/alertmanager', version, props.imageRegistry),
        version,
        podMetadata: { labels: { 'app.kubernetes.io/component': COMPONENT, 'app.kubernetes.io/part-of': 'promfleet' } },
        serviceAccountName: ALERTMANAGER_SERVICE,
        configSecret: ALERTMANAGER_CONFIG_SECRET,
        ...(secrets.length ? { secrets } : {}),
        resources: resourceRequirements(
          props.resources ?? DEFAULT_STACK.alertmanager.resources,
          (v) => AlertmanagerSpecResourcesLimits.fromString(v),
          (v) => AlertmanagerSpecResourcesRequests.fromString(v),
        ),
        securityContext: nonRootPod(1000, 2000),
        affinity: softAntiAffinity(alertmanagerPodSelector()),
        ...podPlacement(props.placement, DEFAULT_STACK.alertmanager.placement, props.imagePullSecrets),
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: meta(ALERTMANAGER_SERVICE, COMPONENT, { namespace, app: APP }),
      spec: {
        selector: alertmanagerPodSelector(),
        // The UI keeps silences per browser session: stick to one replica.
        sessionAffinity: 'ClientIP',
        ports: [
          { name: 'web', port: 9093, targetPort: k8s.IntOrString.fromString('web') },
          { name: 'reloader-web', port: 8080, targetPort: k8s.IntOrString.fromString('reloader-web') },
        ],
      },
    });

    stackServiceMonitor(this, 'service-monitor', {
      namespace,
      monitorSelector: monitorSelectorOf(props),
      name: ALERTMANAGER_SERVICE,
      component: COMPONENT,
      app: APP,
      selector: commonLabels(APP, COMPONENT),
      endpoints: [{ port: 'web' }, { port: 'reloader-web' }],
    });

    disruptionBudget(this, { name: ALERTMANAGER_SERVICE, namespace, component: COMPONENT, app: APP, podLabels: alertmanagerPodSelector(), replicas });
  }
}
