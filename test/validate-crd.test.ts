// How `promfleet validate` applies a CRD's structural schema: strict where the API server prunes, open where
// it keeps unknown fields, and the Kubernetes extensions (int-or-string, embedded resources, nullable).
// In-process: this part of lib/validate/ needs only ajv and the committed imports/crd-schemas/.
import * as fs from 'fs';
import * as path from 'path';
import { clusterOf } from '../lib/validate/cluster';
import { crdKinds, crdValidator, strictValidator } from '../lib/validate/crd';
import { problemsOf, UNKNOWN_FIELD } from '../lib/validate/problems';
import { ROOT } from './support/fleet';

const problems = (validate: (obj: unknown) => Parameters<typeof problemsOf>[1], obj: unknown) =>
  problemsOf(obj, validate(obj)).map((p) => `${p.field}: ${p.problem}`);

describe('CRD schemas', () => {
  it('cover every kind cdk8s.yaml imports, each served version, from imports/crd-schemas/', () => {
    const imported = fs
      .readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')
      .split('\n')
      .filter((l) => /^\s+- \w+:=/.test(l)).length;
    expect(crdKinds()).toHaveLength(imported);
    expect(crdKinds()).toEqual(
      expect.arrayContaining(['monitoring.coreos.com/v1/Prometheus', 'argoproj.io/v1alpha1/Application', 'bitnami.com/v1alpha1/SealedSecret']),
    );
  });

  it('prune like the API server: unknown fields only where no schema keeps them', () => {
    const validate = strictValidator({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
            values: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
            template: {
              type: 'object',
              'x-kubernetes-embedded-resource': true,
              properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } },
            },
            note: { type: 'string', nullable: true },
          },
        },
      },
    });
    const valid = {
      spec: {
        port: 'http',
        values: { anything: { goes: 1 } },
        labels: { 'app.kubernetes.io/name': 'x' },
        template: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, spec: { a: 'b' } },
        note: null,
      },
    };
    expect(problems(validate, valid)).toEqual([]);
    expect(problems(validate, { ...valid, spec: { ...valid.spec, port: 8080 } })).toEqual([]);
    expect(
      problems(validate, {
        extra: 1,
        spec: { ...valid.spec, port: true, labels: { 'app.kubernetes.io/name': 1 }, template: { ...valid.spec.template, spec: { a: 'b', c: 'd' } }, note: 3 },
      }),
    ).toEqual([
      `extra: ${UNKNOWN_FIELD}`,
      'spec.port: wrong type: boolean true, must be integer or string',
      'spec.labels["app.kubernetes.io/name"]: wrong type: number 1, must be string',
      `spec.template.spec.c: ${UNKNOWN_FIELD}`,
      'spec.note: wrong type: number 3, must be string or null',
    ]);
  });

  it("apply the imported CRDs' own schemas, Go regular expressions included", () => {
    const podMonitor = crdValidator('monitoring.coreos.com/v1', 'PodMonitor')!;
    const endpoint = (e: Record<string, unknown>) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      spec: { selector: {}, podMetricsEndpoints: [e] },
    });
    expect(problems(podMonitor, endpoint({ portNumber: 8080, targetPort: 'http' }))).toEqual([]);
    expect(problems(podMonitor, endpoint({ port: 8080, interval: '30 s' }))).toEqual([
      expect.stringMatching(/^spec\.podMetricsEndpoints\[0\]\.interval: string "30 s" does not match the pattern /),
      'spec.podMetricsEndpoints[0].port: wrong type: number 8080, must be string',
    ]);
    // The CRD's `(?i)` is Go's case-insensitive flag, which JavaScript spells differently.
    const rule = crdValidator('monitoring.coreos.com/v1', 'PrometheusRule')!;
    const group = (strategy: string) => ({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      spec: { groups: [{ name: 'g', partial_response_strategy: strategy }] },
    });
    expect(problems(rule, group('WARN'))).toEqual([]);
    expect(problems(rule, group('abort'))).toEqual([]);
    expect(problems(rule, group('ignore'))).toEqual([expect.stringMatching(/^spec\.groups\[0\]\.partial_response_strategy: string "ignore" does not match /)]);
    expect(crdValidator('example.com/v1', 'Widget')).toBeUndefined();
  });
});

describe('the cluster of a finding', () => {
  it('is the folder holding the file, its secrets/ folder included; the Applications are under _argocd', () => {
    expect(
      [
        'dist/workload-eu/20-prometheus.yaml',
        'dist/workload-eu/secrets/alertmanager.yaml',
        'dist/_app-monitors/workload-eu/kafka.yaml',
        'dist/_argocd/root.yaml',
        'dist/_argocd/apps/workload-eu.yaml',
        'workload-us/10-operator.yaml',
      ].map(clusterOf),
    ).toEqual(['workload-eu', 'workload-eu', 'workload-eu', '_argocd', '_argocd', 'workload-us']);
  });
});
