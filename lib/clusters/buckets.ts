// The buckets each cluster of the fleet uses, and their objstore Secrets: one per bucket and cluster (a
// cluster that uploads to a bucket and also serves it gets one), rendered under secrets/ with the keys of the
// secret store. A credential the store lacks is an error that names the field and the command that sets it.
import type { App } from 'cdk8s';
import { bucketCredentialUses, objstoreConfig, objstoreSecretName, ObjstoreSecret } from '../components/objstore';
import { FileChart, SECRETS_DIR } from '../file-chart';
import type { ClusterModel, FleetModel } from '../fleet/model';
import { PkiError, type FleetPki } from '../pki';
import { readCredential, receiverCredentialFile } from '../pki/receiver-credentials';
import type { ClusterContext } from './context';

/** The names of the buckets a cluster uses: the one its sidecars upload to, and those its Store Gateway and compactor read. */
export function clusterBuckets(cluster: ClusterModel): string[] {
  const used = [cluster.workload?.sidecar.bucket, cluster.observer?.querier.storeGateway?.bucket, cluster.observer?.querier.compactor?.bucket];
  return [...new Set(used.filter((b) => b !== undefined).map((b) => b.name))].sort();
}

/** The values of the secret-store credentials bucket `name` signs in with. */
export function bucketCredentials(fleet: FleetModel, name: string, pki: Pick<FleetPki, 'dir' | 'storeText'>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const use of bucketCredentialUses(fleet.buckets[name])) {
    const value = readCredential(use.credential, (rel) => pki.storeText(rel));
    if (value === undefined || value === '') {
      throw new PkiError(
        `${pki.dir}/${receiverCredentialFile(use.credential)}`,
        `is missing: buckets.${name}.${use.field} names the credential "${use.credential}", which the secret store lacks; ` +
          `set it with: promfleet credential set ${use.credential} < <file with the value> (docs/storage.md, "Credentials")`,
      );
    }
    values[use.credential] = value;
  }
  return values;
}

/** The output file of a bucket's Secret. */
export function objstoreSecretFile(bucket: string): string {
  return `${SECRETS_DIR}/${objstoreSecretName(bucket)}`;
}

/**
 * The objstore Secret of each bucket the cluster uses, but those you manage (existingSecret). Not rendered with a
 * PKI that withholds its keys (a synth in CI without the store), like every file of secrets/.
 */
export function addBucketCharts(app: App, ctx: ClusterContext): void {
  const { fleet, cluster } = ctx;
  if (ctx.pki.withheld) return;
  for (const name of clusterBuckets(cluster)) {
    const bucket = fleet.buckets[name];
    if (!bucket || bucket.type === 'existingSecret') continue;
    const config = objstoreConfig(bucket, bucketCredentials(fleet, name, ctx.pki));
    new ObjstoreSecret(new FileChart(app, objstoreSecretFile(name)), 'objstore', { namespace: cluster.stack.namespace, bucket: name, config });
  }
}
