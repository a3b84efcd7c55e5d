// Independent schema validation of rendered manifests with kubernetes-models (ESM-only, hence
// a separate process). Usage: node validate-objects.mjs <dir-or-file>...  -> JSON on stdout:
// { objects: n, kinds: {...}, errors: [{ file, kind, name, error }] }. Unknown kinds are errors.
// Fields the schema does not define are errors too: the models' validators (compiled JSON Schema)
// accept them, but the API server prunes them silently. See `undefinedFields`.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const GROUPS = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'monitoring.coreos.com/v1alpha1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1',
  'argoproj.io/v1alpha1': '@kubernetes-models/argo-cd/argoproj.io/v1alpha1',
  'bitnami.com/v1alpha1': '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1',
};

/**
 * Known defect of @kubernetes-models/prometheus-operator 6.0.0: it requires `apiVersion`/`kind` on an
 * embedded PersistentVolumeClaim template and pins them to "monitoring.coreos.com/v1" /
 * "EmbeddedPersistentVolumeClaim". The v0.93.0 CRD defines both as optional strings (the operator
 * ignores them), so errors on exactly those two fields of a `volumeClaimTemplate` are not ours.
 */
function isModelDefect(err) {
  const onTemplate =
    /\/volumeClaimTemplate$/.test(err.instancePath) && err.keyword === 'required' && ['apiVersion', 'kind'].includes(err.params?.missingProperty);
  const onField = /\/volumeClaimTemplate\/(apiVersion|kind)$/.test(err.instancePath) && err.keyword === 'enum';
  return onTemplate || onField;
}

function* yamlFiles(p) {
  const st = fs.statSync(p);
  if (st.isFile()) {
    if (p.endsWith('.yaml') || p.endsWith('.yml')) yield p;
    return;
  }
  for (const e of fs.readdirSync(p).sort()) yield* yamlFiles(path.join(p, e));
}

const modules = new Map();
async function modelFor(apiVersion, kind) {
  const spec = GROUPS[apiVersion];
  if (!spec) return undefined;
  if (!modules.has(spec)) modules.set(spec, await import(spec));
  return modules.get(spec)[kind];
}

/**
 * Runs the model's validator on a proxy of `obj` that records which properties the validator looks
 * at, then lists the fields it never looked at. A compiled schema reads exactly the properties it
 * defines and enumerates the keys only of maps (additionalProperties), so an unread key is a field
 * the schema does not define. Returns the validation error (or undefined) and those JSON paths.
 */
function validateAndFindUndefinedFields(Model, obj) {
  const read = new Map(); // JSON pointer of an object -> Set of keys read, or '*' when enumerated
  const note = (at, key) => {
    const s = read.get(at);
    if (s === '*') return;
    if (s) s.add(key);
    else read.set(at, new Set([key]));
  };
  const watch = (value, at) => {
    if (value === null || typeof value !== 'object') return value;
    return new Proxy(value, {
      get(target, key) {
        if (typeof key !== 'string') return target[key];
        note(at, key);
        return watch(target[key], `${at}/${key}`);
      },
      has(target, key) {
        if (typeof key === 'string') note(at, key);
        return key in target;
      },
      ownKeys(target) {
        read.set(at, '*');
        return Reflect.ownKeys(target);
      },
    });
  };
  let error;
  try {
    Model.prototype.validate.call(watch(obj, ''));
  } catch (e) {
    const errors = (e.errors ?? []).filter((err) => !isModelDefect(err));
    if (!e.errors || errors.length) {
      error = (e.errors ? errors.map((err) => `data${err.instancePath} ${err.message}`).join(', ') : String(e.message ?? e)).slice(0, 2000);
    }
  }
  const unread = [];
  const walk = (value, at) => {
    if (value === null || typeof value !== 'object') return;
    const seen = read.get(at);
    for (const key of Object.keys(value)) {
      const child = `${at}/${key}`;
      if (Array.isArray(value) || seen === '*' || seen?.has(key)) walk(value[key], child);
      else unread.push(child);
    }
  };
  walk(obj, '');
  return { error, undefinedFields: unread };
}

const result = { objects: 0, kinds: {}, errors: [] };
for (const arg of process.argv.slice(2)) {
  for (const file of yamlFiles(arg)) {
    for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      const obj = doc.toJS();
      if (!obj) continue;
      result.objects++;
      const key = `${obj.apiVersion}/${obj.kind}`;
      result.kinds[key] = (result.kinds[key] ?? 0) + 1;
      const Model = await modelFor(obj.apiVersion, obj.kind);
      const where = { file: path.relative(process.cwd(), file), kind: key, name: obj.metadata?.name };
      if (!Model) {
        result.errors.push({ ...where, error: 'no independent schema for this kind' });
        continue;
      }
      const { error, undefinedFields } = validateAndFindUndefinedFields(Model, obj);
      if (error) result.errors.push({ ...where, error });
      for (const field of undefinedFields) {
        result.errors.push({ ...where, error: `field ${field} is not defined by the schema (the API server would prune it)` });
      }
    }
  }
}
process.stdout.write(JSON.stringify(result));
