// Rules on the scoping of promfleet's Prometheus Operator (operator.namespaces): an operator that
// does not watch the stack namespace leaves the stack's Prometheus unreconciled, and one that does
// not watch an application's namespace ignores that application's monitors, both without an error.
import { DEFAULT_STACK } from './defaults';
import type { FleetProblem } from './errors';
import type { Fleet } from './schema';
import { runsWorkloadStack } from './roles';

export function operatorScopeProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  fleet.clusters.forEach((c, i) => {
    if (!runsWorkloadStack(c)) return;
    const at = `clusters[${i}]`;
    const enabled = c.overrides?.operator?.enabled ?? fleet.defaults?.operator?.enabled ?? DEFAULT_STACK.operator.enabled;
    // Lists replace when merged: the last layer that sets the list wins, and the problem names it.
    const own = c.overrides?.operator?.namespaces;
    const namespaces = own ?? fleet.defaults?.operator?.namespaces;
    if (!enabled || !namespaces) return;
    const path = own ? `${at}.overrides.operator.namespaces` : 'defaults.operator.namespaces';
    const listed = new Set(namespaces);
    const stackNamespace = c.overrides?.namespace ?? fleet.defaults?.namespace ?? DEFAULT_STACK.namespace;
    if (!listed.has(stackNamespace)) {
      problems.push({
        path,
        message: `leaves out "${stackNamespace}", the stack namespace of cluster "${c.name}": the operator would not reconcile its Prometheus and Alertmanager; add it`,
      });
    }
    for (const k of ['serviceMonitors', 'podMonitors'] as const) {
      (c[k] ?? []).forEach((m, j) => {
        if (!listed.has(m.namespace)) {
          problems.push({
            path,
            message: `leaves out "${m.namespace}", the namespace of ${at}.${k}[${j}] (${m.name}): the operator would ignore that monitor; add it`,
          });
        }
      });
    }
  });
  return problems;
}
