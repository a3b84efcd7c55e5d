// The fleet file's rule settings against the rule catalogue, which the fleet layer does not know:
// every group and alert named in `rules` must exist, and thresholds only go on alerts that have one.
// Checked per workload cluster before its charts are built; each problem names the field it is in. On an observer
// that probes its stores, the certificate alerts must also leave the PKI's renewal window alone.
import { fleetRuleFamily } from '../components/fleet-rules';
import { isAlert, RULE_FAMILIES, ruleOverrideProblems, type RuleOverrides } from '../components/rule-families';
import { storeProbes } from '../components/rule-families/store-probes';
import { FleetError, type FleetProblem } from '../fleet/errors';
import { isObserver, isWorkload, type FleetModel, type WorkloadCluster } from '../fleet/model';

/** The rule catalogue and the fleet-level alerts of an observer's ThanosRuler, which take the same settings. */
const CATALOGUE = [...RULE_FAMILIES, fleetRuleFamily({ clusters: [{ name: 'any' }], observer: 'any' })];

/** The problems of the `rules` settings a workload cluster merges: the fleet-wide defaults, then its overrides. */
export function ruleSettingsProblems(fleet: FleetModel, cluster: WorkloadCluster): FleetProblem[] {
  const layers: { path: string; rules?: RuleOverrides }[] = [
    { path: 'defaults.rules', rules: fleet.input.defaults?.rules },
    { path: `clusters[${cluster.index}].overrides.rules`, rules: fleet.input.clusters[cluster.index]?.overrides?.rules },
  ];
  const problems = layers.flatMap((l) =>
    l.rules ? ruleOverrideProblems(l.rules, CATALOGUE).map((p) => ({ path: `${l.path}.${p.path}`, message: p.message })) : [],
  );
  return problems.length ? problems : certificateAlertProblems(fleet, cluster, layers);
}

/**
 * The certificate alerts of the store probes must wait for the renewal window to open: a threshold of at least
 * pki.renewBeforeDays fires before every renewal of a healthy fleet, for days.
 */
function certificateAlertProblems(fleet: FleetModel, cluster: WorkloadCluster, layers: { path: string; rules?: RuleOverrides }[]): FleetProblem[] {
  if (!isObserver(cluster) || !cluster.observer.querier.probes.enabled) return [];
  const { rules } = cluster.stack;
  const renew = fleet.pki.renewBeforeDays;
  const problems: FleetProblem[] = [];
  for (const g of storeProbes.groups) {
    if (rules.disabled.groups.includes(g.name)) continue;
    for (const a of g.rules.filter(isAlert)) {
      if (a.threshold === undefined || rules.disabled.alerts.includes(a.alert)) continue;
      const threshold = rules.alerts[a.alert]?.threshold ?? a.threshold;
      if (threshold < renew) continue;
      // Where the threshold comes from: the cluster's overrides, the fleet's defaults, or the catalogue.
      const from = [...layers].reverse().find((l) => l.rules?.alerts?.[a.alert]?.threshold !== undefined);
      problems.push({
        path: from ? `${from.path}.alerts.${a.alert}.threshold` : 'pki.renewBeforeDays',
        message:
          `${a.alert} fires ${threshold} days before a certificate expires, but a synth renews it only ${renew} days before ` +
          `(pki.renewBeforeDays): it would fire before every renewal. Keep the threshold below renewBeforeDays`,
      });
    }
  }
  return problems;
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
