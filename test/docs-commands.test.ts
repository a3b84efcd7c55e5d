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
import * as yaml from 'yaml';
import { preparePki } from '../lib/pki';
import { codeBlocks, docFiles } from './support/docs';
import { ROOT, tmpDir } from './support/fleet';
import { fleetWithStore } from './support/pki';

/** Commands that are shown but never run here, and why. */
const EXEMPT: Record<string, string> = {
  kubectl: 'applies to, waits for or restarts objects in a live cluster',
  argocd: 'registers clusters with, or deletes Applications from, a running Argo CD',
  kubeseal: 'fetches the certificate of a sealed-secrets controller running in a cluster',
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
  return docFiles().flatMap((f) =>
    codeBlocks(f)
      .filter((b) => SHELL_LANGS.includes(b.lang))
      .flatMap((b) => commandsOf(f, b.text, b.lang)),
  );
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
    expect(shown).toEqual(
      expect.arrayContaining(['README.md: npm ci', 'README.md: npm run synth', 'README.md: npm test', 'docs/operations.md: npm run pki -- status']),
    );
    expect(commandsOf('x.md', 'A=1 B=2 npm run synth >/dev/null 2>&1 # comment\nfor c in a b; do\n  npm run x -- \\\n  --y | tee out\ndone\n')).toEqual(
      ['npm run synth', 'for c in a b', 'do', 'npm run x -- --y', 'tee out', 'done'].map((command) => ({
        file: 'x.md',
        command,
        program: command.split(' ')[0],
      })),
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
      expect({ step, status: r.status }).toEqual({ step, status: 0 });
      await preparePki(fleet);
    }
    expect(fs.readdirSync(path.join(fleet.pki.dir, 'ca-retired'))).toHaveLength(1);
  });
});

describe('CONTRIBUTING.md, generated files', () => {
  // scripts/import-crds.sh runs for real in a copy of the project, with a stand-in for the cdk8s CLI that
  // records its arguments and writes the module cdk8s would: the real imports take ~20 s. scripts/crd-schemas.mjs
  // (which would download the listed URLs) has a stand-in too; the real one is tested on its own below.
  const ENTRIES = (yaml.parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')) as { imports: string[] }).imports;

  function project() {
    const dir = tmpDir('promfleet-import-');
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.mkdirSync(path.join(dir, 'imports'));
    for (const f of ['package.json', 'cdk8s.yaml', 'scripts/import-crds.sh']) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
    fs.chmodSync(path.join(dir, 'scripts/import-crds.sh'), 0o755);
    fs.writeFileSync(path.join(dir, 'imports', 'probe-monitoring.coreos.com.ts'), '// an older import\n');
    fs.mkdirSync(path.join(dir, 'imports', 'crd-schemas'));
    fs.writeFileSync(path.join(dir, 'imports', 'crd-schemas', 'probe.json'), '{}\n');
    fs.writeFileSync(
      path.join(dir, 'scripts', 'crd-schemas.mjs'),
      [
        "import * as fs from 'fs';",
        'const [out, ...entries] = process.argv.slice(2);',
        'fs.mkdirSync(out, { recursive: true });',
        "fs.appendFileSync(process.env.IMPORT_LOG, entries.map((e) => `schema ${e}\\n`).join(''));",
        "for (const e of entries) fs.writeFileSync(`${out}/${e.slice(0, e.indexOf('='))}.json`, '{}');",
        '',
      ].join('\n'),
    );
    fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', 'yaml'), path.join(dir, 'node_modules', 'yaml'));
    fs.writeFileSync(
      path.join(dir, 'node_modules', '.bin', 'cdk8s'),
      ['#!/bin/sh', '[ "$1" = import ] || exit 9', 'echo "$2" >> "$IMPORT_LOG"', 'mkdir -p "$7"', 'echo "// $2" > "$7/${2%%:=*}-kind.ts"', ''].join('\n'),
      { mode: 0o755 },
    );
    const log = path.join(dir, 'import.log');
    return { dir, log, env: { IMPORT_LOG: log } };
  }

  it.each([
    ['npm run import -- <crd-dir>', true],
    ['npm run import', false],
  ])('%s imports each listed kind once, replaces imports/ and keeps cdk8s.yaml', (command, offline) => {
    const p = project();
    const crds = path.join(p.dir, 'crds');
    fs.mkdirSync(path.join(crds, 'release'), { recursive: true });
    // Offline, each listed file is found by its name anywhere below the folder given.
    for (const e of ENTRIES) fs.writeFileSync(path.join(crds, 'release', e.slice(e.lastIndexOf('/') + 1)), '# a CRD\n');
    const r = run(command.replace('<crd-dir>', crds), { cwd: p.dir, env: p.env });
    expect([r.status, r.stderr]).toEqual([0, expect.any(String)]);
    const spec = (e: string) => (offline ? `${e.slice(0, e.indexOf(':='))}:=${path.join(crds, 'release', e.slice(e.lastIndexOf('/') + 1))}` : e);
    expect(fs.readFileSync(p.log, 'utf8').trim().split('\n')).toEqual([...ENTRIES.map(spec), ...ENTRIES.map((e) => `schema ${spec(e).replace(':=', '=')}`)]);
    const names = ENTRIES.map((e) => e.slice(0, e.indexOf(':=')));
    expect(fs.readdirSync(path.join(p.dir, 'imports')).sort()).toEqual([...names.map((n) => `${n}-kind.ts`), 'crd-schemas'].sort());
    expect(fs.readdirSync(path.join(p.dir, 'imports', 'crd-schemas')).sort()).toEqual(names.map((n) => `${n}.json`).sort());
    expect(fs.readFileSync(path.join(p.dir, 'cdk8s.yaml'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
  });

  it('refuses a folder that lacks a listed CRD, and leaves imports/ as it was', () => {
    const p = project();
    const r = run(`npm run import -- ${p.dir}/scripts`, { cwd: p.dir, env: p.env });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/import-crds: \S+\.yaml \(for \w+\) is not in /);
    expect(fs.readdirSync(path.join(p.dir, 'imports')).sort()).toEqual(['crd-schemas', 'probe-monitoring.coreos.com.ts']);
    expect(fs.readdirSync(path.join(p.dir, 'imports', 'crd-schemas'))).toEqual(['probe.json']);
  });

  it("writes each CRD's structural schema per served version, without descriptions, and an index module", () => {
    const dir = tmpDir('promfleet-crd-schemas-');
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        names: { kind: 'Widget', plural: 'widgets' },
        scope: 'Namespaced',
        versions: ['v1', 'v1beta1'].map((name) => ({
          name,
          served: name === 'v1',
          storage: name === 'v1',
          schema: {
            openAPIV3Schema: {
              description: 'A widget.',
              type: 'object',
              properties: { spec: { type: 'object', properties: { description: { type: 'string', description: 'Its description.' } } } },
            },
          },
        })),
      },
    };
    fs.writeFileSync(path.join(dir, 'widget-crd.yaml'), `# a CRD\n---\n${yaml.stringify(crd)}`);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/crd-schemas.mjs'), path.join(dir, 'out'), `widget=${path.join(dir, 'widget-crd.yaml')}`], {
      encoding: 'utf8',
    });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'out', 'widget.json'), 'utf8'))).toEqual({
      source: 'widget-crd.yaml',
      group: 'example.com',
      kind: 'Widget',
      versions: { v1: { type: 'object', properties: { spec: { type: 'object', properties: { description: { type: 'string' } } } } } },
    });
    expect(fs.readFileSync(path.join(dir, 'out', 'index.ts'), 'utf8')).toContain("import widget from './widget.json';");
  });
});
