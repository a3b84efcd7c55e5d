// Grafana OSS on an observer cluster: the upstream image only (Grafana is AGPL; promfleet renders its image
// and configuration, never its code), configured through its environment, with the Querier as its
// datasource and the fleet's dashboards provisioned from ConfigMaps (grafana-dashboards.ts). It never
// phones home: no usage reports, update checks, news feed, Gravatar or plugin downloads at start-up.
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { stringify } from 'yaml';
import { DEFAULT_GRAFANA, DEFAULT_STACK, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { NGINX_CLASS } from '../fleet/ingress-checks';
import type { GrafanaAlertmanager, GrafanaAuth, GrafanaIngress } from '../fleet/model';
import { commonLabels, image, meta } from '../meta';
import { namespaceOf, NGINX_ANNOTATIONS, type PlacedComponentProps, type StackComponentProps } from './base';
import { coreResources, httpProbe, nonRootPod, podLabels, podPlacement, RESTRICTED_CONTAINER, selectorLabels, softAntiAffinity } from './common';
import type { FleetDashboard } from './dashboards';
import { dashboardConfigMapName, GRAFANA_DASHBOARD_PROVIDER_CONFIGMAP, GRAFANA_DASHBOARDS_MOUNT } from './grafana-dashboards';
import { GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_SECRET, GRAFANA_OAUTH_CLIENT_SECRET_KEY, GRAFANA_OAUTH_SECRET } from './grafana-secrets';
import { ingressAnnotations, QUERIER_PARTIAL_RESPONSE } from './querier';
import { stackServiceMonitor } from './service-monitor';

export const GRAFANA_NAME = 'grafana';
export const GRAFANA_PORT = 3000;
/** The user of the upstream image. */
const GRAFANA_UID = 472;
export const GRAFANA_DATASOURCES_CONFIGMAP = 'grafana-datasources';
export const GRAFANA_DATASOURCES_KEY = 'promfleet.yaml';
/** The uid of the fleet's PromQL datasource: dashboards refer to it, so it never changes. */
export const THANOS_DATASOURCE_UID = 'promfleet-thanos';
/** The uid of the cluster's own Alertmanager datasource; extra ones are promfleet-am-<name>. */
export const ALERTMANAGER_DATASOURCE_UID = 'promfleet-alertmanager';
const PROVISIONING = '/etc/grafana/provisioning';
const DATA = '/var/lib/grafana';
const COMPONENT = 'grafana';

/** The query parameters Grafana adds to every query: deduplicated replicas, and the Querier's partial-response choice. */
export function thanosQueryParameters(partialResponse: boolean): string {
  return `dedup=true&partial_response=${partialResponse}`;
}

export interface GrafanaDatasourcesOptions {
  readonly url: string;
  readonly partialResponse: boolean;
  readonly scrapeInterval: string;
  readonly alertmanagers: readonly GrafanaAlertmanager[];
  readonly localAlertmanagerUrl?: string;
}

/** The datasource provisioning file: the fleet's PromQL API first (the default), then each Alertmanager. */
export function grafanaDatasources(o: GrafanaDatasourcesOptions): string {
  const alertmanager = (name: string, uid: string, url: string) => ({
    name,
    uid,
    type: 'alertmanager',
    access: 'proxy',
    url,
    editable: false,
    // Prometheus' Alertmanager: silences can be managed, its configuration is read-only.
    jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
  });
  return stringify({
    apiVersion: 1,
    datasources: [
      {
        name: 'Thanos',
        uid: THANOS_DATASOURCE_UID,
        type: 'prometheus',
        access: 'proxy',
        url: o.url,
        isDefault: true,
        editable: false,
        jsonData: {
          prometheusType: 'Thanos',
          httpMethod: 'POST',
          // $__rate_interval is at least four of these: a rate over a shorter window would have too few samples.
          timeInterval: o.scrapeInterval,
          customQueryParameters: thanosQueryParameters(o.partialResponse),
        },
      },
      ...(o.localAlertmanagerUrl ? [alertmanager('Alertmanager', ALERTMANAGER_DATASOURCE_UID, o.localAlertmanagerUrl)] : []),
      ...o.alertmanagers.map((a) => alertmanager(`Alertmanager ${a.name}`, `promfleet-am-${a.name}`, a.url)),
    ],
  });
}

export interface GrafanaProps extends StackComponentProps, PlacedComponentProps {
  /**
   * URL of the PromQL API that the default datasource queries: the query frontend's or the Querier's Service (querierApiUrl), or a
   * query frontend's in front of it.
   */
  readonly datasourceUrl: string;
  /**
   * Ask for partial responses, as the Querier answers by default.
   * @default QUERIER_PARTIAL_RESPONSE
   */
  readonly partialResponse?: boolean;
  /**
   * The fleet's scrape interval: the datasource's smallest step, and a quarter of `$__rate_interval`.
   * @default DEFAULT_STACK.prometheus.scrapeInterval
   */
  readonly scrapeInterval?: string;
  /**
   * Alertmanagers shown as datasources, besides `localAlertmanagerUrl`.
   * @default none
   */
  readonly alertmanagers?: readonly GrafanaAlertmanager[];
  /**
   * URL of an Alertmanager of the same stack (an observer that is also a workload cluster).
   * @default none
   */
  readonly localAlertmanagerUrl?: string;
  /**
   * The dashboards whose ConfigMaps (GrafanaDashboards) are mounted where the provider reads them.
   * @default none
   */
  readonly dashboards?: readonly FleetDashboard[];
  /** @default DEFAULT_VERSIONS.grafana */
  readonly version?: string;
  /** @default 1 */
  readonly replicas?: number;
  /** @default DEFAULT_GRAFANA.resources */
  readonly resources?: Resources;
  /**
   * An Ingress for the UI, with its TLS; its Secret must exist (ObserverMonitoring renders it from the PKI).
   * @default no Ingress
   */
  readonly ingress?: GrafanaIngress;
  /**
   * A PersistentVolumeClaim for the database.
   * @default an emptyDir: what is provisioned comes back at each start, what users made by hand does not
   */
  readonly persistence?: { readonly size: string; readonly storageClassName?: string };
  /**
   * How users sign in; the admin user always can.
   * @default { type: 'builtin' }
   */
  readonly auth?: GrafanaAuth;
  /**
   * User name of the built-in admin.
   * @default DEFAULT_GRAFANA.adminUser
   */
  readonly adminUser?: string;
  /**
   * Secret with the admin's password (key admin-password).
   * @default "grafana-admin"
   */
  readonly adminSecret?: string;
  /**
   * Monitor selector of a Prometheus next to Grafana: a ServiceMonitor with these labels.
   * @default no ServiceMonitor
   */
  readonly monitorSelector?: Record<string, string>;
}

/** The environment that configures Grafana: hardening, the admin, the sign-in and the URL it is reached at. */
function grafanaEnv(props: GrafanaProps): k8s.EnvVar[] {
  const value = (name: string, v: string | boolean) => ({ name, value: String(v) });
  const fromSecret = (name: string, secret: string, key: string) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });
  const adminSecret = props.adminSecret ?? GRAFANA_ADMIN_SECRET;
  const ing = props.ingress;
  const env: k8s.EnvVar[] = [
    // Nothing leaves the cluster on Grafana's own account.
    value('GF_ANALYTICS_REPORTING_ENABLED', false),
    value('GF_ANALYTICS_CHECK_FOR_UPDATES', false),
    value('GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES', false),
    value('GF_ANALYTICS_FEEDBACK_LINKS_ENABLED', false),
    value('GF_NEWS_NEWS_FEED_ENABLED', false),
    value('GF_SECURITY_DISABLE_GRAVATAR', true),
    value('GF_PLUGINS_PREINSTALL_DISABLED', true),
    // Only signed-in users, and only the ones an administrator or the identity provider lets in.
    value('GF_AUTH_ANONYMOUS_ENABLED', false),
    value('GF_USERS_ALLOW_SIGN_UP', false),
    value('GF_SECURITY_ADMIN_USER', props.adminUser ?? DEFAULT_GRAFANA.adminUser),
    fromSecret('GF_SECURITY_ADMIN_PASSWORD', adminSecret, GRAFANA_ADMIN_PASSWORD_KEY),
    // The root filesystem is read-only: logs go to stdout only.
    value('GF_LOG_MODE', 'console'),
  ];
  if (ing) {
    const https = ing.tls.source !== 'none';
    env.push(value('GF_SERVER_ROOT_URL', `${https ? 'https' : 'http'}://${ing.host}/`));
    if (https) env.push(value('GF_SECURITY_COOKIE_SECURE', true));
  }
  const auth = props.auth;
  if (auth?.type === 'oidc') {
    const oauth = (k: string, v: string | boolean) => value(`GF_AUTH_GENERIC_OAUTH_${k}`, v);
    const secret = 'credential' in auth.clientSecret ? { name: GRAFANA_OAUTH_SECRET, key: GRAFANA_OAUTH_CLIENT_SECRET_KEY } : auth.clientSecret;
    env.push(
      oauth('ENABLED', true),
      oauth('NAME', auth.name),
      oauth('CLIENT_ID', auth.clientId),
      fromSecret('GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET', secret.name, secret.key),
      oauth('SCOPES', auth.scopes.join(' ')),
      oauth('AUTH_URL', auth.authUrl),
      oauth('TOKEN_URL', auth.tokenUrl),
      oauth('API_URL', auth.apiUrl),
      oauth('USE_PKCE', auth.usePkce),
      oauth('ALLOW_SIGN_UP', auth.allowSignUp),
      oauth('AUTO_LOGIN', auth.autoLogin),
      oauth('ROLE_ATTRIBUTE_STRICT', auth.roleAttributeStrict),
      ...(auth.roleAttributePath ? [oauth('ROLE_ATTRIBUTE_PATH', auth.roleAttributePath)] : []),
      ...(auth.groupsAttributePath ? [oauth('GROUPS_ATTRIBUTE_PATH', auth.groupsAttributePath)] : []),
      ...(auth.allowedGroups.length ? [oauth('ALLOWED_GROUPS', auth.allowedGroups.join(' '))] : []),
      ...(auth.allowedDomains.length ? [oauth('ALLOWED_DOMAINS', auth.allowedDomains.join(' '))] : []),
      value('GF_AUTH_DISABLE_LOGIN_FORM', auth.disableLoginForm),
    );
  }
  return env;
}

/** Datasource ConfigMap, Deployment, Service, optional PersistentVolumeClaim, Ingress and ServiceMonitor. */
export class Grafana extends Construct {
  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const replicas = props.replicas ?? DEFAULT_GRAFANA.replicas;
    const selector = selectorLabels(GRAFANA_NAME);
    const objectMeta = (annotations?: Record<string, string>) => meta(GRAFANA_NAME, COMPONENT, { namespace, annotations });

    const datasources = grafanaDatasources({
      url: props.datasourceUrl,
      partialResponse: props.partialResponse ?? QUERIER_PARTIAL_RESPONSE,
      scrapeInterval: props.scrapeInterval ?? DEFAULT_STACK.prometheus.scrapeInterval,
      alertmanagers: props.alertmanagers ?? [],
      localAlertmanagerUrl: props.localAlertmanagerUrl,
    });
    new k8s.KubeConfigMap(this, 'datasources', {
      metadata: meta(GRAFANA_DATASOURCES_CONFIGMAP, COMPONENT, { namespace, app: GRAFANA_NAME }),
      data: { [GRAFANA_DATASOURCES_KEY]: datasources },
    });

    const persistence = props.persistence;
    if (persistence) {
      new k8s.KubePersistentVolumeClaim(this, 'data', {
        metadata: objectMeta(),
        spec: {
          accessModes: ['ReadWriteOnce'],
          resources: { requests: { storage: k8s.Quantity.fromString(persistence.size) } },
          ...(persistence.storageClassName ? { storageClassName: persistence.storageClassName } : {}),
        },
      });
    }

    const dashboards = props.dashboards ?? [];
    const volumes: k8s.Volume[] = [
      persistence ? { name: 'data', persistentVolumeClaim: { claimName: GRAFANA_NAME } } : { name: 'data', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
      { name: 'datasources', configMap: { name: GRAFANA_DATASOURCES_CONFIGMAP } },
      { name: 'dashboard-provider', configMap: { name: GRAFANA_DASHBOARD_PROVIDER_CONFIGMAP } },
      // One folder of every dashboard's file; the kubelet delivers changed ConfigMaps to a projected volume too.
      dashboards.length
        ? { name: 'dashboards', projected: { sources: dashboards.map((d) => ({ configMap: { name: dashboardConfigMapName(d) } })) } }
        : { name: 'dashboards', emptyDir: {} },
    ];
    const probe = httpProbe('/api/health', 'http');
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: objectMeta(),
      spec: {
        replicas,
        // A ReadWriteOnce volume cannot be attached to the new pod while the old one holds it.
        ...(persistence ? { strategy: { type: 'Recreate' } } : {}),
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: podLabels(GRAFANA_NAME, COMPONENT),
            // Grafana reads its datasources at start only: a changed file rolls the pods.
            annotations: { 'checksum/datasources': createHash('sha256').update(datasources).digest('hex') },
          },
          spec: {
            automountServiceAccountToken: false,
            securityContext: nonRootPod(GRAFANA_UID),
            ...podPlacement(props.placement, DEFAULT_GRAFANA.placement, props.imagePullSecrets),
            affinity: softAntiAffinity(selector),
            containers: [
              {
                name: GRAFANA_NAME,
                image: image('docker.io/grafana/grafana', props.version ?? DEFAULT_VERSIONS.grafana, props.imageRegistry),
                ports: [{ name: 'http', containerPort: GRAFANA_PORT, protocol: 'TCP' }],
                env: grafanaEnv(props),
                // Database migrations at the first start can take a while: liveness waits for the first success.
                startupProbe: { ...httpProbe('/api/health', 'http', 5), failureThreshold: 60 },
                livenessProbe: probe,
                readinessProbe: probe,
                resources: coreResources(props.resources ?? DEFAULT_GRAFANA.resources),
                securityContext: RESTRICTED_CONTAINER,
                volumeMounts: [
                  { name: 'data', mountPath: DATA },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'datasources', mountPath: `${PROVISIONING}/datasources`, readOnly: true },
                  { name: 'dashboard-provider', mountPath: `${PROVISIONING}/dashboards`, readOnly: true },
                  { name: 'dashboards', mountPath: GRAFANA_DASHBOARDS_MOUNT, readOnly: true },
                ],
              },
            ],
            volumes,
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: objectMeta(),
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'http', port: GRAFANA_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    if (props.monitorSelector) {
      stackServiceMonitor(this, 'monitor', {
        namespace,
        monitorSelector: props.monitorSelector,
        name: GRAFANA_NAME,
        component: COMPONENT,
        app: GRAFANA_NAME,
        selector: commonLabels(GRAFANA_NAME, COMPONENT),
        endpoints: [{ port: 'http' }],
      });
    }

    const ing = props.ingress;
    if (ing) {
      // Each replica keeps its own sessions: a browser must come back to the replica it signed in on.
      const sticky: Record<string, string> = replicas > 1 && ing.className === NGINX_CLASS ? { [`${NGINX_ANNOTATIONS}/affinity`]: 'cookie' } : {};
      new k8s.KubeIngress(this, 'ingress', {
        // The fleet file's annotations win, as everywhere.
        metadata: objectMeta({ ...ingressAnnotations({ ...ing, auth: { type: 'none' } }), ...sticky, ...(ing.annotations ?? {}) }),
        spec: {
          ingressClassName: ing.className,
          rules: [
            {
              host: ing.host,
              http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: GRAFANA_NAME, port: { name: 'http' } } } }] },
            },
          ],
          tls: ing.tls.source === 'none' ? undefined : [{ hosts: [ing.host], secretName: ing.tls.secretName }],
        },
      });
    }
  }
}
