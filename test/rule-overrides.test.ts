// The fleet file's rule settings: groups and alerts disabled, alerts tuned (for, severity, labels,
// threshold) fleet-wide and per cluster, and the errors that name the field of a wrong setting.
import * as path from 'path';
import { expect } from '@jest/globals';
import { fleetFrom, fleetProblems, ofKind, render, type RenderedObject } from './support/fleet';

const FLEET = `
defaults:
  rules:
    disabled: { alerts: [Watchdog] }
    alerts:
      TargetDown: { for: 20m, threshold: 25, labels: { team: platform } }
clusters:
  - name: obs
    roles: [observer]
  - name: eu
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-{replica}.eu.example.com", port: 443 } }
    overrides:
      rules:
        disabled: { groups: [thanos-sidecar] }
        alerts: { TargetDown: { severity: critical } }
  - name: us
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-{replica}.us.example.com", port: 443 } }
`;

interface Rule {
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}

describe('rule overrides in the fleet file', () => {
  const rendered = render(fleetFrom(FLEET));
  const rulesOf = (cluster: string) =>
    ofKind(
      rendered.objects.filter((o: RenderedObject) => o.cluster === cluster),
      'PrometheusRule',
    );
  const alert = (cluster: string, name: string) =>
    rulesOf(cluster)
      .flatMap((r) => r.obj.spec.groups.flatMap((g) => g.rules as Rule[]))
      .find((r) => r.alert === name);

  it('applies the fleet-wide changes, and a cluster override field by field over them', () => {
    expect(alert('eu', 'TargetDown')).toEqual(
      expect.objectContaining({ for: '20m', labels: { team: 'platform', severity: 'critical' }, expr: expect.stringMatching(/\) > 25$/) }),
    );
    expect(alert('us', 'TargetDown')).toEqual(
      expect.objectContaining({ for: '20m', labels: { team: 'platform', severity: 'warning' }, expr: expect.stringMatching(/\) > 25$/) }),
    );
  });

  it('leaves out disabled alerts and groups, and a family left empty renders no PrometheusRule', () => {
    for (const c of ['eu', 'us']) expect([c, alert(c, 'Watchdog')]).toEqual([c, undefined]);
    expect(alert('eu', 'InfoInhibitor')).toBeDefined();
    expect(rulesOf('eu').map((r) => r.obj.metadata.name)).not.toContain('promfleet-thanos-sidecar');
    expect(rulesOf('us').map((r) => `${path.basename(r.file)} ${r.obj.metadata.name}`)).toContain('55-rules.yaml promfleet-thanos-sidecar');
  });

  it('rejects a malformed setting, naming the field', () => {
    const bad = FLEET.replace('{ for: 20m, threshold: 25,', '{ for: twenty, threshold: "25",').replace('{ severity: critical }', '{ severity: page }');
    expect(fleetProblems(bad)).toEqual([
      expect.stringMatching(/^defaults\.rules\.alerts\.TargetDown\.for: must be a Prometheus duration/),
      expect.stringMatching(/^defaults\.rules\.alerts\.TargetDown\.threshold: must be a number/),
      expect.stringMatching(/^clusters\[1\]\.overrides\.rules\.alerts\.TargetDown\.severity: must be one of critical, warning, info, none/),
    ]);
  });

  it('rejects names the catalogue does not have, with the nearest one, and thresholds of alerts without one', () => {
    const bad = FLEET.replace('disabled: { alerts: [Watchdog] }', 'disabled: { alerts: [Watchdgo] }')
      .replace('disabled: { groups: [thanos-sidecar] }', 'disabled: { groups: [thanos-sidecars, no-such-group] }')
      .replace('{ TargetDown: { severity: critical } }', '{ TargetDwn: { severity: critical }, Watchdog: { threshold: 2, labels: { severity: page } } }');
    expect(() => render(fleetFrom(bad))).toThrow(
      new RegExp(
        [
          'defaults\\.rules\\.disabled\\.alerts\\[0\\]: "Watchdgo" is not an alert of the rule catalogue; did you mean "Watchdog"\\?',
          'clusters\\[1\\]\\.overrides\\.rules\\.disabled\\.groups\\[0\\]: "thanos-sidecars" is not a group of the rule catalogue; did you mean "thanos-sidecar"\\?',
          'clusters\\[1\\]\\.overrides\\.rules\\.disabled\\.groups\\[1\\]: "no-such-group" is not a group of the rule catalogue; see docs/alerts\\.md',
          'clusters\\[1\\]\\.overrides\\.rules\\.alerts\\.TargetDwn: "TargetDwn" is not an alert of the rule catalogue; did you mean "TargetDown"\\?',
          'clusters\\[1\\]\\.overrides\\.rules\\.alerts\\.Watchdog\\.labels\\.severity: set alerts\\.Watchdog\\.severity instead',
          'clusters\\[1\\]\\.overrides\\.rules\\.alerts\\.Watchdog\\.threshold: Watchdog has no tunable threshold',
        ].join('[^]*'),
      ),
    );
  });
});
