// The fleet file's rule settings against the rule catalogue, which the fleet layer does not know:
// every group and alert named in `rules` must exist, and thresholds only go on alerts that have one.
// Checked per workload cluster before its charts are built; each problem names the field it is in.
import { fleetRuleFamily } from '../components/fleet-rules';
import { RULE_FAMILIES, ruleOverrideProblems, type RuleOverrides } from '../components/rule-families';
import { FleetError, type FleetProblem } from '../fleet/errors';
import { isWorkload, type FleetModel, type WorkloadCluster } from '../fleet/model';

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

/**
 * Throws a FleetError with every problem of the rule settings of the fleet's clusters that render rules, each
 * once (a problem of `defaults.rules` is every cluster's): the first cluster checked reports them all.
 */
export function assertRuleSettings(fleet: FleetModel): void {
  // Every workload cluster's build asks: the fleet is checked once.
  if (checked.has(fleet)) return;
  const seen = new Set<string>();
  const problems = fleet.clusters
    .filter(isWorkload)
    .filter((c) => c.stack.rules.enabled)
    .flatMap((c) => ruleSettingsProblems(fleet, c))
    .filter((p) => !seen.has(`${p.path}\n${p.message}`) && !!seen.add(`${p.path}\n${p.message}`));
  if (problems.length) throw new FleetError(fleet.source, problems);
  checked.add(fleet);
}

const checked = new WeakSet<FleetModel>();
