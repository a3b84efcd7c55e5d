// The rendered rules and Alertmanager configuration pass the upstream checkers: `promtool check
// rules` (Debian package prometheus) and `amtool check-config` (prometheus-alertmanager).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { ALERTMANAGER_CONFIG_KEY, ALERTMANAGER_CONFIG_SECRET } from '../lib/components/alertmanager';
import { defaultFleetText, fleetFrom, ofKind, render, RenderedObject, tmpDir } from './support/fleet';
import type { Kind, ManifestOf } from './support/manifests';
import { RICH_FLEET } from './support/workload-fleet';

function run(tool: string, args: string[]): string {
  // Bounded in time; the tools only read the files given to them.
  return execFileSync(tool, args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

function objectsOf<K extends Kind>(objects: RenderedObject[], cluster: string, kind: K): RenderedObject<ManifestOf<K>>[] {
  return ofKind(objects, kind).filter((o) => o.cluster === cluster);
}

describe.each([
  ['default fleet', defaultFleetText(), ['workload-eu', 'workload-us']],
  ['rich fleet', RICH_FLEET, ['eu', 'us']],
])('%s', (_name, text, clusters) => {
  const rendered = render(fleetFrom(text));
  const dir = tmpDir('promfleet-tools-');

  it.each(clusters)('%s: promtool check rules accepts every PrometheusRule', (cluster) => {
    const rules = objectsOf(rendered.objects, cluster, 'PrometheusRule');
    expect(rules.length).toBeGreaterThan(0);
    for (const { obj } of rules) {
      const file = path.join(dir, `${cluster}-${obj.metadata.name}.rules.yaml`);
      fs.writeFileSync(file, stringify({ groups: obj.spec.groups }));
      const count = obj.spec.groups.reduce((n, g) => n + g.rules.length, 0);
      expect(run('promtool', ['check', 'rules', file])).toMatch(new RegExp(`SUCCESS: ${count} rules found`));
    }
  });

  it.each(clusters)('%s: amtool check-config accepts the Alertmanager configuration', (cluster) => {
    const secret = objectsOf(rendered.objects, cluster, 'Secret').find((o) => o.obj.metadata.name === ALERTMANAGER_CONFIG_SECRET);
    expect(secret).toBeDefined();
    const file = path.join(dir, `${cluster}-alertmanager.yaml`);
    fs.writeFileSync(file, secret!.obj.stringData[ALERTMANAGER_CONFIG_KEY]);
    expect(run('amtool', ['check-config', file])).toMatch(/SUCCESS/);
  });
});

describe('the checkers catch what they should', () => {
  it('amtool rejects a route to an undeclared receiver, promtool a broken expression', () => {
    const dir = tmpDir('promfleet-tools-');
    const am = path.join(dir, 'am.yaml');
    fs.writeFileSync(am, 'route: { receiver: nowhere }\nreceivers: [{ name: "null" }]\n');
    expect(() => run('amtool', ['check-config', am])).toThrow();
    const rules = path.join(dir, 'rules.yaml');
    fs.writeFileSync(rules, stringify({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'sum(up' }] }] }));
    expect(() => run('promtool', ['check', 'rules', rules])).toThrow();
  });
});

describe('promtool test rules: ThanosSidecarNoConnectionToPrometheus', () => {
  const ALERT = 'ThanosSidecarNoConnectionToPrometheus';
  const rendered = render(fleetFrom(defaultFleetText()));
  const rule = objectsOf(rendered.objects, 'workload-eu', 'PrometheusRule')
    .flatMap(({ obj }) => obj.spec.groups.flatMap((g) => g.rules))
    .find((r) => r.alert === ALERT)!;
  const dir = tmpDir('promfleet-promtool-');
  const rulesFile = path.join(dir, 'rules.yaml');
  fs.writeFileSync(rulesFile, stringify({ groups: [{ name: 'sidecar', rules: [rule] }] }));

  // Series as the stack's monitors label them: the sidecar's job, and Prometheus' own job.
  const pod = (n: number) => ({ namespace: 'monitoring', pod: `prometheus-k8s-${n}` });
  const series = (name: string, labels: Record<string, string>) =>
    `${name}{${Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')}}`;
  const sidecarUp = (n: number, values: string) => ({ series: series('thanos_sidecar_prometheus_up', { job: 'thanos-sidecar', ...pod(n) }), values });
  const replay = (n: number, values: string) => ({
    series: series('prometheus_tsdb_data_replay_duration_seconds', { job: 'prometheus-k8s', instance: `10.0.0.${n}:9090`, ...pod(n) }),
    values,
  });
  const firing = (n: number) => ({
    exp_labels: { ...rule.labels, job: 'thanos-sidecar', ...pod(n) },
    exp_annotations: {
      summary: rule.annotations.summary,
      description: rule.annotations.description.replace('{{ $labels.namespace }}', 'monitoring').replace('{{ $labels.pod }}', `prometheus-k8s-${n}`),
    },
  });

  /** Runs `promtool test rules` on one scenario; samples every minute, evaluated well inside each window. */
  function promtoolTest(name: string, input: { series: string; values: string }[], evals: { at: string; firing: number[] }[]): string {
    const file = path.join(dir, `${name}.test.yaml`);
    const tests = {
      rule_files: [rulesFile],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: input,
          alert_rule_test: evals.map((e) => ({ eval_time: e.at, alertname: ALERT, exp_alerts: e.firing.map(firing) })),
        },
      ],
    };
    fs.writeFileSync(file, stringify(tests));
    return run('promtool', ['test', 'rules', file]);
  }

  it('stays silent while Prometheus replays its WAL, however long', () => {
    // Pod 0 restarts at minute 2 and replays for 25 minutes: its sidecar cannot reach it, and the
    // replay duration reads 0 until the replay is done (then the real duration, 1500 s).
    expect(
      promtoolTest(
        'wal-replay',
        [sidecarUp(0, '1 1 0x25 1x10'), replay(0, '3 3 0x25 1500x10')],
        [
          { at: '10m', firing: [] },
          { at: '25m', firing: [] },
          { at: '35m', firing: [] },
        ],
      ),
    ).toMatch(/SUCCESS/);
  });

  it('fires when a Prometheus that has finished its replay stays unreachable for 5 minutes', () => {
    // Pod 1 replayed in 42 s and runs; its sidecar loses the connection at minute 10.
    expect(
      promtoolTest(
        'outage',
        [sidecarUp(1, '1x9 0x30'), replay(1, '42x40')],
        [
          { at: '12m', firing: [] },
          { at: '20m', firing: [1] },
          { at: '30m', firing: [1] },
        ],
      ),
    ).toMatch(/SUCCESS/);
  });

  it('promtool fails a scenario whose expectation is wrong', () => {
    expect(() => promtoolTest('wrong', [sidecarUp(1, '1x9 0x30'), replay(1, '42x40')], [{ at: '20m', firing: [] }])).toThrow();
  });
});
