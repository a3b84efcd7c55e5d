// Fleet files are read within bounds and with friendly errors: size limit, devices and pipes,
// aliases and merge keys, `x-` anchor keys, and values shown cut and with invisible characters escaped.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FleetError } from '../lib/fleet/errors';
import { loadFleetFile, MAX_FLEET_ALIASES, MAX_FLEET_FILE_BYTES, parseFleet } from '../lib/fleet/load';
import { defaultFleetText, fleetProblems, runMain, tmpDir } from './support/fleet';

function loadError(file: string): string {
  try {
    loadFleetFile(file);
  } catch (e) {
    if (e instanceof FleetError) return e.message;
    throw e;
  }
  throw new Error(`${file} was accepted`);
}

describe('reading a fleet file', () => {
  it('refuses a file past the size limit without reading it all', () => {
    const file = path.join(tmpDir(), 'fleet.yaml');
    fs.writeFileSync(file, '');
    fs.truncateSync(file, MAX_FLEET_FILE_BYTES + 1);
    expect(loadError(file)).toContain(`is ${MAX_FLEET_FILE_BYTES + 1} bytes long: the limit is 8 MiB`);
  });

  it('refuses a device and a named pipe at once, instead of hanging on them', () => {
    const started = Date.now();
    expect(loadError('/dev/zero')).toMatch(/\/dev\/zero: 1 problem in the fleet file\n {2}- is not a regular file \(a device, pipe or socket\)/);
    const fifo = path.join(tmpDir(), 'fleet.fifo');
    execFileSync('mkfifo', [fifo]);
    expect(loadError(fifo)).toContain('is not a regular file (a device, pipe or socket)');
    expect(loadError(path.dirname(fifo))).toContain('is not a regular file (a folder)');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('the synth exits 1 with the problem, not a stack trace', async () => {
    const r = await runMain({ FLEET: '/dev/zero', PROMFLEET_OUT: path.join(tmpDir(), 'dist') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not a regular file');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('YAML anchors, aliases and merge keys', () => {
  /** The default fleet with every workload cluster's sidecar Service taken from one anchor. */
  const shared = (aliases: number) => {
    const refs = Array.from({ length: aliases }, (_, i) => `  r${i}: *common`).join('\n');
    return `x-common: &common { type: LoadBalancer }\nx-refs:\n${refs}\n${defaultFleetText()}`;
  };

  it('accepts x- keys at the top level as a home for anchors, and ignores them', () => {
    expect(fleetProblems(shared(150))).toEqual([]);
  });

  it('allows aliases up to the documented limit, and says so past it', () => {
    expect(fleetProblems(shared(Math.floor(MAX_FLEET_ALIASES / 2)))).toEqual([]);
    // A billion-laughs file: each level repeats the one before ten times.
    const bomb = ['x-a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      bomb.push(
        `x-${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    expect(fleetProblems(`${bomb.join('\n')}\n${defaultFleetText()}`)).toEqual([
      expect.stringMatching(new RegExp(`^: YAML aliases: the file expands more than ${MAX_FLEET_ALIASES} aliases`)),
    ]);
  });

  it('merge keys take the anchored map and let the cluster override it', () => {
    const text = defaultFleetText()
      .replace('clusters:\n', 'x-workload: &workload\n  roles: [workload]\n  externalLabels: { region: shared }\n\nclusters:\n')
      .replace(
        '  - name: workload-us\n    roles: [workload]\n    externalLabels:\n      region: us-east-1\n',
        '  - name: workload-us\n    <<: *workload\n    externalLabels:\n      region: us-east-1\n',
      );
    const fleet = parseFleet(text, path.join(tmpDir(), 'fleet.yaml'));
    const us = fleet.clusters.find((c) => c.name === 'workload-us');
    expect(us?.workload?.externalLabels).toEqual({ cluster: 'workload-us', region: 'us-east-1' });
  });

  it('other unknown top-level keys are still errors', () => {
    expect(fleetProblems(`y-common: 1\n${defaultFleetText()}`)).toEqual([expect.stringMatching(/^y-common: unknown key/)]);
  });
});

describe('values in error messages', () => {
  it('shows an invisible character escaped, in the value and in a key', () => {
    const zeroWidth = defaultFleetText().replace('  - name: workload-eu\n', '  - name: "workload-eu\u200b"\n');
    expect(fleetProblems(zeroWidth)).toEqual(expect.arrayContaining([expect.stringContaining('got "workload-eu\\u200b"')]));
    const key = defaultFleetText().replace('    roles: [observer]\n', '    roles: [observer]\n    "querier\u00a0": {}\n');
    expect(fleetProblems(key)).toEqual(expect.arrayContaining([expect.stringMatching(/^clusters\[0\]\["querier\\u00a0"\]: unknown key/)]));
  });

  it('cuts a long value and says how long it was', () => {
    const long = 'x'.repeat(5000);
    const problems = fleetProblems(defaultFleetText().replace('      replicas: 2\n      ingress:', `      replicas: "${long}"\n      ingress:`));
    expect(problems).toEqual([expect.stringMatching(/^clusters\[0\]\.querier\.replicas: .*got "x{60}\.\.\." \(5000 characters\)$/)]);
    expect(problems[0].length).toBeLessThan(300);
  });
});
