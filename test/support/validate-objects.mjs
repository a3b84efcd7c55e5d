// Independent schema validation of rendered manifests with kubernetes-models (ESM-only, hence
// a separate process). Usage: node validate-objects.mjs <dir-or-file>...  -> JSON on stdout:
// { objects: n, kinds: {...}, errors: [{ file, kind, name, error }] }. Unknown kinds are errors.
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';

const GROUPS = {
  'v1': 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'monitoring.coreos.com/v1alpha1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1alpha1',
  'argoproj.io/v1alpha1': '@kubernetes-models/argo-cd/argoproj.io/v1alpha1',
  'bitnami.com/v1alpha1': '@kubernetes-models/sealed-secrets/bitnami.com/v1alpha1',
};

function* yamlFiles(p) {
  const st = fs.statSync(p);
  if (st.isFile()) { if (p.endsWith('.yaml') || p.endsWith('.yml')) yield p; return; }
  for (const e of fs.readdirSync(p).sort()) yield* yamlFiles(path.join(p, e));
}

const modules = new Map();
async function modelFor(apiVersion, kind) {
  const spec = GROUPS[apiVersion];
  if (!spec) return undefined;
  if (!modules.has(spec)) modules.set(spec, await import(spec));
  return modules.get(spec)[kind];
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
      if (!Model) { result.errors.push({ ...where, error: 'no independent schema for this kind' }); continue; }
      try { new Model(obj).validate(); } catch (e) { result.errors.push({ ...where, error: String(e.message ?? e).slice(0, 2000) }); }
    }
  }
}
process.stdout.write(JSON.stringify(result));
