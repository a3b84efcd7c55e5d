// Rules of an observer's Grafana that span its fields and the cluster's roles: where Grafana may run, what
// a second replica or an OpenID Connect sign-in needs, and the TLS of its Ingress.
import { DEFAULT_GRAFANA } from './defaults';
import type { FleetProblem } from './errors';
import { ingressTlsProblems } from './ingress-checks';
import type { Fleet } from './schema';

export function grafanaProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  fleet.clusters.forEach((c, i) => {
    const g = c.grafana;
    if (!g) return;
    const at = `clusters[${i}].grafana`;
    if (!c.roles.includes('observer')) {
      problems.push({ path: at, message: 'is only for observer clusters, where the Querier it reads runs; add "observer" to roles or remove it' });
      return;
    }
    if (g.enabled === false) return;
    // One ReadWriteOnce volume and one SQLite file cannot serve two pods.
    if ((g.replicas ?? DEFAULT_GRAFANA.replicas) > 1 && g.persistence) {
      problems.push({
        path: `${at}.persistence`,
        message: `holds one SQLite database on a ReadWriteOnce volume, which ${g.replicas} replicas cannot share; set replicas: 1, or remove persistence`,
      });
    }
    if (g.ingress) {
      problems.push(...ingressTlsProblems(g.ingress.tls ?? {}, `${at}.ingress.tls`));
      if (g.ingress.host === c.querier?.ingress?.host) {
        problems.push({
          path: `${at}.ingress.host`,
          message: `is also querier.ingress.host; the two Ingresses would claim the same host: give Grafana a host of its own`,
        });
      }
    }
    const auth = g.auth ?? {};
    const oidcFields = Object.keys(auth).filter((k) => k !== 'type');
    if (auth.type === 'oidc') {
      for (const key of ['clientId', 'clientSecret', 'authUrl', 'tokenUrl', 'apiUrl'] as const) {
        if (auth[key] === undefined) problems.push({ path: `${at}.auth.${key}`, message: 'is required with type: oidc; see docs/operations.md, "Grafana"' });
      }
      // The provider sends the browser back to <root URL>/login/generic_oauth: Grafana must know where it is reached.
      if (!g.ingress) {
        problems.push({
          path: `${at}.auth`,
          message:
            'type: oidc needs grafana.ingress: the provider redirects users back to https://<ingress host>/login/generic_oauth; add grafana.ingress.host',
        });
      }
      if (auth.allowedGroups?.length && !auth.groupsAttributePath) {
        problems.push({
          path: `${at}.auth.groupsAttributePath`,
          message: 'is required with allowedGroups: it tells Grafana where the groups of a user are, e.g. "groups"',
        });
      }
    } else {
      for (const key of oidcFields) {
        problems.push({
          path: `${at}.auth.${key}`,
          message: `is only for type: oidc (type is ${auth.type ?? 'builtin, the default'}); remove it or set type: oidc`,
        });
      }
    }
    const names = new Set<string>();
    (g.alertmanagers ?? []).forEach((a, j) => {
      if (names.has(a.name))
        problems.push({ path: `${at}.alertmanagers[${j}].name`, message: `"${a.name}" is already the name of another alertmanager; names must be unique` });
      names.add(a.name);
    });
  });
  return problems;
}
