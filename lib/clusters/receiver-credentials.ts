// The values of the secret-store credentials a workload cluster's Alertmanager receivers (and an observer's Grafana) name. A credential
// the store lacks is an error that names the field and the command that sets it: promfleet cannot make one up.
import { receiverCredentialUses } from '../components/alertmanager';
import type { GrafanaOidc, ObserverCluster, WorkloadCluster } from '../fleet/model';
import { PkiError, type FleetPki } from '../pki';
import { readCredential, receiverCredentialFile } from '../pki/receiver-credentials';

export function receiverCredentials(cluster: WorkloadCluster, pki: Pick<FleetPki, 'dir' | 'storeText'>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const use of receiverCredentialUses(cluster.stack.alertmanager.receivers)) {
    if (!('credential' in use.ref)) continue;
    const name = use.ref.credential;
    const value = values[name] ?? readCredential(name, (rel) => pki.storeText(rel));
    if (value === undefined || value === '') {
      throw new PkiError(
        `${pki.dir}/${receiverCredentialFile(name)}`,
        `is missing: alertmanager.${use.path}.credential of cluster "${cluster.name}" names the credential "${name}", which the secret store lacks; ` +
          `set it with: promfleet credential set ${name} < <file with the value> (docs/operations.md, "Alert receivers")`,
      );
    }
    values[name] = value;
  }
  return values;
}

/** The OpenID Connect client secret of an observer's Grafana, when `grafana.auth.clientSecret` names a credential of the store. */
export function grafanaClientSecret(cluster: ObserverCluster, auth: GrafanaOidc, pki: Pick<FleetPki, 'dir' | 'storeText'>): string | undefined {
  if (!('credential' in auth.clientSecret)) return undefined;
  const name = auth.clientSecret.credential;
  const value = readCredential(name, (rel) => pki.storeText(rel));
  if (value === undefined || value === '') {
    throw new PkiError(
      `${pki.dir}/${receiverCredentialFile(name)}`,
      `is missing: grafana.auth.clientSecret.credential of cluster "${cluster.name}" names the credential "${name}", which the secret store lacks; ` +
        `set it with: promfleet credential set ${name} < <file with the client secret> (docs/operations.md, "Grafana")`,
    );
  }
  return value;
}
