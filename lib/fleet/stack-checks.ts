// Rules on a cluster's merged stack settings (built-in <- defaults <- overrides) that the schema
// cannot express: Alertmanager routes must name receivers that exist, receivers need unique names,
// and sidecar exposure options must fit the Service type.
import { NULL_RECEIVER } from './defaults';
import type { FleetProblem } from './errors';
import type { AlertmanagerRouteInput, Fleet } from './schema';
import { runsWorkloadStack } from './roles';

type Alertmanager = NonNullable<NonNullable<Fleet['defaults']>['alertmanager']>;

export function stackProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const seen = new Set<string>();
  const add = (p: FleetProblem) => {
    const key = `${p.path}\n${p.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(p);
    }
  };
  // A route in `defaults` is checked against each cluster's receivers: one problem lists every cluster.
  const missing = new Map<string, { receiver: string; known: string; clusters: string[] }>();

  fleet.clusters.forEach((c, i) => {
    const at = `clusters[${i}]`;
    if (!runsWorkloadStack(c)) return;
    const layers: { path: string; am?: Alertmanager }[] = [
      { path: 'defaults.alertmanager', am: fleet.defaults?.alertmanager },
      { path: `${at}.overrides.alertmanager`, am: c.overrides?.alertmanager },
    ];
    // Lists replace when merged: the last layer that sets `receivers` wins.
    const owner = [...layers].reverse().find((l) => l.am?.receivers !== undefined);
    const names = new Set([NULL_RECEIVER]);
    const declared = new Map<string, number>();
    owner?.am?.receivers?.forEach((r, j) => {
      const prev = declared.get(r.name);
      if (prev !== undefined)
        add({ path: `${owner.path}.receivers[${j}].name`, message: `"${r.name}" is already the name of receivers[${prev}]; receiver names must be unique` });
      else declared.set(r.name, j);
      names.add(r.name);
    });
    const known = [...names].map((n) => `"${n}"`).join(', ');
    const walk = (route: AlertmanagerRouteInput, path: string) => {
      if (route.receiver !== undefined && !names.has(route.receiver)) {
        const entry = missing.get(`${path}.receiver`) ?? { receiver: route.receiver, known, clusters: [] };
        entry.clusters.push(`"${c.name}"`);
        missing.set(`${path}.receiver`, entry);
      }
      route.routes?.forEach((r, j) => walk(r, `${path}.routes[${j}]`));
    };
    for (const l of layers) if (l.am?.route) walk(l.am.route, `${l.path}.route`);
    for (const l of layers) {
      const dms = l.am?.deadMansSwitch?.receiver;
      if (dms !== undefined && !names.has(dms)) {
        const entry = missing.get(`${l.path}.deadMansSwitch.receiver`) ?? { receiver: dms, known, clusters: [] };
        entry.clusters.push(`"${c.name}"`);
        missing.set(`${l.path}.deadMansSwitch.receiver`, entry);
      }
    }

    const service = c.thanos?.service;
    // Behind an Ingress the Services are ClusterIP: the controller's own load balancer is the one to restrict.
    const behindIngress = !!c.thanos?.ingress;
    const type = service?.type ?? (behindIngress ? 'ClusterIP' : 'LoadBalancer');
    const fix = behindIngress
      ? "remove it: behind thanos.ingress the Services are ClusterIP, so restrict the Ingress controller's load balancer instead"
      : 'remove it or set thanos.service.type: LoadBalancer';
    if (service?.sourceRanges?.length && type !== 'LoadBalancer') {
      add({ path: `${at}.thanos.service.sourceRanges`, message: `only applies to a LoadBalancer Service, not ${type}; ${fix}` });
    }
    if (service?.loadBalancer && type !== 'LoadBalancer') {
      add({ path: `${at}.thanos.service.loadBalancer`, message: `only applies to a LoadBalancer Service, not ${type}; ${fix}` });
    }
    // Without a provider no annotation is rendered: "internal" would silently give the cloud's default,
    // usually an internet-facing load balancer.
    const lb = service?.loadBalancer;
    if (lb?.scope && (lb.provider ?? 'none') === 'none') {
      add({
        path: `${at}.thanos.service.loadBalancer.scope`,
        message:
          "has no effect without loadBalancer.provider (aws, gcp or azure); set the provider, or remove scope and put your load balancer's own annotation under thanos.service.annotations",
      });
    }
  });
  for (const [path, m] of missing) {
    const where = m.clusters.length === 1 ? `cluster ${m.clusters[0]}` : `clusters ${m.clusters.join(', ')}`;
    problems.push({ path, message: `"${m.receiver}" is not a receiver of ${where}; use one of ${m.known} or declare it under alertmanager.receivers` });
  }
  return problems;
}
