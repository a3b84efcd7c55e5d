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
