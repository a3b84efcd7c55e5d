// promfleet synth: the same files, byte for byte, as cdk8s synth; flags that stand for the environment
// variables; a summary for scripts (--json) or none (--quiet); a progress line only on request or a TTY.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { main, runSynth } from '../lib/cli/synth';
import { checkedPromql, checkRuleGroups } from '../lib/components/rules';
import { runCli } from './support/cli';
import { preparePki } from '../lib/pki';
import { ROOT, tmpDir } from './support/fleet';
import { fingerprintTree, fleetWithStore } from './support/pki';

const BIN = path.join(ROOT, 'bin', 'promfleet.mjs');

describe('promfleet synth', () => {
  let work: string;
  let store: string;

  beforeAll(async () => {
    work = tmpDir('promfleet-cli-');
    fs.copyFileSync(path.join(ROOT, 'fleet.yaml'), path.join(work, 'fleet.yaml'));
    fs.copyFileSync(path.join(ROOT, 'cdk8s.yaml'), path.join(work, 'cdk8s.yaml'));
    fs.symlinkSync(path.join(ROOT, 'scripts'), path.join(work, 'scripts'));
    // One store for both renders (issued once, with the test key pool): the Secrets must match too.
    store = path.join(work, 'store');
    await preparePki(fleetWithStore(store));
  });

  /** The launcher, as a separate process. */
  const promfleet = (args: string[], env: Record<string, string> = {}) =>
    spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', timeout: 120000, env: { ...process.env, CI: '', ...env } });
  /** promfleet synth <args> in this process. */
  const synth = (args: string[], env: Record<string, string> = {}) => runCli(main, args, { cwd: work, env });

  it('renders the same files, byte for byte, as cdk8s synth, with flags in place of the variables', () => {
    const cdk8s = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade'], {
      cwd: work,
      encoding: 'utf8',
      timeout: 120000,
      env: { ...process.env, CI: '', FLEET: 'fleet.yaml', PROMFLEET_OUT: 'by-cdk8s', PROMFLEET_PKI_DIR: store },
    });
    expect([cdk8s.status, cdk8s.stderr]).toEqual([0, expect.stringContaining('promfleet: workload-eu: ')]);
    const storeBefore = fingerprintTree(store);
    const ours = promfleet(['synth', '--fleet', 'fleet.yaml', '--out', 'by-promfleet', '--pki-dir', store]);
    expect([ours.status, ours.stdout]).toEqual([0, '']);
    // The same human summary as the cdk8s app prints, on stderr.
    expect(ours.stderr).toMatch(/^promfleet: workload-eu: \d+ objects in \d+ files -> by-promfleet\/workload-eu\//m);
    const a = fingerprintTree(path.join(work, 'by-cdk8s'));
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['workload-eu/20-prometheus.yaml', 'workload-eu/secrets/thanos-sidecar-tls.yaml', '.promfleet']));
    expect(fingerprintTree(path.join(work, 'by-promfleet'))).toEqual(a);
    expect(fingerprintTree(store)).toEqual(storeBefore);
  });

  it('--json prints the summary as JSON on stdout and nothing human; --quiet prints nothing', async () => {
    const json = await synth(['--json', '--out', 'out-json'], { FLEET: 'fleet.yaml', PROMFLEET_PKI_DIR: store });
    // The default fleet's warnings (a kubeadm cluster's etcd without client files, no alert receiver), on stderr,
    // with --json and --quiet too.
    const warning: unknown = expect.stringMatching(
      /^promfleet: warning: workload-eu: etcd is not scraped.*\npromfleet: warning: clusters observer, workload-eu, workload-us: Alertmanager has no receiver besides "null".*\n$/,
    );
    expect([json.status, json.stderr]).toEqual([0, warning]);
    const report = JSON.parse(json.stdout) as { ok: boolean; out: string; clusters: { cluster: string; objects: number; files: number; dir: string }[] };
    expect(report).toMatchObject({ ok: true, out: 'out-json' });
    expect(report.clusters.map((c) => c.cluster)).toEqual(['observer', 'workload-eu', 'workload-us']);
    for (const c of report.clusters) {
      const files = fs.readdirSync(path.join(work, c.dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
      expect(files.length).toBeGreaterThan(0);
      expect(c.objects).toBeGreaterThanOrEqual(c.files);
    }
    const quiet = await synth(['-q', '--out', 'out-json'], { FLEET: 'fleet.yaml', PROMFLEET_PKI_DIR: store });
    expect([quiet.status, quiet.stdout, quiet.stderr]).toEqual([0, '', warning]);
  });

  it('fails with the field named, exit 1 and a JSON error with --json; usage errors exit 2', async () => {
    fs.writeFileSync(path.join(work, 'bad.yaml'), 'clusters:\n  - name: Bad_Name\n    role: workload\n');
    const bad = await synth(['--fleet', 'bad.yaml', '--out', 'out-bad', '--json'], { PROMFLEET_PKI_DIR: store });
    expect(bad.status).toBe(1);
    const report = JSON.parse(bad.stdout) as { ok: boolean; error: string };
    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/clusters\[0\]\.name/);
    expect(bad.stderr).toMatch(/clusters\[0\]\.name/);
    expect(fs.existsSync(path.join(work, 'out-bad'))).toBe(false);
    // Flags that contradict each other, or a value that is not one, are usage errors too.
    for (const args of [
      ['--quiet', '--json'],
      ['--lock-timeout', 'soon'],
    ])
      expect((await synth(args)).status).toBe(2);
    const usage = await synth(['extra']);
    expect([usage.status, usage.stderr]).toEqual([2, expect.stringMatching(/^promfleet synth: unexpected argument "extra"\nusage: promfleet synth /)]);
    const unknown = promfleet(['sinth']);
    expect([unknown.status, unknown.stderr]).toEqual([2, expect.stringContaining('unknown command "sinth"; the commands are synth, validate, diff, pki')]);
  });

  it('shows a progress line per key and per cluster when asked (a TTY), cleared before the summary; none on a pipe', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (writes.push(String(s)), true));
    try {
      // A new store: the keys of the CA and of each certificate are made first.
      const fresh = path.join(work, 'fresh-store');
      const env = { FLEET: path.join(work, 'fleet.yaml'), PROMFLEET_OUT: path.join(work, 'out-progress'), PROMFLEET_PKI_DIR: fresh, CI: '' };
      expect(await runSynth(env, { progress: true, progressAfterMs: 0 })).toBe(0);
      const progress = writes.filter((w) => w.startsWith('\r'));
      const keys = progress.filter((w) => w.includes('making keys'));
      const total = Number(/\/(\d+)$/.exec(keys[0] ?? '')?.[1]);
      expect(total).toBeGreaterThan(3);
      expect(keys).toEqual(Array.from({ length: total }, (_, i) => `\r\x1b[Kpromfleet: making keys: ${i + 1}/${total}`));
      expect(progress.filter((w) => !w.includes('making keys'))).toEqual([
        '\r\x1b[K',
        ...[1, 2, 3].map((n) => `\r\x1b[Kpromfleet: rendering clusters: ${n}/3`),
        '\r\x1b[K',
      ]);
      // Each line is cleared before anything else is printed: the first summary line follows the last clear.
      expect(writes.lastIndexOf('\r\x1b[K')).toBeLessThan(writes.findIndex((w) => w.includes('workload-eu: ')));
    } finally {
      spy.mockRestore();
    }
    // The runs above had stderr on a pipe: no progress line.
    const piped = promfleet(['synth', '--out', 'out-progress'], { FLEET: 'fleet.yaml', PROMFLEET_PKI_DIR: store });
    expect(piped.status).toBe(0);
    expect(piped.stderr).not.toContain('\r');
  });

  it('keeps the PromQL it checked beside its bundle, and the next synth parses only what is new', async () => {
    const cache = path.join(work, 'lib_cli_synth.promql.json');
    const env = { FLEET: path.join(work, 'fleet.yaml'), PROMFLEET_OUT: path.join(work, 'out-cache'), PROMFLEET_PKI_DIR: store, CI: '' };
    const quiet = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      checkedPromql.hashes.clear();
      checkedPromql.added.length = 0;
      expect(await runSynth(env, { promqlCache: cache })).toBe(0);
      // Every distinct expression of the rendered rules (the stacks' and the observer ruler's fleet alerts), and nothing else.
      const exprs = new Set(
        fs
          .readdirSync(path.join(work, 'out-cache'), { recursive: true, encoding: 'utf8' })
          .filter((f) => f.endsWith('55-rules.yaml') || f.endsWith('75-thanos-ruler.yaml'))
          .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(work, 'out-cache', f), 'utf8')))
          .map((d) => d.toJS() as { kind: string; spec: { groups: { rules: { expr: string }[] }[] } })
          .filter((o) => o.kind === 'PrometheusRule')
          .flatMap((o) => o.spec.groups.flatMap((g) => g.rules.map((r) => r.expr))),
      );
      const { valid } = JSON.parse(fs.readFileSync(cache, 'utf8')) as { valid: string[] };
      expect(valid).toHaveLength(exprs.size);
      expect(checkedPromql.added).toHaveLength(exprs.size);
      // A new process seeded from the file parses none of them.
      checkedPromql.hashes.clear();
      checkedPromql.added.length = 0;
      expect(await runSynth(env, { promqlCache: cache })).toBe(0);
      expect(checkedPromql.added).toEqual([]);
      expect(checkedPromql.hashes.size).toBe(exprs.size);
    } finally {
      quiet.mockRestore();
    }
    // What the cache does not hold is parsed, and a typo still fails naming the rule.
    expect(() => checkRuleGroups([{ name: 'mine', rules: [{ alert: 'Mine', expr: 'sum(rate(x[5m])', labels: {}, annotations: {} }] }])).toThrow(
      /alert rule "Mine" \(group "mine"\): invalid PromQL at character/,
    );
  });
});
