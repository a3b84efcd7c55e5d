// Alertmanager (imported class) with its configuration Secret built from the fleet file.
// Receiver credentials come from the secret store (rendered into the git-ignored secrets/ or sealed) or from
// Secrets the user manages: the config only names files where the operator mounts them (spec.secrets ->
// /etc/alertmanager/secrets/<secret>/<key>), so it stays committed.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import {
  Alertmanager as AlertmanagerCr,
  AlertmanagerSpecResourcesLimits,
  AlertmanagerSpecResourcesRequests,
} from '../../imports/alertmanager-monitoring.coreos.com';
import { DEFAULT_DEAD_MANS_SWITCH, DEFAULT_ROOT_ROUTE, DEFAULT_STACK, DEFAULT_VERSIONS, NULL_RECEIVER, type Resources } from '../fleet/defaults';
import type { AlertmanagerDeadMansSwitch, AlertmanagerInhibitRule, AlertmanagerReceiver, AlertmanagerRoute, ReceiverCredentialRef } from '../fleet/model';
import { commonLabels, image, meta } from '../meta';
import { controllerAnnotations, monitorSelectorOf, namespaceOf, type OperatedComponentProps, type PlacedComponentProps } from './base';
import { disruptionBudget, nonRootPod, podPlacement, resourceRequirements, softAntiAffinity } from './common';
import { stackServiceMonitor } from './service-monitor';

export const ALERTMANAGER_NAME = 'main';
/** The in-cluster URL of the Alertmanager API of a stack in `namespace` (what Grafana reads on an observer that is also a workload cluster). */
export function alertmanagerServiceUrl(namespace: string): string {
  return `http://${ALERTMANAGER_SERVICE}.${namespace}.svc:${ALERTMANAGER_WEB_PORT}`;
}
/** Service Prometheus sends alerts to; also the name of the configuration Secret and ServiceAccount. */
export const ALERTMANAGER_SERVICE = `alertmanager-${ALERTMANAGER_NAME}`;
/** The operator reads `alertmanager.yaml` from this Secret (its default name, `alertmanager-<name>`, made explicit). */
export const ALERTMANAGER_CONFIG_SECRET = `alertmanager-${ALERTMANAGER_NAME}`;
export const ALERTMANAGER_CONFIG_KEY = 'alertmanager.yaml';
/** Where the operator mounts each Secret listed in spec.secrets. */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';
/** The port of Alertmanager's API and UI on its Service. */
export const ALERTMANAGER_WEB_PORT = 9093;
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
   * Receivers; each names where its credentials are kept (the secret store, or a Secret you manage), which Alertmanager reads as files.
   * @default none: alerts go to the "null" receiver, which drops them
   */
  readonly receivers?: AlertmanagerReceiver[];
  /**
   * Where Watchdog goes, alone and every minute, to prove the pipeline works.
   * @default none: Watchdog goes to the "null" receiver
   */
  readonly deadMansSwitch?: AlertmanagerDeadMansSwitch;
  /**
   * @default as kube-prometheus, per cluster: critical silences warning and info, warning silences info, InfoInhibitor silences info
   */
  readonly inhibitRules?: AlertmanagerInhibitRule[];
}

type SecretRef = { name: string; key: string };
type CredentialRef = ReceiverCredentialRef;

/**
 * The Secret that holds the receiver credentials of the secret store (`{credential: <name>}`), one key per
 * credential. It is rendered into the git-ignored secrets/ folder (or sealed), never into the committed tree.
 */
export const RECEIVER_CREDENTIALS_SECRET = 'alertmanager-receiver-credentials';

const DEFAULT_INHIBIT_RULES = DEFAULT_STACK.alertmanager.inhibitRules as AlertmanagerInhibitRule[];

/** File path of a Secret key inside the Alertmanager container. */
export function secretFile(ref: SecretRef): string {
  return `${ALERTMANAGER_SECRETS_DIR}/${ref.name}/${ref.key}`;
}

/** File path of a receiver credential inside the Alertmanager container: store credentials are keys of RECEIVER_CREDENTIALS_SECRET. */
export function credentialFile(ref: CredentialRef): string {
  return 'credential' in ref ? secretFile({ name: RECEIVER_CREDENTIALS_SECRET, key: ref.credential }) : secretFile(ref);
}

/** One credential field of a receiver, with its path under `alertmanager` (e.g. `receivers[0].slack.apiUrl`). */
export interface ReceiverCredentialUse {
  readonly path: string;
  readonly ref: CredentialRef;
}

/** Every credential field the receivers set, in fleet order. */
export function receiverCredentialUses(receivers: readonly AlertmanagerReceiver[] = []): ReceiverCredentialUse[] {
  return receivers.flatMap((r, j) => {
    const at = `receivers[${j}]`;
    const fields: [string, CredentialRef | string | undefined][] = [
      ['slack.apiUrl', r.slack?.apiUrl],
      ['webhook.url', r.webhook?.url],
      ['pagerduty.routingKey', r.pagerduty?.routingKey],
      ['email.authPassword', r.email?.authPassword],
      ['opsgenie.apiKey', r.opsgenie?.apiKey],
      ['msteams.webhookUrl', r.msteams?.webhookUrl],
    ];
    return fields.flatMap(([field, ref]) => (ref !== undefined && typeof ref !== 'string' ? [{ path: `${at}.${field}`, ref }] : []));
  });
}

/** Names of the store credentials the receivers use, sorted and unique: the keys of RECEIVER_CREDENTIALS_SECRET. */
export function storeCredentialNames(receivers: readonly AlertmanagerReceiver[] = []): string[] {
  const names = receiverCredentialUses(receivers).flatMap((u) => ('credential' in u.ref ? [u.ref.credential] : []));
  return [...new Set(names)].sort();
}

/** Every Secret the receivers read from, sorted and unique (spec.secrets). */
export function receiverSecrets(am: AlertmanagerRouting): string[] {
  const names = receiverCredentialUses(am.receivers).map((u) => ('credential' in u.ref ? RECEIVER_CREDENTIALS_SECRET : u.ref.name));
  return [...new Set(names)].sort();
}

/**
 * Whether any receiver but the dead man's switch (which only proves the pipeline works) sends somewhere:
 * without one, alerts reach nobody.
 */
export function hasRealReceiver(receivers: readonly AlertmanagerReceiver[] = [], deadMansSwitch?: AlertmanagerDeadMansSwitch): boolean {
  return receivers.some(
    (r) => r.name !== NULL_RECEIVER && r.name !== deadMansSwitch?.receiver && !!(r.slack || r.webhook || r.pagerduty || r.email || r.opsgenie || r.msteams),
  );
}

const WATCHDOG = /^\s*alertname\s*=\s*"?Watchdog"?\s*$/;
const INFO_INHIBITOR = /^\s*alertname\s*=\s*"?InfoInhibitor"?\s*$/;

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

// PagerDuty and Opsgenie take the alert's severity label; an alert without one still pages, as an error / P3.
const PAGERDUTY_SEVERITY =
  '{{ if .CommonLabels.severity }}{{ if eq .CommonLabels.severity "critical" "warning" "info" }}{{ .CommonLabels.severity }}{{ else }}error{{ end }}{{ else }}error{{ end }}';
const OPSGENIE_PRIORITY = '{{ if eq .CommonLabels.severity "critical" }}P1{{ else if eq .CommonLabels.severity "info" }}P5{{ else }}P3{{ end }}';

/**
 * The `*_configs` of one receiver. `sendResolved` is false for the dead man's switch: a resolved Watchdog, sent
 * when Prometheus stops, would count as one more sign of life and delay the alarm.
 */
function receiverConfigs(r: AlertmanagerReceiver, sendResolved: boolean): Record<string, unknown> {
  const resolved = { send_resolved: sendResolved };
  const webhookUrl = r.webhook?.url;
  return {
    ...(r.slack ? { slack_configs: [{ channel: r.slack.channel, api_url_file: credentialFile(r.slack.apiUrl), ...resolved }] } : {}),
    ...(webhookUrl !== undefined
      ? { webhook_configs: [{ ...(typeof webhookUrl === 'string' ? { url: webhookUrl } : { url_file: credentialFile(webhookUrl) }), ...resolved }] }
      : {}),
    ...(r.pagerduty ? { pagerduty_configs: [{ routing_key_file: credentialFile(r.pagerduty.routingKey), severity: PAGERDUTY_SEVERITY, ...resolved }] } : {}),
    ...(r.email
      ? {
          email_configs: [
            {
              to: r.email.to,
              from: r.email.from,
              smarthost: r.email.smarthost,
              ...(r.email.authUsername ? { auth_username: r.email.authUsername } : {}),
              ...(r.email.authPassword ? { auth_password_file: credentialFile(r.email.authPassword) } : {}),
              ...resolved,
            },
          ],
        }
      : {}),
    ...(r.opsgenie
      ? {
          opsgenie_configs: [
            {
              api_key_file: credentialFile(r.opsgenie.apiKey),
              ...(r.opsgenie.apiUrl ? { api_url: r.opsgenie.apiUrl } : {}),
              priority: OPSGENIE_PRIORITY,
              ...resolved,
            },
          ],
        }
      : {}),
    // The Office 365 connectors behind msteams_configs are retired: Teams takes workflow webhooks (msteamsv2).
    ...(r.msteams ? { msteamsv2_configs: [{ webhook_url_file: credentialFile(r.msteams.webhookUrl), ...resolved }] } : {}),
  };
}

/**
 * The Alertmanager configuration (as a plain object) of a cluster. Watchdog always fires by design:
 * unless a route of yours handles it, it goes to the dead man's switch receiver, or else to "null";
 * InfoInhibitor, which only inhibits, goes to "null" too.
 */
export function alertmanagerConfig(am: AlertmanagerRouting): Record<string, unknown> {
  const user = am.route ?? {};
  const receiverList = am.receivers ?? [];
  const inhibitRules = am.inhibitRules ?? DEFAULT_INHIBIT_RULES;
  const handles = (re: RegExp) => (user.routes ?? []).some((r) => (r.matchers ?? []).some((m) => re.test(m)));
  const dms = am.deadMansSwitch;
  const watchdog: AlertmanagerRoute = dms
    ? {
        receiver: dms.receiver,
        matchers: ['alertname="Watchdog"'],
        groupWait: DEFAULT_DEAD_MANS_SWITCH.groupWait,
        groupInterval: DEFAULT_DEAD_MANS_SWITCH.groupInterval,
        repeatInterval: dms.repeatInterval ?? DEFAULT_DEAD_MANS_SWITCH.repeatInterval,
      }
    : { receiver: NULL_RECEIVER, matchers: ['alertname="Watchdog"'] };
  const root: AlertmanagerRoute = {
    receiver: user.receiver ?? receiverList[0]?.name ?? NULL_RECEIVER,
    groupBy: user.groupBy ?? DEFAULT_ROOT_ROUTE.groupBy,
    groupWait: user.groupWait ?? DEFAULT_ROOT_ROUTE.groupWait,
    groupInterval: user.groupInterval ?? DEFAULT_ROOT_ROUTE.groupInterval,
    repeatInterval: user.repeatInterval ?? DEFAULT_ROOT_ROUTE.repeatInterval,
    routes: [
      ...(handles(WATCHDOG) ? [] : [watchdog]),
      ...(handles(INFO_INHIBITOR) ? [] : [{ receiver: NULL_RECEIVER, matchers: ['alertname="InfoInhibitor"'] }]),
      ...(user.routes ?? []),
    ],
  };
  const receivers = receiverList.map((r) => ({ name: r.name, ...receiverConfigs(r, r.name !== dms?.receiver) }));
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
      // No credential is in here (receivers read them from the files of spec.secrets), so it is safe to commit.
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
          { name: 'web', port: ALERTMANAGER_WEB_PORT, targetPort: k8s.IntOrString.fromString('web') },
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
