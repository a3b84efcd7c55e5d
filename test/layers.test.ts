// The layer rule of eslint.config.mjs: an import that runs up the layers fails the lint, one that
// runs down passes. Probe modules are written into the layers and linted as `npm test` lints.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { expect } from '@jest/globals';

const ROOT = path.resolve(__dirname, '..');

/** [folder, module source, the import eslint must name, the layer it must name]. */
const UPWARD: [string, string, string, string][] = [
  ['lib/fleet', "export { renderFleet } from '../render';", '../render', 'fleet (schema, load, model, checks)'],
  ['lib/fleet', "export { applicationNames } from '../delivery/argocd';", '../delivery/argocd', 'fleet (schema, load, model, checks)'],
  ['lib/pki', "export { PROMETHEUS_NAME } from '../components/prometheus';", '../components/prometheus', 'pki'],
  ['lib/components', "export type { ClusterContext } from '../clusters/context';", '../clusters/context', 'components'],
  ['lib/components', "export { FileChart } from '../file-chart';", '../file-chart', 'components'],
  ['lib/delivery', "export { renderFleet } from '../render';", '../render', 'delivery'],
  ['lib/clusters', "export { main } from '../../main';", '../../main', 'clusters'],
  ['lib/diff', "export { main } from '../cli/diff';", '../cli/diff', 'review (validate and diff rendered trees)'],
  ['lib/output', "export { main } from '../cli/synth';", '../cli/synth', 'render'],
];

const DOWNWARD =
  "export { isWorkload } from '../fleet/model';\nexport { preparePki } from '../pki';\nexport { meta } from '../meta';\nexport { SIDECAR_SERVICE } from '../names';\n";

/** What the layer rule reports per probe file (absolute path). */
let findings: Map<string, string[]>;
const probe = (dir: string, i: number) => path.join(ROOT, dir, `layer-probe-${i}.ts`);

beforeAll(() => {
  const probes = new Map([...UPWARD.map(([dir, source], i): [string, string] => [probe(dir, i), source]), [probe('lib/components', UPWARD.length), DOWNWARD]]);
  try {
    for (const [file, source] of probes) fs.writeFileSync(file, `${source}\n`);
    // eslint.config.mjs as `npm test` loads it, running the layer rule alone: it needs no type information, so
    // the probes are parsed without building the TypeScript program of the project.
    const lint = `import { ESLint } from 'eslint';
const eslint = new ESLint({
  overrideConfig: [{ languageOptions: { parserOptions: { projectService: false, project: null } } }],
  ruleFilter: ({ ruleId }) => ruleId === 'import-x/no-restricted-paths',
});
process.stdout.write(JSON.stringify(await eslint.lintFiles(${JSON.stringify([...probes.keys()])})));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', lint], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const results = JSON.parse(out) as { filePath: string; messages: { ruleId: string | null; message: string }[] }[];
    findings = new Map(results.map((r) => [r.filePath, r.messages.filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message)]));
  } finally {
    for (const file of probes.keys()) fs.rmSync(file, { force: true });
  }
});

describe('layer rule', () => {
  it.each(UPWARD.map((c, i) => [...c, i] as const))('%s: %s is reported', (dir, _source, imported, layer, i) => {
    const found = findings.get(probe(dir, i));
    expect(found).toHaveLength(1);
    expect(found?.[0]).toContain(`Unexpected path "${imported}" imported in restricted zone. ${layer} must not import from a layer above it`);
  });

  it('lets a layer import from the layers below it', () => {
    expect(findings.get(probe('lib/components', UPWARD.length))).toEqual([]);
  });

  it('places every module of lib/ in exactly one layer', () => {
    const script = "import('./eslint.config.mjs').then((m) => process.stdout.write(JSON.stringify(m.LAYERS)))";
    const layers = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' })) as { name: string; paths: string[] }[];
    const within = (file: string, p: string) => file === p || file.startsWith(`${p}/`);
    const modules = fs
      .readdirSync(path.join(ROOT, 'lib'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.includes('layer-probe-'))
      .map((f) => `lib/${f.split(path.sep).join('/')}`);
    expect(modules.length).toBeGreaterThan(40);
    for (const file of modules) {
      expect([file, layers.filter((l) => l.paths.some((p) => within(file, p))).map((l) => l.name)]).toEqual([file, [expect.any(String)]]);
    }
  });
});
