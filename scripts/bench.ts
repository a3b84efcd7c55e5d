// `npm run bench`: measures synth speed and memory on synthetic fleets and prints one table
// (also written to .bench/results.json). Each measurement is a separate process, after a warm-up,
// median of several runs. Nothing here asserts timings; the README records the figures.
//   npm run bench                 # full run (1, 3, 10, 100, 1000 clusters, cold PKI, cdk8s synth, tests)
//   npm run bench -- --quick      # 1, 3, 10, 100 clusters, fewer runs, no test-suite timing
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildSync } from 'esbuild';
import { stringify } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const CHILD = path.join(ROOT, 'scripts', 'bench-child.mjs');
const BUNDLE = path.join(ROOT, '.build', 'bench-entry.cjs');

interface Run {
  wallMs: number;
  maxRssMb: number;
  bytes: number;
  objects: number;
  files: number;
}

/** A fleet of one observer and `n` workload clusters, each with the full workload stack. */
export function syntheticFleet(n: number): string {
  const clusters: unknown[] = [
    { name: 'observer', roles: ['observer'], querier: { ingress: { host: 'thanos.bench.example.com' } } },
  ];
  for (let i = 0; i < n; i++) {
    const name = `wl-${String(i).padStart(4, '0')}`;
    clusters.push({
      name,
      roles: ['workload'],
      externalLabels: { region: `region-${i % 7}` },
      thanos: {
        endpoint: { host: `sidecar.${name}.bench.example.com` },
        service: { type: 'LoadBalancer', loadBalancer: { scope: 'internal', provider: ['aws', 'gcp', 'azure'][i % 3] } },
        ingress: { host: `grpc.${name}.bench.example.com`, className: 'nginx' },
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

/** Runs the bundled app once in a fresh process; counts what it wrote afterwards. */
function runApp(env: Record<string, string>): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CHILD, BUNDLE], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`bench child failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  const { maxRssMb } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { maxRssMb: number };
  return { wallMs, maxRssMb, ...countOutput(env.PROMFLEET_OUT) };
}

function countOutput(dir: string): { bytes: number; objects: number; files: number } {
  const out = { bytes: 0, objects: 0, files: 0 };
  if (!fs.existsSync(dir)) return out;
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
  execFileSync(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function main(args: string[]): number {
  const quick = args.includes('--quick');
  const sizes = quick ? [1, 3, 10, 100] : [1, 3, 10, 100, 1000];
  const runs = quick ? 3 : 5;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'promfleet-bench-'));
  const log = (s: string) => process.stderr.write(s + '\n');
  // Bundle the app once; every measurement then runs plain node on it.
  buildSync({ entryPoints: [path.join(ROOT, 'scripts', 'bench-entry.ts')], outfile: BUNDLE, bundle: true, platform: 'node', target: 'node20', format: 'cjs', packages: 'external', logLevel: 'error' });

  const rows: { clusters: number; wallMs: number; maxRssMb: number; bytes: number; objects: number; files: number; perClusterMs?: number }[] = [];
  try {
    for (const n of sizes) {
      const dir = path.join(work, `fleet-${n}`);
      fs.mkdirSync(dir);
      const fleet = path.join(dir, 'fleet.yaml');
      fs.writeFileSync(fleet, syntheticFleet(n));
      const env = { FLEET: fleet, PROMFLEET_OUT: path.join(dir, 'dist'), PROMFLEET_PKI_DIR: path.join(dir, 'pki') };
      runApp(env); // warm-up: creates the PKI store
      const samples = Array.from({ length: n >= 1000 ? Math.min(runs, 3) : runs }, () => runApp(env));
      const row = {
        clusters: n,
        wallMs: median(samples.map((s) => s.wallMs)),
        maxRssMb: median(samples.map((s) => s.maxRssMb)),
        bytes: samples[0].bytes,
        objects: samples[0].objects,
        files: samples[0].files,
      };
      rows.push(row);
      log(`bench: ${n} workload clusters: ${row.wallMs.toFixed(0)} ms, ${row.maxRssMb.toFixed(0)} MB peak RSS, ${row.objects} objects`);
      if (n === sizes[sizes.length - 1] && args.includes('--validate')) {
        const report = JSON.parse(
          execFileSync(process.execPath, [path.join(ROOT, 'test/support/validate-objects.mjs'), env.PROMFLEET_OUT], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 30 }),
        ) as { objects: number; errors: unknown[] };
        log(`bench: validated ${report.objects} objects of the ${n}-cluster fleet: ${report.errors.length} errors`);
        if (report.errors.length) throw new Error(JSON.stringify(report.errors.slice(0, 5), null, 2));
      }
    }
    const marginal = (a: number, b: number) => {
      const ra = rows.find((r) => r.clusters === a);
      const rb = rows.find((r) => r.clusters === b);
      return ra && rb ? (rb.wallMs - ra.wallMs) / (b - a) : undefined;
    };
    for (const r of rows) {
      const prev = rows[rows.indexOf(r) - 1];
      if (prev) r.perClusterMs = marginal(prev.clusters, r.clusters);
    }

    // Cold PKI for 100 clusters: a fresh store each run.
    const coldDir = path.join(work, 'cold');
    fs.mkdirSync(coldDir);
    fs.writeFileSync(path.join(coldDir, 'fleet.yaml'), syntheticFleet(100));
    const cold = Array.from({ length: quick ? 2 : 3 }, (_, i) =>
      runApp({ FLEET: path.join(coldDir, 'fleet.yaml'), PROMFLEET_OUT: path.join(coldDir, `dist-${i}`), PROMFLEET_PKI_DIR: path.join(coldDir, `pki-${i}`), PROMFLEET_BENCH_PKI_ONLY: '1' }),
    );
    const coldPkiMs = median(cold.map((c) => c.wallMs));
    log(`bench: cold PKI, 100 workload clusters: ${coldPkiMs.toFixed(0)} ms`);

    // `cdk8s synth` of the default fleet, end to end, into a scratch output (dist/ untouched).
    const cdk8s = path.join(ROOT, 'node_modules', '.bin', 'cdk8s');
    const synthEnv = { PROMFLEET_OUT: path.join(work, 'synth-dist'), PROMFLEET_PKI_DIR: path.join(work, 'synth-pki') };
    const synthArgs = ['synth', '--no-check-upgrade', '--output', path.join(work, 'synth-out')];
    timeCommand(cdk8s, synthArgs, synthEnv);
    const synthMs = median(Array.from({ length: runs }, () => timeCommand(cdk8s, synthArgs, synthEnv)));
    log(`bench: cdk8s synth (default fleet): ${synthMs.toFixed(0)} ms`);

    const testMs = quick ? undefined : timeCommand('npm', ['test', '--silent']);
    if (testMs !== undefined) log(`bench: npm test: ${(testMs / 1000).toFixed(1)} s`);

    const result = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`,
      fleets: rows,
      linearity: (() => {
        const m100 = marginal(10, 100);
        const m1000 = marginal(100, 1000);
        return m100 && m1000 ? { perCluster10to100Ms: m100, perCluster100to1000Ms: m1000, ratio: m1000 / m100 } : undefined;
      })(),
      coldPki100Ms: coldPkiMs,
      cdk8sSynthDefaultMs: synthMs,
      testSuiteMs: testMs,
    };
    fs.mkdirSync(path.join(ROOT, '.bench'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, '.bench', 'results.json'), JSON.stringify(result, null, 2) + '\n');
    process.stdout.write(table(result) + '\n');
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function table(r: {
  date: string;
  machine: string;
  fleets: { clusters: number; wallMs: number; maxRssMb: number; bytes: number; objects: number; perClusterMs?: number }[];
  linearity?: { ratio: number };
  coldPki100Ms: number;
  cdk8sSynthDefaultMs: number;
  testSuiteMs?: number;
}): string {
  const lines = [
    `promfleet bench, ${r.date}, ${r.machine} (medians, warm PKI)`,
    '',
    '| workload clusters | synth wall | per added cluster | peak RSS | objects | bytes written |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...r.fleets.map(
      (f) =>
        `| ${f.clusters} | ${(f.wallMs / 1000).toFixed(2)} s | ${f.perClusterMs === undefined ? '-' : `${f.perClusterMs.toFixed(1)} ms`} | ${f.maxRssMb.toFixed(0)} MB | ${f.objects} | ${(f.bytes / 2 ** 20).toFixed(1)} MiB |`,
    ),
    '',
    `- marginal cost 100->1000 vs 10->100: ${r.linearity ? `${r.linearity.ratio.toFixed(2)}x` : 'n/a'}`,
    `- cold PKI for 100 workload clusters: ${(r.coldPki100Ms / 1000).toFixed(2)} s`,
    `- cdk8s synth of the default fleet, end to end: ${(r.cdk8sSynthDefaultMs / 1000).toFixed(2)} s`,
    `- npm test: ${r.testSuiteMs === undefined ? 'not measured (--quick)' : `${(r.testSuiteMs / 1000).toFixed(1)} s`}`,
  ];
  return lines.join('\n');
}
