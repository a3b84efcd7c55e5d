// The rule catalogue's unit tests: each family's rules, rendered as StackRules renders them, run
// against its promtool tests in test/rules/<family>.test.yaml (Debian's promtool 2.42), and every
// alert and record must have tests that prove it fires (or records) and stays silent.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect } from '@jest/globals';
import { parser } from '@prometheus-io/lezer-promql';
import { parse, stringify } from 'yaml';
import { alertExpr, isAlert, RULE_FAMILIES, renderFamily, type RuleFamily } from '../lib/components/rule-families';
import { promqlSyntaxError } from '../lib/components/rules';
import { alertsDoc } from '../scripts/rule-coverage';
import { UPSTREAM_ALERTS } from '../scripts/upstream-alerts';
import { tmpDir } from './support/fleet';

const FAMILY_DIR = path.join(__dirname, '..', 'lib', 'components', 'rule-families');
const RULE_TESTS_DIR = path.join(__dirname, 'rules');
const MODULES = fs
  .readdirSync(FAMILY_DIR)
  .filter((f) => f.endsWith('.ts') && f !== 'types.ts' && f !== 'index.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

interface PromtoolTests {
  rule_files?: string[];
  tests?: {
    alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[];
    promql_expr_test?: { expr: string }[];
  }[];
}

const isFamily = (v: unknown): v is RuleFamily => typeof v === 'object' && v !== null && 'groups' in v && 'needs' in v && 'name' in v;

async function familyOf(module: string): Promise<RuleFamily> {
  const exported = Object.values((await import(path.join(FAMILY_DIR, module))) as Record<string, unknown>).filter(isFamily);
  expect(exported).toHaveLength(1);
  return exported[0];
}

/** What the tests of a family cover: alerts shown firing, alerts shown silent, series whose records are checked. */
function coverage(tests: PromtoolTests) {
  const fires = new Set<string>();
  const silent = new Set<string>();
  const recorded = new Set<string>();
  for (const t of tests.tests ?? []) {
    for (const a of t.alert_rule_test ?? []) (a.exp_alerts?.length ? fires : silent).add(a.alertname);
    // The recorded series itself, with or without label matchers: `node:cpu:rate5m` or `node:cpu:rate5m{cluster="eu"}`,
    // or rounded (promtool compares floats exactly): `round(node:cpu:rate5m{cluster="eu"}, 0.001)`.
    for (const q of t.promql_expr_test ?? [])
      recorded.add(
        q.expr
          .trim()
          .replace(/^round\((.*),\s*[0-9.e-]+\)$/, '$1')
          .replace(/\s*\{[^}]*\}$/, ''),
      );
  }
  return { fires, silent, recorded };
}

/** Each rule of `family` without the tests it needs, with what is missing. */
function missingTests(family: RuleFamily, tests: PromtoolTests): string[] {
  const { fires, silent, recorded } = coverage(tests);
  const missing: string[] = [];
  for (const g of family.groups)
    for (const r of g.rules) {
      if (isAlert(r)) {
        if (!fires.has(r.alert)) missing.push(`${r.alert}: no alert_rule_test where it fires (exp_alerts)`);
        // An alert that reads no series (Watchdog) fires by design: there is no healthy case.
        if (!silent.has(r.alert) && readsSeries(r.expr)) missing.push(`${r.alert}: no alert_rule_test where it stays silent (exp_alerts: [])`);
      } else if (!recorded.has(r.record)) missing.push(`${r.record}: no promql_expr_test of the recorded series`);
    }
  return missing;
}

/** Rules that aggregate without keeping `cluster`: each `by (...)` must list it (or the rule uses `without`). */
function aggregationsDroppingCluster(expr: string): string[] {
  const bad: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.name !== 'AggregateExpr') return;
      const modifier = node.node.getChild('AggregateModifier');
      const text = expr.slice(node.from, node.to);
      if (!modifier) {
        bad.push(text);
        return;
      }
      if (modifier.getChild('Without')) return;
      const labels = modifier.getChild('GroupingLabels');
      const names = labels ? labels.getChildren('LabelName').map((l) => expr.slice(l.from, l.to)) : [];
      if (!names.includes('cluster')) bad.push(text);
    },
  });
  return bad;
}

function readsSeries(expr: string): boolean {
  let found = false;
  parser.parse(expr).iterate({ enter: (node) => !(found ||= node.type.name === 'VectorSelector') });
  return found;
}

function promtool(args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('rule catalogue', () => {
  it('lists every family module in RULE_FAMILIES, each named after its module', async () => {
    const families = await Promise.all(MODULES.map(familyOf));
    expect(families.map((f) => f.name)).toEqual(MODULES);
    for (const f of families) expect(RULE_FAMILIES).toContain(f);
    expect(RULE_FAMILIES).toHaveLength(MODULES.length);
  });

  it('names every group, alert (per severity) and record once across the catalogue', () => {
    const names = (pick: (f: RuleFamily) => string[]) => {
      const all = RULE_FAMILIES.flatMap(pick);
      return all.filter((n, i) => all.indexOf(n) !== i);
    };
    expect(names((f) => f.groups.map((g) => g.name))).toEqual([]);
    // An alert name may come twice with two severities, as upstream's do (a warning, then a critical threshold),
    // or with labels that tell them apart (KubeAPIErrorBudgetBurn's `long` and `short` windows).
    expect(names((f) => f.groups.flatMap((g) => g.rules.filter(isAlert).map((a) => `${a.alert} ${a.severity} ${JSON.stringify(a.labels ?? {})}`)))).toEqual([]);
    // Records may repeat a name with other labels (upstream does, for instance per quantile), never in one group.
    for (const f of RULE_FAMILIES)
      for (const g of f.groups) {
        const keys = g.rules.filter((r) => !isAlert(r)).map((r) => JSON.stringify(r));
        expect([g.name, keys.filter((k, i) => keys.indexOf(k) !== i)]).toEqual([g.name, []]);
      }
  });

  it('parses every expression as PromQL, and keeps `cluster` in every aggregation', () => {
    for (const f of RULE_FAMILIES)
      for (const g of f.groups)
        for (const r of g.rules) {
          const name = isAlert(r) ? r.alert : r.record;
          const expr = isAlert(r) ? alertExpr(r) : r.expr;
          expect([name, promqlSyntaxError(expr), aggregationsDroppingCluster(expr)]).toEqual([name, undefined, []]);
          if (isAlert(r)) expect([name, r.expr.includes('$threshold')]).toEqual([name, r.threshold !== undefined]);
        }
  });

  it('the cluster check finds an aggregation that drops cluster', () => {
    expect(aggregationsDroppingCluster('sum(rate(x[5m])) > 0')).toEqual(['sum(rate(x[5m]))']);
    expect(aggregationsDroppingCluster('max by (namespace) (x) / on (cluster) sum by (cluster, a) (y)')).toEqual(['max by (namespace) (x)']);
    expect(aggregationsDroppingCluster('min without (alertmanager) (x)')).toEqual([]);
  });

  it('the coverage check names each rule without the tests it needs', () => {
    const family: RuleFamily = {
      name: 'demo',
      needs: ['prometheus'],
      groups: [
        {
          name: 'demo',
          rules: [
            { alert: 'DemoDown', expr: 'up{job="demo"} == 0', severity: 'warning', summary: 's', description: 'd' },
            { alert: 'DemoAlways', expr: 'vector(1)', severity: 'none', summary: 's', description: 'd' },
            { record: 'cluster:demo_up:sum', expr: 'sum by (cluster) (up{job="demo"})' },
            { record: 'cluster:demo_down:sum', expr: 'sum by (cluster) (1 - up{job="demo"})' },
            { record: 'cluster:demo_up:ratio', expr: 'avg by (cluster) (up{job="demo"})' },
          ],
        },
      ],
    };
    const tests: PromtoolTests = {
      tests: [
        { alert_rule_test: [{ alertname: 'DemoDown', exp_alerts: [{}] }], promql_expr_test: [{ expr: 'cluster:demo_up:sum{cluster="eu"}' }] },
        { alert_rule_test: [{ alertname: 'DemoAlways', exp_alerts: [] }], promql_expr_test: [{ expr: 'round(cluster:demo_up:ratio{cluster="eu"}, 0.001)' }] },
      ],
    };
    expect(missingTests(family, tests)).toEqual([
      'DemoDown: no alert_rule_test where it stays silent (exp_alerts: [])',
      'DemoAlways: no alert_rule_test where it fires (exp_alerts)',
      'cluster:demo_down:sum: no promql_expr_test of the recorded series',
    ]);
  });

  it.each(MODULES)('%s: promtool checks the rules and runs the tests, which cover every alert and record', async (module) => {
    const family = await familyOf(module);
    const testFile = path.join(RULE_TESTS_DIR, `${module}.test.yaml`);
    expect([module, fs.existsSync(testFile) ? 'has tests' : `no test file test/rules/${module}.test.yaml`]).toEqual([module, 'has tests']);

    const tests = parse(fs.readFileSync(testFile, 'utf8')) as PromtoolTests;
    expect(tests.rule_files).toEqual([`${module}.rules.yaml`]);
    const missing = missingTests(family, tests);
    expect(missing).toEqual([]);

    const dir = tmpDir('promfleet-rules-');
    fs.writeFileSync(path.join(dir, `${module}.rules.yaml`), stringify({ groups: renderFamily(family) }));
    fs.copyFileSync(testFile, path.join(dir, `${module}.test.yaml`));
    const check = promtool(['check', 'rules', `${module}.rules.yaml`], dir);
    expect([check.ok, check.output]).toEqual([true, expect.any(String)]);
    const run = promtool(['test', 'rules', `${module}.test.yaml`], dir);
    expect([run.ok, run.output]).toEqual([true, expect.stringContaining('SUCCESS')]);
  });

  it('docs/alerts.md is the generated coverage table (npm run docs)', () => {
    expect(fs.readFileSync(path.join(__dirname, '..', 'docs', 'alerts.md'), 'utf8')).toEqual(alertsDoc());
    const upstream = UPSTREAM_ALERTS.flatMap((g) => g.alerts);
    expect(upstream.filter((a, i) => upstream.indexOf(a) !== i)).toEqual([]);
    // Each catalogue alert is listed with its family; an upstream alert without one reads "not yet".
    const doc = alertsDoc();
    expect(doc).toContain('| alertmanager | alertmanager.rules | AlertmanagerClusterDown | yes (alertmanager) | all |');
    expect(doc).toContain('| etcd | etcd | etcdNoLeader | yes (etcd) | kubeadm (with `controlPlane.etcd`) |');
    expect(doc).toContain(
      '| thanos | thanos-compact | ThanosCompactHalted | yes (thanos-compact) | observers with a compactor that are also workload clusters |',
    );
    expect(doc).toContain(
      "promfleet's own alerts (no upstream equivalent): ThanosSidecarGrpcErrors, StoreEndpointProbeFailed, StoreEndpointCertificateExpiring, StoreEndpointCertificateExpiringSoon.",
    );
  });
});
