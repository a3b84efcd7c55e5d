// Cross-field rules the schema cannot express: they look across clusters.
import type { Fleet } from './schema';
import { DEFAULT_STACK } from './defaults';
import { FleetProblem } from './errors';
import { CLUSTER_LABEL } from '../names';
import { deliveryProblems } from './delivery-checks';
import { operatorScopeProblems } from './operator-checks';
import { sidecarProblems } from './sidecar-checks';
import { stackProblems } from './stack-checks';
import { querierIngressProblems } from './ingress-checks';
import { grafanaProblems } from './grafana-checks';
import { controlPlaneProblems } from './platform-checks';
import { thanosProblems } from './thanos-checks';
import { runsWorkloadStack } from './roles';
import { storageProblems } from './storage-checks';

export function crossFieldProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const firstByName = new Map<string, number>();
  const labelSets = new Map<string, number>();
  let observers = 0;
  let workloads = 0;

  fleet.clusters.forEach((c, i) => {
    const at = `clusters[${i}]`;
    const prev = firstByName.get(c.name);
    if (prev !== undefined) {
      problems.push({ path: `${at}.name`, message: `"${c.name}" is already the name of clusters[${prev}]; cluster names must be unique` });
    } else firstByName.set(c.name, i);

    if (new Set(c.roles).size !== c.roles.length) {
      problems.push({ path: `${at}.roles`, message: 'lists a role twice; list each of observer, workload at most once' });
    }
    const isWorkload = c.roles.includes('workload');
    const isObserver = c.roles.includes('observer');
    if (isWorkload) workloads++;
    if (isObserver) observers++;

    const replicaLabel = c.overrides?.prometheus?.replicaLabel ?? fleet.defaults?.prometheus?.replicaLabel ?? DEFAULT_STACK.prometheus.replicaLabel;
    if (c.externalLabels && replicaLabel in c.externalLabels) {
      problems.push({
        path: `${at}.externalLabels.${replicaLabel}`,
        message: `is the replica label Prometheus sets per replica; remove it or choose another prometheus.replicaLabel`,
      });
    }

    if (c.selfMonitoring !== undefined && !isObserver) {
      problems.push({ path: `${at}.selfMonitoring`, message: 'is only for observer clusters (a workload cluster always runs Prometheus); remove it' });
    } else if (c.selfMonitoring === false && isWorkload) {
      problems.push({
        path: `${at}.selfMonitoring`,
        message: 'is false, but the workload role runs Prometheus on this cluster anyway; remove selfMonitoring, or remove "workload" from roles',
      });
    }
    // Every cluster that runs Prometheus: its external labels go out with its series.
    const monitored = runsWorkloadStack(c);
    if (isWorkload && !c.thanos) {
      problems.push({ path: `${at}.thanos`, message: 'is required on a workload cluster: add thanos.endpoint.host, the DNS name the observer dials' });
    }
    if (monitored) {
      // Thanos drops one of two stores whose external labels are identical. (A repeated cluster name is
      // reported above; its identical label set would only repeat that.)
      const entries = Object.entries({ [CLUSTER_LABEL]: c.name, ...(c.externalLabels ?? {}) }).sort(([a], [b]) => (a < b ? -1 : 1));
      const set = `{${entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
      const same = labelSets.get(set);
      if (same !== undefined && prev === undefined) {
        problems.push({
          path: `${at}.externalLabels`,
          message: `${set} of "${c.name}" equals the external labels of clusters[${same}] ("${fleet.clusters[same].name}"); Thanos would drop one of the two stores: make one label differ`,
        });
      } else if (same === undefined) labelSets.set(set, i);
    } else {
      const fix = isObserver ? 'remove selfMonitoring: false (the observer then monitors itself) or remove it' : 'add "workload" to roles or remove it';
      if (c.thanos) problems.push({ path: `${at}.thanos`, message: `configures a Thanos sidecar, and this cluster runs no Prometheus; ${fix}` });
      for (const k of ['serviceMonitors', 'podMonitors'] as const) {
        if (c[k]?.length)
          problems.push({ path: `${at}.${k}`, message: `needs a Prometheus to pick them up, and this cluster runs none; ${fix.replace(/ it$/, ' them')}` });
      }
      // The Querier has no external labels: on a cluster without Prometheus they would be silently dropped.
      if (c.externalLabels && Object.keys(c.externalLabels).length) {
        problems.push({
          path: `${at}.externalLabels`,
          message: `label a Prometheus, and this cluster runs none; ${fix.replace(/ it$/, ' them')}`,
        });
      }
    }
    if (!isObserver && c.querier) {
      problems.push({ path: `${at}.querier`, message: 'is only for observer clusters; add "observer" to roles or remove it' });
    }
    for (const k of ['serviceMonitors', 'podMonitors'] as const) {
      const seen = new Set<string>();
      (c[k] ?? []).forEach((m, j) => {
        const id = `${m.namespace}/${m.name}`;
        if (seen.has(id)) problems.push({ path: `${at}.${k}[${j}].name`, message: `${id} is declared twice; monitor names must be unique per namespace` });
        seen.add(id);
      });
    }
  });

  if (observers === 0)
    problems.push({ path: 'clusters', message: 'no cluster has the "observer" role; give one cluster roles: [observer] to run the Thanos Querier' });
  if (workloads === 0) problems.push({ path: 'clusters', message: 'no cluster has the "workload" role; give at least one cluster roles: [workload]' });
  problems.push(...deliveryProblems(fleet));
  problems.push(...stackProblems(fleet));
  problems.push(...sidecarProblems(fleet));
  problems.push(...operatorScopeProblems(fleet));
  problems.push(...querierIngressProblems(fleet));
  problems.push(...grafanaProblems(fleet));
  problems.push(...controlPlaneProblems(fleet));
  problems.push(...thanosProblems(fleet));
  problems.push(...storageProblems(fleet));
  return problems;
}
