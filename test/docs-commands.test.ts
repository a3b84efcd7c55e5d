// Every command the documentation shows works. The commands of the fenced shell blocks of README.md,
// CONTRIBUTING.md, CHANGELOG.md and docs/*.md are extracted, and each must be one of:
// - promfleet's own (npm, npx, node, a script of the repository): its npm script exists, and the exact
//   invocation, placeholders included, appears in .ci/run or in a test under test/, which runs it;
// - exempt, in the list below, because it needs a live cluster;
// - a general-purpose tool the examples use around them (SHELL_TOOLS).
// The tests at the end run the documented commands that nothing else runs.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { preparePki } from '../lib/pki';
import { codeBlocks, docFiles } from './support/docs';
import { ROOT, tmpDir } from './support/fleet';
import { fleetWithStore } from './support/pki';

/** Commands that are shown but never run here, and why. */
const EXEMPT: Record<string, string> = {
  kubectl: 'applies to, waits for or restarts objects in a live cluster',
  argocd: 'registers clusters with, or deletes Applications from, a running Argo CD',
  kubeseal: "fetches the certificate of a sealed-secrets controller running in a cluster",
};

/** Tools that the examples use around promfleet's commands; they are not promfleet's to test. */
const SHELL_TOOLS = ['mkdir', 'for', 'do', 'done', 'openssl'];

const SHELL_LANGS = ['sh', 'bash', 'shell', 'console'];

interface DocCommand {
  file: string;
  /** The command as the documentation shows it, without leading variable assignments, redirections or comment. */
  command: string;
  program: string;
}

/** The commands of a shell code block: one per pipeline element or list element, continuation lines joined. */
function commandsOf(file: string, block: string, lang = 'sh'): DocCommand[] {
  const lines = block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => (lang === 'console' ? (l.startsWith('$ ') ? l.slice(2) : '') : l))
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
  return lines
    .flatMap((l) => l.split(/\s*(?:&&|\|\||;|\|)\s*/))
    .map((c) =>
      c
        .replace(/^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s*)+/, '')
        .replace(/(^|\s)\d*>>?\s*(?:&\d+|\S+)/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean)
    .map((command) => ({ file, command, program: command.split(/\s+/)[0] }));
}

function docCommands(): DocCommand[] {
  return docFiles().flatMap((f) => codeBlocks(f).filter((b) => SHELL_LANGS.includes(b.lang)).flatMap((b) => commandsOf(f, b.text, b.lang)));
}

const isProjectCommand = (program: string) => ['npm', 'npx', 'node', 'promfleet'].includes(program) || /^(\.\/)?(scripts|\.ci)\//.test(program);

/** Where an exercised command must appear: CI and every test file. */
function exercisingSources(): { file: string; text: string }[] {
  const tests: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ts|js|mjs)$/.test(e.name)) tests.push(p);
    }
  };
  walk(path.join(ROOT, 'test'));
  return [path.join(ROOT, '.ci', 'run'), ...tests].map((f) => ({ file: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf8') }));
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Why `c` is not exercised, or undefined when it is. */
function notExercised(c: DocCommand, sources: { file: string; text: string }[], scripts: Record<string, string>): string | undefined {
  const args = c.command.split(/\s+/);
  if (args[0] === 'npm') {
    const script = args[1] === 'run' ? args[2] : args[1];
    const builtin = ['ci', 'install'].includes(args[1]);
    if (!builtin && !(script in scripts)) return `package.json has no script "${script}"`;
  }
  const invocation = new RegExp(`${escape(c.command)}(?=$|[\\s'"\`)\\]])`, 'm');
  return sources.some((s) => invocation.test(s.text)) ? undefined : 'neither .ci/run nor a test under test/ runs it';
}

describe('commands in the documentation', () => {
  const commands = docCommands();
  const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  it('are found in every shell block', () => {
    const shown = commands.map((c) => `${c.file}: ${c.command}`);
    expect(shown).toEqual(expect.arrayContaining(['README.md: npm ci', 'README.md: npm run synth', 'README.md: npm test', 'docs/operations.md: npm run pki -- status']));
    expect(commandsOf('x.md', 'A=1 B=2 npm run synth >/dev/null 2>&1 # comment\nfor c in a b; do\n  npm run x -- \\\n  --y | tee out\ndone\n')).toEqual(
      ['npm run synth', 'for c in a b', 'do', 'npm run x -- --y', 'tee out', 'done'].map((command) => ({ file: 'x.md', command, program: command.split(' ')[0] })),
    );
  });

  it("are promfleet's own and exercised, exempt, or general-purpose tools", () => {
    const sources = exercisingSources();
    const problems = commands.flatMap((c) => {
      if (isProjectCommand(c.program)) {
        const why = notExercised(c, sources, scripts);
        return why ? [`${c.file}: ${c.command}: ${why}`] : [];
      }
      if (c.program in EXEMPT || SHELL_TOOLS.includes(c.program)) return [];
      return [`${c.file}: ${c.command}: "${c.program}" is neither promfleet's nor exempt nor a listed tool`];
    });
    expect(problems).toEqual([]);
  });

  it('exempt only programs that the documentation uses', () => {
    const used = new Set(commands.map((c) => c.program));
    expect(Object.keys(EXEMPT).filter((p) => !used.has(p))).toEqual([]);
    expect(SHELL_TOOLS.filter((p) => !used.has(p))).toEqual([]);
  });
});

/** Runs a documented command with sh, as a reader would. */
function run(command: string, opts: { cwd?: string; env?: Record<string, string> } = {}) {
  return spawnSync('sh', ['-c', command], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, npm_config_update_notifier: 'false', ...opts.env },
  });
}

describe('docs/operations.md, PKI', () => {
  it('npm run pki -- status, then the three rotate-ca steps, each followed by a synth of the store', async () => {
    const fleet = fleetWithStore();
    await preparePki(fleet);
    const env = { FLEET: path.join(ROOT, 'fleet.yaml'), PROMFLEET_PKI_DIR: fleet.pki.dir };

    const status = run('npm run pki -- status', { env });
    expect([status.status, status.stdout]).toEqual([0, expect.stringMatching(/CA "promfleet root CA [0-9a-f]{8}"/)]);
    for (const step of ['npm run pki -- rotate-ca start', 'npm run pki -- rotate-ca switch', 'npm run pki -- rotate-ca finish']) {
      const r = run(step, { env });
      expect({ step, status: r.status, stderr: r.stderr }).toEqual({ step, status: 0, stderr: expect.any(String) });
      await preparePki(fleet);
    }
    expect(fs.readdirSync(path.join(fleet.pki.dir, 'ca-retired'))).toHaveLength(1);
  });
});

describe('CONTRIBUTING.md, generated files', () => {
  // scripts/import-crds.sh runs for real in a copy of the project, with a stand-in for `npx cdk8s import`
  // that records its arguments and writes the module cdk8s would: ten real imports would take ~20 s.
  const KINDS = ['alertmanagerconfig', 'alertmanager', 'podmonitor', 'probe', 'prometheusagent', 'prometheus', 'prometheusrule', 'scrapeconfig', 'servicemonitor', 'thanosruler'];

  function project() {
    const dir = tmpDir('promfleet-import-');
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.mkdirSync(path.join(dir, 'imports'));
    for (const f of ['package.json', 'cdk8s.yaml', 'scripts/import-crds.sh']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    fs.chmodSync(path.join(dir, 'scripts/import-crds.sh'), 0o755);
    fs.writeFileSync(path.join(dir, 'imports', 'probe-monitoring.coreos.com.ts'), '// an older import\n');
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(
      path.join(bin, 'npx'),
      [
        '#!/bin/sh',
        '[ "$1 $2" = "cdk8s import" ] || exit 9',
        'echo "$3" >> "$IMPORT_LOG"',
        'echo "  - $3" >> cdk8s.yaml', // cdk8s import adds each spec to cdk8s.yaml; the script must undo that
        'echo "// $3" > "imports/${3%%:=*}-monitoring.coreos.com.ts"',
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    const log = path.join(dir, 'import.log');
    return { dir, log, env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, IMPORT_LOG: log } };
  }

  it.each([
    ['npm run import -- <crd-dir>', (crds: string) => `${crds}/monitoring.coreos.com_`],
    ['npm run import -- v0.94.0', () => 'https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/v0.94.0/example/prometheus-operator-crd/monitoring.coreos.com_'],
  ])('%s imports each kind once and keeps the committed cdk8s.yaml', (command, specPrefix) => {
    const p = project();
    const crds = path.join(p.dir, 'crds');
    fs.mkdirSync(crds);
    const r = run(command.replace('<crd-dir>', crds), { cwd: p.dir, env: p.env });
    expect([r.status, r.stderr]).toEqual([0, expect.any(String)]);
    const plural = (k: string) => (k === 'prometheus' ? 'prometheuses' : `${k}s`);
    expect(fs.readFileSync(p.log, 'utf8').trim().split('\n')).toEqual(KINDS.map((k) => `${k}:=${specPrefix(crds)}${plural(k)}.yaml`));
    expect(fs.readdirSync(path.join(p.dir, 'imports')).sort()).toEqual(KINDS.map((k) => `${k}-monitoring.coreos.com.ts`).sort());
    expect(fs.readFileSync(path.join(p.dir, 'cdk8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
  });
});
