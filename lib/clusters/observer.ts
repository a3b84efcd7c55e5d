// An observer cluster: the Thanos Querier that reaches every workload sidecar over mTLS.
import { App } from 'cdk8s';
import type { ClusterContext } from './context';

export function addObserverCharts(_app: App, _ctx: ClusterContext): void {}
