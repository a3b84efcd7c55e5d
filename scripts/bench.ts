// `npm run bench`: measures synth speed and memory and prints one table (the same figures go to
// the git-ignored .bench/results.json). Every measurement is a separate process, after a warm-up,
// median of several runs; the app runs exactly as `cdk8s synth` starts it (scripts/app.mjs).
// Nothing here is asserted by the tests; docs/performance.md records the figures.
//   npm run bench                 # everything: 1..1000 clusters (validated), cold PKI, cdk8s synth, npm test
//   npm run bench -- --quick      # up to 100 clusters, fewer runs, no test-suite timing
//   npm run bench -- --validate   # with --quick: also validate the largest fleet's objects
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { formatFinding, validateTree } from '../lib/validate';

const ROOT = path.resolve(__dirname, '..');
const CHILD = path.join(ROOT, 'scripts', 'bench-child.mjs');

/** The performance targets (medians, warm PKI store). */
export const TARGETS = {
  defaultFleetMs: 350,
  perClusterMs: 15,
  clusters1000Ms: 20_000,
  clusters1000RssMb: 500,
  coldPki100Ms: 10_000,
  cdk8sSynthMs: 1_500,
  /** The README's render command (`npm run synth`, which runs promfleet synth), end to end, against `helm template`. */
  readmeRenderVsHelm: 1.0,
  /** `node bin/promfleet.mjs synth`, end to end, against `helm template`. */
  binVsHelm: 0.5,
  testSuiteMs: 120_000,
  linearity: 1.5,
} as const;

interface Output {
  bytes: number;
  objects: number;
  files: number;
}

interface Row extends Output {
  clusters: number;
  wallMs: number;
  maxRssMb: number;
  /** Marginal cost per workload cluster since the previous row. */
  perClusterMs?: number;
}

export interface BenchResult {
  date: string;
  machine: string;
  defaultFleet: Row;
  fleets: Row[];
  /** The largest fleet again, into an empty output folder: every file is created. */
  freshOutput: Row;
  linearity?: { perCluster10to100Ms: number; perCluster100to1000Ms: number; ratio: number };
  coldPki100Ms: number;
  cdk8sSynthDefaultMs: number;
  /** The README's render command, `npm run synth`, end to end (default fleet). */
  readmeRenderMs: number;
  /** `node bin/promfleet.mjs synth`, end to end (default fleet). */
  binSynthMs: number;
  /** `node -e 0`: the cost of starting a do-nothing Node.js process here. */
  nodeStartMs: number;
  /** `helm template` of kube-prometheus-stack, once per cluster of the default fleet; estimated when helm is not here. */
  helm: { ms: number; measured: boolean; how: string };
  testSuiteMs?: number;
  validated?: { clusters: number; objects: number; errors: number };
}

/** A fleet of one observer and `n` workload clusters, each with the full workload stack. */
export function syntheticFleet(n: number): string {
  const clusters: unknown[] = [{ name: 'observer', roles: ['observer'], querier: { ingress: { host: 'thanos.bench.example.com', className: 'nginx' } } }];
  for (let i = 0; i < n; i++) {
    const name = `wl-${String(i).padStart(4, '0')}`;
    clusters.push({
      name,
      roles: ['workload'],
      externalLabels: { region: `region-${i % 7}` },
      // Half reached through a load balancer per replica, half through a TLS-passthrough Ingress.
      thanos:
        i % 2
          ? { ingress: { host: `grpc-{replica}.${name}.bench.example.com`, className: 'nginx' } }
          : {
              endpoint: { host: `sidecar-{replica}.${name}.bench.example.com` },
              service: { type: 'LoadBalancer', loadBalancer: { scope: 'internal', provider: ['aws', 'gcp', 'azure'][(i / 2) % 3] } },
            },
      serviceMonitors: [{ name: 'apache-exporter', namespace: 'web', selector: { 'app.kubernetes.io/name': 'apache' }, endpoints: [{ port: 'metrics' }] }],
      podMonitors: [{ name: 'kafka', namespace: 'kafka', selector: { 'app.kubernetes.io/name': 'kafka' }, endpoints: [{ port: 'metrics' }] }],
    });
  }
  return stringify({ clusters });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Runs the app once in a fresh process: wall time as the caller sees it, and the child's own peak RSS. */
function runApp(env: Record<string, string>): { wallMs: number; maxRssMb: number } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CHILD], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`bench child failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  const { maxRssMb } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { maxRssMb: number };
  return { wallMs, maxRssMb };
}

/** What a render left in `dir`: YAML files, their bytes, and the objects in them. */
function countOutput(dir: string): Output {
  const out = { bytes: 0, objects: 0, files: 0 };
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) {
        const text = fs.readFileSync(p, 'utf8');
        out.files++;
        out.bytes += Buffer.byteLength(text);
        out.objects += text.split(/^---$/m).filter((doc) => doc.trim()).length;
      }
    }
  };
  walk(dir);
  return out;
}

function timeCommand(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const t0 = process.hrtime.bigint();
  execFileSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

/**
 * Warm-up run (bundle, code cache, PKI store), then `runs` measured runs of the same fleet, each
 * re-rendering over the previous output, or into an empty output folder when `fresh`.
 */
function measureFleet(clusters: number, fleetFile: string, outDir: string, pkiDir: string, runs: number, fresh = false): Row {
  // CI=false: the synth measured issues the certificates, as where the store is, even when the benchmark runs in CI.
  const env = { FLEET: fleetFile, PROMFLEET_OUT: outDir, PROMFLEET_PKI_DIR: pkiDir, CI: 'false' };
  runApp(env);
  const samples = Array.from({ length: runs }, () => {
    if (fresh) fs.rmSync(outDir, { recursive: true, force: true });
    return runApp(env);
  });
  const row = { clusters, wallMs: median(samples.map((s) => s.wallMs)), maxRssMb: median(samples.map((s) => s.maxRssMb)), ...countOutput(outDir) };
  log(
    `${clusters} workload cluster(s)${fresh ? ', empty output folder' : ''}: ${row.wallMs.toFixed(0)} ms, ${row.maxRssMb.toFixed(0)} MB peak RSS, ${row.objects} objects`,
  );
  return row;
}

export function main(args: string[]): number {
  const quick = args.includes('--quick');
  const validate = !quick || args.includes('--validate');
  const sizes = quick ? [1, 3, 10, 100] : [1, 3, 10, 100, 1000];
  const runs = quick ? 3 : 5;
  // Small fleets differ by a few milliseconds: more runs keep their marginal costs out of the noise.
  const runsFor = (clusters: number) => (clusters >= 1000 ? 3 : clusters >= 100 ? runs : 2 * runs - 1);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'promfleet-bench-'));
  try {
    // The default fleet, with a store of its own (the repository's .pki/ is left alone).
    const defaultDir = path.join(work, 'default');
    fs.mkdirSync(defaultDir);
    fs.copyFileSync(path.join(ROOT, 'fleet.yaml'), path.join(defaultDir, 'fleet.yaml'));
    const defaultFleet = measureFleet(2, path.join(defaultDir, 'fleet.yaml'), path.join(defaultDir, 'dist'), path.join(defaultDir, 'pki'), runsFor(2));

    // Synthetic fleets share one store: wl-0000 has the same certificate in every fleet.
    const pkiDir = path.join(work, 'pki');
    const rows: Row[] = [];
    for (const n of sizes) {
      const dir = path.join(work, `fleet-${n}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'fleet.yaml'), syntheticFleet(n));
      const row = measureFleet(n, path.join(dir, 'fleet.yaml'), path.join(dir, 'dist'), pkiDir, runsFor(n));
      const prev = rows[rows.length - 1];
      if (prev) row.perClusterMs = (row.wallMs - prev.wallMs) / (row.clusters - prev.clusters);
      rows.push(row);
    }
    const largest = rows[rows.length - 1];
    const largestDir = path.join(work, `fleet-${largest.clusters}`);
    const freshOutput = measureFleet(largest.clusters, path.join(largestDir, 'fleet.yaml'), path.join(largestDir, 'dist'), pkiDir, 3, true);
    let validated: BenchResult['validated'];
    if (validate) {
      // Every object of the largest fleet, through `promfleet validate`'s checks, as the tests' default fleet.
      const report = validateTree([path.join(largestDir, 'dist')]);
      validated = { clusters: largest.clusters, objects: report.objects, errors: report.findings.length };
      log(`validated ${report.objects} objects of the ${largest.clusters}-cluster fleet: ${report.findings.length} findings`);
      if (report.findings.length) throw new Error(report.findings.slice(0, 5).map(formatFinding).join('\n'));
    }
    const perCluster = (a: number, b: number) => {
      const [ra, rb] = [rows.find((r) => r.clusters === a), rows.find((r) => r.clusters === b)];
      return ra && rb ? (rb.wallMs - ra.wallMs) / (b - a) : undefined;
    };

    // Cold PKI for 100 clusters: a fresh store each run, after a warm-up on the 1-cluster fleet.
    const coldDir = path.join(work, 'cold');
    fs.mkdirSync(coldDir);
    fs.writeFileSync(path.join(coldDir, 'fleet.yaml'), syntheticFleet(100));
    const pkiOnly = (fleet: string, pki: string) => runApp({ FLEET: fleet, PROMFLEET_PKI_DIR: pki, PROMFLEET_BENCH_PKI_ONLY: '1' });
    pkiOnly(path.join(work, 'fleet-1', 'fleet.yaml'), path.join(coldDir, 'pki-warm-up'));
    const cold = Array.from({ length: quick ? 2 : 3 }, (_, i) => pkiOnly(path.join(coldDir, 'fleet.yaml'), path.join(coldDir, `pki-${i}`)));
    const coldPki100Ms = median(cold.map((c) => c.wallMs));
    log(`cold PKI, 100 workload clusters: ${coldPki100Ms.toFixed(0)} ms`);

    // `cdk8s synth` of the default fleet, end to end, into scratch folders (dist/ and .pki/ untouched).
    const cdk8s = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
    const synthEnv = {
      FLEET: path.join(defaultDir, 'fleet.yaml'),
      PROMFLEET_OUT: path.join(work, 'synth-dist'),
      PROMFLEET_PKI_DIR: path.join(defaultDir, 'pki'),
    };
    const synthArgs = ['synth', '--no-check-upgrade', '--output', path.join(work, 'synth-out')];
    timeCommand(cdk8s, synthArgs, synthEnv);
    const cdk8sSynthDefaultMs = median(Array.from({ length: runs }, () => timeCommand(cdk8s, synthArgs, synthEnv)));
    log(`cdk8s synth (default fleet): ${cdk8sSynthDefaultMs.toFixed(0)} ms`);

    // The README's render command and the promfleet bin, side by side with cdk8s and helm, same fleet and store.
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const timeRuns = (cmd: string, args: string[]) => (
      timeCommand(cmd, args, synthEnv),
      median(Array.from({ length: runs }, () => timeCommand(cmd, args, synthEnv)))
    );
    const readmeRenderMs = timeRuns(npm, ['run', 'synth']);
    log(`npm run synth (the README's render command): ${readmeRenderMs.toFixed(0)} ms`);
    const binSynthMs = timeRuns(process.execPath, [path.join(ROOT, 'bin', 'promfleet.mjs'), 'synth']);
    log(`node bin/promfleet.mjs synth: ${binSynthMs.toFixed(0)} ms`);
    const nodeStartMs = timeRuns(process.execPath, ['-e', '0']);
    const helm = helmTemplate(nodeStartMs, timeRuns);
    log(`helm template: ${helm.ms.toFixed(0)} ms (${helm.how})`);

    const testSuiteMs = quick ? undefined : timeCommand('npm', ['test', '--silent']);
    if (testSuiteMs !== undefined) log(`npm test: ${(testSuiteMs / 1000).toFixed(1)} s`);

    const m100 = perCluster(10, 100);
    const m1000 = perCluster(100, 1000);
    const cpus = os.cpus();
    const result: BenchResult = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus.length} x ${cpus[0]?.model.trim() ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, node ${process.version}`,
      defaultFleet,
      fleets: rows,
      freshOutput,
      ...(m100 && m1000 ? { linearity: { perCluster10to100Ms: m100, perCluster100to1000Ms: m1000, ratio: m1000 / m100 } } : {}),
      coldPki100Ms,
      cdk8sSynthDefaultMs,
      readmeRenderMs,
      binSynthMs,
      nodeStartMs,
      helm,
      testSuiteMs,
      validated,
    };
    fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, '.bench', 'results.json'), JSON.stringify({ ...result, targets: TARGETS }, null, 2) + '\n');
    process.stdout.write(table(result) + '\n');
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * \`helm template\` of kube-prometheus-stack for the clusters of the default fleet (one release each), when
 * helm and the chart are here (PROMFLEET_BENCH_HELM_CHART: the chart's folder or archive). Neither npm nor
 * Debian ships helm, so otherwise it is estimated from a same-machine measure: there, helm took 1.05 s
 * where a do-nothing Node.js process took 0.10 s, so helm costs 10.5 Node.js starts of this machine.
 */
function helmTemplate(nodeStartMs: number, timeRuns: (cmd: string, args: string[]) => number): BenchResult['helm'] {
  const chart = process.env.PROMFLEET_BENCH_HELM_CHART;
  const helm = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  if (chart && helm.status === 0) {
    const script = ['observer', 'workload-eu', 'workload-us']
      .map((c) => `helm template ${c} ${JSON.stringify(chart)} --namespace monitoring >/dev/null`)
      .join(' && ');
    return { ms: timeRuns('sh', ['-c', script]), measured: true, how: `measured, helm ${helm.stdout.trim()}` };
  }
  return {
    ms: nodeStartMs * HELM_IN_NODE_STARTS,
    measured: false,
    how: `estimated: helm is not installed here; ${HELM_IN_NODE_STARTS} x a Node.js start, the ratio measured on one machine`,
  };
}

/** helm template of kube-prometheus-stack for three clusters (1.05 s) over a do-nothing Node.js process (0.10 s), one 2-core machine. */
const HELM_IN_NODE_STARTS = 10.5;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

/** The Markdown tables docs/performance.md carries. */
export function table(r: BenchResult): string {
  const row1000 = r.fleets.find((f) => f.clusters === 1000);
  const worstPerCluster = Math.max(...r.fleets.filter((f) => f.perClusterMs !== undefined).map((f) => f.perClusterMs!));
  const checks: [string, string, string, boolean | undefined][] = [
    ['default fleet (app)', `<= ${seconds(TARGETS.defaultFleetMs)}`, seconds(r.defaultFleet.wallMs), r.defaultFleet.wallMs <= TARGETS.defaultFleetMs],
    ['cost per added cluster (highest step)', `<= ${TARGETS.perClusterMs} ms`, `${worstPerCluster.toFixed(1)} ms`, worstPerCluster <= TARGETS.perClusterMs],
    [
      '1000 clusters',
      `<= ${seconds(TARGETS.clusters1000Ms)}`,
      row1000 ? seconds(row1000.wallMs) : 'not run',
      row1000 && row1000.wallMs <= TARGETS.clusters1000Ms,
    ],
    [
      '1000 clusters, peak RSS',
      `<= ${TARGETS.clusters1000RssMb} MB`,
      row1000 ? `${row1000.maxRssMb.toFixed(0)} MB` : 'not run',
      row1000 && row1000.maxRssMb <= TARGETS.clusters1000RssMb,
    ],
    [
      'linearity: per cluster 100->1000 / 10->100',
      `<= ${TARGETS.linearity}x`,
      r.linearity ? `${r.linearity.ratio.toFixed(2)}x` : 'not run',
      r.linearity && r.linearity.ratio <= TARGETS.linearity,
    ],
    ['cold PKI, 100 clusters', `<= ${seconds(TARGETS.coldPki100Ms)}`, seconds(r.coldPki100Ms), r.coldPki100Ms <= TARGETS.coldPki100Ms],
    [
      '`cdk8s synth`, default fleet, end to end',
      `<= ${seconds(TARGETS.cdk8sSynthMs)}`,
      seconds(r.cdk8sSynthDefaultMs),
      r.cdk8sSynthDefaultMs <= TARGETS.cdk8sSynthMs,
    ],
    [
      "README's render command (`npm run synth`), end to end",
      `<= ${TARGETS.readmeRenderVsHelm.toFixed(1)}x helm`,
      `${seconds(r.readmeRenderMs)}, ${(r.readmeRenderMs / r.helm.ms).toFixed(2)}x`,
      r.readmeRenderMs <= TARGETS.readmeRenderVsHelm * r.helm.ms,
    ],
    [
      '`node bin/promfleet.mjs synth`, end to end',
      `<= ${TARGETS.binVsHelm.toFixed(1)}x helm`,
      `${seconds(r.binSynthMs)}, ${(r.binSynthMs / r.helm.ms).toFixed(2)}x`,
      r.binSynthMs <= TARGETS.binVsHelm * r.helm.ms,
    ],
    [
      '`npm test`',
      `<= ${seconds(TARGETS.testSuiteMs)}`,
      r.testSuiteMs === undefined ? 'not run' : seconds(r.testSuiteMs),
      r.testSuiteMs === undefined ? undefined : r.testSuiteMs <= TARGETS.testSuiteMs,
    ],
  ];
  const fleetLine = (label: string, f: Row) =>
    `| ${label} | ${seconds(f.wallMs)} | ${f.perClusterMs === undefined ? '-' : `${f.perClusterMs.toFixed(1)} ms`} | ${f.maxRssMb.toFixed(0)} MB | ${f.files} | ${f.objects} | ${(f.bytes / 2 ** 20).toFixed(1)} MiB |`;
  return [
    `promfleet bench, ${r.date}; ${r.machine}. Medians, warm PKI store; each run renders over the previous output (see "Re-rendering"), except on the last line.`,
    '',
    '| workload clusters (+1 observer) | synth wall | per added cluster | peak RSS | files | objects | YAML |',
    '| :--- | ---: | ---: | ---: | ---: | ---: | ---: |',
    fleetLine('default fleet.yaml (2)', r.defaultFleet),
    ...r.fleets.map((f) => fleetLine(String(f.clusters), f)),
    fleetLine(`${r.freshOutput.clusters}, into an empty output folder`, r.freshOutput),
    '',
    '| target | wanted | measured | |',
    '| :--- | ---: | ---: | :--- |',
    ...checks.map(([name, wanted, got, ok]) => `| ${name} | ${wanted} | ${got} | ${ok === undefined ? '-' : verdict(ok)} |`),
    '',
    `Default fleet end to end: \`npm run synth\` ${seconds(r.readmeRenderMs)}, \`node bin/promfleet.mjs synth\` ${seconds(r.binSynthMs)}, \`cdk8s synth\` ${seconds(r.cdk8sSynthDefaultMs)}; \`helm template\` ${seconds(r.helm.ms)} (${r.helm.how}); a do-nothing \`node -e 0\` ${seconds(r.nodeStartMs)}.`,
    ...(r.validated ? ['', `Validated: all ${r.validated.objects} objects of the ${r.validated.clusters}-cluster fleet, ${r.validated.errors} errors.`] : []),
  ].join('\n');
}
