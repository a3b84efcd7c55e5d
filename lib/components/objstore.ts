// Object storage: how a bucket of the fleet file becomes the objstore configuration Thanos reads
// (--objstore.config-file, the Prometheus CR's thanos.objectStorageConfig), and what a pod needs to reach
// it: the Secret with that configuration, the ServiceAccount annotations and pod labels of workload
// identity, or the shared volume of a filesystem bucket.
//
// The configuration has the shape of github.com/thanos-io/objstore client/factory.go (BucketConfig:
// `type`, `config`, `prefix`), whose `config` holds the provider's own fields (providers/s3/s3.go,
// providers/gcs/gcs.go, providers/azure/azure.go, providers/filesystem/filesystem.go).
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { OBJSTORE_KEY } from '../fleet/defaults';
import type { Bucket, SecretKeyRef } from '../fleet/model';
import { meta } from '../meta';
import { namespaceOf, type NamespacedProps } from './base';

/** Where every Thanos pod of promfleet mounts its objstore configuration. */
export const OBJSTORE_MOUNT = '/etc/thanos/objstore';

/** The Secret promfleet renders with the objstore configuration of bucket `name`. */
export function objstoreSecretName(bucket: string): string {
  return `thanos-objstore-${bucket}`;
}

/** What a pod needs to use one bucket. */
export interface BucketAccess extends SecretKeyRef {
  /**
   * Annotations of the pod's ServiceAccount that give it the cloud identity the bucket trusts (workload identity).
   * @default none
   */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /**
   * Labels the pods need for that identity (Azure's webhook acts only on labelled pods).
   * @default none
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /**
   * A PersistentVolumeClaim mounted at `mountPath` into every pod that uses the bucket (a filesystem bucket).
   * @default none
   */
  readonly sharedVolume?: { readonly claimName: string; readonly mountPath: string };
}

/** The annotations and labels of workload identity for a bucket that uses it (none otherwise). */
function identityOf(bucket: Bucket): Pick<BucketAccess, 'serviceAccountAnnotations' | 'podLabels'> {
  if (!('credentials' in bucket) || bucket.credentials.source !== 'workloadIdentity') return {};
  const c = bucket.credentials as Record<string, string>;
  switch (bucket.type) {
    case 's3':
      // IRSA: EKS' pod identity webhook injects the web identity token the S3 client exchanges for the role.
      return { serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': c.roleArn } };
    case 'gcs':
      return { serviceAccountAnnotations: { 'iam.gke.io/gcp-service-account': c.gcpServiceAccount } };
    case 'azure':
      return { serviceAccountAnnotations: { 'azure.workload.identity/client-id': c.clientId }, podLabels: { 'azure.workload.identity/use': 'true' } };
  }
}

/** How the pods of the fleet reach bucket `name`: promfleet's Secret for it (or yours), and its identity or volume. */
export function bucketAccess(name: string, bucket: Bucket): BucketAccess {
  if (bucket.type === 'existingSecret') return { name: bucket.secret.name, key: bucket.secret.key };
  const shared =
    bucket.type === 'filesystem' && bucket.persistentVolumeClaim
      ? { sharedVolume: { claimName: bucket.persistentVolumeClaim, mountPath: bucket.config.directory } }
      : {};
  return { name: objstoreSecretName(name), key: OBJSTORE_KEY, ...identityOf(bucket), ...shared };
}

/** A credential of the secret store that a bucket names: `field` is its path under `buckets.<name>`. */
export interface BucketCredentialUse {
  readonly field: string;
  readonly credential: string;
}

/** The secret-store credentials a bucket signs in with (none for workload identity, a filesystem or your Secret). */
export function bucketCredentialUses(bucket: Bucket): BucketCredentialUse[] {
  if (!('credentials' in bucket) || bucket.credentials.source !== 'store') return [];
  return Object.entries(bucket.credentials)
    .filter(([k]) => k !== 'source')
    .map(([k, v]) => ({ field: `credentials.${k}`, credential: String(v) }));
}

/** The objstore field each stored credential fills in. */
const CREDENTIAL_FIELDS: Record<string, string> = {
  accessKey: 'access_key',
  secretKey: 'secret_key',
  serviceAccount: 'service_account',
  storageAccountKey: 'storage_account_key',
};

/** The objstore provider names of Thanos (objstore.go: S3, GCS, AZURE, FILESYSTEM; matched without case). */
const PROVIDERS = { s3: 'S3', gcs: 'GCS', azure: 'AZURE', filesystem: 'FILESYSTEM' } as const;

/**
 * The objstore configuration of `bucket` with the values of its stored credentials (`credentials`: credential
 * name -> value): `{type, config}` as Thanos parses it. Without credentials (workload identity), the provider's
 * default chain finds the pod's identity: minio's IAM provider reads IRSA's web identity token, GCS and Azure
 * their default credentials.
 */
export function objstoreConfig(bucket: Exclude<Bucket, { type: 'existingSecret' }>, credentials: Readonly<Record<string, string>> = {}): object {
  const config: Record<string, unknown> = { ...bucket.config };
  if ('credentials' in bucket && bucket.credentials.source === 'store') {
    for (const [k, name] of Object.entries(bucket.credentials)) {
      if (k === 'source') continue;
      const value = credentials[String(name)];
      if (value === undefined) throw new Error(`the value of credential "${String(name)}" was not given`);
      config[CREDENTIAL_FIELDS[k]] = value;
    }
  }
  return { type: PROVIDERS[bucket.type], config };
}

export interface ObjstoreSecretProps extends NamespacedProps {
  /** The bucket's name in the fleet file: the Secret is objstoreSecretName(bucket). */
  readonly bucket: string;
  /** The objstore configuration (see objstoreConfig). */
  readonly config: object;
}

/**
 * The Opaque Secret with a bucket's objstore configuration under OBJSTORE_KEY. It carries the bucket's keys,
 * so it is rendered into the git-ignored secrets/ folder, or sealed; with workload identity it holds none, and
 * goes there all the same, so that every bucket Secret is found and applied the same way.
 */
export class ObjstoreSecret extends Construct {
  constructor(scope: Construct, id: string, props: ObjstoreSecretProps) {
    super(scope, id);
    new k8s.KubeSecret(this, 'secret', {
      metadata: meta(objstoreSecretName(props.bucket), 'object-storage', { namespace: namespaceOf(props), app: 'thanos' }),
      type: 'Opaque',
      // `data`, not `stringData`: what the API server stores, so diffs and Argo CD compare like with like.
      data: { [OBJSTORE_KEY]: Buffer.from(stringify(props.config), 'utf8').toString('base64') },
    });
  }
}

/** The volume and mount of a bucket's objstore configuration, `file` inside OBJSTORE_MOUNT, and of its shared volume. */
export function objstoreVolumes(access: BucketAccess, file: string): { volumes: k8s.Volume[]; volumeMounts: k8s.VolumeMount[] } {
  const shared = access.sharedVolume;
  return {
    volumes: [
      { name: 'objstore', secret: { secretName: access.name, items: [{ key: access.key, path: file }] } },
      ...(shared ? [{ name: 'bucket', persistentVolumeClaim: { claimName: shared.claimName } }] : []),
    ],
    volumeMounts: [{ name: 'objstore', mountPath: OBJSTORE_MOUNT, readOnly: true }, ...(shared ? [{ name: 'bucket', mountPath: shared.mountPath }] : [])],
  };
}

/** The ServiceAccount of a Thanos pod with workload identity: it carries the identity's annotations, and no token. */
export function bucketServiceAccount(
  scope: Construct,
  id: string,
  opts: { name: string; namespace: string; component: string; access: BucketAccess },
): string | undefined {
  const annotations = opts.access.serviceAccountAnnotations;
  if (!annotations) return undefined;
  new k8s.KubeServiceAccount(scope, id, {
    metadata: meta(opts.name, opts.component, { namespace: opts.namespace, annotations: { ...annotations } }),
    // Thanos never calls the API server; the identity webhooks mount their own projected token.
    automountServiceAccountToken: false,
  });
  return opts.name;
}

/** A Thanos pod template with the ServiceAccount and pod labels of the bucket's workload identity, if it has one. */
export function withBucketIdentity(template: k8s.PodTemplateSpec, access: BucketAccess, serviceAccountName?: string): k8s.PodTemplateSpec {
  if (!serviceAccountName && !access.podLabels) return template;
  return {
    ...template,
    metadata: { ...template.metadata, labels: { ...template.metadata?.labels, ...access.podLabels } },
    ...(template.spec ? { spec: { ...template.spec, ...(serviceAccountName ? { serviceAccountName } : {}) } } : {}),
  };
}
