// The fleet file's rule settings against the rule catalogue, which the fleet layer does not know:
// every group and alert named in `rules` must exist, and thresholds only go on alerts that have one.
// Checked per workload cluster before its charts are built; each problem names the field it is in.
import { fleetRuleFamily } from '../components/fleet-rules';
import { RULE_FAMILIES, ruleOverrideProblems, type RuleOverrides } from '../components/rule-families';
import { FleetError, type FleetProblem } from '../fleet/errors';
import type { FleetModel, WorkloadCluster } from '../fleet/model';

/** The rule catalogue and the fleet-level alerts of an observer's ThanosRuler, which take the same settings. */
const CATALOGUE = [...RULE_FAMILIES, fleetRuleFamily({ clusters: [{ name: 'any' }], observer: 'any' })];

/** The problems of the `rules` settings a workload cluster merges: the fleet-wide defaults, then its overrides. */
export function ruleSettingsProblems(fleet: FleetModel, cluster: WorkloadCluster): FleetProblem[] {
  const layers: { path: string; rules?: RuleOverrides }[] = [
    { path: 'defaults.rules', rules: fleet.input.defaults?.rules },
    { path: `clusters[${cluster.index}].overrides.rules`, rules: fleet.input.clusters[cluster.index]?.overrides?.rules },
  ];
  return layers.flatMap((l) => (l.rules ? ruleOverrideProblems(l.rules, CATALOGUE).map((p) => ({ path: `${l.path}.${p.path}`, message: p.message })) : []));
}

/** Throws a FleetError with every problem of the cluster's rule settings. */
export function assertRuleSettings(fleet: FleetModel, cluster: WorkloadCluster): void {
  const problems = ruleSettingsProblems(fleet, cluster);
  if (problems.length) throw new FleetError(fleet.source, problems);
}
