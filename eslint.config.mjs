// Lint of the whole project (`npm test` runs it; it must report nothing): typescript-eslint's
// type-checked recommendations, and the layer rule that keeps lib/ importing one way only.
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import { importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The layers of promfleet, lowest first. A module imports from its own layer and the layers below,
 * never from one above: the fleet model knows nothing of certificates, components know nothing of
 * fleets or output files, the stacks (the construct library) nothing of the fleet app that maps a
 * fleet's clusters onto them, and so on. Paths are files or folders; every module of lib/ is in
 * exactly one layer (test/layers.test.ts checks that, and that the rule catches an upward import).
 *
 * The small shared modules at the top of lib/ take the rank of what they are: names.ts (object
 * names several layers agree on) and meta.ts (labels and images of every object) import nothing
 * from promfleet, so they sit below everything, as does lib/io/ (errors, locks and the atomic
 * replacement of a folder, used by the PKI store and the output folder alike); file-chart.ts (one chart per output file) is how
 * the fleet app lays out dist/, so it ranks with the clusters. lib/index.ts, the library's entry
 * point, is above everything it exports.
 */
export const LAYERS = [
  { name: 'shared names, labels and file-system safety', paths: ['lib/names.ts', 'lib/meta.ts', 'lib/io'] },
  { name: 'fleet (schema, load, model, checks)', paths: ['lib/fleet'] },
  { name: 'pki', paths: ['lib/pki'] },
  { name: 'components', paths: ['lib/components'] },
  { name: 'stacks', paths: ['lib/stacks'] },
  { name: 'clusters', paths: ['lib/clusters', 'lib/file-chart.ts'] },
  { name: 'delivery', paths: ['lib/delivery'] },
  { name: 'render', paths: ['lib/render.ts', 'lib/output'] },
  { name: 'review (validate and diff rendered trees)', paths: ['lib/validate', 'lib/diff'] },
  { name: 'entry points', paths: ['lib/index.ts', 'main.ts', 'lib/cli', 'bin', 'scripts', 'test'] },
];

const layerZones = LAYERS.slice(0, -1).map((layer, i) => ({
  target: layer.paths,
  from: LAYERS.slice(i + 1).flatMap((l) => l.paths),
  message: `${layer.name} must not import from a layer above it (${LAYERS.slice(i + 1)
    .map((l) => l.name)
    .join(', ')}); see LAYERS in eslint.config.mjs.`,
}));

export default tseslint.config(
  // examples/ are apps of their own (the library example compiles against the packed package).
  { ignores: ['imports/', 'node_modules/', 'dist/', 'out/', '.build/', '.bench/', '.cdk8s.out/', 'coverage/', 'examples/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Destructuring a key away next to a rest element is how an object is copied without it.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
    },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: `${import.meta.dirname}/tsconfig.json` })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
    },
  },
  {
    // Library code states why a value cannot be missing, next to each assertion that says so.
    files: ['lib/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'error' },
  },
  {
    // Plain JavaScript (the cdk8s app launcher, jest plumbing) is in no TypeScript project.
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    // Jest loads its configuration, reporter and snapshot resolver as CommonJS: require is their import.
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
