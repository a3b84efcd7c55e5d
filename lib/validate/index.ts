// Offline validation of a rendered tree (dist/, a cluster's folder, or files), like kubeconform: every
// object against the schema the API server would apply to it, with the fields it would prune made visible.
//   CRD kinds   -> the imported CRDs' structural schemas (crd.ts), with ajv
//   core kinds  -> kubernetes-models' compiled validators of one Kubernetes release (kubernetes.ts)
//   metadata    -> ObjectMeta, as the API server checks it for every kind
import { validate as validateObjectMetaSchema } from '@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta';
import * as fs from 'fs';
import * as path from 'path';
import { loadAll } from 'js-yaml';
import { clusterOf } from './cluster';
import { crdValidator } from './crd';
import { coreModel, KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS } from './kubernetes';
import { type FieldProblem, problemsOf, type SchemaError } from './problems';
import { validateWatchingReads } from './unread-fields';

export { KUBERNETES_VERSION, SUPPORTED_KUBERNETES_VERSIONS } from './kubernetes';
export { clusterOf } from './cluster';
export { UNKNOWN_FIELD } from './problems';

/** One problem of one object. */
export interface Finding {
  /** The file, as reached from the paths given (relative ones stay relative). */
  file: string;
  /** The cluster the file is applied to (see clusterOf). */
  cluster: string;
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  /** The field as a path into the object, `spec.containers[0].image`; empty for the object itself. */
  field: string;
  problem: string;
}

export interface ValidationReport {
  kubernetesVersion: string;
  /** YAML documents that hold an object. */
  objects: number;
  /** Objects per `apiVersion/kind`, e.g. `apps/v1/Deployment`. */
  kinds: Record<string, number>;
  findings: Finding[];
}

export interface ValidateOptions {
  /**
   * The Kubernetes release (`major.minor`; a leading `v` and a patch number are ignored) whose core schemas apply.
   * @default KUBERNETES_VERSION
   */
  kubernetesVersion?: string;
}

/** Thrown for a path that cannot be read or a release whose schemas are not bundled. */
export class ValidateUsageError extends Error {}

function yamlFiles(p: string): string[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new ValidateUsageError(`${p}: no such file or folder (render it first with \`promfleet synth\`, or name the folder to validate)`);
  }
  if (st.isFile()) return [p];
  // Hidden entries are the render's own bookkeeping (locks, staging folders), never applied.
  return fs
    .readdirSync(p)
    .filter((e) => !e.startsWith('.'))
    .sort()
    .flatMap((e) => {
      const child = path.join(p, e);
      return fs.statSync(child).isDirectory() ? yamlFiles(child) : /\.ya?ml$/.test(e) ? [child] : [];
    });
}

function objectMetaProblems(metadata: unknown): FieldProblem[] {
  return validateWatchingReads(metadata, (data) => (validateObjectMetaSchema(data) ? [] : errorsOf(validateObjectMetaSchema)), ['metadata']);
}

function errorsOf(fn: unknown): SchemaError[] {
  return (fn as { errors?: SchemaError[] | null }).errors ?? [];
}

function modelErrors(validate: (this: unknown) => void, data: unknown): SchemaError[] {
  try {
    validate.call(data);
    return [];
  } catch (e) {
    const errors = (e as { errors?: SchemaError[] }).errors;
    if (!errors) throw e;
    return errors;
  }
}

/** The problems of one object, or undefined when no schema covers its kind. */
export function objectProblems(obj: Record<string, unknown>): FieldProblem[] | undefined {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const model = coreModel(apiVersion, kind);
  if (model) return validateWatchingReads(obj, (data) => modelErrors(model.prototype.validate, data));
  const crd = crdValidator(apiVersion, kind);
  if (!crd) return undefined;
  const problems = problemsOf(obj, crd(obj));
  return obj.metadata === undefined ? problems : [...problems, ...objectMetaProblems(obj.metadata)];
}

/** A problem's text without the values it quotes: `wrong type: string, must be object`. */
export function withoutValues(problem: string): string {
  return problem.replace(/\b(string|number|boolean) (?:"(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+-]*|true|false)/g, '$1');
}

/** Validates every YAML document in `paths` (files, or folders searched for *.yaml and *.yml). */
export function validateTree(paths: readonly string[], opts: ValidateOptions = {}): ValidationReport {
  // A release is named by major.minor: the schemas do not change in patch releases (`v1.36.2` means 1.36).
  const named = opts.kubernetesVersion ?? KUBERNETES_VERSION;
  const kubernetesVersion = /^v?(\d+\.\d+)(\.\d+)?$/.exec(named)?.[1] ?? named;
  if (!SUPPORTED_KUBERNETES_VERSIONS.includes(kubernetesVersion)) {
    throw new ValidateUsageError(
      `Kubernetes ${kubernetesVersion}: no bundled schemas for this release; supported: ${SUPPORTED_KUBERNETES_VERSIONS.join(', ')} (the core schemas come from kubernetes-models)`,
    );
  }
  const files = paths.flatMap(yamlFiles);
  const report: ValidationReport = { kubernetesVersion, objects: 0, kinds: {}, findings: [] };
  for (const file of files) {
    const cluster = clusterOf(file);
    let docs: unknown[];
    try {
      docs = loadAll(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      report.findings.push({ file, cluster, apiVersion: '', kind: '', name: '', field: '', problem: `not valid YAML: ${(e as Error).message.split('\n')[0]}` });
      continue;
    }
    for (const obj of docs) {
      if (obj === null || obj === undefined) continue;
      report.objects++;
      const o = (typeof obj === 'object' && !Array.isArray(obj) ? obj : {}) as Record<string, unknown>;
      const meta = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
      const where = {
        file,
        cluster,
        apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '',
        kind: typeof o.kind === 'string' ? o.kind : '',
        ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
        name: typeof meta.name === 'string' ? meta.name : '',
      };
      // Key material is never printed: a finding about a Secret, a SealedSecret or a file of secrets/ names types, not values.
      const secret = where.kind === 'Secret' || where.kind === 'SealedSecret' || file.split(/[\\/]/).includes('secrets');
      const add = (field: string, problem: string) => report.findings.push({ ...where, field, problem: secret ? withoutValues(problem) : problem });
      if (typeof obj !== 'object' || Array.isArray(obj)) {
        add('', 'not a Kubernetes object (a YAML mapping with apiVersion and kind)');
        continue;
      }
      if (!where.apiVersion || !where.kind) {
        if (!where.apiVersion) add('apiVersion', 'required field missing');
        if (!where.kind) add('kind', 'required field missing');
        continue;
      }
      const key = `${where.apiVersion}/${where.kind}`;
      report.kinds[key] = (report.kinds[key] ?? 0) + 1;
      const problems = objectProblems(o);
      if (!problems) add('', `no schema for ${key} (neither a GA API of Kubernetes ${kubernetesVersion} nor an imported CRD)`);
      else for (const p of problems) add(p.field, p.problem);
    }
  }
  return report;
}

/** `workload-eu dist/workload-eu/20-prometheus.yaml Prometheus monitoring/k8s: spec.foo: unknown field (...)`. */
export function formatFinding(f: Finding): string {
  const object = `${f.kind || '(no kind)'} ${f.namespace ? `${f.namespace}/` : ''}${f.name || '(no name)'}`;
  return `${f.cluster} ${f.file} ${object}: ${f.field ? `${f.field}: ` : ''}${f.problem}`;
}
