// Fleet rules of the delivery settings (gitops, clusters[].argocd) that look across fields.
import { applicationNames } from '../names';
import { DEFAULT_GITOPS } from './defaults';
import type { FleetProblem } from './errors';
import type { Fleet } from './schema';
import { runsWorkloadStack } from './roles';

/** Application names end up in label values (app.kubernetes.io/name, Argo CD's instance label). */
const MAX_NAME = 63;

export function deliveryProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  if (!fleet.gitops) {
    fleet.clusters.forEach((c, i) => {
      if (c.argocd)
        problems.push({ path: `clusters[${i}].argocd`, message: 'has no effect without a top-level gitops section: add gitops.repoURL or remove it' });
    });
    return problems;
  }
  const project = fleet.gitops.project ?? DEFAULT_GITOPS.project;
  if (project === 'default' && (fleet.gitops.renderProject ?? DEFAULT_GITOPS.renderProject)) {
    problems.push({
      path: 'gitops.project',
      message: `would make promfleet render Argo CD's own "default" project and narrow it to the fleet; keep the default "${DEFAULT_GITOPS.project}", or set gitops.renderProject: false to use a project you manage`,
    });
  }
  const name = fleet.gitops.name ?? DEFAULT_GITOPS.name;
  const owner = new Map<string, string>([[name, 'gitops.name (the app-of-apps)']]);
  const clusters = new Set<string>();
  fleet.clusters.forEach((c, i) => {
    if (clusters.has(c.name)) return; // a duplicate cluster name is reported on its own
    clusters.add(c.name);
    const at = `clusters[${i}].name`;
    const namespaces = runsWorkloadStack(c) ? [...new Set([...(c.serviceMonitors ?? []), ...(c.podMonitors ?? [])].map((m) => m.namespace))] : [];
    const names = applicationNames({ name }, c.name, namespaces);
    const monitorApps = new Set(Object.values(names.monitors));
    for (const app of [names.stack, names.crds, ...monitorApps]) {
      if (app.length > MAX_NAME) {
        problems.push({
          path: at,
          message: `makes the Argo CD Application name "${app}" longer than ${MAX_NAME} characters; shorten the cluster name or gitops.name${
            monitorApps.has(app) ? ' (the name ends in the namespace of an application monitor)' : ''
          }`,
        });
        break;
      }
      const other = owner.get(app);
      if (other !== undefined) {
        problems.push({ path: at, message: `makes the Argo CD Application name "${app}", already used by ${other}; rename one of the two clusters` });
      } else owner.set(app, at);
    }
  });
  return problems;
}
