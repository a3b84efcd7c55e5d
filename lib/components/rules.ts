// The stack's alerting and recording rules: one PrometheusRule per family of the rule catalogue
// (./rule-families), for the families whose components the cluster runs. Every expression is parsed
// with the PromQL grammar at synth time, so a typo fails the build (naming the rule) instead of the
// operator silently dropping the rule file. Aggregations keep `cluster`: series carry it once they
// leave the cluster (Thanos adds the external labels), so the same rules work globally.
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { parser } from '@prometheus-io/lezer-promql';
import { PrometheusRule, type PrometheusRuleProps, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import { meta } from '../meta';
import { monitorSelectorOf, namespaceOf, type MonitoredComponentProps } from './base';
import { familiesFor, renderFamily, RULE_FAMILIES, type RenderedGroup, type RuleFamily, type RuleNeed, type RuleOverrides } from './rule-families';

/** The PrometheusRule of a family is `promfleet-<family>`. */
export const RULES_NAME_PREFIX = 'promfleet-';

/** What a stack runs by default, as rule needs: Prometheus, Alertmanager, the operator, node-exporter, kube-state-metrics, the kubelet. */
export const DEFAULT_RULE_NEEDS: ReadonlySet<RuleNeed> = new Set<RuleNeed>([
  'prometheus',
  'alertmanager',
  'operator',
  'node-exporter',
  'kube-state-metrics',
  'kubelet',
]);

/** Where the expression stops being PromQL (offset and text around it), or undefined when it parses. */
export function promqlSyntaxError(expr: string): { offset: number; near: string } | undefined {
  let offset: number | undefined;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (offset === undefined && node.type.isError) offset = node.from;
      return offset === undefined;
    },
  });
  return offset === undefined ? undefined : { offset, near: expr.slice(Math.max(0, offset - 10), offset + 10) };
}

/**
 * The expressions known to parse, by SHA-256: most clusters share the catalogue's expressions, so each is
 * parsed once per process, not per cluster; and a synth may seed the set with what an earlier synth of the
 * same build parsed (parsing the whole catalogue costs a tenth of a second at every start).
 */
export const checkedPromql = {
  hashes: new Set<string>(),
  /** Hashes added since the process started or the set was seeded. */
  added: [] as string[],
  seed(hashes: readonly string[]): void {
    for (const h of hashes) this.hashes.add(h);
  },
};

// Every cluster checks the same expressions again: each is hashed once per process.
const hashes = new Map<string, string>();
const hashOf = (expr: string) => {
  let hash = hashes.get(expr);
  if (hash === undefined) hashes.set(expr, (hash = createHash('sha256').update(expr).digest('base64url').slice(0, 22)));
  return hash;
};

/** Throws, naming the rule and group, on the first expression that is not valid PromQL. */
export function checkRuleGroups(groups: readonly RenderedGroup[]): void {
  for (const g of groups) {
    for (const r of g.rules) {
      const hash = hashOf(r.expr);
      if (checkedPromql.hashes.has(hash)) continue;
      const err = promqlSyntaxError(r.expr);
      if (err) {
        const rule = 'alert' in r ? `alert rule "${r.alert}"` : `recording rule "${r.record}"`;
        throw new Error(`${rule} (group "${g.name}"): invalid PromQL at character ${err.offset + 1} near ${JSON.stringify(err.near)}: ${r.expr}`);
      }
      checkedPromql.hashes.add(hash);
      checkedPromql.added.push(hash);
    }
  }
}

export interface StackRulesProps extends MonitoredComponentProps {
  /**
   * What runs (and is scraped) next to Prometheus: a family is rendered only where all its needs are met,
   * so no alert fires for ever, or never, about a component that is not there.
   * @default DEFAULT_RULE_NEEDS
   */
  readonly needsMet?: ReadonlySet<RuleNeed>;
  /**
   * The catalogue to pick families from; add your own families here.
   * @default RULE_FAMILIES
   */
  readonly families?: readonly RuleFamily[];
  /**
   * Groups and alerts left out, and alerts changed (`for`, severity, labels, threshold).
   * @default none
   */
  readonly overrides?: RuleOverrides;
}

/**
 * A family's PrometheusRule. Most clusters render each family alike (same overrides, namespace and labels), and
 * its manifest is large: it is made once per process for each distinct family, settings and metadata, and
 * shared (manifests are only read once made).
 */
class FamilyRule extends PrometheusRule {
  private static readonly manifests = new Map<string, unknown>();

  constructor(
    scope: Construct,
    id: string,
    private readonly key: string,
    props: PrometheusRuleProps,
  ) {
    super(scope, id, props);
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ApiObject.toJson's own type
  override toJson(): any {
    // The metadata as it is now: sync-wave annotations are added after construction.
    const key = `${this.key}\0${JSON.stringify(this.metadata.toJson())}`;
    let manifest = FamilyRule.manifests.get(key);
    if (manifest === undefined) {
      manifest = super.toJson() as unknown;
      FamilyRule.manifests.set(key, manifest);
    }
    return manifest;
  }
}

/** The groups of a family with the given overrides: made once per process for each pair. */
const familyGroups = new WeakMap<RuleFamily, Map<string, RenderedGroup[]>>();

function groupsOf(family: RuleFamily, overrides: RuleOverrides | undefined, overridesKey: string): RenderedGroup[] {
  let byOverrides = familyGroups.get(family);
  if (!byOverrides) familyGroups.set(family, (byOverrides = new Map<string, RenderedGroup[]>()));
  let groups = byOverrides.get(overridesKey);
  if (!groups) byOverrides.set(overridesKey, (groups = renderFamily(family, overrides)));
  return groups;
}

/** One PrometheusRule per rule family the stack's components call for, labelled so the stack's Prometheus loads it. */
export class StackRules extends Construct {
  /** The families rendered, by name. */
  readonly families: string[] = [];

  constructor(scope: Construct, id: string, props: StackRulesProps = {}) {
    super(scope, id);
    const overridesKey = JSON.stringify(props.overrides ?? {});
    for (const family of familiesFor(props.needsMet ?? DEFAULT_RULE_NEEDS, props.families ?? RULE_FAMILIES)) {
      const groups = groupsOf(family, props.overrides, overridesKey);
      // Everything disabled: no empty PrometheusRule.
      if (!groups.length) continue;
      checkRuleGroups(groups);
      this.families.push(family.name);
      new FamilyRule(this, family.name, `${family.name}\0${overridesKey}`, {
        metadata: meta(`${RULES_NAME_PREFIX}${family.name}`, 'rules', { namespace: namespaceOf(props), labels: monitorSelectorOf(props) }),
        spec: {
          groups: groups.map((g) => ({
            name: g.name,
            ...(g.interval ? { interval: g.interval } : {}),
            rules: g.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })),
          })),
        },
      });
    }
  }
}
