import type { ClusterModel, FleetModel } from '../fleet/model';

/** What a cluster's charts are built from: the validated fleet and that cluster's model. */
export interface ClusterContext {
  readonly fleet: FleetModel;
  readonly cluster: ClusterModel;
}
