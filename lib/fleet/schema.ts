// The fleet file's schema: the single source for validation, the committed JSON Schema
// (fleet.schema.json, for editors) and the README reference. Every object is strict:
// a typo must fail loudly instead of being ignored.
import { z } from 'zod';
import { DEFAULT_PKI } from './defaults';

// ---------- reusable field types (each message says what would fix it) ----------

export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
    message: 'must be a DNS-1123 label: lowercase letters, digits and "-", 1-63 characters, starting and ending with a letter or digit',
  });

export const dnsName = z
  .string()
  .max(253, { message: 'must be a DNS name of at most 253 characters' })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, {
    message: 'must be a DNS name: dot-separated lowercase labels of letters, digits and "-" (e.g. "thanos.eu-west-1.example.com")',
  });

/** A DNS name that may start with one "*." wildcard label (certificate SANs). */
export const sanDnsName = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, {
    message: 'must be a DNS name, optionally starting with "*." (e.g. "*.sidecar.example.com")',
  });

export const ipAddress = z.union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address, e.g. "10.0.0.12"' });

export const cidr = z.union([z.cidrv4(), z.cidrv6()], { message: 'must be a CIDR range, e.g. "10.0.0.0/8"' });

export const port = z
  .number({ message: 'must be a port number (an integer from 1 to 65535)' })
  .int({ message: 'must be a whole port number from 1 to 65535' })
  .min(1, { message: 'must be a port number from 1 to 65535' })
  .max(65535, { message: 'must be a port number from 1 to 65535' });

/** Kubernetes label key: optional DNS prefix + "/" + name of at most 63 characters. */
export const labelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
    message: 'must be a Kubernetes label key: an optional DNS prefix and "/", then 1-63 letters, digits, "-", "_" or "." starting and ending alphanumeric',
  });

export const labelValue = z
  .string({ message: 'must be a string; quote it in YAML (e.g. "true")' })
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, {
    message: 'must be a Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric',
  });

/** Prometheus external label names follow the Prometheus label-name syntax. */
export const promLabelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { message: 'must be a Prometheus label name: letters, digits and "_", not starting with a digit (e.g. "region")' });

export const duration = z
  .string({ message: 'must be a Prometheus duration such as "30s", "15d" or "1h30m" (a number needs its unit)' })
  .regex(/^(\d+(ms|s|m|h|d|w|y))+$/, { message: 'must be a Prometheus duration such as "30s", "15d" or "1h30m"' });

export const quantity = z
  .string({ message: 'must be a Kubernetes quantity string such as "500m", "1Gi" or "50Gi"' })
  .regex(/^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/, { message: 'must be a Kubernetes quantity such as "500m", "1Gi" or "50Gi"' });

// Every upstream image tag and release (and the operator's CRD URL) starts with "v": "3.5.0" would not pull.
export const version = z
  .string()
  .regex(/^v\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, { message: 'must be an upstream release tag such as "v3.5.0" (with the leading "v")' });

const resources = z.strictObject({
  requests: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
});

export const secretKeyRef = z.strictObject({
  name: dnsName.describe('Name of a Secret you manage in the same namespace'),
  key: z.string().regex(/^[-._a-zA-Z0-9]+$/, { message: 'must be a Secret data key: letters, digits, "-", "_" or "."' }).describe('Key inside that Secret'),
});

const labels = z.record(labelKey, labelValue);

// ---------- stack settings: fleet-wide `defaults`, overridable per cluster ----------

const versions = z.strictObject({
  prometheusOperator: version.optional().describe('Prometheus Operator and config-reloader image tag'),
  prometheus: version.optional().describe('Prometheus image tag'),
  alertmanager: version.optional().describe('Alertmanager image tag'),
  thanos: version.optional().describe('Thanos image tag (sidecar, querier, store gateway)'),
  nodeExporter: version.optional().describe('node-exporter image tag'),
  kubeStateMetrics: version.optional().describe('kube-state-metrics image tag'),
});

const prometheusSettings = z.strictObject({
  replicas: z.number().int().min(1).max(10).optional().describe('Prometheus replicas (HA pair by default)'),
  retention: duration.optional().describe('Local TSDB retention'),
  retentionSize: z.string().regex(/^\d+(B|KB|MB|GB|TB|PB|EB)$/, { message: 'must be a size such as "40GB"' }).optional(),
  scrapeInterval: duration.optional(),
  evaluationInterval: duration.optional(),
  replicaLabel: promLabelName.optional().describe('External label that tells HA replicas apart; the Querier deduplicates on it'),
  storage: z
    .strictObject({
      size: quantity.describe('PersistentVolumeClaim size per replica'),
      storageClassName: dnsName.optional().describe('StorageClass; the cluster default when omitted'),
    })
    .nullable()
    .optional()
    .describe('Persistent storage per replica; null for emptyDir (data lost on restart)'),
  resources: resources.optional(),
});

const alertmanagerReceiver = z.strictObject({
  name: z.string().min(1, { message: 'must be a non-empty receiver name' }),
  slack: z
    .strictObject({ channel: z.string().min(1), apiUrl: secretKeyRef.describe('Secret holding the Slack webhook URL') })
    .optional(),
  webhook: z.strictObject({ url: secretKeyRef.describe('Secret holding the webhook URL') }).optional(),
  pagerduty: z.strictObject({ routingKey: secretKeyRef.describe('Secret holding the PagerDuty integration key') }).optional(),
  email: z
    .strictObject({
      to: z.email({ message: 'must be an e-mail address' }),
      from: z.email({ message: 'must be an e-mail address' }),
      smarthost: z.string().regex(/^[^\s:]+:\d+$/, { message: 'must be host:port, e.g. "smtp.example.com:587"' }),
      authUsername: z.string().optional(),
      authPassword: secretKeyRef.optional().describe('Secret holding the SMTP password'),
    })
    .optional(),
});

// Alertmanager matcher syntax: label, operator (=, !=, =~, !~), then a quoted or bare value.
const matcher = z
  .string()
  .regex(/^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*("([^"\\]|\\.)*"|[^\s"{},]*)\s*$/, {
    message: 'must be a matcher such as severity="critical" (label, one of = != =~ !~, value)',
  });

const alertmanagerRoute: z.ZodType<AlertmanagerRouteInput> = z.lazy(() =>
  z.strictObject({
    receiver: z.string().optional(),
    groupBy: z.array(z.string()).optional(),
    matchers: z.array(matcher).optional(),
    continue: z.boolean().optional(),
    groupWait: duration.optional(),
    groupInterval: duration.optional(),
    repeatInterval: duration.optional(),
    routes: z.array(alertmanagerRoute).optional(),
  }),
);
export interface AlertmanagerRouteInput {
  receiver?: string;
  groupBy?: string[];
  matchers?: string[];
  continue?: boolean;
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  routes?: AlertmanagerRouteInput[];
}

const alertmanagerSettings = z.strictObject({
  enabled: z.boolean().optional(),
  replicas: z.number().int().min(1).max(10).optional(),
  resources: resources.optional(),
  route: alertmanagerRoute.optional().describe('Root route; defaults route Watchdog to the "null" receiver'),
  receivers: z.array(alertmanagerReceiver).optional(),
  inhibitRules: z
    .array(
      z.strictObject({
        sourceMatchers: z.array(matcher),
        targetMatchers: z.array(matcher),
        equal: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const toggle = z.strictObject({ enabled: z.boolean().optional() });
/** A component that can be switched off, with the resources of its main container. */
const component = toggle.extend({ resources: resources.optional() });

export const stackSettings = z.strictObject({
  namespace: dnsLabel.optional().describe('Namespace of the monitoring stack'),
  imageRegistry: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, { message: 'must be a registry host with an optional path, e.g. "mirror.example.com/quay"' })
    .optional()
    .describe('Registry mirror that replaces quay.io / registry.k8s.io in every image'),
  versions: versions.optional(),
  monitorSelector: labels.optional().describe('Labels a ServiceMonitor/PodMonitor/PrometheusRule/Probe must carry to be picked up'),
  operator: component.optional().describe('Render the Prometheus Operator; switch off where one already runs'),
  prometheus: prometheusSettings.optional(),
  alertmanager: alertmanagerSettings.optional(),
  nodeExporter: component.optional().describe('node-exporter DaemonSet on every node'),
  kubeStateMetrics: component.optional().describe('kube-state-metrics Deployment'),
  kubelet: toggle.optional().describe('Scrape kubelet and cAdvisor'),
  rules: toggle.optional().describe('Render the built-in alert rules'),
});

// ---------- per-cluster sections ----------

const endpoint = z.strictObject({
  host: dnsName.describe('DNS name you own that resolves to the sidecar Service (the load balancer)'),
  port: port.optional().describe('gRPC port the observer dials'),
});

const serviceExposure = z.strictObject({
  type: z.enum(['LoadBalancer', 'NodePort', 'ClusterIP']).optional(),
  loadBalancer: z
    .strictObject({
      scope: z.enum(['internal', 'external']).optional().describe('internal: private network only'),
      provider: z.enum(['aws', 'gcp', 'azure', 'none']).optional().describe('Cloud whose load-balancer annotations are rendered'),
    })
    .optional(),
  sourceRanges: z.array(cidr).optional().describe('loadBalancerSourceRanges: CIDRs allowed to reach the sidecar'),
  annotations: z.record(z.string(), z.string()).optional().describe('Extra Service annotations'),
});

const ingress = z.strictObject({
  host: dnsName,
  className: dnsName.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const thanosSidecar = z.strictObject({
  endpoint,
  service: serviceExposure.optional(),
  ingress: ingress.optional().describe('Ingress for the sidecar gRPC port; needs TLS passthrough (see README)'),
  extraSANs: z
    .strictObject({ dnsNames: z.array(sanDnsName).optional(), ipAddresses: z.array(ipAddress).optional() })
    .optional()
    .describe('More names/IPs for the sidecar certificate'),
  objectStorage: secretKeyRef.optional().describe('Secret with the Thanos objstore config; the sidecar uploads blocks'),
  listenLocal: z.boolean().optional().describe('Bind gRPC to 127.0.0.1 only; an observer cannot reach such a sidecar'),
});

// Kubernetes port names (IANA_SVC_NAME). A quoted number passes a plain string check but names no port:
// the monitor would silently scrape nothing.
const portName = z
  .string({ message: 'must be the name of the port (e.g. "metrics"), not its number' })
  .regex(/^(?!.*--)(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/, {
    message: 'must be the name of the port (e.g. "metrics"): 1-15 lowercase letters, digits and "-", with at least one letter; a port number names no port',
  });

const monitorEndpoint = z.strictObject({
  port: portName.describe('Name of the Service/container port'),
  path: z.string().startsWith('/', { message: 'must be an HTTP path starting with "/"' }).optional(),
  interval: duration.optional(),
  scheme: z.enum(['http', 'https']).optional(),
});

const appMonitor = z.strictObject({
  name: dnsLabel,
  namespace: dnsLabel,
  selector: labels.describe('matchLabels of the Service (serviceMonitors) or Pods (podMonitors) to scrape'),
  endpoints: z.array(monitorEndpoint).min(1, { message: 'must list at least one endpoint' }),
});

const storeAddress = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/, {
    message:
      'must be host:port of a StoreAPI, e.g. "thanos-ruler.monitoring.svc:10901" (no dns+/dnssrv+ prefix: Thanos applies per-endpoint TLS only to static addresses)',
  })
  .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) >= 1 && Number(a.slice(a.lastIndexOf(':') + 1)) <= 65535, {
    message: 'must end in a port number from 1 to 65535',
  });

const querier = z.strictObject({
  replicas: z.number().int().min(1).max(10).optional().describe('Querier replicas'),
  resources: resources.optional(),
  ingress: ingress
    .extend({ tlsSecretName: dnsName.optional().describe('kubernetes.io/tls Secret for the Ingress host (e.g. made by cert-manager)') })
    .optional()
    .describe('Ingress for the Querier UI/API'),
  storeGateway: z
    .strictObject({
      objectStorage: secretKeyRef.describe('Secret with the Thanos objstore config'),
      replicas: z.number().int().min(1).max(10).optional(),
      resources: resources.optional(),
      storage: z
        .strictObject({ size: quantity, storageClassName: dnsName.optional() })
        .optional()
        .describe('PersistentVolumeClaim per replica for the index cache; emptyDir when omitted'),
      tls: z.boolean().optional().describe('Serve gRPC with mTLS from the fleet PKI (default true)'),
    })
    .optional()
    .describe('Thanos Store Gateway for long-term data'),
  extraStores: z
    .array(
      z
        .strictObject({
          address: storeAddress.describe('host:port the Querier dials'),
          tls: z.boolean({ message: 'must be true or false: say whether this store serves mTLS with a certificate from the fleet CA' }),
          serverName: dnsName.optional().describe('Name to verify in the store certificate; defaults to the address host'),
        })
        .refine((s) => s.tls || s.serverName === undefined, { message: 'serverName needs tls: true', path: ['serverName'] }),
    )
    .optional()
    .describe('More StoreAPIs reachable from the observer, e.g. a Thanos Ruler'),
});

const cluster = z.strictObject({
  name: dnsLabel.describe('Cluster name; also the `cluster` external label and the dist/ folder'),
  roles: z
    .array(z.enum(['observer', 'workload'], { message: 'must be "observer" or "workload"' }))
    .min(1, { message: 'must list at least one role: observer, workload' })
    .describe('observer: runs the Thanos Querier; workload: runs Prometheus + sidecar'),
  externalLabels: z.record(promLabelName, labelValue).optional().describe('Prometheus external labels; `cluster` defaults to the cluster name'),
  thanos: thanosSidecar.optional().describe('How the observer reaches this workload cluster\'s sidecar (workload clusters)'),
  querier: querier.optional().describe('Observer settings'),
  serviceMonitors: z.array(appMonitor).optional().describe('Application ServiceMonitors (the seed\'s apache-exporter)'),
  podMonitors: z.array(appMonitor).optional().describe('Application PodMonitors (pods without a Service, e.g. Kafka)'),
  argocd: z
    .strictObject({
      server: z
        .url({ protocol: /^https$/, message: 'must be the https URL of the cluster API server as registered in Argo CD, e.g. "https://kubernetes.default.svc"' })
        .optional()
        .describe('API server URL of the cluster as registered in Argo CD'),
      name: z.string().min(1, { message: 'must be the cluster name registered in Argo CD' }).optional().describe('Cluster name as registered in Argo CD'),
    })
    .refine((d) => !(d.server && d.name), { message: 'set either server or name, not both (Argo CD rejects a destination with both)', path: ['name'] })
    .optional()
    .describe('Argo CD destination of this cluster\'s Applications; default: the cluster registered in Argo CD under this cluster\'s name'),
  sealedSecrets: z
    .strictObject({
      certificate: z.string().min(1).describe('Path (relative to the fleet file) to the controller\'s public certificate PEM'),
      scope: z.enum(['strict', 'namespace-wide', 'cluster-wide']).optional(),
    })
    .optional()
    .describe('Render key material as SealedSecrets instead of git-ignored Secrets'),
  overrides: stackSettings.optional().describe('Per-cluster overrides of `defaults`'),
});

const days = (min: number) =>
  z.number({ message: 'must be a whole number of days' }).int({ message: 'must be a whole number of days' }).min(min, { message: `must be at least ${min} days` });

const pki = z
  .strictObject({
    dir: z.string().min(1).optional().describe('PKI store folder, relative to the fleet file (env PROMFLEET_PKI_DIR wins)'),
    renewBeforeDays: days(1).optional().describe('Re-issue a certificate when it expires within this many days (default 30)'),
    caValidityDays: days(30).optional().describe('Validity of a new CA (default 3650)'),
    leafValidityDays: days(2).optional().describe('Validity of sidecar, Querier and Store Gateway certificates (default 365)'),
    intermediate: z.boolean().optional().describe('Issue leaves from an intermediate CA signed by the root; changing it on an existing store needs a CA rotation'),
    organization: z.string().min(1).optional().describe('Subject O of every certificate (default "promfleet")'),
  })
  // A window as long as the validity would re-issue every certificate at every synth.
  .refine((p) => (p.renewBeforeDays ?? DEFAULT_PKI.renewBeforeDays) < (p.leafValidityDays ?? DEFAULT_PKI.leafValidityDays), {
    path: ['renewBeforeDays'],
    message: `must be smaller than pki.leafValidityDays (default ${DEFAULT_PKI.leafValidityDays}), or every synth would re-issue every certificate`,
  });

const gitops = z.strictObject({
  repoURL: z
    .string()
    .regex(/^(https?:\/\/|ssh:\/\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)\S+$/, {
      message: 'must be the Git URL Argo CD pulls from, e.g. "https://github.com/acme/gitops.git" or "git@github.com:acme/gitops.git"',
    })
    .describe('Git repository that holds the committed dist/'),
  targetRevision: z.string().min(1, { message: 'must be a branch, tag or commit, e.g. "main"' }).optional().describe('Branch, tag or commit Argo CD syncs'),
  pathPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._/-]*$/, { message: 'must be a folder path such as "dist" or "monitoring/dist"' })
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
      message: 'must be relative to the repository root, without a leading "/" or "..", e.g. "dist"',
    })
    .optional()
    .describe('Folder of dist/ inside that repository ("" when dist/ is the repository root)'),
  argocdNamespace: dnsLabel.optional().describe('Namespace Argo CD runs in; the Applications go there'),
  project: dnsName.optional().describe('Argo CD project of every Application'),
  name: dnsLabel.optional().describe('Name of the app-of-apps and prefix of every Application name'),
  automated: z
    .strictObject({
      prune: z.boolean().optional().describe('Delete objects that disappear from dist/ (never applied to CRDs)'),
      selfHeal: z.boolean().optional().describe('Revert changes made in the cluster by hand'),
    })
    .nullable()
    .optional()
    .describe('Automated sync; null for manual sync'),
});

export const fleetSchema = z.strictObject({
  defaults: stackSettings.optional().describe('Fleet-wide settings; each cluster may override them'),
  pki: pki.optional(),
  gitops: gitops.optional().describe('Argo CD Applications for the fleet, rendered into dist/_argocd/'),
  clusters: z.array(cluster).min(1, { message: 'must list at least one cluster' }).describe('The clusters of the fleet, at least one observer and one workload'),
});

export type FleetInput = z.input<typeof fleetSchema>;
export type Fleet = z.output<typeof fleetSchema>;
export type ClusterInput = Fleet['clusters'][number];
export type StackSettingsInput = z.output<typeof stackSettings>;
