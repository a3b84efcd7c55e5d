// promfleet as a construct library, for cdk8s apps of your own. Add a whole stack to any chart:
//
//   const monitoring = new WorkloadMonitoring(chart, 'monitoring', { prometheus: { retention: '30d' } });
//   new ObserverMonitoring(chart, 'observer', { sidecars: [storeEndpoint('sidecar.eu.example.com')] });
//
// or compose the components yourself. A fleet file, its PKI and the props of each cluster's stacks
// are here too, for apps that render a promfleet fleet into charts of their own.

// ---------- the stacks ----------
export {
  WorkloadMonitoring,
  type WorkloadMonitoringProps,
  type WorkloadPartId,
  type WorkloadPrometheusOptions,
  type WorkloadSidecarOptions,
} from './stacks/workload-monitoring';
export {
  ObserverMonitoring,
  type ObserverGrafanaOptions,
  type ObserverMonitoringProps,
  type ObserverPartId,
  type ObserverQuerierOptions,
  type ObserverStoreGatewayOptions,
  type ObserverThanosRulerOptions,
  type ObserverCompactorOptions,
  type WithCertificates,
} from './stacks/observer-monitoring';
export type { StackPart, Toggle } from './stacks/part';

// ---------- the components ----------
export type { MonitoredComponentProps, NamespacedProps, StackComponentProps } from './components/base';
export { CONTROLLER_ID_ANNOTATION, type OperatedComponentProps } from './components/base';
export { PriorityClassQuota, type PriorityClassQuotaProps } from './components/priority-quota';
export { podSecurityLabels, podSecurityLevel, type PodSecurityLevel, StackNamespace, type StackNamespaceProps } from './components/namespace';
export { PrometheusOperator, type PrometheusOperatorProps } from './components/operator';
export { Prometheus, prometheusPodSelector, type PrometheusProps, type PrometheusStorage } from './components/prometheus';
export type { ThanosSidecarProps } from './components/thanos-sidecar';
export { ThanosSidecarEndpoint, type ThanosSidecarEndpointProps } from './components/sidecar-endpoint';
export { Alertmanager, alertmanagerConfig, type AlertmanagerProps, type AlertmanagerRouting } from './components/alertmanager';
export { NodeExporter, type NodeExporterProps } from './components/node-exporter';
export { KUBE_RBAC_PROXY_RULES, kubeRbacProxyContainer, type KubeRbacProxyOptions } from './components/kube-rbac-proxy';
export {
  ObserverNetworkPolicies,
  type ObserverNetworkPoliciesProps,
  WorkloadNetworkPolicies,
  type WorkloadNetworkPoliciesProps,
} from './components/network-policies';
export { KubeStateMetrics, type KubeStateMetricsProps } from './components/kube-state-metrics';
export { AppMonitors, StackMonitors, type AppMonitorsProps, type StackMonitorsProps } from './components/monitors';
export {
  ControlPlaneMonitors,
  ControlPlaneServices,
  ETCD_CLIENT_SECRET,
  type ControlPlaneMonitorsProps,
  type ControlPlaneServicesProps,
} from './components/control-plane';
export { checkRuleGroups, DEFAULT_RULE_NEEDS, promqlSyntaxError, RULES_NAME_PREFIX, StackRules, type StackRulesProps } from './components/rules';
export {
  familiesFor,
  renderFamily,
  RULE_FAMILIES,
  ruleOverrideProblems,
  type AlertOverride,
  type AlertSpec,
  type FamilyGroup,
  type RecordSpec,
  type RuleFamily,
  type RuleNeed,
  type RuleOverrides,
  type RuleSpec,
  type Severity,
} from './components/rule-families';
export { storeEndpoint, type StoreEndpoint } from './components/endpoints';
export { ThanosQuerier, type ThanosQuerierProps, ThanosUiIngress, type ThanosUiIngressProps } from './components/querier';
export { querierApiUrl, ThanosQueryFrontend, type ThanosQueryFrontendProps } from './components/query-frontend';
export { storeGatewayEndpoint, storeGatewayEndpoints, ThanosStoreGateway, type ThanosStoreGatewayProps } from './components/store-gateway';
export { Grafana, grafanaDatasources, type GrafanaProps, THANOS_DATASOURCE_UID } from './components/grafana';
export { GrafanaDashboards, type GrafanaDashboardsProps } from './components/grafana-dashboards';
export { GrafanaSecret, type GrafanaSecretProps } from './components/grafana-secrets';
export { fleetDashboards, type FleetDashboard } from './components/dashboards';
export {
  BlackboxExporter,
  SIDECAR_PROBE_JOB,
  SIDECAR_CLUSTER_LABEL,
  StoreProbes,
  type BlackboxExporterProps,
  type ProbedStore,
  type StoreProbesProps,
} from './components/blackbox-exporter';
export { alertmanagerUrl, THANOS_RULER_NAME, ThanosRuler, type ThanosRulerProps } from './components/thanos-ruler';
export {
  FLEET_RULE_SCOPE,
  FLEET_RULES_NAME,
  FleetRules,
  fleetRuleFamily,
  RULE_SCOPE_LABEL,
  type FleetRulesOptions,
  type FleetRulesProps,
  type WatchedCluster,
} from './components/fleet-rules';
export { compactorArgs, ThanosCompactor, type CompactorRetention, type ThanosCompactorProps } from './components/compactor';
export { bucketAccess, type BucketAccess, objstoreConfig, ObjstoreSecret, objstoreSecretName, type ObjstoreSecretProps } from './components/objstore';
export { TlsSecret, type TlsSecretProps } from './components/tls-secret';
export { BasicAuthSecret, type BasicAuthSecretProps } from './components/basic-auth-secret';
export { RECEIVER_CREDENTIALS_SECRET } from './components/alertmanager';
export { ReceiverCredentialsSecret, type ReceiverCredentialsSecretProps } from './components/receiver-credentials';

// ---------- the shapes and defaults of settings ----------
export { DEFAULT_COMPACTOR, DEFAULT_QUERIER_INGRESS, DEFAULT_QUERY_FRONTEND, DEFAULT_STACK, DEFAULT_VERSIONS, OBJSTORE_KEY } from './fleet/defaults';
export { DEFAULT_GRAFANA, DEFAULT_GRAFANA_INGRESS, DEFAULT_GRAFANA_OIDC } from './fleet/defaults';
export { DEFAULT_PLATFORM } from './fleet/defaults';
export { CONTROL_PLANE_TARGETS, PLATFORM_TARGETS, PLATFORMS, type ControlPlaneTarget, type Exposure, type Platform } from './fleet/platforms';
export type {
  AlertmanagerDeadMansSwitch,
  AlertmanagerInhibitRule,
  AlertmanagerReceiver,
  AlertmanagerRoute,
  AppMonitor,
  Bucket,
  NamedBucket,
  GrafanaAlertmanager,
  GrafanaAuth,
  GrafanaIngress,
  GrafanaOidc,
  IndexCache,
  Placement,
  QuerierIngress,
  QuerierIngressAuth,
  QuerierIngressTls,
  ReceiverCredentialRef,
  Resources,
  ResultsCache,
  SecretKeyRef,
  SidecarIngress,
  SidecarService,
  StackVersions,
  StoreGatewaySharding,
  Toleration,
} from './fleet/model';

// ---------- a fleet file, its PKI, and the stacks of its clusters ----------
export { loadFleetFile, parseFleet } from './fleet/load';
export { FleetError, type FleetProblem } from './fleet/errors';
export { isObserver, isWorkload, type ClusterModel, type FleetModel, type ObserverCluster, type WorkloadCluster } from './fleet/model';
export { PkiError, preparePki, preparePkiSync, type BasicAuthCredential, type FleetPki, type PasswordCredential, type PkiOptions, type TlsBundle } from './pki';
export { workloadMonitoringProps } from './clusters/workload';
export { observerMonitoringProps } from './clusters/observer';
