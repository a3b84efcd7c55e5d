// The Argo CD AppProject of the fleet's cluster Applications: only the fleet's repositories, only the
// destinations promfleet deploys to, and only the kinds it renders. An Application of the project
// (or a commit to dist/) can then not deploy anything else, anywhere else.
import { Construct } from 'constructs';
import { AppProject, AppProjectSpecDestinations } from '../../imports/appproject-argoproj.io';
import { appMonitorNamespaces, type FleetModel } from '../fleet/model';
import { meta } from '../meta';
import { needsOperatorCrds, operatorCrdsSource } from './crds';
import { SYNC_WAVE_ANNOTATION } from './sync-waves';

type GitOps = NonNullable<FleetModel['gitops']>;

/** An API group and kind, as Argo CD's resource lists name them ("" is the core group). */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** The kind of the CRDs that the CRD Applications install. */
export const CRD_KIND: GroupKind = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };

/** The sync wave of the AppProject inside the app-of-apps: before the Applications that name it. */
export const PROJECT_WAVE = -1;

/** The kinds of the objects written into dist/, cluster-scoped and namespaced apart. */
export class RenderedKinds {
  private readonly kinds = new Map<string, GroupKind & { namespaced: boolean }>();

  /** Records the kind of one rendered object; a namespaced object is one that names its namespace. */
  add(o: { readonly apiVersion?: unknown; readonly kind?: unknown; readonly metadata?: { readonly namespace?: unknown } }): void {
    if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string') return;
    const slash = o.apiVersion.indexOf('/');
    const group = slash < 0 ? '' : o.apiVersion.slice(0, slash);
    const namespaced = typeof o.metadata?.namespace === 'string';
    this.kinds.set(`${namespaced}/${group}/${o.kind}`, { group, kind: o.kind, namespaced });
  }

  /** The kinds seen, sorted by group then kind. */
  list(namespaced: boolean): GroupKind[] {
    return [...this.kinds.values()]
      .filter((k) => k.namespaced === namespaced)
      .map(({ group, kind }) => ({ group, kind }))
      .sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind));
  }
}

/** Where a cluster's Applications deploy to, without the namespace. */
export type ClusterDestination = { server: string } | { name: string };

export interface FleetProjectProps {
  readonly gitops: GitOps;
  readonly fleet: FleetModel;
  /** The kinds of every object of every cluster's folder (and of the application monitors). */
  readonly kinds: RenderedKinds;
  /** The destination of each cluster's Applications. */
  readonly destinationOf: (cluster: FleetModel['clusters'][number]) => ClusterDestination;
}

/** The fleet's AppProject, named `gitops.project`, in Argo CD's namespace. */
export class FleetProject extends Construct {
  constructor(scope: Construct, id: string, props: FleetProjectProps) {
    super(scope, id);
    const { gitops, fleet, kinds } = props;
    const withCrds = fleet.clusters.filter(needsOperatorCrds);
    const repos = new Set([gitops.repoURL, ...withCrds.map((c) => operatorCrdsSource(gitops, c).repoURL)]);
    const destinations: AppProjectSpecDestinations[] = fleet.clusters.flatMap((c) =>
      [c.stack.namespace, ...appMonitorNamespaces(c)].map((namespace) => ({ ...props.destinationOf(c), namespace })),
    );
    const clusterKinds = kinds.list(false);
    if (withCrds.length && !clusterKinds.some((k) => k.group === CRD_KIND.group && k.kind === CRD_KIND.kind)) clusterKinds.push(CRD_KIND);
    new AppProject(this, 'project', {
      metadata: meta(gitops.project, 'gitops', { namespace: gitops.argocdNamespace, annotations: { [SYNC_WAVE_ANNOTATION]: String(PROJECT_WAVE) } }),
      spec: {
        sourceRepos: [...repos],
        destinations,
        clusterResourceWhitelist: clusterKinds,
        namespaceResourceWhitelist: kinds.list(true),
      },
    });
  }
}
