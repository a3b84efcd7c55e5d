// The rendered rules and Alertmanager configuration pass the upstream checkers: `promtool check
// rules` (Debian package prometheus) and `amtool check-config` (prometheus-alertmanager).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { ALERTMANAGER_CONFIG_KEY, ALERTMANAGER_CONFIG_SECRET } from '../lib/components/alertmanager';
import { defaultFleetText, fleetFrom, render, RenderedObject, tmpDir } from './support/fleet';
import { RICH_FLEET } from './support/workload-fleet';

function run(tool: string, args: string[]): string {
  // Bounded in time; the tools only read the files given to them.
  return execFileSync(tool, args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

function objectsOf(objects: RenderedObject[], cluster: string, kind: string): RenderedObject[] {
  return objects.filter((o) => o.cluster === cluster && o.obj.kind === kind);
}

describe.each([
  ['default fleet', defaultFleetText(), ['workload-eu', 'workload-us']],
  ['rich fleet', RICH_FLEET, ['eu', 'us']],
])('%s', (_name, text, clusters) => {
  const rendered = render(fleetFrom(text as string));
  const dir = tmpDir('promfleet-tools-');

  it.each(clusters as string[])('%s: promtool check rules accepts every PrometheusRule', (cluster) => {
    const rules = objectsOf(rendered.objects, cluster, 'PrometheusRule');
    expect(rules.length).toBeGreaterThan(0);
    for (const { obj } of rules) {
      const file = path.join(dir, `${cluster}-${obj.metadata.name}.rules.yaml`);
      fs.writeFileSync(file, stringify({ groups: obj.spec.groups }));
      const count = obj.spec.groups.reduce((n: number, g: { rules: unknown[] }) => n + g.rules.length, 0);
      expect(run('promtool', ['check', 'rules', file])).toMatch(new RegExp(`SUCCESS: ${count} rules found`));
    }
  });

  it.each(clusters as string[])('%s: amtool check-config accepts the Alertmanager configuration', (cluster) => {
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
