// The fleet-level alerts of an observer's ThanosRuler (lib/components/fleet-rules.ts): rendered as the
// PrometheusRule carries them for a fleet of three clusters, checked and run by promtool against the failure
// scenarios of test/rules/fleet.test.yaml (Debian's promtool 2.42), each alert shown firing and silent.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { FLEET_PARTIAL_RESPONSE, FLEET_RULE_SCOPE, FleetRules, fleetRuleFamily, RULE_SCOPE_LABEL } from '../lib/components/fleet-rules';
import { isAlert } from '../lib/components/rule-families';
import { tmpDir } from './support/fleet';

const TESTS = path.join(__dirname, 'rules', 'fleet.test.yaml');
/** The fleet of the promtool tests: the observer obs reads itself, eu, and us, whose rules are off. */
const OPTIONS = { observer: 'obs', clusters: [{ name: 'obs' }, { name: 'eu' }, { name: 'us', watchdog: false }] };

interface RuleManifest {
  metadata: { name: string; labels: Record<string, string> };
  spec: { groups: { name: string; partial_response_strategy?: string; rules: { alert: string; labels: Record<string, string> }[] }[] };
}

function renderedRule(options = OPTIONS): RuleManifest {
  const chart = new Chart(new App(), 'fleet');
  new FleetRules(chart, 'rules', { namespace: 'monitoring', ...options });
  const rules = chart.toJson().filter((o: { kind: string }) => o.kind === 'PrometheusRule');
  expect(rules).toHaveLength(1);
  return rules[0] as RuleManifest;
}

function promtool(args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

describe('fleet-level alerts', () => {
  it('come per watched cluster, each with its cluster label; no Watchdog alert for a cluster without one', () => {
    const rule = renderedRule();
    const alerts = rule.spec.groups.flatMap((g) => g.rules.map((r) => `${r.alert} ${r.labels.cluster}`));
    expect(alerts).toEqual([
      'FleetClusterSeriesAbsent obs',
      'FleetStoreEndpointDown obs',
      'FleetWatchdogMissing obs',
      'FleetClusterSeriesAbsent eu',
      'FleetStoreEndpointDown eu',
      'FleetWatchdogMissing eu',
      'FleetClusterSeriesAbsent us',
      'FleetStoreEndpointDown us',
    ]);
  });

  it('carry only the fleet scope label (no monitor selector), and evaluate on partial responses', () => {
    const rule = renderedRule();
    expect(rule.metadata.labels[RULE_SCOPE_LABEL]).toBe(FLEET_RULE_SCOPE);
    expect(rule.metadata.labels['prometheus.io/monitor']).toBeUndefined();
    // With `abort`, one unreachable sidecar would fail every rule, and the alert about it would never fire.
    expect(rule.spec.groups.map((g) => g.partial_response_strategy)).toEqual([FLEET_PARTIAL_RESPONSE]);
    expect(FLEET_PARTIAL_RESPONSE).toBe('warn');
  });

  it('split a large fleet over several PrometheusRules, each far below the API server object size limit', () => {
    const clusters = Array.from({ length: 450 }, (_, i) => ({ name: `workload-${String(i).padStart(3, '0')}` }));
    const chart = new Chart(new App(), 'fleet');
    new FleetRules(chart, 'rules', { namespace: 'monitoring', observer: 'obs', clusters });
    const rules = (chart.toJson() as RuleManifest[]).filter((o) => (o as unknown as { kind: string }).kind === 'PrometheusRule');
    expect(rules.map((r) => r.metadata.name)).toEqual(['promfleet-fleet', 'promfleet-fleet-2', 'promfleet-fleet-3']);
    const watched = rules.map((r) => [...new Set(r.spec.groups.flatMap((g) => g.rules.map((x) => x.labels.cluster)))]);
    expect(watched.map((w) => w.length)).toEqual([200, 200, 50]);
    expect(watched.flat()).toEqual(clusters.map((c) => c.name));
    for (const r of rules) {
      expect(r.metadata.labels[RULE_SCOPE_LABEL]).toBe(FLEET_RULE_SCOPE);
      // Group names stay apart across the ruler's rule files.
      expect(r.spec.groups.map((g) => g.name)).toEqual([r.metadata.name]);
      expect(Buffer.byteLength(stringify(r))).toBeLessThan(512 * 1024);
    }
  });

  it('promtool checks them and runs the tests, which show each alert firing and silent', () => {
    const tests = parse(fs.readFileSync(TESTS, 'utf8')) as {
      rule_files: string[];
      tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
    };
    expect(tests.rule_files).toEqual(['fleet.rules.yaml']);
    const fires = new Set<string>();
    const silent = new Set<string>();
    for (const t of tests.tests) for (const a of t.alert_rule_test ?? []) (a.exp_alerts?.length ? fires : silent).add(a.alertname);
    const names = [...new Set(fleetRuleFamily(OPTIONS).groups.flatMap((g) => g.rules.filter(isAlert).map((a) => a.alert)))];
    expect(names.filter((n) => !fires.has(n) || !silent.has(n))).toEqual([]);

    const rule = renderedRule();
    // Thanos' per-group partial_response_strategy is not Prometheus rule syntax: promtool 2.42 refuses it.
    const groups = rule.spec.groups.map(({ partial_response_strategy: _strategy, ...g }) => g);
    const dir = tmpDir('promfleet-fleet-rules-');
    fs.writeFileSync(path.join(dir, 'fleet.rules.yaml'), stringify({ groups }));
    fs.copyFileSync(TESTS, path.join(dir, 'fleet.test.yaml'));
    const check = promtool(['check', 'rules', 'fleet.rules.yaml'], dir);
    expect([check.ok, check.output]).toEqual([true, expect.any(String)]);
    const run = promtool(['test', 'rules', 'fleet.test.yaml'], dir);
    expect([run.ok, run.output]).toEqual([true, expect.stringContaining('SUCCESS')]);
  });
});
