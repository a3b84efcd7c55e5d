// A real Go TLS stack for tests: Debian's `prometheus` binary serves its own /metrics over TLS
// (--web.config.file) with a given server certificate and client CA, and a second prometheus
// scrapes each server with a given client identity and server_name. `up` = 1 means Go accepted
// both sides of the handshake. Loopback only, ephemeral ports, bounded waits, every process stopped.
//
//   const results = await probeGoTls({
//     servers: { eu: { cert, key, clientCa } },
//     probes: [{ name: 'eu-ok', server: 'eu', serverName: 'sidecar.eu.example.com', ca, cert, key }],
//   });
//   results['eu-ok'].up === 1
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import type { TlsBundle } from '../../lib/pki';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

/** A TLS server that requires and verifies client certificates (like the Thanos sidecar). */
export interface GoTlsServer {
  /** PEM: server certificate, then any intermediates. */
  readonly cert: string;
  readonly key: string;
  /** PEM bundle of the CAs that verify client certificates. */
  readonly clientCa: string;
}

/** One client connection attempt (like the Querier dialling a sidecar). */
export interface GoTlsProbe {
  /** Unique name; the key of the result. */
  readonly name: string;
  /** Key of the server in `servers`. */
  readonly server: string;
  /** Name the client verifies in the server certificate (Thanos' `server_name`). */
  readonly serverName: string;
  /** PEM bundle of the CAs that verify the server certificate. */
  readonly ca: string;
  /** Client certificate chain and key; omit both to present none. */
  readonly cert?: string;
  readonly key?: string;
}

export interface GoTlsResult {
  /** The `up` sample of the scrape: 1 when the handshake (both ways) and the request succeeded. */
  readonly up: number;
  /** Prometheus' error for a failed scrape, e.g. "x509: certificate is valid for ..., not ...". */
  readonly lastError: string;
}

export interface ProbeOptions {
  /** Upper bound for the whole run. @default 60000 */
  readonly timeoutMs?: number;
}

/** The server side of a kubernetes.io/tls Secret object as rendered (data is base64). */
export function tlsBundleFromSecret(secret: { data: Record<string, string> }): TlsBundle {
  const get = (k: string) => {
    const v = secret.data[k];
    if (v === undefined) throw new Error(`Secret has no data key ${k}`);
    return Buffer.from(v, 'base64').toString('utf8');
  };
  return { cert: get('tls.crt'), key: get('tls.key'), ca: get('ca.crt') };
}

interface Running {
  readonly port: number;
  readonly proc: ChildProcess;
}

/** Starts prometheus on 127.0.0.1 with an OS-chosen port and waits until it listens. */
function startPrometheus(dir: string, config: object, webConfig: object | undefined, deadline: number): Promise<Running> {
  fs.mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(configFile, stringify(config));
  const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, '--web.listen-address=127.0.0.1:0', '--log.level=info'];
  if (webConfig) {
    const webFile = path.join(dir, 'web.yml');
    fs.writeFileSync(webFile, stringify(webConfig));
    args.push(`--web.config.file=${webFile}`);
  }
  const proc = spawn(PROMETHEUS_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise<Running>((resolve, reject) => {
    let log = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      proc.kill('SIGKILL');
      reject(new Error(`prometheus in ${dir} ${why}\n${log.slice(-3000)}`));
    };
    const timer = setTimeout(() => fail('did not start listening in time'), Math.max(0, deadline - Date.now()));
    proc.on('error', (e) => fail(`could not start: ${e.message}`));
    proc.on('exit', (code) => fail(`exited early (code ${code})`));
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk: string) => {
      log += chunk;
      // exporter-toolkit logs the bound address: msg="Listening on" address=127.0.0.1:41234
      const m = /msg="Listening on" address=127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners('exit');
        proc.stderr.removeAllListeners('data');
        proc.stderr.resume(); // keep draining so the process never blocks on a full pipe
        resolve({ port: Number(m[1]), proc });
      }
    });
  });
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

interface TargetsResponse {
  data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
}
interface QueryResponse {
  data: { result: { metric: { job: string }; value: [number, string] }[] };
}

/** Runs every probe against its server and returns `up` and the scrape error of each. */
export async function probeGoTls(
  input: { servers: Record<string, GoTlsServer>; probes: GoTlsProbe[] },
  opts: ProbeOptions = {},
): Promise<Record<string, GoTlsResult>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60000);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'promfleet-go-tls-'));
  const procs: ChildProcess[] = [];
  const write = (file: string, content: string, secret = false) => {
    fs.writeFileSync(path.join(root, file), content, { mode: secret ? 0o600 : 0o644 });
    return path.join(root, file);
  };
  try {
    const names = Object.keys(input.servers);
    const started = await Promise.allSettled(
      names.map((name, i) => {
        const s = input.servers[name];
        const tls = {
          cert_file: write(`server-${i}.crt`, s.cert),
          key_file: write(`server-${i}.key`, s.key, true),
          client_ca_file: write(`server-${i}-client-ca.crt`, s.clientCa),
          client_auth_type: 'RequireAndVerifyClientCert',
          min_version: 'TLS13',
        };
        return startPrometheus(path.join(root, `server-${i}`), { global: { scrape_interval: '1h' }, scrape_configs: [] }, { tls_server_config: tls }, deadline);
      }),
    );
    // Wait for every start to settle, so that nothing started is left running on failure.
    for (const s of started) if (s.status === 'fulfilled') procs.push(s.value.proc);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const servers = started.map((s) => (s as PromiseFulfilledResult<Running>).value);
    const portOf = new Map(names.map((n, i) => [n, servers[i].port]));

    const scrapeConfigs = input.probes.map((p, i) => {
      const port = portOf.get(p.server);
      if (port === undefined) throw new Error(`probe ${p.name}: no server named ${p.server}`);
      return {
        job_name: p.name,
        scheme: 'https',
        scrape_interval: '1s',
        scrape_timeout: '1s',
        tls_config: {
          ca_file: write(`probe-${i}-ca.crt`, p.ca),
          server_name: p.serverName,
          ...(p.cert ? { cert_file: write(`probe-${i}.crt`, p.cert), key_file: write(`probe-${i}.key`, p.key ?? '', true) } : {}),
        },
        static_configs: [{ targets: [`127.0.0.1:${port}`] }],
      };
    });
    const client = await startPrometheus(path.join(root, 'client'), { global: { scrape_interval: '1s' }, scrape_configs: scrapeConfigs }, undefined, deadline);
    procs.push(client.proc);

    const api = `http://127.0.0.1:${client.port}/api/v1`;
    const wanted = new Set(input.probes.map((p) => p.name));
    for (;;) {
      if (Date.now() > deadline) throw new Error(`not every probe was scraped in time: ${[...wanted].join(', ')}`);
      const targets = await getJson<TargetsResponse>(`${api}/targets?state=active`).catch(() => undefined);
      const query = await getJson<QueryResponse>(`${api}/query?query=up`).catch(() => undefined);
      const scraped = new Map(targets?.data.activeTargets.filter((t) => t.health !== 'unknown').map((t) => [t.labels.job, t.lastError]) ?? []);
      const ups = new Map(query?.data.result.map((r) => [r.metric.job, Number(r.value[1])]) ?? []);
      if ([...wanted].every((n) => scraped.has(n) && ups.has(n))) {
        return Object.fromEntries(input.probes.map((p) => [p.name, { up: ups.get(p.name)!, lastError: scraped.get(p.name) ?? '' }]));
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await Promise.all(procs.map(stop));
    fs.rmSync(root, { recursive: true, force: true });
  }
}
