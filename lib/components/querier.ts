// The Thanos Querier of an observer cluster: one PromQL API over every StoreAPI of the fleet,
// reached over mTLS with the client certificate from lib/pki and the endpoints from endpoints.ts.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import type { ObserverCluster } from '../fleet/model';
import { EndpointsConfigMap, StoreEndpoint } from './endpoints';
import { THANOS_GRPC_PORT, THANOS_HTTP_PORT, thanosPodTemplate, ThanosServer, ThanosServerExtras } from './thanos-pod';

export const QUERIER_NAME = 'thanos-querier';
export const QUERIER_ENDPOINTS_CONFIGMAP = 'thanos-querier-endpoints';
export const QUERIER_ENDPOINTS_FILE = 'endpoints.yaml';
/** Where the client Secret (tls.crt, tls.key, ca.crt) is mounted. */
export const QUERIER_TLS_MOUNT = '/etc/thanos/tls';
export const QUERIER_ENDPOINTS_MOUNT = '/etc/thanos/endpoints';
/** How often Thanos re-reads the sd-config file (the kubelet projects ConfigMap changes within about a minute). */
export const ENDPOINTS_RELOAD_INTERVAL = '30s';

export interface ThanosQuerierProps {
  /** The observer cluster; `cluster.querier` holds replicas, resources and the Ingress. */
  readonly cluster: ObserverCluster;
  /** StoreAPIs to query (see querierEndpoints). */
  readonly endpoints: StoreEndpoint[];
  /** External label that tells HA replicas apart; the Querier deduplicates on it. */
  readonly replicaLabel: string;
  /** kubernetes.io/tls Secret with the Querier's client certificate and the CA of the servers. */
  readonly tlsSecret: string;
}

/** ConfigMap of endpoints, Deployment, Service, PDB, optional Ingress and ServiceMonitor. */
export class ThanosQuerier extends Construct {
  constructor(scope: Construct, id: string, props: ThanosQuerierProps) {
    super(scope, id);
    const { cluster, endpoints, replicaLabel, tlsSecret } = props;
    const { querier } = cluster.observer;
    const namespace = cluster.stack.namespace;
    const server = new ThanosServer(QUERIER_NAME, 'querier', namespace);

    new EndpointsConfigMap(this, 'endpoints', {
      name: QUERIER_ENDPOINTS_CONFIGMAP,
      namespace,
      key: QUERIER_ENDPOINTS_FILE,
      endpoints,
      files: { certFile: `${QUERIER_TLS_MOUNT}/tls.crt`, keyFile: `${QUERIER_TLS_MOUNT}/tls.key`, caFile: `${QUERIER_TLS_MOUNT}/ca.crt` },
    });

    const args = [
      'query',
      `--grpc-address=0.0.0.0:${THANOS_GRPC_PORT}`,
      `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`,
      `--query.replica-label=${replicaLabel}`,
      `--endpoint.sd-config-file=${QUERIER_ENDPOINTS_MOUNT}/${QUERIER_ENDPOINTS_FILE}`,
      `--endpoint.sd-config-reload-interval=${ENDPOINTS_RELOAD_INTERVAL}`,
      // Long ranges over Store Gateway data then read downsampled blocks.
      ...(querier.storeGateway ? ['--query.auto-downsampling'] : []),
    ];
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: server.meta(),
      spec: {
        replicas: querier.replicas,
        selector: { matchLabels: server.selector },
        template: thanosPodTemplate(server, {
          cluster,
          args,
          resources: querier.resources,
          // Whole-volume mounts (no subPath), so the kubelet delivers updated files to running pods.
          volumeMounts: [
            { name: 'tls', mountPath: QUERIER_TLS_MOUNT, readOnly: true },
            { name: 'endpoints', mountPath: QUERIER_ENDPOINTS_MOUNT, readOnly: true },
          ],
          volumes: [
            { name: 'tls', secret: { secretName: tlsSecret } },
            { name: 'endpoints', configMap: { name: QUERIER_ENDPOINTS_CONFIGMAP } },
          ],
        }),
      },
    });
    new ThanosServerExtras(this, 'extras', { server, cluster, replicas: querier.replicas });

    if (querier.ingress) {
      const ing = querier.ingress;
      new k8s.KubeIngress(this, 'ingress', {
        metadata: server.meta(ing.annotations),
        spec: {
          ingressClassName: ing.className,
          rules: [
            {
              host: ing.host,
              http: {
                paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: QUERIER_NAME, port: { name: 'http' } } } }],
              },
            },
          ],
          tls: ing.tlsSecretName ? [{ hosts: [ing.host], secretName: ing.tlsSecretName }] : undefined,
        },
      });
    }
  }
}
