// Rules of the Querier's Ingress that span its fields: which TLS source needs which field, and which
// sign-in the IngressClass can enforce.
import { DEFAULT_QUERIER_INGRESS } from './defaults';
import type { FleetProblem } from './errors';
import type { Fleet } from './schema';

/** The IngressClass whose annotations promfleet renders the sign-in with (ingress-nginx). */
export const NGINX_CLASS = 'nginx';

type IngressTlsInput = NonNullable<NonNullable<NonNullable<Fleet['clusters'][number]['querier']>['ingress']>['tls']>;

/** Which TLS source needs which field, for an Ingress's `tls` at `at` (the Querier's and Grafana's; both default to pki). */
export function ingressTlsProblems(tls: IngressTlsInput, at: string): FleetProblem[] {
  const problems: FleetProblem[] = [];
  const source = tls.source ?? DEFAULT_QUERIER_INGRESS.tls.source;
  if (source === 'secret' && !tls.secretName) {
    problems.push({ path: `${at}.secretName`, message: 'is required with source: secret; name the kubernetes.io/tls Secret for host that you create' });
  }
  if (source === 'none' && tls.secretName) {
    problems.push({ path: `${at}.secretName`, message: 'has no use with source: none (plain HTTP); remove it, or choose a source' });
  }
  if (source === 'cert-manager') {
    if (!tls.issuer === !tls.clusterIssuer) {
      problems.push({
        path: `${at}.issuer`,
        message: `${tls.issuer ? 'and clusterIssuer are both set' : 'or clusterIssuer is required with source: cert-manager'}; name exactly one cert-manager issuer`,
      });
    }
  } else {
    for (const key of ['issuer', 'clusterIssuer'] as const) {
      if (tls[key])
        problems.push({ path: `${at}.${key}`, message: `is only for source: cert-manager (source is ${source}); remove it or set source: cert-manager` });
    }
  }
  return problems;
}

export function querierIngressProblems(fleet: Fleet): FleetProblem[] {
  const problems: FleetProblem[] = [];
  fleet.clusters.forEach((c, i) => {
    const ingress = c.querier?.ingress;
    if (!ingress) return;
    const at = `clusters[${i}].querier.ingress`;
    problems.push(...ingressTlsProblems(ingress.tls ?? {}, `${at}.tls`));

    const auth = ingress.auth ?? {};
    const type = auth.type ?? DEFAULT_QUERIER_INGRESS.auth.type;
    // Another controller ignores nginx.ingress.kubernetes.io annotations: the UI would be open while the fleet file says it is not.
    if (type !== 'none' && ingress.className !== NGINX_CLASS) {
      problems.push({
        path: `${at}.className`,
        message: `is ${ingress.className ? `"${ingress.className}"` : 'not set'}, but the ${type} sign-in${auth.type ? '' : ' (the default)'} is made of ingress-nginx annotations; set className: nginx, or set auth.type: none and protect host another way`,
      });
    }
    if (type === 'oauth2-proxy') {
      for (const key of ['url', 'signinUrl'] as const) {
        if (!auth[key]) problems.push({ path: `${at}.auth.${key}`, message: 'is required with type: oauth2-proxy; see docs/operations.md, "The Querier UI"' });
      }
    } else {
      for (const key of ['url', 'signinUrl'] as const) {
        if (auth[key]) problems.push({ path: `${at}.auth.${key}`, message: `is only for type: oauth2-proxy (type is ${type}); remove it` });
      }
    }
    if (type !== 'basic' && auth.username) {
      problems.push({ path: `${at}.auth.username`, message: `is only for type: basic (type is ${type}); remove it` });
    }
  });
  return problems;
}
