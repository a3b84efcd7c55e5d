import type { ClusterModel, FleetModel } from '../fleet/model';
import type { FleetPki } from '../pki';

/** What a cluster's charts are built from: the validated fleet, that cluster's model and the fleet's certificates. */
export interface ClusterContext<C extends ClusterModel = ClusterModel> {
  readonly fleet: FleetModel;
  readonly cluster: C;
  readonly pki: FleetPki;
}
