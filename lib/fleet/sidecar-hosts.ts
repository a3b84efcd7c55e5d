// The names each Prometheus replica's sidecar is dialled on: a host pattern with "{replica}", or
// one name per replica. The fleet checks and the model read them the same way.
import { REPLICA_PLACEHOLDER } from './schema';

/** A `thanos.endpoint` or `thanos.ingress`: one pattern, or one name per replica. */
export interface ReplicaHostsInput {
  readonly host?: string;
  readonly hosts?: readonly string[];
}

/**
 * The name of each of `replicas` replicas, in replica order: `hosts` as listed, or `host` with
 * "{replica}" replaced by 0, 1, ... (a name without it is the same for every replica, which the
 * fleet checks reject when there is more than one).
 */
export function replicaHosts(input: ReplicaHostsInput, replicas: number): string[] {
  if (input.hosts) return [...input.hosts];
  const pattern = input.host;
  if (pattern === undefined) return [];
  return Array.from({ length: replicas }, (_, i) => pattern.split(REPLICA_PLACEHOLDER).join(String(i)));
}

/** The range of node ports a default API server hands out (--service-node-port-range). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

/** The node port of replica `replica` when the sidecars are exposed as NodePort Services: one per replica, as node ports are cluster-wide. */
export function sidecarNodePort(port: number, replica: number): number {
  return port + replica;
}
