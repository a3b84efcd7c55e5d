// The stack's alerting and recording rules: one PrometheusRule per family of the rule catalogue
// (./rule-families), for the families whose components the cluster runs. Every expression is parsed
// with the PromQL grammar at synth time, so a typo fails the build (naming the rule) instead of the
// operator silently dropping the rule file. Aggregations keep `cluster`: series carry it once they
// leave the cluster (Thanos adds the external labels), so the same rules work globally.
import { createHash } from 'crypto';
import { Construct } from 'constructs';
import { parser } from '@prometheus-io/lezer-promql';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
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

const hashOf = (expr: string) => createHash('sha256').update(expr).digest('base64url').slice(0, 22);

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

/** One PrometheusRule per rule family the stack's components call for, labelled so the stack's Prometheus loads it. */
export class StackRules extends Construct {
  /** The families rendered, by name. */
  readonly families: string[] = [];

  constructor(scope: Construct, id: string, props: StackRulesProps = {}) {
    super(scope, id);
    for (const family of familiesFor(props.needsMet ?? DEFAULT_RULE_NEEDS, props.families ?? RULE_FAMILIES)) {
      const groups = renderFamily(family, props.overrides);
      // Everything disabled: no empty PrometheusRule.
      if (!groups.length) continue;
      checkRuleGroups(groups);
      this.families.push(family.name);
      new PrometheusRule(this, family.name, {
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
