// The fleet file's schema: the single source for validation, the committed JSON Schema
// (fleet.schema.json, for editors) and docs/fleet-reference.md. Every object is strict:
// a typo must fail loudly instead of being ignored.
//
// Each field's description and, where one exists, its default go into the JSON Schema through
// `.meta()`. The defaults are the constants of ./defaults, the same ones the model merges under the
// fleet file. They are annotations only: zod's `.default()` would fill a value in while parsing, and
// a value filled into a cluster's `overrides` would then win over the fleet-wide `defaults`.
// A default that depends on other settings is described in words, in a last sentence "Default: ...".
import { z } from 'zod';
import {
  DEFAULT_GITOPS,
  DEFAULT_PKI,
  DEFAULT_CONTROL_PLANE_EXCLUDE,
  DEFAULT_GRAFANA,
  DEFAULT_GRAFANA_INGRESS,
  DEFAULT_GRAFANA_OIDC,
  DEFAULT_PLATFORM,
  DEFAULT_QUERIER,
  DEFAULT_QUERIER_INGRESS,
  DEFAULT_QUERY_FRONTEND,
  DEFAULT_DEAD_MANS_SWITCH,
  DEFAULT_ROOT_ROUTE,
  DEFAULT_COMPACTOR,
  DEFAULT_SEALED_SECRETS,
  DEFAULT_SELF_MONITORING,
  DEFAULT_SIDECAR,
  DEFAULT_STACK,
  DEFAULT_SIDECAR_PROBES,
  DEFAULT_THANOS_RULER,
  DEFAULT_STORE_GATEWAY,
  DEFAULT_VERSIONS,
  NULL_RECEIVER,
  Placement,
  Resources,
  RETENTION_SIZE_SHARE,
} from './defaults';
import { EXCLUDABLE_TARGETS, PLATFORMS } from './platforms';

/** JSON Schema annotations of a field: what it means and, when there is one, its default. */
const about = (description: string, value?: unknown): { description: string; default?: unknown } =>
  value === undefined ? { description } : { description, default: value };

// ---------- reusable field types (each message says what would fix it) ----------
// Each has a title, which editors and docs/fleet-reference.md show as the field's type.

export const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
    message: 'must be a DNS-1123 label: lowercase letters, digits and "-", 1-63 characters, starting and ending with a letter or digit',
  })
  .meta({ title: 'DNS label', description: 'Lowercase letters, digits and "-", 1 to 63 characters, starting and ending with a letter or digit.' });

export const dnsName = z
  .string()
  .max(253, { message: 'must be a DNS name of at most 253 characters' })
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, {
    message: 'must be a DNS name: dot-separated lowercase labels of letters, digits and "-" (e.g. "thanos.eu-west-1.example.com")',
  })
  .meta({ title: 'DNS name', description: 'Dot-separated DNS labels, at most 253 characters, e.g. "thanos.eu-west-1.example.com".' });

/** A DNS name that may start with one "*." wildcard label (certificate SANs). */
export const sanDnsName = z
  .string()
  .regex(/^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/, {
    message: 'must be a DNS name, optionally starting with "*." (e.g. "*.sidecar.example.com")',
  })
  .meta({ title: 'DNS name or wildcard', description: 'A DNS name that may start with one "*." label, e.g. "*.sidecar.example.com".' });

/** Placeholder of a sidecar host pattern that stands for the replica number (0, 1, ...). */
export const REPLICA_PLACEHOLDER = '{replica}';

const DNS_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/** A DNS name in which `{replica}` may stand for the replica number. */
export const hostPattern = z
  .string()
  .refine((v) => v.length <= 253 && DNS_NAME.test(v.split(REPLICA_PLACEHOLDER).join('0')), {
    message: 'must be a DNS name in which "{replica}" may stand for the replica number (e.g. "sidecar-{replica}.eu-west-1.example.com")',
  })
  .meta({
    title: 'DNS name pattern',
    description: 'A DNS name in which "{replica}" stands for the replica number 0, 1, ..., e.g. "sidecar-{replica}.eu-west-1.example.com".',
  });

export const ipAddress = z
  .union([z.ipv4(), z.ipv6()], { message: 'must be an IPv4 or IPv6 address, e.g. "10.0.0.12"' })
  .meta({ title: 'IP address', description: 'An IPv4 or IPv6 address, e.g. "10.0.0.12".' });

export const cidr = z
  .union([z.cidrv4(), z.cidrv6()], { message: 'must be a CIDR range, e.g. "10.0.0.0/8"' })
  .meta({ title: 'CIDR range', description: 'An IPv4 or IPv6 address range, e.g. "10.0.0.0/8".' });

export const port = z
  .number({ message: 'must be a port number (an integer from 1 to 65535)' })
  .int({ message: 'must be a whole port number from 1 to 65535' })
  .min(1, { message: 'must be a port number from 1 to 65535' })
  .max(65535, { message: 'must be a port number from 1 to 65535' })
  .meta({ title: 'port', description: 'A TCP port number, from 1 to 65535.' });

/** Kubernetes label key: optional DNS prefix + "/" + name of at most 63 characters. */
export const labelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
    message: 'must be a Kubernetes label key: an optional DNS prefix and "/", then 1-63 letters, digits, "-", "_" or "." starting and ending alphanumeric',
  })
  .meta({
    title: 'label key',
    description:
      'A Kubernetes label key: an optional DNS prefix and "/", then 1 to 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit.',
  });

export const labelValue = z
  .string({ message: 'must be a string; quote it in YAML (e.g. "true")' })
  .regex(/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/, {
    message: 'must be a Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", starting and ending alphanumeric',
  })
  .meta({
    title: 'label value',
    description:
      'A Kubernetes label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit. Quote "true" and numbers in YAML.',
  });

/** Prometheus external label names follow the Prometheus label-name syntax. */
export const promLabelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, { message: 'must be a Prometheus label name: letters, digits and "_", not starting with a digit (e.g. "region")' })
  .meta({ title: 'Prometheus label name', description: 'Letters, digits and "_", not starting with a digit, e.g. "region".' });

export const duration = z
  .string({ message: 'must be a Prometheus duration such as "30s", "15d" or "1h30m" (a number needs its unit)' })
  .regex(/^(\d+(ms|s|m|h|d|w|y))+$/, { message: 'must be a Prometheus duration such as "30s", "15d" or "1h30m"' })
  .meta({ title: 'duration', description: 'A Prometheus duration: numbers with the units ms, s, m, h, d, w or y, e.g. "30s", "15d" or "1h30m".' });

export const quantity = z
  .string({ message: 'must be a Kubernetes quantity string such as "500m", "1Gi" or "50Gi"' })
  .regex(/^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/, { message: 'must be a Kubernetes quantity such as "500m", "1Gi" or "50Gi"' })
  .meta({ title: 'quantity', description: 'A Kubernetes quantity, written as a string, e.g. "500m", "1Gi" or "50Gi".' });

// Every upstream image tag and release (and the operator's CRD URL) starts with "v": "3.5.0" would not pull.
export const version = z
  .string()
  .regex(/^v\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, { message: 'must be an upstream release tag such as "v3.5.0" (with the leading "v")' })
  .meta({ title: 'version', description: 'An upstream release tag with its leading "v", e.g. "v3.5.0".' });

// Alertmanager matcher syntax: label, operator (=, !=, =~, !~), then a quoted or bare value.
export const matcher = z
  .string()
  .regex(/^\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=~|!~|!=|=)\s*("([^"\\]|\\.)*"|[^\s"{},]*)\s*$/, {
    message: 'must be a matcher such as severity="critical" (label, one of = != =~ !~, value)',
  })
  .meta({ title: 'matcher', description: 'An Alertmanager matcher: a label name, one of = != =~ !~, and a value, e.g. severity="critical".' });

// Kubernetes port names (IANA_SVC_NAME). A quoted number passes a plain string check but names no port:
// the monitor would silently scrape nothing.
export const portName = z
  .string({ message: 'must be the name of the port (e.g. "metrics"), not its number' })
  .regex(/^(?!.*--)(?=.*[a-z])[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/, {
    message: 'must be the name of the port (e.g. "metrics"): 1-15 lowercase letters, digits and "-", with at least one letter; a port number names no port',
  })
  .meta({
    title: 'port name',
    description: 'The name of a port, e.g. "metrics": 1 to 15 lowercase letters, digits and "-", with at least one letter. A port number names no port.',
  });

export const storeAddress = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/, {
    message:
      'must be host:port of a StoreAPI, e.g. "thanos-ruler.monitoring.svc:10901" (no dns+/dnssrv+ prefix: Thanos applies per-endpoint TLS only to static addresses)',
  })
  .refine((a) => Number(a.slice(a.lastIndexOf(':') + 1)) >= 1 && Number(a.slice(a.lastIndexOf(':') + 1)) <= 65535, {
    message: 'must end in a port number from 1 to 65535',
  })
  .meta({
    title: 'store address',
    description:
      'host:port of a Thanos StoreAPI, e.g. "thanos-ruler.monitoring.svc:10901". No "dns+" or "dnssrv+" prefix: Thanos applies per-endpoint TLS only to static addresses.',
  });

export const secretKeyRef = z
  .strictObject({
    name: dnsName.describe('Name of a Secret you manage in the same namespace'),
    key: z
      .string()
      .regex(/^[-._a-zA-Z0-9]+$/, { message: 'must be a Secret data key: letters, digits, "-", "_" or "."' })
      .describe('Key inside that Secret'),
  })
  .meta({
    title: 'Secret key reference',
    description:
      '{name, key}: a key of a Secret you create and manage yourself in the stack namespace. promfleet renders a reference to it, never its content.',
  });

/** Name of a credential in the secret store (`promfleet credential set <name>`): also its key in the rendered Secret. */
export const credentialName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: 'must be a credential name of lowercase letters, digits and "-", e.g. "slack-ops"' })
  .meta({ title: 'credential name', description: 'Name of a credential in the secret store, e.g. "slack-ops": set it with promfleet credential set <name>.' });

// A receiver credential comes from the secret store (rendered into the git-ignored secrets/, or sealed), or
// from a Secret the user manages; the fleet file never holds the value.
const storeCredential = z
  .strictObject({ credential: credentialName.describe('Credential of the secret store; promfleet renders it into a Secret outside the committed tree') })
  .meta({ title: 'store credential', description: '{credential}: a credential promfleet keeps in its secret store (promfleet credential set <name>).' });

/** Ends the message of a field that takes where a credential is kept: the input, perhaps the credential, is not echoed. */
export const NOT_A_VALUE = 'never the value itself';

// ---------- object storage: the buckets of the fleet, in Thanos objstore terms ----------
// A bucket's `config` keeps the field names of Thanos' objstore configuration (github.com/thanos-io/objstore,
// providers/<type>), so that its documentation applies as it is; credentials never appear in it.

/** The name of a bucket of `buckets`; it also names the bucket's Secret, thanos-objstore-<name>. */
export const bucketName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/, { message: 'must be a bucket name of buckets: lowercase letters, digits and "-", at most 40 characters' })
  .meta({ title: 'bucket name', description: 'The name of an entry of buckets, e.g. "metrics": lowercase letters, digits and "-", at most 40 characters.' });

// A key pasted where its credential's name belongs must not be echoed back (see NOT_A_VALUE).
const credentialOf = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
      message: `must be the name of a credential of the secret store (lowercase letters, digits and "-", e.g. "metrics-secret-key"; promfleet credential set <name>), ${NOT_A_VALUE}`,
    })
    .describe(`Name of the credential of the secret store that holds ${what} (promfleet credential set <name>)`);
const CREDENTIALS_MESSAGE = 'must be {source: store, ...} with the credential names of the secret store, or {source: workloadIdentity, ...}';
const CREDENTIALS_ABOUT = "How the pods that use the bucket sign in: keys of the secret store, or the cloud's workload identity; never a key in the fleet file";
const STORE = z.literal('store').describe('Keys kept in the secret store, by credential name');
const IDENTITY = z.literal('workloadIdentity').describe("No key: the cloud's workload identity");

const s3Bucket = z.strictObject({
  type: z.literal('s3'),
  config: z
    .strictObject({
      bucket: z.string().min(3, { message: 'must be the name of the S3 bucket' }).describe('Name of the S3 bucket'),
      endpoint: z
        .string()
        .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, { message: 'must be host[:port] without a scheme, e.g. "s3.eu-west-1.amazonaws.com"' })
        .describe('host[:port] of the S3 API, without a scheme, e.g. "s3.eu-west-1.amazonaws.com" or "minio.storage.svc:9000"'),
      region: z.string().min(1).optional().describe('The bucket\'s region, e.g. "eu-west-1". Default: found from the endpoint.'),
      insecure: z.boolean().optional().describe('Speak plain HTTP to the endpoint (an in-cluster MinIO, say). Default: false, HTTPS.'),
      bucket_lookup_type: z
        .enum(['auto', 'virtual-hosted', 'path'])
        .optional()
        .describe('How the bucket is addressed: path style for most S3-compatible stores. Default: auto.'),
      sse_config: z
        .strictObject({
          type: z.enum(['SSE-S3', 'SSE-KMS']).describe('Server-side encryption with keys S3 manages, or with a KMS key'),
          kms_key_id: z.string().min(1).optional().describe('The KMS key (SSE-KMS only)'),
        })
        .refine((c) => (c.type === 'SSE-KMS') === (c.kms_key_id !== undefined), {
          message: 'kms_key_id goes with type SSE-KMS, and only with it',
          path: ['kms_key_id'],
        })
        .optional()
        .describe("Server-side encryption of every object. Default: the bucket's own setting."),
    })
    .describe("The fields of Thanos' S3 configuration, by their objstore names; access_key and secret_key come from credentials"),
  credentials: z
    .discriminatedUnion(
      'source',
      [
        z.strictObject({ source: STORE, accessKey: credentialOf('the access key id'), secretKey: credentialOf('the secret access key') }),
        z.strictObject({
          source: IDENTITY,
          roleArn: z
            .string()
            .regex(/^arn:aws[-a-z]*:iam::\d{12}:role\/\S+$/, { message: 'must be the ARN of an IAM role, e.g. "arn:aws:iam::123456789012:role/thanos"' })
            .describe('The IAM role the pods assume (IRSA on EKS): the ServiceAccount annotation eks.amazonaws.com/role-arn'),
        }),
      ],
      { message: CREDENTIALS_MESSAGE },
    )
    .describe(CREDENTIALS_ABOUT),
});
const gcsBucket = z.strictObject({
  type: z.literal('gcs'),
  config: z
    .strictObject({ bucket: z.string().min(3, { message: 'must be the name of the GCS bucket' }).describe('Name of the GCS bucket') })
    .describe("The fields of Thanos' GCS configuration; service_account comes from credentials"),
  credentials: z
    .discriminatedUnion(
      'source',
      [
        z.strictObject({ source: STORE, serviceAccount: credentialOf('the JSON key of a Google service account, on one line (jq -c . key.json)') }),
        z.strictObject({
          source: IDENTITY,
          gcpServiceAccount: z
            .email({ message: 'must be the e-mail of a Google service account, e.g. "thanos@my-project.iam.gserviceaccount.com"' })
            .describe('The Google service account the pods act as (GKE workload identity): the ServiceAccount annotation iam.gke.io/gcp-service-account'),
        }),
      ],
      { message: CREDENTIALS_MESSAGE },
    )
    .describe(CREDENTIALS_ABOUT),
});
const azureBucket = z.strictObject({
  type: z.literal('azure'),
  config: z
    .strictObject({
      storage_account: z
        .string()
        .regex(/^[a-z0-9]{3,24}$/, { message: 'must be a storage account name: 3 to 24 lowercase letters and digits' })
        .describe('Name of the storage account'),
      container: z.string().min(3, { message: 'must be the name of the blob container' }).describe('Name of the blob container'),
      endpoint: z.string().min(1).optional().describe('Storage endpoint suffix, e.g. "blob.core.chinacloudapi.cn". Default: blob.core.windows.net.'),
    })
    .describe("The fields of Thanos' Azure configuration; storage_account_key comes from credentials"),
  credentials: z
    .discriminatedUnion(
      'source',
      [
        z.strictObject({ source: STORE, storageAccountKey: credentialOf('the access key of the storage account') }),
        z.strictObject({
          source: IDENTITY,
          clientId: z
            .uuid({ message: 'must be the client id (a UUID) of a managed identity or app registration' })
            .describe(
              'Client id of the identity the pods act as (Azure workload identity): the ServiceAccount annotation azure.workload.identity/client-id; the pods get the label azure.workload.identity/use: "true"',
            ),
        }),
      ],
      { message: CREDENTIALS_MESSAGE },
    )
    .describe(CREDENTIALS_ABOUT),
});
const filesystemBucket = z.strictObject({
  type: z.literal('filesystem'),
  config: z
    .strictObject({
      directory: z
        .string()
        .regex(/^\/\S*$/, { message: 'must be an absolute path, e.g. "/var/thanos/bucket"' })
        .describe('The folder that holds the blocks'),
    })
    .describe("The fields of Thanos' filesystem configuration"),
  persistentVolumeClaim: dnsName
    .optional()
    .describe(
      'A ReadWriteMany PersistentVolumeClaim you manage in the stack namespace, mounted at directory into every pod that uses the bucket, so that they share it. Only for a single cluster. Default: none, each pod has its own directory (tests only).',
    ),
});
const existingSecretBucket = z.strictObject({
  type: z.literal('existingSecret'),
  secret: secretKeyRef.describe(
    'The key of a Secret you manage in the stack namespace of every cluster that uses the bucket, holding a whole objstore configuration',
  ),
});

export const bucket = z
  .discriminatedUnion('type', [s3Bucket, gcsBucket, azureBucket, filesystemBucket, existingSecretBucket], {
    message: 'must have type s3, gcs, azure, filesystem or existingSecret',
  })
  .meta({
    title: 'bucket',
    description:
      '{type, config, credentials}: an object storage bucket in the terms of Thanos objstore (s3, gcs, azure, filesystem), or {type: existingSecret, secret: {name, key}} with a Secret you manage. docs/storage.md lists the fields of each type.',
  });

/** The shape of a container's resources; `d` holds that container's defaults. */
function resourcesShape(d: Resources = {}, container = 'the') {
  const pair = (kind: 'requests' | 'limits') =>
    z
      .strictObject({
        cpu: quantity.optional().meta(about(`CPU ${kind === 'requests' ? 'request' : 'limit'} of the ${container} container`, d[kind]?.cpu)),
        memory: quantity.optional().meta(about(`Memory ${kind === 'requests' ? 'request' : 'limit'} of the ${container} container`, d[kind]?.memory)),
      })
      .optional()
      .meta(about(`Resource ${kind} of the ${container} container`, d[kind]));
  return z.strictObject({ requests: pair('requests'), limits: pair('limits') }).meta({
    title: 'resources',
    description:
      '{requests: {cpu, memory}, limits: {cpu, memory}}, all four optional quantities. They merge key by key with the layers beneath, so setting one keeps the others.',
  });
}

/** A container's resources field, annotated with that container's defaults `d`. */
const resources = (d: Resources, container: string) =>
  resourcesShape(d, container)
    .optional()
    .meta(about(`Resources of the ${container} container`, d));

const toleration = z
  .strictObject({
    key: labelKey.optional().describe('Taint key to tolerate; left out, with operator Exists, every taint is tolerated'),
    operator: z.enum(['Exists', 'Equal']).optional().describe('Exists matches any value of the key; Equal only value. Default: Equal.'),
    value: labelValue.optional().describe('Taint value to tolerate (operator Equal only)'),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional().describe('Taint effect to tolerate. Default: every effect.'),
    tolerationSeconds: z
      .number()
      .int({ message: 'must be a whole number of seconds' })
      .min(0, { message: 'must be 0 or more seconds' })
      .optional()
      .describe('How long the pod stays on a node after a NoExecute taint appears (effect NoExecute only). Default: forever.'),
  })
  // The API server rejects these pods; say so before anything is rendered.
  .refine((t) => t.key !== undefined || t.operator === 'Exists', { message: 'a toleration without key must have operator: Exists', path: ['operator'] })
  .refine((t) => !(t.operator === 'Exists' && t.value !== undefined), {
    message: 'operator Exists takes no value; remove value or use operator: Equal',
    path: ['value'],
  })
  .refine((t) => t.tolerationSeconds === undefined || t.effect === 'NoExecute', {
    message: 'tolerationSeconds needs effect: NoExecute',
    path: ['tolerationSeconds'],
  });

/** Where the pods of a component run; `d` holds that component's defaults. */
function placementShape(d: Placement = {}, pods = 'the') {
  return z
    .strictObject({
      nodeSelector: z
        .record(labelKey, labelValue)
        .optional()
        .meta(about(`Node labels the ${pods} pods require. Maps merge key by key with the layers beneath`, d.nodeSelector)),
      tolerations: z
        .array(toleration)
        .optional()
        .meta(about(`Taints the ${pods} pods tolerate. A list you give replaces the default one`, d.tolerations)),
      priorityClassName: dnsName.optional().meta(about(`PriorityClass of the ${pods} pods; the class must exist in the cluster`, d.priorityClassName)),
    })
    .meta({
      title: 'placement',
      description:
        '{nodeSelector, tolerations, priorityClassName} of the pods of one component. nodeSelector merges key by key with the layers beneath; a tolerations list replaces the one beneath.',
    });
}

/** A component's placement field, annotated with its defaults `d`. */
const placement = (d: Placement, pods: string) =>
  placementShape(d, pods)
    .optional()
    .meta(about(`Node selector, tolerations and priority class of the ${pods} pods`, d));

export const ruleName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.:-]*$/, { message: 'must be the name of an alert or rule group of the catalogue, e.g. "KubePodCrashLooping" (docs/alerts.md)' })
  .meta({ title: 'rule name', description: 'The name of an alert or a rule group of the catalogue, as docs/alerts.md lists them.' });

/** host:port of a cache server, or a Thanos DNS discovery name (dns+host:port, dnssrv+_service._proto.name). */
export const cacheAddress = z
  .string()
  .regex(/^(dns\+|dnssrv\+|dnssrvnoa\+)?[a-z0-9_]([-a-z0-9._]*[a-z0-9])?(:\d{1,5})?$/, {
    message: 'must be host:port, dns+host:port or dnssrv+_service._proto.name, e.g. "memcached.cache.svc:11211"',
  })
  .refine((a) => a.startsWith('dnssrv') || /:\d{1,5}$/.test(a), { message: 'needs a port (host:port); only a dnssrv+ name carries its own' })
  .meta({ title: 'cache address', description: 'host:port, or a name Thanos resolves: dns+host:port (A records), dnssrv+_service._proto.name (SRV records).' });

/** host:port of a server the stack connects to (a redis, say). */
const hostPort = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/, { message: 'must be host:port, e.g. "redis.cache.svc:6379"' })
  .meta({ title: 'host:port', description: 'A host name and a port, e.g. "redis.cache.svc:6379".' });

/** A --min-time/--max-time value of the Store Gateway: a time relative to now, or a fixed time. */
const timeBoundary = z
  .string()
  .regex(/^(-(\d+(ms|s|m|h|d|w|y))+|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))$/, {
    message: 'must be a duration before now such as "-14d", or an RFC 3339 time such as "2026-01-01T00:00:00Z"',
  })
  .meta({ title: 'time boundary', description: 'A duration before now, e.g. "-14d" or "-2w", or an RFC 3339 time, e.g. "2026-01-01T00:00:00Z".' });

/** The field types with a title, in the order docs/fleet-reference.md lists them. */
export const VALUE_TYPES: z.ZodType[] = [
  dnsLabel,
  dnsName,
  hostPattern,
  sanDnsName,
  ipAddress,
  cidr,
  port,
  portName,
  labelKey,
  labelValue,
  promLabelName,
  duration,
  quantity,
  version,
  matcher,
  storeAddress,
  cacheAddress,
  hostPort,
  timeBoundary,
  secretKeyRef,
  credentialName,
  storeCredential,
  bucketName,
  bucket,
  resourcesShape(),
  placementShape(),
  ruleName,
];

const labels = z.record(labelKey, labelValue);

// ---------- stack settings: fleet-wide `defaults`, overridable per cluster ----------

const image = (what: string, repository: string, key: keyof typeof DEFAULT_VERSIONS) =>
  version.optional().meta(about(`Image tag of ${what} (${repository})`, DEFAULT_VERSIONS[key]));

const versions = z.strictObject({
  prometheusOperator: image(
    'the Prometheus Operator and its config-reloader',
    'quay.io/prometheus-operator/prometheus-operator and prometheus-config-reloader',
    'prometheusOperator',
  ),
  prometheus: image('Prometheus', 'quay.io/prometheus/prometheus', 'prometheus'),
  alertmanager: image('Alertmanager', 'quay.io/prometheus/alertmanager', 'alertmanager'),
  thanos: image('Thanos: the sidecar, the Querier and the Store Gateway', 'quay.io/thanos/thanos', 'thanos'),
  nodeExporter: image('node-exporter', 'quay.io/prometheus/node-exporter', 'nodeExporter'),
  kubeStateMetrics: image('kube-state-metrics', 'registry.k8s.io/kube-state-metrics/kube-state-metrics', 'kubeStateMetrics'),
  kubeRbacProxy: image(
    'kube-rbac-proxy, in front of the metrics of node-exporter, kube-state-metrics and the operator',
    'quay.io/brancz/kube-rbac-proxy',
    'kubeRbacProxy',
  ),
  blackboxExporter: image(
    "the blackbox exporter that probes the stores an observer's Querier dials",
    'quay.io/prometheus/blackbox-exporter',
    'blackboxExporter',
  ),
  // Grafana's tags, unlike the others, have no leading "v".
  grafana: z
    .string()
    .regex(/^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/, { message: 'must be a Grafana release tag such as "12.4.5" (without a leading "v")' })
    .optional()
    .meta(about('Image tag of Grafana OSS on the observers (docker.io/grafana/grafana), without a leading "v"', DEFAULT_VERSIONS.grafana)),
});

const P = DEFAULT_STACK.prometheus;
const prometheusSettings = z.strictObject({
  replicas: z.number().int().min(1).max(10).optional().meta(about('Number of Prometheus replicas; two make an HA pair', P.replicas)),
  retention: duration.optional().meta(about('How long the local TSDB keeps data', P.retention)),
  retentionSize: z
    .string()
    .regex(/^\d+(B|KB|MB|GB|TB|PB|EB)$/, { message: 'must be a size such as "40GB"' })
    .optional()
    .describe(
      `Size cap of the local TSDB, e.g. "40GB" (1GB is 1024MB); the oldest blocks go first once it is reached. Default: ${RETENTION_SIZE_SHARE * 100}% of storage.size, leaving room for the WAL and compactions; no cap when storage is null.`,
    ),
  scrapeInterval: duration.optional().meta(about('How often targets are scraped', P.scrapeInterval)),
  evaluationInterval: duration.optional().meta(about('How often rules are evaluated', P.evaluationInterval)),
  replicaLabel: promLabelName
    .optional()
    .meta(
      about(
        'External label that tells the replicas apart; the Querier deduplicates on it, so every workload cluster must use the same one. It cannot also be declared in externalLabels',
        P.replicaLabel,
      ),
    ),
  storage: z
    .strictObject({
      size: quantity.describe('Size of the PersistentVolumeClaim of each replica'),
      storageClassName: dnsName.optional().describe("StorageClass of the claim. Default: the cluster's default StorageClass."),
    })
    .nullable()
    .optional()
    .meta(about('A PersistentVolumeClaim per replica; null uses an emptyDir, whose data is lost when the pod goes', P.storage)),
  resources: resources(P.resources, 'Prometheus'),
  placement: placement(P.placement, 'Prometheus (and Thanos sidecar)'),
});

const CREDENTIAL_REF_MESSAGE = `must be {credential: <name>} of the secret store (promfleet credential set <name>) or {name, key} of a Secret you manage, ${NOT_A_VALUE}`;
const receiverRef = (what: string) =>
  z
    .union([storeCredential, secretKeyRef], { message: CREDENTIAL_REF_MESSAGE })
    .describe(`Where ${what} is kept: {credential} from the secret store, or {name, key} of a Secret you manage; Alertmanager reads it as a file`);

const alertmanagerReceiver = z.strictObject({
  name: z.string().min(1, { message: 'must be a non-empty receiver name' }).describe('Receiver name, unique; routes refer to it'),
  slack: z
    .strictObject({
      channel: z.string().min(1).describe('Slack channel, e.g. "#alerts"'),
      apiUrl: receiverRef('the Slack webhook URL'),
    })
    .optional()
    .describe('Send to Slack'),
  webhook: z
    .strictObject({
      url: z
        .union([z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }), storeCredential, secretKeyRef], {
          message: `must be an http(s) URL, or where it is kept: ${CREDENTIAL_REF_MESSAGE.slice('must be '.length)}`,
        })
        .describe('The webhook URL: a plain http(s) URL when it is no secret, else {credential} or {name, key} as for the other credentials'),
    })
    .optional()
    .describe('Send to a webhook'),
  pagerduty: z
    .strictObject({ routingKey: receiverRef('the PagerDuty integration (routing) key') })
    .optional()
    .describe("Send to PagerDuty (Events API v2); the alert's severity label becomes the event's severity (critical, warning, info; error otherwise)"),
  opsgenie: z
    .strictObject({
      apiKey: receiverRef('the Opsgenie API key'),
      apiUrl: z
        .url({ protocol: /^https$/, message: 'must be an https URL' })
        .optional()
        .describe('Opsgenie API, e.g. "https://api.eu.opsgenie.com/". Default: Alertmanager\'s, the US API.'),
    })
    .optional()
    .describe("Send to Opsgenie; the alert's severity label sets the priority (critical P1, warning P3, info P5)"),
  msteams: z
    .strictObject({ webhookUrl: receiverRef('the URL of the Teams workflow (Power Automate) webhook') })
    .optional()
    .describe('Send to Microsoft Teams through a workflow webhook (msteamsv2_configs, Alertmanager 0.28 and later)'),
  email: z
    .strictObject({
      to: z.email({ message: 'must be an e-mail address' }).describe('Recipient address'),
      from: z.email({ message: 'must be an e-mail address' }).describe('Sender address'),
      smarthost: z
        .string()
        .regex(/^[^\s:]+:\d+$/, { message: 'must be host:port, e.g. "smtp.example.com:587"' })
        .describe('SMTP server as host:port, e.g. "smtp.example.com:587"'),
      authUsername: z.string().optional().describe('SMTP user name'),
      authPassword: receiverRef('the SMTP password').optional(),
    })
    .optional()
    .describe('Send e-mail'),
});

const alertmanagerRoute: z.ZodType<AlertmanagerRouteInput> = z.lazy(() =>
  z.strictObject({
    receiver: z
      .string()
      .optional()
      .describe("Receiver of the alerts this route matches; it must be declared in receivers. A nested route inherits its parent's"),
    groupBy: z.array(z.string()).optional().describe('Labels that group alerts into one notification'),
    matchers: z.array(matcher).optional().describe('Matchers an alert must satisfy to take this route (the root route takes every alert)'),
    continue: z.boolean().optional().describe('Keep matching the following sibling routes after this one matched'),
    groupWait: duration.optional().describe('How long to wait before the first notification of a new group'),
    groupInterval: duration.optional().describe('How long to wait before notifying about alerts added to a group'),
    repeatInterval: duration.optional().describe('How long to wait before repeating a notification'),
    routes: z.array(alertmanagerRoute).optional().describe('Nested routes, with the same keys'),
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

const R = DEFAULT_ROOT_ROUTE;
const A = DEFAULT_STACK.alertmanager;
const alertmanagerSettings = z.strictObject({
  enabled: z.boolean().optional().meta(about("Render Alertmanager (30-alertmanager.yaml) and point Prometheus' alerting at it", A.enabled)),
  replicas: z.number().int().min(1).max(10).optional().meta(about('Alertmanager replicas; they form a gossip cluster', A.replicas)),
  resources: resources(A.resources, 'Alertmanager'),
  placement: placement(A.placement, 'Alertmanager'),
  route: alertmanagerRoute
    .optional()
    .describe(
      `Root route. Every receiver it names must be declared. A first child route sends the always-firing Watchdog alert to the "${NULL_RECEIVER}" receiver, unless one of your routes matches alertname="Watchdog" (to feed a dead man's switch). ` +
        `Default: receiver: the first receiver (or "${NULL_RECEIVER}"), groupBy [${R.groupBy.join(', ')}], groupWait ${R.groupWait}, groupInterval ${R.groupInterval}, repeatInterval ${R.repeatInterval}; each also applies to a root route that leaves it out.`,
    ),
  receivers: z
    .array(alertmanagerReceiver)
    .optional()
    .meta(
      about(
        `Receivers, each with a name and any of slack, webhook, pagerduty, email, opsgenie, msteams. Every credential is a credential of the secret store or a Secret you manage, never a value. A receiver named "${NULL_RECEIVER}", which drops what it gets, is always added`,
        A.receivers,
      ),
    ),
  deadMansSwitch: z
    .strictObject({
      receiver: z.string().min(1).describe('Receiver that gets the always-firing Watchdog alert; it must be declared in receivers'),
      repeatInterval: duration
        .optional()
        .describe(
          `How often Watchdog is sent again; the service raises an alarm when it stops arriving. Default: ${DEFAULT_DEAD_MANS_SWITCH.repeatInterval} (sent at once, group interval ${DEFAULT_DEAD_MANS_SWITCH.groupInterval}).`,
        ),
    })
    .optional()
    .describe(
      'Dead man\'s switch: Watchdog goes, alone, to this receiver (e.g. a webhook of healthchecks.io, or Opsgenie/PagerDuty heartbeats), so a silent alerting pipeline is noticed. Default: none, Watchdog goes to the "null" receiver.',
    ),
  inhibitRules: z
    .array(
      z.strictObject({
        sourceMatchers: z.array(matcher).describe('Matchers of the alert that inhibits'),
        targetMatchers: z.array(matcher).describe('Matchers of the alerts it silences'),
        equal: z.array(z.string()).optional().describe('Labels whose values must be equal in both alerts'),
      }),
    )
    .optional()
    .meta(
      about(
        'Inhibition rules. A list you give replaces the default one: a critical alert silences the warnings and infos of the same alert in the same place, a warning its infos, and InfoInhibitor the info alerts of its namespace',
        A.inhibitRules,
      ),
    ),
});

const component = (d: { enabled: boolean; resources: Resources; placement: Placement }, enabled: string, container: string) =>
  z.strictObject({
    enabled: z.boolean().optional().meta(about(enabled, d.enabled)),
    resources: resources(d.resources, container),
    placement: placement(d.placement, container),
  });

const S = DEFAULT_STACK;

const alertOverride = z.strictObject({
  for: duration.optional().describe("How long the alert's condition must hold before it fires. Default: the catalogue's"),
  severity: z
    .enum(['critical', 'warning', 'info', 'none'], { message: 'must be one of critical, warning, info, none' })
    .optional()
    .describe("The alert's severity label, which routes and inhibitions match on. Default: the catalogue's"),
  labels: z
    .record(promLabelName, z.string())
    .optional()
    .describe('Labels added to the alert, e.g. team: payments for routing; set severity with `severity`. Default: none'),
  threshold: z
    .number({ message: 'must be a number' })
    .optional()
    .describe("The number the alert compares against, for the alerts that have one (docs/alerts.md lists them with their unit). Default: the catalogue's"),
});
export const stackSettings = z.strictObject({
  namespace: dnsLabel.optional().meta(about('Namespace of the monitoring stack', S.namespace)),
  imageRegistry: z
    .string()
    .regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, { message: 'must be a registry host with an optional path, e.g. "mirror.example.com/quay"' })
    .optional()
    .describe(
      'Registry mirror, host[:port][/path], that replaces quay.io, registry.k8s.io and docker.io (Grafana) in every image, e.g. "mirror.example.com/quay". Default: the upstream registries.',
    ),
  imagePullSecrets: z
    .array(dnsName)
    .optional()
    .meta(
      about(
        'Names of Secrets (kubernetes.io/dockerconfigjson) you create in the stack namespace, which every pod of the stack pulls its images with; for a private registry or mirror',
        S.imagePullSecrets,
      ),
    ),
  versions: versions.optional().describe('Image tags, pinned to upstream releases that are known to work together'),
  monitorSelector: labels
    .optional()
    .meta(
      about(
        'Labels that ServiceMonitors, PodMonitors, PrometheusRules and Probes must carry for Prometheus to pick them up, in every namespace; the rendered ones carry them. Maps merge key by key, so a label of a lower layer stays unless you give it another value',
        S.monitorSelector,
      ),
    ),
  operator: component(
    S.operator,
    'Render the Prometheus Operator (10-operator.yaml). Switch it off on a cluster that already runs operator v0.93 or later; see docs/output.md, "Workload clusters"',
    'operator',
  )
    .extend({
      controllerId: z
        .string()
        .regex(/^[A-Za-z0-9][-A-Za-z0-9_.]{0,62}$/, { message: 'must be an id of letters, digits, "-", "_" or ".", e.g. "promfleet"' })
        .optional()
        .describe(
          "Id of the operator that manages this stack's Prometheus and Alertmanager: they carry it in the operator.prometheus.io/controller-id annotation, and promfleet's operator runs with --controller-id and reconciles only objects that carry it. Set it where another Prometheus Operator runs, so that neither touches the other's objects; with operator.enabled false, set it to that operator's --controller-id, if it has one. Default: none, the operator reconciles every object without the annotation.",
        ),
      namespaces: z
        .array(dnsLabel)
        .min(1, { message: 'must list at least the stack namespace' })
        .optional()
        .describe(
          "Namespaces promfleet's operator watches (--namespaces): custom resources elsewhere, another operator's included, are left alone. It must list the stack namespace and the namespace of every serviceMonitors and podMonitors entry. Default: every namespace.",
        ),
    })
    .optional()
    .describe('The Prometheus Operator'),
  prometheus: prometheusSettings.optional().describe('The Prometheus of each workload cluster'),
  alertmanager: alertmanagerSettings.optional().describe('Alertmanager of each workload cluster'),
  nodeExporter: component(S.nodeExporter, 'Render the node-exporter DaemonSet, on every node', 'node-exporter').optional().describe('node-exporter'),
  kubeStateMetrics: component(S.kubeStateMetrics, 'Render the kube-state-metrics Deployment', 'kube-state-metrics').optional().describe('kube-state-metrics'),
  kubelet: z
    .strictObject({
      enabled: z
        .boolean()
        .optional()
        .meta(about('Scrape kubelet, cAdvisor and probe metrics through the kube-system/kubelet Service that the operator maintains', S.kubelet.enabled)),
      manageService: z
        .boolean()
        .optional()
        .meta(
          about(
            "Have promfleet's operator maintain the kube-system/kubelet Service and its endpoints (--kubelet-service). Set false where another Prometheus Operator already maintains it: two would overwrite each other, and scraping goes on through that Service",
            S.kubelet.manageService,
          ),
        ),
    })
    .optional()
    .describe('Kubelet metrics'),
  rules: z
    .strictObject({
      enabled: z.boolean().optional().meta(about('Render the built-in alerting and recording rules (55-rules.yaml)', S.rules.enabled)),
      disabled: z
        .strictObject({
          groups: z
            .array(ruleName)
            .optional()
            .meta(
              about('Rule groups left out, by name (docs/alerts.md lists them); a list in overrides replaces the one in defaults', S.rules.disabled.groups),
            ),
          alerts: z
            .array(ruleName)
            .optional()
            .meta(about('Alerts left out, by name (docs/alerts.md lists them); a list in overrides replaces the one in defaults', S.rules.disabled.alerts)),
        })
        .optional()
        .describe('Rule groups and alerts of the catalogue to leave out'),
      alerts: z
        .record(ruleName, alertOverride)
        .optional()
        .meta(
          about(
            "Changes to alerts of the catalogue, by alert name: for, severity, labels, threshold. A cluster's overrides merge over defaults alert by alert and field by field",
            S.rules.alerts,
          ),
        ),
    })
    .optional()
    .describe('The built-in alerting and recording rules of the stack (docs/output.md, "Rules")'),
  thanosSidecar: z
    .strictObject({
      resources: resources(S.thanosSidecar.resources, 'Thanos sidecar'),
      bucket: bucketName
        .nullable()
        .optional()
        .describe(
          'The bucket of buckets that the sidecars upload every 2-hour block to, for the Store Gateway and the compactor of an observer; null uploads nothing (docs/storage.md). Default: no upload.',
        ),
    })
    .optional()
    .describe('The Thanos sidecar container of each Prometheus pod'),
  networkPolicies: z
    .strictObject({
      enabled: z
        .boolean()
        .optional()
        .meta(
          about(
            'Render a NetworkPolicy per component (06-network-policies.yaml, 69-network-policies.yaml) that lets in only the connections the stack makes; see docs/output.md, "Network exposure"',
            S.networkPolicies.enabled,
          ),
        ),
      apiServerPorts: z
        .array(port)
        .min(1, { message: 'must list at least one port' })
        .optional()
        .meta(
          about(
            "Ports of the API server: the only connections the operator and kube-state-metrics may open. List your API server's port if it is neither",
            S.networkPolicies.apiServerPorts,
          ),
        ),
      querierClients: z
        .array(dnsLabel)
        .nullable()
        .optional()
        .meta(
          about(
            "Observer clusters: the namespaces whose pods may call the Querier's HTTP API and UI (port 10902) and Grafana's UI (port 3000), besides the stack's own namespace: the Ingress controller's, and that of a Grafana of your own. The sign-in is on the Ingress, so every other pod is kept out. [] admits only the stack's namespace; null admits every pod, as for an Ingress controller on the host network",
            S.networkPolicies.querierClients,
          ),
        ),
    })
    .optional()
    .describe('NetworkPolicies of the stack'),
});

// ---------- per-cluster sections ----------

// Each Prometheus replica is dialled on its own name: the Querier must reach every replica to deduplicate them.
const replicaHosts = (what: string) => ({
  host: hostPattern
    .optional()
    .describe(
      `The DNS name of each Prometheus replica, with "{replica}" standing for the replica number (0, 1, ...), e.g. "sidecar-{replica}.eu-west-1.example.com". ${what} A name without "{replica}" fits one replica only. Set host or hosts`,
    ),
  hosts: z.array(dnsName).optional().describe('One DNS name per Prometheus replica, in replica order (as many as prometheus.replicas); instead of host'),
});

const endpoint = z.strictObject({
  ...replicaHosts(
    "Each resolves to the load balancer of that replica's thanos-sidecar-<replica> Service; the observer dials it, and the sidecar certificate carries it.",
  ),
  port: port
    .optional()
    .meta(
      about('The gRPC port the observer dials. With thanos.service.type NodePort, replica <i> is dialled at this port + i on the nodes', DEFAULT_SIDECAR.port),
    ),
});

const SVC = DEFAULT_SIDECAR.service;
const serviceExposure = z.strictObject({
  type: z
    .enum(['LoadBalancer', 'NodePort', 'ClusterIP'])
    .optional()
    .meta(
      about(
        'Type of the thanos-sidecar-<replica> Services that expose gRPC, one per Prometheus replica. With thanos.ingress the default is ClusterIP, and only ClusterIP is accepted',
        SVC.type,
      ),
    ),
  loadBalancer: z
    .strictObject({
      scope: z
        .enum(['internal', 'external'])
        .optional()
        .meta(
          about(
            "Whether the load balancer is private or public. It takes effect through the provider's annotations, so it needs a provider",
            SVC.loadBalancer.scope,
          ),
        ),
      provider: z
        .enum(['aws', 'gcp', 'azure', 'none'])
        .optional()
        .meta(
          about(
            "Cloud whose load-balancer annotations are rendered. With none, no annotation is rendered and the load balancer is whatever the cluster's controller makes by default, on the big clouds an internet-facing one; add your controller's annotations under annotations",
            SVC.loadBalancer.provider,
          ),
        ),
    })
    .optional()
    .describe('Load balancer settings (type LoadBalancer only); see docs/operations.md, "Exposing the sidecar"'),
  sourceRanges: z
    .array(cidr)
    .optional()
    .describe(
      "loadBalancerSourceRanges: the CIDRs allowed to reach the sidecar, e.g. the observers' egress addresses (type LoadBalancer only). Default: no restriction.",
    ),
  annotations: z.record(z.string(), z.string()).optional().describe('More Service annotations; they win over the rendered ones'),
});

const ingressFields = (classNote: string) => ({
  host: dnsName.describe('Host name of the Ingress'),
  className: dnsName.optional().describe(`IngressClass of the Ingress${classNote}. Default: the cluster's default IngressClass.`),
  annotations: z.record(z.string(), z.string()).optional().describe('More Ingress annotations; they win over the rendered ones'),
});

const thanosSidecar = z.strictObject({
  endpoint: endpoint
    .optional()
    .describe("Where the observer dials each replica's sidecar, through its own load balancer; required unless thanos.ingress is set"),
  service: serviceExposure.optional().describe("The thanos-sidecar-<replica> Services that expose each replica's sidecar gRPC port"),
  ingress: z
    .strictObject({
      ...replicaHosts(
        "Each is an Ingress rule that passes TLS through to that replica's sidecar; the observer dials it on port 443, and the sidecar certificate carries it.",
      ),
      className: dnsName
        .optional()
        .describe(
          'IngressClass of the Ingress. With nginx, promfleet adds nginx.ingress.kubernetes.io/ssl-passthrough: "true", and the ingress-nginx controller must run with --enable-ssl-passthrough; with another class, or none, put that controller\'s passthrough annotation under annotations. Default: the cluster\'s default IngressClass.',
        ),
      annotations: z.record(z.string(), z.string()).optional().describe('More Ingress annotations; they win over the rendered ones'),
    })
    .optional()
    .describe(
      'Reach the sidecars through an Ingress controller in TLS-passthrough mode instead of a load balancer per replica: the observer dials each Ingress host on port 443, and the Services become ClusterIP. Instead of thanos.endpoint; see docs/operations.md, "Exposing the sidecar"',
    ),
  extraSANs: z
    .strictObject({
      dnsNames: z.array(sanDnsName).optional().describe('More DNS names'),
      ipAddresses: z.array(ipAddress).optional().describe('IP addresses'),
    })
    .optional()
    .describe('More names for the sidecar certificate'),
  listenLocal: z
    .boolean()
    .optional()
    .meta(
      about(
        "Bind the sidecar's gRPC to 127.0.0.1 (the operator's listenLocal). No observer can reach such a sidecar, so the synth rejects it",
        DEFAULT_SIDECAR.listenLocal,
      ),
    ),
});

const appMonitor = (selects: string, port: string) =>
  z.strictObject({
    name: dnsLabel.describe('Name of the monitor, unique in its namespace'),
    namespace: dnsLabel.describe('Namespace of your application; promfleet does not create it, so it must exist before the apply'),
    selector: labels.describe(`matchLabels of the ${selects} to scrape`),
    endpoints: z
      .array(
        z.strictObject({
          port: portName.describe(`Name of the ${port}`),
          path: z
            .string()
            .startsWith('/', { message: 'must be an HTTP path starting with "/"' })
            .optional()
            .describe('HTTP path of the metrics. Default: /metrics.'),
          interval: duration.optional().describe('Scrape interval. Default: prometheus.scrapeInterval.'),
          scheme: z.enum(['http', 'https']).optional().describe('Scrape scheme. Default: http.'),
        }),
      )
      .min(1, { message: 'must list at least one endpoint' })
      .describe('Endpoints to scrape, at least one'),
  });

const QI = DEFAULT_QUERIER_INGRESS;
const querierIngressTls = z.strictObject({
  source: z
    .enum(['pki', 'secret', 'cert-manager', 'none'])
    .optional()
    .meta(
      about(
        'Where the certificate of host comes from: pki issues it from the fleet CA (browsers trust it once you distribute the CA), secret is a kubernetes.io/tls Secret you manage, cert-manager has your issuer fill secretName, none serves plain HTTP',
        QI.tls.source,
      ),
    ),
  secretName: dnsName
    .optional()
    .describe(
      `The kubernetes.io/tls Secret the Ingress serves: the one promfleet renders (pki), yours (secret; required), or the one cert-manager fills (cert-manager). Default: ${QI.tls.secretName}.`,
    ),
  issuer: dnsName.optional().describe("cert-manager Issuer in the Querier's namespace (source: cert-manager; set this or clusterIssuer)"),
  clusterIssuer: dnsName.optional().describe('cert-manager ClusterIssuer (source: cert-manager; set this or issuer)'),
});
const querierIngressAuth = z.strictObject({
  type: z
    .enum(['basic', 'oauth2-proxy', 'none'])
    .optional()
    .meta(
      about(
        'basic: a user name and a password promfleet generates into the PKI store; oauth2-proxy: your oauth2-proxy signs users in; none: anyone who reaches host can query. basic and oauth2-proxy are ingress-nginx annotations, so they need className: nginx',
        QI.auth.type,
      ),
    ),
  username: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { message: 'must be 1 to 64 letters, digits, ".", "_" or "-"' })
    .optional()
    .meta(about('User name of the basic sign-in', QI.auth.username)),
  url: z
    .url({ protocol: /^https?$/, message: 'must be an http(s) URL, e.g. "https://oauth2.example.com/oauth2/auth"' })
    .optional()
    .describe("oauth2-proxy: the URL nginx asks whether a request is signed in (nginx.ingress.kubernetes.io/auth-url), e.g. oauth2-proxy's /oauth2/auth"),
  signinUrl: z
    .string()
    .regex(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL, e.g. "https://oauth2.example.com/oauth2/start?rd=$scheme://$host$escaped_request_uri"' })
    .optional()
    .describe(
      "oauth2-proxy: where a visitor who is not signed in is sent (nginx.ingress.kubernetes.io/auth-signin), e.g. oauth2-proxy's /oauth2/start?rd=$scheme://$host$escaped_request_uri",
    ),
});

const SP = DEFAULT_SIDECAR_PROBES;
const sidecarProbes = z.strictObject({
  enabled: z
    .boolean()
    .optional()
    .meta(
      about(
        "Probe every store the Querier dials (sidecars, Store Gateway, extra stores) with a blackbox exporter, over the Querier's mTLS, and alert when one is unreachable or its certificate nears expiry. The Probes are rendered where a Prometheus of the stack runs beside the Querier",
        SP.enabled,
      ),
    ),
  interval: duration.optional().meta(about('How often each store is probed', SP.interval)),
  resources: resources(SP.resources, 'blackbox exporter'),
  placement: placement(SP.placement, 'blackbox exporter'),
});

const TR = DEFAULT_THANOS_RULER;
const thanosRuler = z.strictObject({
  replicas: z
    .number()
    .int()
    .min(1)
    .max(10)
    .optional()
    .meta(about("ThanosRuler replicas, told apart by their replica label: the observer's Alertmanager deduplicates their alerts", TR.replicas)),
  evaluationInterval: duration.optional().meta(about('How often the fleet-level rules are evaluated through the Querier', TR.evaluationInterval)),
  resources: resources(TR.resources, 'ThanosRuler'),
  placement: placement(TR.placement, 'ThanosRuler'),
});

// ---------- Thanos caches, the query frontend and the Store Gateway's shards ----------

const QF = DEFAULT_QUERY_FRONTEND;
const queryFrontend = z.strictObject({
  enabled: z.boolean().optional().meta(about('Run the query frontend; false sends the Ingress (and every client) to the Querier itself', QF.enabled)),
  replicas: z.number().int().min(1).max(10).optional().meta(about('Query frontend replicas', QF.replicas)),
  resources: resources(QF.resources, 'query frontend'),
  placement: placement(QF.placement, 'query frontend'),
  splitInterval: duration
    .optional()
    .meta(
      about(
        'Range queries and label/series requests are cut into pieces of this length, run in parallel and cached piece by piece (--query-range.split-interval, --labels.split-interval)',
        QF.splitInterval,
      ),
    ),
  maxRetries: z
    .number()
    .int()
    .min(0)
    .max(20)
    .optional()
    .meta(
      about(
        'How often a failed piece is retried before the error reaches the client (--query-range.max-retries-per-request and its labels twin)',
        QF.maxRetries,
      ),
    ),
  cache: z
    .strictObject({
      type: z
        .enum(['inMemory', 'memcached', 'redis'])
        .optional()
        .meta(
          about(
            'inMemory: each pod keeps its own results (a restart empties it); memcached or redis: a cache server you run, shared by every pod',
            QF.cache.type,
          ),
        ),
      maxSize: quantity
        .optional()
        .meta(
          about(
            'inMemory: the most memory each of the two caches (range queries, labels) of a pod holds; both must fit in resources.limits.memory',
            QF.cache.maxSize,
          ),
        ),
      addresses: z.array(cacheAddress).min(1, { message: 'must list at least one memcached address' }).optional().describe('memcached: the servers (required)'),
      address: hostPort.optional().describe('redis: host:port of the server, which must accept clients without a password (required)'),
    })
    .optional()
    .describe('Where results are cached. Default: in the memory of each pod.'),
});

const CP = DEFAULT_COMPACTOR;
const compactor = z.strictObject({
  bucket: bucketName.describe('The bucket of buckets it compacts'),
  retention: z
    .strictObject({
      raw: duration
        .optional()
        .meta(about('How long raw samples stay in the bucket; 0d keeps them forever. At least 40h while downsampling is on', CP.retention.raw)),
      fiveMinutes: duration
        .optional()
        .meta(about('How long the 5-minute downsampled samples stay; 0d keeps them forever. At least 10d while downsampling is on', CP.retention.fiveMinutes)),
      oneHour: duration.optional().meta(about('How long the 1-hour downsampled samples stay; 0d keeps them forever', CP.retention.oneHour)),
    })
    .optional()
    .describe('Retention of each resolution in the bucket'),
  downsampling: z
    .strictObject({
      enabled: z
        .boolean()
        .optional()
        .meta(about('Downsample blocks to 5-minute and 1-hour resolutions, which long-range queries read', CP.downsampling.enabled)),
    })
    .optional()
    .describe('Downsampling of the blocks'),
  deduplication: z
    .strictObject({
      enabled: z
        .boolean()
        .optional()
        .meta(
          about(
            "Merge the blocks of HA Prometheus replicas, which differ only in the replica label, into one (vertical compaction, penalty algorithm). Experimental upstream, and it cannot be undone: the replicas' own blocks are deleted",
            CP.deduplication.enabled,
          ),
        ),
    })
    .optional()
    .describe('Offline deduplication of HA replicas on the replica label (docs/storage.md, "Deduplication")'),
  storage: z
    .strictObject({
      size: quantity.describe('Size of the PersistentVolumeClaim'),
      storageClassName: dnsName.optional().describe("StorageClass of the claim. Default: the cluster's default StorageClass."),
    })
    .optional()
    .meta(about('The volume compactions work in; it holds the blocks of the biggest compaction group at once', CP.storage)),
  resources: resources(CP.resources, 'compactor'),
  placement: placement(CP.placement, 'compactor'),
});

const SG = DEFAULT_STORE_GATEWAY;
const querier = z.strictObject({
  replicas: z.number().int().min(1).max(10).optional().meta(about('Thanos Querier replicas', DEFAULT_QUERIER.replicas)),
  resources: resources(DEFAULT_QUERIER.resources, 'Querier'),
  placement: placement(DEFAULT_QUERIER.placement, 'Querier'),
  ingress: z
    .strictObject({
      ...ingressFields(''),
      tls: querierIngressTls.optional().describe('HTTPS for the Ingress host. Default: a certificate for host from the fleet PKI.'),
      auth: querierIngressAuth
        .optional()
        .describe('Sign-in in front of the Querier, which has none of its own. Default: basic, with a password promfleet generates.'),
    })
    .optional()
    .describe(
      'Ingress for the Querier UI and HTTP API (port 10902), served over HTTPS behind a sign-in unless tls and auth say otherwise; see docs/operations.md, "The Querier UI"',
    ),
  storeGateway: z
    .strictObject({
      bucket: bucketName.describe('The bucket of buckets it serves: the one the sidecars upload to'),
      replicas: z.number().int().min(1).max(10).optional().meta(about('Store Gateway replicas', SG.replicas)),
      resources: resources(SG.resources, 'Store Gateway'),
      placement: placement(SG.placement, 'Store Gateway'),
      storage: z
        .strictObject({
          size: quantity.describe('Size of the PersistentVolumeClaim of each replica'),
          storageClassName: dnsName.optional().describe("StorageClass of the claim. Default: the cluster's default StorageClass."),
        })
        .optional()
        .describe('A PersistentVolumeClaim per replica for the index cache. Default: an emptyDir; a restarted pod rebuilds the cache from the bucket.'),
      tls: z
        .boolean()
        .optional()
        .meta(about('Serve gRPC with mTLS, with a server certificate from the fleet PKI; false serves plaintext inside the cluster', SG.tls)),
      indexCache: z
        .strictObject({
          type: z
            .enum(['inMemory', 'memcached'])
            .optional()
            .meta(about('inMemory: each pod caches index entries in its own memory; memcached: a memcached you run, shared by every pod', SG.indexCache.type)),
          maxSize: quantity
            .optional()
            .meta(about('inMemory: the most memory the cache of a pod holds; it must stay below resources.limits.memory', SG.indexCache.maxSize)),
          addresses: z
            .array(cacheAddress)
            .min(1, { message: 'must list at least one memcached address' })
            .optional()
            .describe('memcached: the servers (required)'),
        })
        .optional()
        .describe('Where index entries (postings, series) are cached (--index-cache.config). Default: 250Mi in the memory of each pod.'),
      sharding: z
        .strictObject({
          type: z
            .enum(['hash', 'time'])
            .describe(
              'hash: each block goes to one shard by a hash of its ID, so the shards split the bucket evenly; time: each shard serves the blocks of a time range (older data on one, recent on another)',
            ),
          shards: z.number().int().min(2).max(16).optional().describe('hash: the number of shards (required)'),
          boundaries: z
            .array(timeBoundary)
            .min(1, { message: 'must list at least one boundary' })
            .max(15, { message: 'must list at most 15 boundaries' })
            .optional()
            .describe(
              'time: where one shard ends and the next begins, oldest first; n boundaries make n + 1 shards, the first serving everything before the first boundary, the last everything after the last (required)',
            ),
        })
        .optional()
        .describe(
          'Split the bucket across shards, each a StatefulSet of replicas with its own Service, which the Querier dials on its own. Default: one Store Gateway serves the whole bucket.',
        ),
    })
    .optional()
    .describe('A Thanos Store Gateway that serves the blocks the sidecars upload, from the same bucket'),
  frontend: queryFrontend
    .optional()
    .describe(
      'A Thanos query frontend in front of the Querier: it splits, retries and caches queries; the Ingress routes to it. See docs/operations.md, "Query frontend and store gateway"',
    ),
  compactor: compactor
    .optional()
    .describe(
      'The Thanos compactor of a bucket: it compacts, downsamples and deletes the blocks of that bucket. Exactly one per bucket across the fleet (docs/storage.md)',
    ),
  extraStores: z
    .array(
      z
        .strictObject({
          address: storeAddress.describe('host:port the Querier dials, without a dns+ or dnssrv+ prefix'),
          tls: z
            .boolean({ message: 'must be true or false: say whether this store serves mTLS with a certificate from the fleet CA' })
            .describe(
              "Whether the store serves mTLS with a certificate from the fleet CA: true dials it with the Querier's client certificate, false dials plaintext",
            ),
          serverName: dnsName.optional().describe("Name to verify in the store's certificate (tls: true only). Default: the host of address."),
        })
        .refine((s) => s.tls || s.serverName === undefined, { message: 'serverName needs tls: true', path: ['serverName'] }),
    )
    .optional()
    .describe('More StoreAPIs the Querier reaches, e.g. a Thanos Ruler'),
  probes: sidecarProbes
    .optional()
    .describe('Blackbox probes of the stores the Querier dials; see docs/operations.md, "Probing the sidecar path". Default: enabled.'),
  ruler: thanosRuler
    .optional()
    .describe(
      'The ThanosRuler that evaluates the fleet-level alerts through the Querier, on an observer that monitors itself; see docs/operations.md, "Fleet-level alerts"',
    ),
});

const GF = DEFAULT_GRAFANA;
const OIDC = DEFAULT_GRAFANA_OIDC;
const httpsUrl = (what: string, example: string) =>
  z
    .url({ protocol: /^https?$/, message: `must be the http(s) URL of ${what}, e.g. "${example}"` })
    .optional()
    .describe(`${what[0].toUpperCase()}${what.slice(1)}, e.g. "${example}" (type: oidc; required)`);
const grafanaAuth = z.strictObject({
  type: z
    .enum(['builtin', 'oidc'], { message: 'must be builtin or oidc' })
    .optional()
    .meta(
      about(
        'builtin: the admin user only, with the password promfleet generates into the secret store; oidc: also your OpenID Connect provider, with the fields below. The admin user stays in both',
        'builtin',
      ),
    ),
  name: z.string().min(1).optional().meta(about('Label of the sign-in button on the login page', OIDC.name)),
  clientId: z
    .string()
    .min(1, { message: 'must be the client id your identity provider gave Grafana' })
    .optional()
    .describe('Client id of Grafana at your identity provider (type: oidc; required)'),
  clientSecret: z
    .union([storeCredential, secretKeyRef], { message: CREDENTIAL_REF_MESSAGE })
    .optional()
    .describe(
      'Where the client secret is kept (type: oidc; required): {credential} of the secret store (promfleet credential set <name>), rendered into a Secret outside the committed tree or sealed, or {name, key} of a Secret you manage',
    ),
  authUrl: httpsUrl(
    "the provider's authorization endpoint (authorization_endpoint of its /.well-known/openid-configuration)",
    'https://sso.example.com/oauth2/authorize',
  ),
  tokenUrl: httpsUrl("the provider's token endpoint (token_endpoint)", 'https://sso.example.com/oauth2/token'),
  apiUrl: httpsUrl("the provider's user info endpoint (userinfo_endpoint)", 'https://sso.example.com/oauth2/userinfo'),
  scopes: z
    .array(z.string().regex(/^\S+$/, { message: 'must be one scope, without spaces' }))
    .optional()
    .meta(about('Scopes Grafana asks for', OIDC.scopes)),
  usePkce: z.boolean().optional().meta(about('Use PKCE in the authorization code flow', OIDC.usePkce)),
  roleAttributePath: z
    .string()
    .min(1)
    .optional()
    .describe(
      "JMESPath over the ID token (then the user info) that yields the user's Grafana role, Viewer, Editor or Admin, e.g. \"contains(groups[*], 'platform') && 'Admin' || 'Viewer'\". Default: every user gets Viewer.",
    ),
  roleAttributeStrict: z
    .boolean()
    .optional()
    .meta(about('Refuse the sign-in of a user for whom roleAttributePath yields no valid role, instead of making them a Viewer', OIDC.roleAttributeStrict)),
  groupsAttributePath: z
    .string()
    .min(1)
    .optional()
    .describe('JMESPath over the ID token (then the user info) that yields the list of groups of the user, e.g. "groups"; allowedGroups needs it'),
  allowedGroups: z
    .array(z.string().min(1))
    .optional()
    .meta(about('Only members of one of these groups may sign in; [] lets every group in', OIDC.allowedGroups)),
  allowedDomains: z
    .array(dnsName)
    .optional()
    .meta(about('Only users whose e-mail address is in one of these domains may sign in; [] lets every domain in', OIDC.allowedDomains)),
  allowSignUp: z.boolean().optional().meta(about('Create a Grafana user at the first sign-in of someone the provider lets in', OIDC.allowSignUp)),
  autoLogin: z.boolean().optional().meta(about('Send visitors to the provider at once instead of showing the login page', OIDC.autoLogin)),
  disableLoginForm: z
    .boolean()
    .optional()
    .meta(
      about(
        'Hide the user name and password form, and with it the sign-in of the built-in admin that stays for when the provider is down',
        OIDC.disableLoginForm,
      ),
    ),
});
const grafana = z.strictObject({
  enabled: z.boolean().optional().meta(about('Render Grafana on this observer (80-grafana.yaml, 81-grafana-dashboards.yaml)', GF.enabled)),
  replicas: z
    .number()
    .int()
    .min(1)
    .max(10)
    .optional()
    .meta(
      about(
        'Grafana replicas. Each keeps its own database, so more than one needs no persistence and a sticky Ingress (see docs/operations.md, "Grafana")',
        GF.replicas,
      ),
    ),
  resources: resources(GF.resources, 'Grafana'),
  placement: placement(GF.placement, 'Grafana'),
  ingress: z
    .strictObject({
      ...ingressFields(''),
      tls: querierIngressTls
        .optional()
        .describe(
          `HTTPS for the Ingress host, as for the Querier's Ingress. Default: a certificate for host from the fleet PKI, in the Secret ${DEFAULT_GRAFANA_INGRESS.tls.secretName}.`,
        ),
    })
    .optional()
    .describe(
      'Ingress for the Grafana UI (port 3000), served over HTTPS unless tls says otherwise; Grafana signs users in itself. Default: no Ingress; reach Grafana with kubectl port-forward',
    ),
  persistence: z
    .strictObject({
      size: quantity.describe('Size of the PersistentVolumeClaim that holds the Grafana database'),
      storageClassName: dnsName.optional().describe("StorageClass of the claim. Default: the cluster's default StorageClass."),
    })
    .optional()
    .describe(
      'Keep the Grafana database (users, preferences, dashboards made by hand) on a PersistentVolumeClaim. Default: an emptyDir; the provisioned datasources and dashboards come back from ConfigMaps at every start.',
    ),
  auth: grafanaAuth
    .optional()
    .describe(
      'How users sign in: the built-in admin, whose password promfleet generates into the secret store, and with type: oidc your OpenID Connect provider too. Default: builtin.',
    ),
  alertmanagers: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[a-z0-9]([-a-z0-9]{0,26}[a-z0-9])?$/, { message: 'must be 1 to 28 lowercase letters, digits and "-", e.g. "workload-eu"' })
          .describe('Name of the datasource, unique; its uid is promfleet-am-<name>'),
        url: z
          .url({ protocol: /^https?$/, message: 'must be the http(s) URL of an Alertmanager, e.g. "https://alertmanager.eu.example.com"' })
          .describe('URL of the Alertmanager API, reached from the Grafana pod'),
      }),
    )
    .optional()
    .describe('More Alertmanagers, each a datasource of Grafana: their alerts and silences in the Grafana UI. Default: none'),
  localAlertmanager: z
    .boolean()
    .optional()
    .meta(
      about(
        'On an observer that runs its own Prometheus (self-monitoring, the default) with Alertmanager: add that Alertmanager, in the same namespace, as a datasource',
        GF.localAlertmanager,
      ),
    ),
});

const platform = z
  .enum(PLATFORMS, { message: `must be one of ${PLATFORMS.join(', ')}` })
  .optional()
  .meta(
    about(
      'The kind of cluster: it decides which control-plane components are scraped (docs/platforms.md). kubeadm is any self-managed cluster whose control plane runs as static pods; generic scrapes only the API server and the kubelets, which every cluster has',
      DEFAULT_PLATFORM,
    ),
  );

const pemFile = (what: string) =>
  z
    .string()
    .min(1, { message: `must be the path of ${what}` })
    .describe(`Path of ${what}, relative to the fleet file`);
const controlPlane = z.strictObject({
  exclude: z
    .array(z.enum(EXCLUDABLE_TARGETS, { message: `must be one of ${EXCLUDABLE_TARGETS.join(', ')}` }))
    .optional()
    .meta(
      about(
        "Components the platform exposes that this cluster does not scrape, e.g. kube-proxy where Cilium replaces it, or the scheduler and controller-manager until they listen on the node's address",
        DEFAULT_CONTROL_PLANE_EXCLUDE,
      ),
    ),
  etcd: z
    .strictObject({
      tls: z
        .strictObject({
          ca: pemFile('the etcd CA certificate (PEM), e.g. a copy of /etc/kubernetes/pki/etcd/ca.crt'),
          cert: pemFile('a client certificate the etcd CA signed (PEM), e.g. a copy of /etc/kubernetes/pki/apiserver-etcd-client.crt'),
          key: pemFile("that certificate's private key (PEM); promfleet copies it into the PKI store, which the synth reads from then on"),
        })
        .describe("etcd's client certificate: etcd trusts only its own CA, which promfleet cannot issue from"),
      serverName: dnsName
        .optional()
        .describe("Name checked in etcd's serving certificate. Default: the address of each etcd member, which kubeadm puts in the certificate"),
    })
    .optional()
    .describe('Scrape etcd (kubeadm platform only). Without it a kubeadm cluster is rendered without the etcd monitor, and the summary says so'),
});

const cluster = z.strictObject({
  name: dnsLabel.describe('Cluster name. It names the dist/ folder and is the default value of the cluster external label'),
  roles: z
    .array(z.enum(['observer', 'workload'], { message: 'must be "observer" or "workload"' }))
    .min(1, { message: 'must list at least one role: observer, workload' })
    .describe(
      'observer runs the Thanos Querier and the fleet-level alerts; workload runs Prometheus with the Thanos sidecar. A cluster can have both; an observer monitors itself unless selfMonitoring is false',
    ),
  selfMonitoring: z
    .boolean()
    .optional()
    .meta(
      about(
        'Observer clusters only: run the workload stack for the observer itself (operator, Prometheus with its sidecar, which its own Querier reads in-cluster, Alertmanager, exporters, rules) and the ThanosRuler of the fleet-level alerts, which routes to that Alertmanager. The overrides toggles (nodeExporter.enabled, ...) turn parts off as on any cluster; false renders the Querier alone. Other observers read this Prometheus only when thanos.endpoint or thanos.ingress is set',
        DEFAULT_SELF_MONITORING,
      ),
    ),
  externalLabels: z
    .record(promLabelName, labelValue)
    .optional()
    .describe(
      'Prometheus external labels (clusters that run Prometheus: workload clusters and observers that monitor themselves). No two workload clusters may end up with the same set, because Thanos would drop one of the two stores. Default: cluster: <name>, which is also added to the labels you set unless they set cluster.',
    ),
  thanos: thanosSidecar
    .optional()
    .describe(
      "How observers reach this cluster's sidecar; required on workload clusters, optional on an observer that monitors itself (its own Querier dials it in-cluster)",
    ),
  platform,
  controlPlane: controlPlane.optional().describe('What the control-plane monitors need beyond the platform (clusters that run Prometheus)'),
  querier: querier.optional().describe('The Thanos Querier (observer clusters only)'),
  grafana: grafana
    .optional()
    .describe(
      'Grafana, with the Querier as its datasource and the fleet dashboards (observer clusters only; see docs/operations.md, "Grafana"). Default: enabled on every observer',
    ),
  serviceMonitors: z
    .array(appMonitor('Service', 'Service port, e.g. metrics'))
    .optional()
    .describe("ServiceMonitors for your applications, each rendered in the application's namespace (clusters that run Prometheus)"),
  podMonitors: z
    .array(appMonitor('Pods', 'container port'))
    .optional()
    .describe('PodMonitors for applications whose pods have no Service, e.g. a Kafka StatefulSet (clusters that run Prometheus)'),
  argocd: z
    .strictObject({
      server: z
        .url({
          protocol: /^https$/,
          message: 'must be the https URL of the cluster API server as registered in Argo CD, e.g. "https://kubernetes.default.svc"',
        })
        .optional()
        .describe('API server URL of the cluster as registered in Argo CD; https://kubernetes.default.svc for the cluster Argo CD runs on'),
      name: z
        .string()
        .min(1, { message: 'must be the cluster name registered in Argo CD' })
        .optional()
        .describe('Name of the cluster as registered in Argo CD. Set server or name, not both'),
    })
    .refine((d) => !(d.server && d.name), { message: 'set either server or name, not both (Argo CD rejects a destination with both)', path: ['name'] })
    .optional()
    .describe("Argo CD destination of this cluster's Applications (only with gitops). Default: the cluster registered in Argo CD under this cluster's name."),
  sealedSecrets: z
    .strictObject({
      certificate: z
        .string()
        .min(1)
        .describe("Path to the public certificate of the cluster's sealed-secrets controller (kubeseal --fetch-cert), relative to the fleet file"),
      scope: z
        .enum(['strict', 'namespace-wide', 'cluster-wide'])
        .optional()
        .meta(
          about(
            'Where a SealedSecret may be unsealed: only under its own namespace and name, anywhere in its namespace, or anywhere',
            DEFAULT_SEALED_SECRETS.scope,
          ),
        ),
    })
    .optional()
    .describe('Render key material as committed SealedSecrets instead of git-ignored Secrets; see docs/operations.md, "Sealed secrets"'),
  overrides: stackSettings
    .optional()
    .describe('Settings of this cluster that differ from defaults, with the same keys but platform, which a cluster sets as clusters[].platform'),
});

const days = (min: number) =>
  z
    .number({ message: 'must be a whole number of days' })
    .int({ message: 'must be a whole number of days' })
    .min(min, { message: `must be at least ${min} days` });

const pki = z
  .strictObject({
    dir: z
      .string()
      .min(1)
      .optional()
      .meta(about('PKI store folder, relative to the fleet file. The environment variable PROMFLEET_PKI_DIR wins over it', DEFAULT_PKI.dir)),
    renewBeforeDays: days(1)
      .optional()
      .meta(about('A certificate is re-issued when it expires within this many days. It must be smaller than leafValidityDays', DEFAULT_PKI.renewBeforeDays)),
    caValidityDays: days(30).optional().meta(about('Validity of a new CA, and of its intermediate', DEFAULT_PKI.caValidityDays)),
    leafValidityDays: days(2)
      .optional()
      .meta(about('Validity of the sidecar, Querier and Store Gateway certificates. A certificate never outlives its CA', DEFAULT_PKI.leafValidityDays)),
    intermediate: z
      .boolean()
      .optional()
      .meta(
        about(
          'Sign the certificates with an intermediate CA that the root signs. Changing it on an existing store takes a CA rotation',
          DEFAULT_PKI.intermediate,
        ),
      ),
    organization: z.string().min(1).optional().meta(about("The O of every certificate's subject", DEFAULT_PKI.organization)),
    encryption: z
      .strictObject({
        recipients: z
          .array(z.string().regex(/^age1[0-9a-z]+$/, { message: 'must be an age recipient, age1... (age-keygen -y <identity file> prints it)' }))
          .min(1, { message: 'list at least one age recipient: the store would be readable by nobody' })
          .describe('The age public keys (age1...) the secret files are encrypted to: one per person or machine that synths with the store'),
      })
      .optional()
      .describe(
        'Keep the store encrypted with age, to commit it and share it with a team: every secret file is stored as <file>.age and decrypted in memory only, with PROMFLEET_AGE_IDENTITY or PROMFLEET_AGE_IDENTITY_FILE; see docs/operations.md, "Sharing the store with age". Default: a plaintext store that Git ignores',
      ),
  })
  // A window as long as the validity would re-issue every certificate at every synth.
  .refine((p) => (p.renewBeforeDays ?? DEFAULT_PKI.renewBeforeDays) < (p.leafValidityDays ?? DEFAULT_PKI.leafValidityDays), {
    path: ['renewBeforeDays'],
    message: `must be smaller than pki.leafValidityDays (default ${DEFAULT_PKI.leafValidityDays}), or every synth would re-issue every certificate`,
  });

const G = DEFAULT_GITOPS;
const gitops = z.strictObject({
  repoURL: z
    .string()
    .regex(/^(https?:\/\/|ssh:\/\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)\S+$/, {
      message: 'must be the Git URL Argo CD pulls from, e.g. "https://github.com/acme/gitops.git" or "git@github.com:acme/gitops.git"',
    })
    .describe('The Git repository that dist/ is committed to: https://..., ssh://... or git@host:path'),
  targetRevision: z
    .string()
    .min(1, { message: 'must be a branch, tag or commit, e.g. "main"' })
    .optional()
    .meta(about('The branch, tag or commit that Argo CD syncs', G.targetRevision)),
  pathPrefix: z
    .string()
    .regex(/^[A-Za-z0-9._/-]*$/, { message: 'must be a folder path such as "dist" or "monitoring/dist"' })
    .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), {
      message: 'must be relative to the repository root, without a leading "/" or "..", e.g. "dist"',
    })
    .optional()
    .meta(about('The folder of dist/ inside that repository; "" when the content of dist/ is the repository root', G.pathPrefix)),
  argocdNamespace: dnsLabel.optional().meta(about('The namespace Argo CD runs in, where the Applications go', G.argocdNamespace)),
  project: dnsName
    .optional()
    .meta(
      about(
        "The Argo CD project of each cluster's Applications. promfleet renders it as an AppProject limited to the fleet's repositories, destinations and kinds, unless renderProject is false",
        G.project,
      ),
    ),
  renderProject: z
    .boolean()
    .optional()
    .meta(
      about(
        'Render the AppProject named by project into dist/_argocd/apps/_project.yaml; false uses a project you manage under that name (e.g. "default")',
        G.renderProject,
      ),
    ),
  rootProject: dnsName
    .optional()
    .meta(
      about(
        "The Argo CD project of the app-of-apps. It creates Applications in Argo CD's namespace, so keep it a project only Argo CD admins manage",
        G.rootProject,
      ),
    ),
  crds: z
    .strictObject({
      repoURL: z
        .string()
        .regex(/^(https?:\/\/|ssh:\/\/|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)\S+$/, {
          message: 'must be the Git URL of the repository (or your mirror of it), e.g. "https://git.example.com/mirror/prometheus-operator.git"',
        })
        .optional()
        .meta(about('Git repository of the Prometheus Operator CRDs; point it at a mirror for an air-gapped fleet', G.crds.repoURL)),
      path: z
        .string()
        .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { message: 'must be a folder path inside that repository, e.g. "example/prometheus-operator-crd"' })
        .refine((p) => !p.split('/').includes('..'), { message: 'must stay inside the repository, without ".."' })
        .optional()
        .meta(about('Folder of that repository with the CRD files and their kustomization.yaml', G.crds.path)),
      targetRevision: z
        .string()
        .min(1, { message: 'must be a branch, tag or commit, e.g. "v0.93.0"' })
        .optional()
        .describe("Branch, tag or commit of the CRDs. Default: each cluster's versions.prometheusOperator tag."),
    })
    .optional()
    .describe("Where each workload cluster's CRD Application takes the Prometheus Operator CRDs from"),
  name: dnsLabel
    .optional()
    .meta(
      about(
        'Name of the app-of-apps, and prefix of the other Applications: <name>-<cluster>, <name>-<cluster>-crds and <name>-<cluster>-monitors-<namespace>',
        G.name,
      ),
    ),
  automated: z
    .strictObject({
      prune: z.boolean().optional().meta(about('Delete objects that disappear from dist/. Never applied to the CRD Applications', G.automated?.prune)),
      selfHeal: z.boolean().optional().meta(about('Revert changes made in the cluster by hand', G.automated?.selfHeal)),
    })
    .nullable()
    .optional()
    .meta(about('Automated sync of every Application; null means manual sync', G.automated)),
});

export const fleetSchema = z.strictObject({
  defaults: stackSettings
    .extend({ platform })
    .optional()
    .describe(
      "Fleet-wide settings over the built-in defaults; each cluster's overrides go over them. Objects merge key by key, lists and scalar values replace",
    ),
  pki: pki.optional().describe('Where the CA and certificates are kept, and how long they are valid'),
  gitops: gitops.optional().describe('Argo CD Applications for the fleet, rendered into dist/_argocd/; see docs/operations.md, "Deploying with Argo CD"'),
  buckets: z
    .record(bucketName, bucket)
    .optional()
    .describe(
      "The object storage buckets of the fleet, by name: sidecars upload to one (thanosSidecar.bucket), an observer's Store Gateway reads it and its compactor compacts it; see docs/storage.md",
    ),
  clusters: z
    .array(cluster)
    .min(1, { message: 'must list at least one cluster' })
    .describe('The clusters of the fleet, at least one observer and one workload'),
});

export type FleetInput = z.input<typeof fleetSchema>;
export type Fleet = z.output<typeof fleetSchema>;
export type ClusterInput = Fleet['clusters'][number];
export type StackSettingsInput = z.output<typeof stackSettings>;
/** What the fleet file changes about one alert of the rule catalogue. */
export type AlertOverrideInput = z.output<typeof alertOverride>;
