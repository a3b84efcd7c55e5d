// The Thanos query frontend of an observer: the HTTP API clients use (the UI Ingress, Grafana), in front of the
// Querier. It cuts long range queries into day-sized pieces that the Querier answers in parallel, retries a
// piece that failed, and caches the results, so a dashboard reloaded over the same week costs one new day.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { DEFAULT_QUERY_FRONTEND, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import type { QuerierIngress, ResultsCache } from '../fleet/model';
import { goDuration, thanosSize } from '../fleet/quantity';
import { image } from '../meta';
import { QUERY_FRONTEND_NAME } from '../names';
import { namespaceOf, type PlacedComponentProps, type StackComponentProps } from './base';
import { podPlacement } from './common';
import { serviceHost } from './endpoints';
import { QUERIER_NAME, ThanosUiIngress } from './querier';
import { flagYaml, THANOS_HTTP_PORT, thanosPodTemplate, ThanosServer, ThanosServerExtras } from './thanos-pod';

/** How long an in-memory result stays usable (kube-thanos's choice): a cached day is fetched again after this. */
const IN_MEMORY_VALIDITY = '6h';

/**
 * The HTTP API of the Querier as clients should use it: the query frontend's Service when there is one, else the
 * Querier's own (both serve the Prometheus API on their `http` port, 10902).
 */
export function querierApiUrl(namespace: string, frontend: boolean): string {
  return `http://${serviceHost(frontend ? QUERY_FRONTEND_NAME : QUERIER_NAME, namespace)}:${THANOS_HTTP_PORT}`;
}

/**
 * The response cache configuration Thanos reads from --query-range.response-cache-config and
 * --labels.response-cache-config: `type` IN-MEMORY, MEMCACHED or REDIS and that type's `config`.
 */
export function resultsCacheConfig(cache: ResultsCache): Record<string, unknown> {
  switch (cache.type) {
    case 'inMemory': {
      const maxSize = thanosSize(cache.maxSize);
      if (!maxSize) throw new Error(`query frontend cache size "${cache.maxSize}" is below 1Mi`);
      return { type: 'IN-MEMORY', config: { max_size: maxSize, validity: IN_MEMORY_VALIDITY } };
    }
    case 'memcached':
      return { type: 'MEMCACHED', config: { addresses: [...cache.addresses] } };
    case 'redis':
      return { type: 'REDIS', config: { addr: cache.address } };
  }
}

export interface ThanosQueryFrontendProps extends StackComponentProps, PlacedComponentProps {
  /**
   * The Querier's HTTP API, which answers the frontend's pieces.
   * @default querierApiUrl(namespace, false): the Querier Service of the namespace
   */
  readonly downstreamUrl?: string;
  /** @default DEFAULT_VERSIONS.thanos */
  readonly version?: string;
  /** @default 2 */
  readonly replicas?: number;
  /** @default DEFAULT_QUERY_FRONTEND.resources */
  readonly resources?: Resources;
  /**
   * Length of the pieces range queries and label/series requests are cut into (a Prometheus duration).
   * @default "24h"
   */
  readonly splitInterval?: string;
  /**
   * Retries of a failed piece before the error reaches the client.
   * @default 5
   */
  readonly maxRetries?: number;
  /** @default in-memory, 128Mi per cache */
  readonly cache?: ResultsCache;
  /**
   * The UI Ingress, routed to the frontend (see ThanosUiIngress).
   * @default no Ingress
   */
  readonly ingress?: QuerierIngress;
  /**
   * Monitor selector of a Prometheus running next to the frontend: a ServiceMonitor with these labels.
   * @default no ServiceMonitor
   */
  readonly monitorSelector?: Record<string, string>;
}

/** Deployment, Service (http 10902), PDB, optional Ingress and ServiceMonitor of the query frontend. */
export class ThanosQueryFrontend extends Construct {
  constructor(scope: Construct, id: string, props: ThanosQueryFrontendProps) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const D = DEFAULT_QUERY_FRONTEND;
    const replicas = props.replicas ?? D.replicas;
    const split = goDuration(props.splitInterval ?? D.splitInterval);
    const retries = props.maxRetries ?? D.maxRetries;
    const cache = flagYaml(resultsCacheConfig(props.cache ?? D.cache));
    const server = new ThanosServer(QUERY_FRONTEND_NAME, 'query-frontend', namespace);
    const args = [
      'query-frontend',
      `--http-address=0.0.0.0:${THANOS_HTTP_PORT}`,
      `--query-frontend.downstream-url=${props.downstreamUrl ?? querierApiUrl(namespace, false)}`,
      // Grafana and the UI send gzip-capable requests; long ranges are large JSON.
      '--query-frontend.compress-responses',
      `--query-range.split-interval=${split}`,
      `--query-range.max-retries-per-request=${retries}`,
      `--query-range.response-cache-config=${cache}`,
      `--labels.split-interval=${split}`,
      `--labels.max-retries-per-request=${retries}`,
      `--labels.response-cache-config=${cache}`,
    ];
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: server.meta(),
      spec: {
        replicas,
        selector: { matchLabels: server.selector },
        template: thanosPodTemplate(server, {
          image: image('quay.io/thanos/thanos', props.version ?? DEFAULT_VERSIONS.thanos, props.imageRegistry),
          args,
          resources: props.resources ?? D.resources,
          placement: podPlacement(props.placement, D.placement, props.imagePullSecrets),
          grpc: false,
          volumeMounts: [],
          volumes: [],
        }),
      },
    });
    new ThanosServerExtras(this, 'extras', { server, replicas, monitorSelector: props.monitorSelector, grpc: false });
    if (props.ingress) new ThanosUiIngress(this, 'ingress', { namespace, ingress: props.ingress, service: QUERY_FRONTEND_NAME });
  }
}
