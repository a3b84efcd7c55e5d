// Alerts that reach a person: typed receivers whose credentials come from the secret store, routes by
// severity and cluster, the kube-prometheus inhibitions, Watchdog to a dead man's switch, and a warning
// when nothing would be sent anywhere. The rendered configurations go through amtool 0.25 (check-config,
// config routes test); what is newer than amtool is checked here against what Alertmanager mounts.
import { execFileSync, spawnSync } from 'child_process';
import * as age from 'age-encryption';
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { main as credentialMain } from '../lib/cli/credential';
import { ALERTMANAGER_CONFIG_KEY, ALERTMANAGER_CONFIG_SECRET, ALERTMANAGER_SECRETS_DIR, RECEIVER_CREDENTIALS_SECRET } from '../lib/components/alertmanager';
import { alertingWarnings } from '../lib/delivery/summary';
import { SECRETS_DIR } from '../lib/file-chart';
import { PkiError } from '../lib/pki';
import { preparePkiSync } from '../lib/pki/fleet-pki';
import { renderFleet } from '../lib/render';
import { makeController, unseal } from './support/sealed';
import {
  defaultFleetText,
  fleetFrom,
  fleetProblems,
  ofKind,
  readTree,
  render,
  ROOT,
  runMain,
  testPki,
  testPkiDir,
  tmpDir,
  type Rendered,
} from './support/fleet';

const amtool = (args: string[]) => execFileSync('amtool', args, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });

const clusters = `
clusters:
  - name: observer
    roles: [observer]
  - name: workload-eu
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-eu-{replica}.example.com" } }
  - name: workload-us
    roles: [workload]
    thanos: { endpoint: { host: "sidecar-us-{replica}.example.com" } }
`;

/** Every receiver kind amtool 0.25 knows, each credential from the secret store. */
const KNOWN_KINDS = `
defaults:
  alertmanager:
    receivers:
      - name: slack
        slack: { channel: "#alerts", apiUrl: { credential: slack-ops } }
      - name: pager
        pagerduty: { routingKey: { credential: pagerduty-key } }
      - name: opsgenie
        opsgenie: { apiKey: { credential: opsgenie-key }, apiUrl: "https://api.eu.opsgenie.com/" }
      - name: mail
        email: { to: oncall@example.com, from: alertmanager@example.com, smarthost: "smtp.example.com:587", authUsername: am, authPassword: { credential: smtp-password } }
      - name: deadman
        webhook: { url: "https://hc-ping.example.com/ping/abc" }
    deadMansSwitch: { receiver: deadman }
    route:
      receiver: slack
      routes:
        - receiver: pager
          matchers: ['severity="critical"']
        - receiver: opsgenie
          matchers: ['severity="warning"', 'cluster="workload-us"']
        - receiver: mail
          matchers: ['severity="info"']
${clusters}`;

/** With the receivers newer than amtool 0.25: Teams (msteamsv2) and a webhook whose URL is a credential. */
const NEWER_KINDS = KNOWN_KINDS.replace(
  '    deadMansSwitch:',
  `      - name: teams
        msteams: { webhookUrl: { credential: teams-url } }
      - name: hook
        webhook: { url: { credential: hook-url } }
    deadMansSwitch:`,
).replace(
  '          matchers: [\'severity="info"\']',
  `          matchers: ['severity="info"']
        - receiver: teams
          matchers: ['team="apps"']
        - receiver: hook
          matchers: ['team="db"']`,
);

const VALUES: Record<string, string> = {
  'slack-ops': 'https://hooks.slack.com/services/T000/B000/sl4ckT0kenVALUE',
  'pagerduty-key': 'pd0routing0key0VALUE0123456789ab',
  'opsgenie-key': '0psg3nie-api-key-VALUE',
  'smtp-password': 'smtp-s3cret-VALUE',
  'teams-url': 'https://example.webhook.office.com/workflows/teams-VALUE',
  'hook-url': 'https://hooks.example.com/t0ken-VALUE',
};

/** Writes the fleet file and puts each credential into the store with the CLI, as a user would. */
async function setCredentials(text: string, names: string[], store = testPkiDir()): Promise<string> {
  const file = path.join(tmpDir(), 'fleet.yaml');
  fs.writeFileSync(file, text);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    for (const n of names) expect(await credentialMain(['set', n, '--fleet', file, '--pki-dir', store], { stdin: () => `${VALUES[n]}\n` })).toBe(0);
  } finally {
    err.mockRestore();
  }
  return file;
}

function configOf(r: Rendered, cluster: string): { text: string; config: Record<string, unknown> } {
  const secret = ofKind(r.objects, 'Secret').find((o) => o.cluster === cluster && o.obj.metadata.name === ALERTMANAGER_CONFIG_SECRET);
  expect(secret).toBeDefined();
  const text = secret!.obj.stringData[ALERTMANAGER_CONFIG_KEY];
  return { text, config: parse(text) as Record<string, unknown> };
}

function writeConfig(text: string, name: string): string {
  const file = path.join(tmpDir('promfleet-am-'), name);
  fs.writeFileSync(file, text);
  return file;
}

/** Every `*_file` value of the receivers, with where it is. */
function filesOf(config: Record<string, unknown>): { at: string; file: string }[] {
  const out: { at: string; file: string }[] = [];
  for (const r of config.receivers as Record<string, unknown>[]) {
    for (const [kind, list] of Object.entries(r)) {
      if (!Array.isArray(list)) continue;
      list.forEach((c: Record<string, unknown>, i) => {
        for (const [k, v] of Object.entries(c)) if (k.endsWith('_file')) out.push({ at: `${r.name as string}.${kind}[${i}].${k}`, file: v as string });
      });
    }
  }
  return out;
}

function renderWithStore(text: string): Rendered {
  return render(fleetFrom(text));
}

describe('receivers amtool 0.25 knows', () => {
  let r: Rendered;
  beforeAll(async () => {
    await setCredentials(KNOWN_KINDS, ['slack-ops', 'pagerduty-key', 'opsgenie-key', 'smtp-password']);
    r = renderWithStore(KNOWN_KINDS);
  });

  it.each(['workload-eu', 'workload-us'])('%s: amtool check-config accepts the configuration', (cluster) => {
    const { text, config } = configOf(r, cluster);
    const receivers = (config.receivers as Record<string, unknown>[]).map((x) => Object.keys(x).sort().join(','));
    // Each kind is really there, so that amtool checks it.
    expect(receivers).toEqual(
      expect.arrayContaining(['name', 'name,slack_configs', 'name,pagerduty_configs', 'name,opsgenie_configs', 'email_configs,name', 'name,webhook_configs']),
    );
    expect(amtool(['check-config', writeConfig(text, `${cluster}.yaml`)])).toMatch(/SUCCESS/);
  });

  it('amtool config routes test sends each sample alert where the fleet file says', () => {
    const file = writeConfig(configOf(r, 'workload-eu').text, 'routes.yaml');
    const cases: [string, string[]][] = [
      ['pager', ['severity=critical', 'cluster=workload-eu', 'namespace=default', 'alertname=KubePodCrashLooping']],
      ['slack', ['severity=warning', 'cluster=workload-eu', 'namespace=default', 'alertname=KubePodCrashLooping']],
      ['opsgenie', ['severity=warning', 'cluster=workload-us', 'namespace=default', 'alertname=KubePodCrashLooping']],
      ['mail', ['severity=info', 'cluster=workload-eu', 'alertname=KubeQuotaAlmostFull']],
      ['deadman', ['severity=none', 'cluster=workload-eu', 'alertname=Watchdog']],
      ['null', ['severity=none', 'cluster=workload-eu', 'alertname=InfoInhibitor']],
    ];
    for (const [receiver, labels] of cases) {
      expect(amtool(['config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${receiver}`, ...labels]).trim()).toBe(receiver);
    }
    // The check can fail: a critical alert does not reach Slack.
    expect(() => amtool(['config', 'routes', 'test', `--config.file=${file}`, '--verify.receivers=slack', 'severity=critical', 'alertname=X'])).toThrow();
  });

  it("Watchdog goes alone to the dead man's switch, at once and every minute, which is never told it resolved", () => {
    const { config } = configOf(r, 'workload-eu');
    const deadman = (config.receivers as { name: string; webhook_configs?: { send_resolved: boolean }[] }[]).find((x) => x.name === 'deadman')!;
    expect(deadman.webhook_configs?.[0].send_resolved).toBe(false);
    const slack = (config.receivers as { name: string; slack_configs?: { send_resolved: boolean }[] }[]).find((x) => x.name === 'slack')!;
    expect(slack.slack_configs?.[0].send_resolved).toBe(true);
    const route = config.route as { routes: Record<string, unknown>[] };
    expect(route.routes[0]).toEqual({
      receiver: 'deadman',
      matchers: ['alertname="Watchdog"'],
      group_wait: '0s',
      group_interval: '1m',
      repeat_interval: '1m',
    });
  });

  it('inhibitions: critical over warning and info, warning over info, InfoInhibitor over info, each within one cluster', () => {
    expect(configOf(r, 'workload-eu').config.inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal: ['cluster', 'namespace', 'alertname'] },
      { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal: ['cluster', 'namespace', 'alertname'] },
      { source_matchers: ['alertname="InfoInhibitor"'], target_matchers: ['severity="info"'], equal: ['cluster', 'namespace'] },
    ]);
  });

  it('PagerDuty and Opsgenie get the severity from the alert', () => {
    const receivers = configOf(r, 'workload-eu').config.receivers as Record<string, { severity?: string; priority?: string }[]>[];
    const pd = receivers.find((x) => 'pagerduty_configs' in x)!.pagerduty_configs[0];
    expect(pd.severity).toContain('.CommonLabels.severity');
    const og = receivers.find((x) => 'opsgenie_configs' in x)!.opsgenie_configs[0];
    expect(og.priority).toMatch(/P1.*P5.*P3/);
  });
});

describe('receivers newer than amtool 0.25, and where the credentials go', () => {
  let r: Rendered;
  beforeAll(async () => {
    await setCredentials(NEWER_KINDS, Object.keys(VALUES));
    r = renderWithStore(NEWER_KINDS);
  });

  it('amtool 0.25 rejects the newer fields; with them taken out it accepts the rest', () => {
    const { text, config } = configOf(r, 'workload-eu');
    expect(() => amtool(['check-config', writeConfig(text, 'newer.yaml')])).toThrow();
    const receivers = (config.receivers as Record<string, unknown>[]).map((x) => {
      const { msteamsv2_configs: _teams, ...rest } = x as Record<string, unknown> & { webhook_configs?: Record<string, unknown>[] };
      void _teams;
      if (rest.webhook_configs)
        rest.webhook_configs = rest.webhook_configs.map(({ url_file, ...c }) => (url_file ? { ...c, url: 'https://stand-in.invalid/' } : c));
      return rest;
    });
    expect(amtool(['check-config', writeConfig(stringify({ ...config, receivers }), 'older.yaml')])).toMatch(/SUCCESS/);
  });

  it('every credential file is a key of a Secret that Alertmanager mounts', () => {
    const { config } = configOf(r, 'workload-eu');
    const am = ofKind(r.objects, 'Alertmanager').find((o) => o.cluster === 'workload-eu')!.obj;
    const stored = ofKind(r.objects, 'Secret').find((o) => o.cluster === 'workload-eu' && o.obj.metadata.name === RECEIVER_CREDENTIALS_SECRET)!.obj;
    const files = filesOf(config);
    expect(files.map((f) => f.at)).toEqual(
      expect.arrayContaining(['teams.msteamsv2_configs[0].webhook_url_file', 'hook.webhook_configs[0].url_file', 'slack.slack_configs[0].api_url_file']),
    );
    for (const { at, file } of files) {
      const m = new RegExp(`^${ALERTMANAGER_SECRETS_DIR}/([^/]+)/([^/]+)$`).exec(file);
      expect([at, m !== null]).toEqual([at, true]);
      expect(am.spec.secrets).toContain(m![1]);
      expect(m![1]).toBe(RECEIVER_CREDENTIALS_SECRET);
      expect(Object.keys(stored.data)).toContain(m![2]);
    }
    const decoded = Object.fromEntries(Object.entries(stored.data as Record<string, string>).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
    expect(decoded).toEqual(VALUES);
  });

  it('no credential value is in any file git would stage; the Secret that has them is under secrets/', () => {
    const committed = [...r.files].filter(([rel]) => !rel.split(path.sep).includes(SECRETS_DIR));
    expect(committed.length).toBeGreaterThan(10);
    for (const [rel, text] of committed) {
      for (const v of Object.values(VALUES)) {
        expect([rel, text.includes(v) || text.includes(Buffer.from(v).toString('base64'))]).toEqual([rel, false]);
      }
    }
    expect([...r.files.keys()]).toContain(path.join('workload-eu', SECRETS_DIR, `${RECEIVER_CREDENTIALS_SECRET}.yaml`));
  });

  it('a synth in CI without the store renders the same configuration and leaves the credentials Secret out', () => {
    const fleet = fleetFrom(NEWER_KINDS);
    const pki = preparePkiSync({ ...fleet, pki: { ...fleet.pki, dir: path.join(tmpDir(), 'no-store') } }, { issue: false });
    expect(pki.withheld).toBeDefined();
    const outDir = path.join(tmpDir(), 'dist');
    renderFleet(fleet, outDir, pki);
    const ci = readTree(outDir);
    expect([...ci.files.keys()].filter((f) => f.includes(RECEIVER_CREDENTIALS_SECRET))).toEqual([]);
    expect(configOf({ ...r, ...ci, outDir, result: r.result }, 'workload-eu').text).toBe(configOf(r, 'workload-eu').text);
  });
});

describe('examples/alert-receivers/fleet.yaml', () => {
  it('renders once its credentials are set, and routes as its comments say', async () => {
    const text = fs.readFileSync(path.join(ROOT, 'examples', 'alert-receivers', 'fleet.yaml'), 'utf8');
    const names = [...text.matchAll(/credential: ([a-z0-9-]+)/g)].map((m) => m[1]);
    // Six receiver credentials, and Grafana's OpenID Connect client secret.
    expect(names).toHaveLength(7);
    const store = path.join(tmpDir(), 'store');
    const file = path.join(tmpDir(), 'fleet.yaml');
    fs.writeFileSync(file, text);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const n of names)
        expect(await credentialMain(['set', n, '--fleet', file, '--pki-dir', store], { stdin: () => `https://example.com/${n}\n` })).toBe(0);
    } finally {
      err.mockRestore();
    }
    const r = render(fleetFrom(text), path.join(tmpDir(), 'dist'), testPki(fleetFrom(text), store));
    const stored = ofKind(r.objects, 'Secret').find((o) => o.cluster === 'workload-us' && o.obj.metadata.name === RECEIVER_CREDENTIALS_SECRET)!.obj;
    expect(Object.keys(stored.data).sort()).toEqual(names.filter((n) => n !== 'grafana-oidc').sort());
    const { config } = configOf(r, 'workload-us');
    for (const { file: f } of filesOf(config)) expect(Object.keys(stored.data)).toContain(path.basename(f));
    // amtool 0.25 routes the configuration once the receivers it cannot parse are emptied (routing ignores them).
    const receivers = (config.receivers as { name: string }[]).map((x) => ({ name: x.name }));
    const routes = writeConfig(stringify({ route: config.route, receivers }), 'example.yaml');
    const to = (labels: string[]) => amtool(['config', 'routes', 'test', `--config.file=${routes}`, ...labels]).trim();
    expect(to(['severity=critical', 'cluster=workload-us', 'alertname=X'])).toBe('pagerduty');
    expect(to(['severity=warning', 'cluster=workload-us', 'alertname=X'])).toBe('opsgenie');
    expect(to(['severity=warning', 'cluster=workload-eu', 'alertname=X'])).toBe('slack');
    expect(to(['severity=info', 'namespace=shop', 'alertname=X'])).toBe('teams,mail');
    expect(to(['alertname=Watchdog', 'severity=none'])).toBe('deadmans-switch');
  });
});

describe('the documented commands', () => {
  it('npm run credential -- set reads the value on standard input; list shows names, never values', () => {
    // Run from a folder inside the repository (the git-ignored .build/), as a reader runs npm from a checkout.
    fs.mkdirSync(path.join(ROOT, '.build'), { recursive: true });
    const dir = fs.mkdtempSync(path.join(ROOT, '.build', 'credential-'));
    try {
      fs.copyFileSync(path.join(ROOT, 'examples', 'alert-receivers', 'fleet.yaml'), path.join(dir, 'fleet.yaml'));
      fs.writeFileSync(path.join(dir, 'slack-webhook-url.txt'), `${VALUES['slack-ops']}\n`);
      const env = { ...process.env, FLEET: path.join(dir, 'fleet.yaml'), PROMFLEET_PKI_DIR: path.join(dir, '.pki'), npm_config_update_notifier: 'false' };
      const sh = (command: string) => spawnSync('sh', ['-c', command], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
      const set = sh('npm run credential -- set slack-ops < slack-webhook-url.txt');
      expect([set.status, set.stderr]).toEqual([0, expect.stringContaining('stored slack-ops')]);
      expect(fs.readFileSync(path.join(dir, '.pki', 'receivers', 'slack-ops.credential'), 'utf8')).toBe(`${VALUES['slack-ops']}\n`);
      const list = sh('npm run credential -- list');
      // Exit 1: the example names more credentials than this one.
      expect(list.status).toBe(1);
      expect(list.stdout).toMatch(/^slack-ops\tstored\t/m);
      expect(list.stdout + list.stderr).not.toContain(VALUES['slack-ops']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a store encrypted with age', () => {
  it('keeps each credential encrypted; a synth with the identity renders it, one without in CI leaves it out', async () => {
    const identity = await age.generateX25519Identity();
    const text = KNOWN_KINDS.replace(/^clusters:\n/m, `pki:\n  encryption:\n    recipients: [${await age.identityToRecipient(identity)}]\n\nclusters:\n`);
    const dir = tmpDir('promfleet-age-');
    const store = path.join(dir, '.pki');
    const file = await setCredentials(text, ['slack-ops', 'pagerduty-key', 'opsgenie-key', 'smtp-password'], store);
    const inStore = fs.readdirSync(path.join(store, 'receivers')).sort();
    expect(inStore).toEqual(['opsgenie-key.credential.age', 'pagerduty-key.credential.age', 'slack-ops.credential.age', 'smtp-password.credential.age']);
    for (const f of inStore) expect(fs.readFileSync(path.join(store, 'receivers', f), 'utf8')).not.toContain('VALUE');
    const synth = (out: string, env: Record<string, string>) =>
      runMain({ FLEET: file, PROMFLEET_OUT: path.join(dir, out), PROMFLEET_PKI_DIR: store, CDK8S_OUTDIR: '', ...env }, dir);
    expect((await synth('dist', { PROMFLEET_AGE_IDENTITY: identity })).code).toBe(0);
    const secret = fs.readFileSync(path.join(dir, 'dist', 'workload-eu', SECRETS_DIR, `${RECEIVER_CREDENTIALS_SECRET}.yaml`), 'utf8');
    expect(secret).toContain(Buffer.from(VALUES['slack-ops']).toString('base64'));
    const ci = await synth('dist-ci', { CI: 'true' });
    expect(ci.code).toBe(0);
    expect(fs.existsSync(path.join(dir, 'dist-ci', 'workload-eu', SECRETS_DIR))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'dist-ci', 'workload-eu', '30-alertmanager.yaml'), 'utf8')).toBe(
      fs.readFileSync(path.join(dir, 'dist', 'workload-eu', '30-alertmanager.yaml'), 'utf8'),
    );
  });
});

describe('sealed secrets mode', () => {
  it('commits the credentials sealed for the cluster, and nothing in plain', async () => {
    const dir = tmpDir();
    const controller = makeController();
    controller.writeCert(path.join(dir, 'certs', 'eu.pem'));
    const text = KNOWN_KINDS.replace('  - name: workload-eu\n', '  - name: workload-eu\n    sealedSecrets: { certificate: certs/eu.pem }\n');
    const names = ['slack-ops', 'pagerduty-key', 'opsgenie-key', 'smtp-password'];
    await setCredentials(text, names);
    const fleet = fleetFrom(text, dir);
    const r = render(fleet, path.join(dir, 'dist'), testPki(fleet));
    const sealed = ofKind(r.objects, 'SealedSecret').find((o) => o.cluster === 'workload-eu' && o.obj.metadata.name === RECEIVER_CREDENTIALS_SECRET);
    expect(sealed).toBeDefined();
    const opened = unseal(controller.privateKey, sealed!.obj);
    expect(Object.fromEntries(Object.entries(opened.data).map(([k, v]) => [k, v.toString()]))).toEqual(Object.fromEntries(names.map((n) => [n, VALUES[n]])));
    // workload-us and the observer (which monitors itself) are not sealed: their plain Secrets are in the git-ignored
    // secrets/, and workload-eu has none.
    expect([...r.files.keys()].filter((f) => f.includes(RECEIVER_CREDENTIALS_SECRET) && f.split(path.sep).includes(SECRETS_DIR))).toEqual([
      path.join('observer', SECRETS_DIR, `${RECEIVER_CREDENTIALS_SECRET}.yaml`),
      path.join('workload-us', SECRETS_DIR, `${RECEIVER_CREDENTIALS_SECRET}.yaml`),
    ]);
    for (const [rel, content] of [...r.files].filter(([f]) => !f.split(path.sep).includes(SECRETS_DIR))) {
      for (const n of names) expect([rel, content.includes(VALUES[n]) || content.includes(Buffer.from(VALUES[n]).toString('base64'))]).toEqual([rel, false]);
    }
  });
});

describe('a credential the store lacks', () => {
  it('stops the synth with the field and the command that sets it', () => {
    const fleet = fleetFrom(KNOWN_KINDS);
    // A store with certificates but no credential.
    const dir = path.join(tmpDir(), 'store');
    const pki = preparePkiSync({ ...fleet, pki: { ...fleet.pki, dir } });
    let error: unknown;
    try {
      renderFleet(fleet, path.join(tmpDir(), 'dist'), pki);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PkiError);
    // The first cluster built that names it: the observer, whose own Alertmanager has the fleet's receivers.
    expect((error as Error).message).toContain('alertmanager.receivers[0].slack.apiUrl.credential of cluster "observer"');
    expect((error as Error).message).toContain('promfleet credential set slack-ops');
  });
});

describe('promfleet credential', () => {
  it('set, list and remove; list exits 1 while a receiver lacks its credential', async () => {
    const store = path.join(tmpDir(), 'store');
    const file = await setCredentials(KNOWN_KINDS, ['slack-ops'], store);
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await credentialMain(['list', '--fleet', file, '--pki-dir', store])).toBe(1);
      const listed = out.mock.calls.map((c) => String(c[0])).join('');
      expect(listed).toMatch(
        /^slack-ops\tstored\tobserver: alertmanager.receivers\[0\].slack.apiUrl, workload-eu: alertmanager.receivers\[0\].slack.apiUrl, workload-us: /m,
      );
      expect(listed).toMatch(/^pagerduty-key\tMISSING: promfleet credential set pagerduty-key\t/m);
      expect(listed).not.toContain(VALUES['slack-ops']);
      expect(fs.statSync(path.join(store, 'receivers', 'slack-ops.credential')).mode & 0o077).toBe(0);
      expect(await credentialMain(['remove', 'slack-ops', '--fleet', file, '--pki-dir', store])).toBe(0);
      expect(fs.existsSync(path.join(store, 'receivers', 'slack-ops.credential'))).toBe(false);
      expect(await credentialMain(['set', 'Bad_Name', '--fleet', file, '--pki-dir', store], { stdin: () => 'x' })).toBe(1);
      expect(await credentialMain(['set', 'empty', '--fleet', file, '--pki-dir', store], { stdin: () => '\n' })).toBe(1);
      expect(await credentialMain(['set', '--fleet', file, '--pki-dir', store], { stdin: () => 'x' })).toBe(2);
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toContain('got an empty value');
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});

describe('a fleet whose alerts reach nobody', () => {
  it('gets a warning in the synth summary; a fleet with a receiver does not', () => {
    expect(alertingWarnings(fleetFrom(defaultFleetText()))).toEqual([expect.stringMatching(/warning: clusters .*workload-eu.*Alertmanager has no receiver/)]);
    expect(alertingWarnings(fleetFrom(KNOWN_KINDS))).toEqual([]);
    // A dead man's switch alone proves the pipeline works, but pages nobody.
    const onlyDeadman = `defaults:\n  alertmanager:\n    receivers: [{ name: deadman, webhook: { url: "https://hc-ping.example.com/x" } }]\n    deadMansSwitch: { receiver: deadman }\n${clusters}`;
    expect(alertingWarnings(fleetFrom(onlyDeadman))).toEqual([
      expect.stringContaining('clusters observer, workload-eu, workload-us: Alertmanager has no receiver'),
    ]);
  });
});

describe('fleet file errors name the field', () => {
  const problems = (am: string) => fleetProblems(`defaults:\n  alertmanager:\n${am}\n${clusters}`);
  it.each([
    ['    receivers: [{ name: s, slack: { apiUrl: { credential: slack-ops } } }]', 'defaults.alertmanager.receivers[0].slack.channel'],
    ['    receivers: [{ name: t, msteams: { webhookUrl: "https://example.com/x" } }]', 'defaults.alertmanager.receivers[0].msteams.webhookUrl'],
    ['    receivers: [{ name: o, opsgenie: { apiKey: { credential: Ops_Key } } }]', 'defaults.alertmanager.receivers[0].opsgenie.apiKey.credential'],
    ['    receivers: [{ name: h, webhook: { url: "ftp://example.com" } }]', 'defaults.alertmanager.receivers[0].webhook.url'],
    ['    deadMansSwitch: { receiver: nowhere }', 'defaults.alertmanager.deadMansSwitch.receiver'],
  ])('%s', (am, field) => {
    expect(problems(am).map((p) => p.slice(0, p.indexOf(': ')))).toContain(field);
  });

  it('a credential pasted where its name belongs is refused and not echoed', () => {
    const pasted = VALUES['teams-url'];
    const found = problems(`    receivers: [{ name: t, msteams: { webhookUrl: "${pasted}" } }]`);
    expect(found).toEqual([expect.stringMatching(/^defaults\.alertmanager\.receivers\[0\]\.msteams\.webhookUrl: must be \{credential: <name>\}/)]);
    expect(found.join('\n')).not.toContain(pasted);
  });
});
