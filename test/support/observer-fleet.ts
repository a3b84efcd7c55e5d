// Fleets and readers for the observer tests: what the Querier was rendered with, resolved
// through its mounts to the Secrets and ConfigMaps that back each path.
import * as path from 'path';
import { parse } from 'yaml';
import type { TlsBundle } from '../../lib/pki';
import { ofKind, type Rendered, type RenderedObject } from './fleet';
import type { Kind, ManifestOf } from './manifests';
import { tlsBundleFromSecret } from './go-tls';

/**
 * Two observers; "hub" is also a workload cluster (its own sidecar is reached in-cluster) with
 * a Store Gateway and a plaintext extra store; "eu" listens on 443.
 */
export const HUB_FLEET = `
defaults:
  monitorSelector: { team: platform }
buckets:
  metrics: { type: existingSecret, secret: { name: thanos-objstore, key: objstore.yml } }
clusters:
  - name: hub
    roles: [observer, workload]
    externalLabels: { region: eu-west-1 }
    thanos:
      endpoint: { host: "sidecar-{replica}.hub.example.com" }
    querier:
      replicas: 3
      ingress: { host: thanos.example.com, className: nginx, tls: { source: secret, secretName: thanos-ui-tls } }
      storeGateway:
        bucket: metrics
        replicas: 2
        storage: { size: 20Gi, storageClassName: fast }
      extraStores:
        - { address: "thanos-ruler.monitoring.svc:10901", tls: false }
  - name: backup
    roles: [observer]
    querier:
      replicas: 1
  - name: eu
    roles: [workload]
    externalLabels: { region: eu-west-1 }
    thanos:
      endpoint: { host: "sidecar-{replica}.eu.example.com", port: 443 }
  - name: us
    roles: [workload]
    externalLabels: { region: us-east-1 }
    thanos:
      endpoint: { host: "sidecar-{replica}.us.example.com" }
`;

export interface SdTlsConfig {
  enabled: boolean;
  cert_file?: string;
  key_file?: string;
  ca_file?: string;
}

export interface SdEndpoint {
  address: string;
  client_config: { tls_config: SdTlsConfig; server_name?: string };
}

export interface SdConfig {
  default_client_config: { tls_config: SdTlsConfig };
  endpoints: SdEndpoint[];
}

export function find<K extends Kind>(r: Rendered, cluster: string, kind: K, name: string): RenderedObject<ManifestOf<K>> {
  const o = ofKind(r.objects, kind).find((x) => x.cluster === cluster && x.obj.metadata.name === name);
  if (!o) throw new Error(`${cluster}: no ${kind}/${name} rendered`);
  return o;
}

export function flagValue(args: string[], flag: string): string | undefined {
  return args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
}

/** The Querier Deployment's container. */
export function querierContainer(r: Rendered, cluster: string) {
  return find(r, cluster, 'Deployment', 'thanos-querier').obj.spec.template.spec.containers[0];
}

export interface PodTemplate {
  spec: {
    volumes: { name: string; secret?: { secretName: string }; configMap?: { name: string } }[];
    containers: { volumeMounts: { name: string; mountPath: string }[] }[];
  };
}

/** What a file path inside a pod resolves to: the mounted volume's source object and the key within it. */
export function resolveMountedFile(r: Rendered, cluster: string, pod: PodTemplate, file: string) {
  const mount = pod.spec.containers[0].volumeMounts.find((m) => path.dirname(file) === m.mountPath);
  if (!mount) throw new Error(`${file} is under no volume mount`);
  const volume = pod.spec.volumes.find((v) => v.name === mount.name);
  if (!volume) throw new Error(`no volume ${mount.name}`);
  const key = path.basename(file);
  if (volume.secret) {
    const secret = find(r, cluster, 'Secret', volume.secret.secretName);
    return {
      kind: 'Secret',
      object: secret,
      key,
      value: secret.obj.data?.[key] === undefined ? undefined : Buffer.from(secret.obj.data[key], 'base64').toString('utf8'),
    };
  }
  if (!volume.configMap) throw new Error(`volume ${volume.name} is neither a Secret nor a ConfigMap`);
  const cm = find(r, cluster, 'ConfigMap', volume.configMap.name);
  return { kind: 'ConfigMap', object: cm, key, value: cm.obj.data?.[key] as string | undefined };
}

/** The sd-config file the Querier reads, found through its --endpoint.sd-config-file flag and mounts. */
export function renderedSdConfig(r: Rendered, cluster: string): SdConfig {
  const pod = find(r, cluster, 'Deployment', 'thanos-querier').obj.spec.template;
  const file = flagValue(querierContainer(r, cluster).args, 'endpoint.sd-config-file');
  if (!file) throw new Error(`${cluster}: the Querier has no --endpoint.sd-config-file`);
  const resolved = resolveMountedFile(r, cluster, pod, file);
  if (resolved.value === undefined) throw new Error(`${cluster}: ${file} is not in ConfigMap ${resolved.object.obj.metadata.name}`);
  return parse(resolved.value) as SdConfig;
}

/** The TLS files the Querier presents for one endpoint, read from the rendered Secret through the mounts. */
export function querierClientBundle(r: Rendered, cluster: string, tls: { cert_file?: string; key_file?: string; ca_file?: string }): TlsBundle {
  const pod = find(r, cluster, 'Deployment', 'thanos-querier').obj.spec.template;
  const read = (file: string | undefined) => {
    const v = file && resolveMountedFile(r, cluster, pod, file).value;
    if (!v) throw new Error(`${cluster}: ${file} is not in the mounted Secret`);
    return v;
  };
  return { cert: read(tls.cert_file), key: read(tls.key_file), ca: read(tls.ca_file) };
}

export function renderedTlsSecret(r: Rendered, cluster: string, name: string): TlsBundle {
  return tlsBundleFromSecret(find(r, cluster, 'Secret', name).obj);
}
