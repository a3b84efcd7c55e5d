// Rules on how the observer reaches each Prometheus replica's sidecar: exactly one path (a load
// balancer per replica, or an Ingress in TLS-passthrough mode), one name per replica, and no name
// shared by two replicas anywhere in the fleet.
import { DEFAULT_STACK } from './defaults';
import type { FleetProblem } from './errors';
import type { Fleet } from './schema';
import { REPLICA_PLACEHOLDER } from './schema';
import { NODE_PORT_RANGE, replicaHosts, type ReplicaHostsInput } from './sidecar-hosts';
import { runsWorkloadStack } from './roles';

/** The ingress classes whose TLS-passthrough annotation promfleet renders itself. */
const PASSTHROUGH_CLASSES = ['nginx'];

export function sidecarProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const owners = new Map<string, string>();

  fleet.clusters.forEach((c, i) => {
    const thanos = c.thanos;
    if (!thanos || !runsWorkloadStack(c)) return;
    const at = `clusters[${i}].thanos`;
    const replicas = c.overrides?.prometheus?.replicas ?? fleet.defaults?.prometheus?.replicas ?? DEFAULT_STACK.prometheus.replicas;

    if (thanos.endpoint && thanos.ingress) {
      problems.push({
        path: `${at}.ingress`,
        message:
          'and thanos.endpoint are two ways to reach the same sidecars, and the observer dials only one: keep thanos.ingress (dialled on port 443) and remove thanos.endpoint, or remove thanos.ingress',
      });
      return;
    }
    const field = thanos.ingress ? 'ingress' : 'endpoint';
    const spec: ReplicaHostsInput | undefined = thanos.ingress ?? thanos.endpoint;
    if (!spec) {
      problems.push({
        path: `${at}.endpoint`,
        message:
          'is required: set thanos.endpoint.host (a load balancer per Prometheus replica, e.g. "sidecar-{replica}.example.com"), or thanos.ingress.host to go through an Ingress in TLS-passthrough mode',
      });
      return;
    }
    problems.push(...hostProblems(`${at}.${field}`, spec, replicas));

    replicaHosts(spec, replicas).forEach((host, r) => {
      const where = spec.hosts ? `${at}.${field}.hosts[${r}]` : `${at}.${field}.host`;
      const owner = owners.get(host);
      // A pattern without "{replica}" is reported once above, not once per replica.
      if (owner !== undefined && !(owner.startsWith(`${where} `) && !spec.hosts)) {
        problems.push({ path: where, message: `"${host}" is already the name of ${owner}; each Prometheus replica needs a DNS name of its own` });
      } else if (owner === undefined) owners.set(host, `${where} (replica ${r})`);
    });

    if (!thanos.ingress && thanos.service?.type === 'NodePort') {
      const port = thanos.endpoint?.port;
      const last = NODE_PORT_RANGE.max - (replicas - 1);
      if (port === undefined || port < NODE_PORT_RANGE.min || port > last) {
        problems.push({
          path: `${at}.endpoint.port`,
          message:
            `${port === undefined ? 'is not set' : `is ${port}`}, but with service.type NodePort the observer dials the node ports themselves, ` +
            `one per replica (port, port + 1, ...), and they must lie in the API server's node-port range: set a port from ${NODE_PORT_RANGE.min} to ${last}`,
        });
      }
    }
    if (thanos.ingress) {
      const type = thanos.service?.type;
      if (type && type !== 'ClusterIP') {
        problems.push({
          path: `${at}.service.type`,
          message: `is ${type}, but with thanos.ingress the observer dials the Ingress: a ${type} Service would expose every sidecar a second time, past the Ingress; remove type (the Services are ClusterIP) or remove thanos.ingress`,
        });
      }
      const className = thanos.ingress.className;
      if (!(className && PASSTHROUGH_CLASSES.includes(className)) && !Object.keys(thanos.ingress.annotations ?? {}).length) {
        problems.push({
          path: `${at}.ingress.className`,
          message: `${className ? `is "${className}", whose` : 'is not set, so the default IngressClass is used, and its'} TLS-passthrough annotation promfleet does not know; without passthrough the controller terminates TLS and the sidecar never sees the observer's client certificate: set className: nginx (its controller run with --enable-ssl-passthrough), or put your controller's passthrough annotation under thanos.ingress.annotations`,
        });
      }
    }
  });
  return problems;
}

/** One name per replica: `host` or `hosts`, not both, and a pattern with "{replica}" for more than one replica. */
function hostProblems(at: string, spec: ReplicaHostsInput, replicas: number): FleetProblem[] {
  if (spec.host !== undefined && spec.hosts !== undefined) {
    return [{ path: `${at}.hosts`, message: 'and host both name the replicas; keep one of them' }];
  }
  if (spec.hosts !== undefined) {
    return spec.hosts.length === replicas
      ? []
      : [
          {
            path: `${at}.hosts`,
            message: `lists ${spec.hosts.length} name${spec.hosts.length === 1 ? '' : 's'} for ${replicas} Prometheus replica${replicas === 1 ? '' : 's'} (prometheus.replicas); list one per replica, in replica order`,
          },
        ];
  }
  if (spec.host === undefined) {
    return [
      { path: `${at}.host`, message: 'is required: the DNS name of each Prometheus replica, e.g. "sidecar-{replica}.example.com" (or list them under hosts)' },
    ];
  }
  if (replicas > 1 && !spec.host.includes(REPLICA_PLACEHOLDER)) {
    const dot = spec.host.indexOf('.');
    const example = dot > 0 ? `${spec.host.slice(0, dot)}-${REPLICA_PLACEHOLDER}${spec.host.slice(dot)}` : `${spec.host}-${REPLICA_PLACEHOLDER}`;
    return [
      {
        path: `${at}.host`,
        message: `"${spec.host}" is one name, but prometheus.replicas is ${replicas} and the observer must reach each replica on its own to deduplicate them: write "${REPLICA_PLACEHOLDER}" where the replica number goes, e.g. "${example}", or list one name per replica under hosts`,
      },
    ];
  }
  return [];
}
