// node-exporter on every node (host network and PID namespace, host filesystems mounted read-only),
// with a headless Service and its ServiceMonitor.
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-27';
import { ServiceMonitorSpecEndpointsRelabelingsAction } from '../../imports/servicemonitor-monitoring.coreos.com';
import { DEFAULT_STACK, DEFAULT_VERSIONS, type Resources } from '../fleet/defaults';
import { commonLabels, image, meta } from '../meta';
import { monitorSelectorOf, namespaceOf, type MonitoredComponentProps, type PlacedComponentProps } from './base';
import { clusterAccess, coreResources, NOBODY, podLabels, podPlacement, RESTRICTED_CONTAINER, selectorLabels } from './common';
import { KUBE_RBAC_PROXY_RULES, kubeRbacProxyContainer, proxiedEndpoint, proxiedProbe } from './kube-rbac-proxy';
import { stackServiceMonitor } from './service-monitor';

export const NODE_EXPORTER_NAME = 'node-exporter';
const COMPONENT = 'exporter';
/** The node's port, served by kube-rbac-proxy over HTTPS. */
export const NODE_EXPORTER_PORT = 9100;
/** node-exporter itself, on the node's loopback only. */
const LOCAL_PORT = 9101;
const PORT_NAME = 'https';

export interface NodeExporterProps extends MonitoredComponentProps, PlacedComponentProps {
  /** @default DEFAULT_VERSIONS.nodeExporter */
  readonly version?: string;
  /** @default DEFAULT_STACK.nodeExporter.resources */
  readonly resources?: Resources;
  /** @default DEFAULT_VERSIONS.kubeRbacProxy */
  readonly kubeRbacProxyVersion?: string;
}

/**
 * ServiceAccount allowed to check tokens, DaemonSet on every node (node-exporter on 127.0.0.1 behind
 * kube-rbac-proxy on the node's port), headless Service and ServiceMonitor.
 */
export class NodeExporter extends Construct {
  constructor(scope: Construct, id: string, props: NodeExporterProps = {}) {
    super(scope, id);
    const namespace = namespaceOf(props);
    const selector = selectorLabels(NODE_EXPORTER_NAME);
    const hostMounts = [
      { name: 'proc', hostPath: '/proc', mountPath: '/host/proc' },
      { name: 'sys', hostPath: '/sys', mountPath: '/host/sys' },
      { name: 'root', hostPath: '/', mountPath: '/host/root' },
    ];

    // kube-rbac-proxy reviews each caller's token with the API server.
    clusterAccess(this, { name: NODE_EXPORTER_NAME, namespace, component: COMPONENT, app: NODE_EXPORTER_NAME, rules: KUBE_RBAC_PROXY_RULES });

    new k8s.KubeDaemonSet(this, 'daemon-set', {
      metadata: meta(NODE_EXPORTER_NAME, COMPONENT, { namespace }),
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromString('10%') } },
        template: {
          metadata: { labels: podLabels(NODE_EXPORTER_NAME, COMPONENT) },
          spec: {
            serviceAccountName: NODE_EXPORTER_NAME,
            automountServiceAccountToken: true,
            // Host network and PID namespace: the node's own interfaces and processes, not the pod's.
            hostNetwork: true,
            hostPid: true,
            // By default on every node, tainted or not (control plane included), as system-node-critical.
            ...podPlacement(props.placement, DEFAULT_STACK.nodeExporter.placement, props.imagePullSecrets),
            securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: NODE_EXPORTER_NAME,
                image: image('quay.io/prometheus/node-exporter', props.version ?? DEFAULT_VERSIONS.nodeExporter, props.imageRegistry),
                args: [
                  // The node's loopback only: everything else goes through kube-rbac-proxy.
                  `--web.listen-address=127.0.0.1:${LOCAL_PORT}`,
                  '--path.procfs=/host/proc',
                  '--path.sysfs=/host/sys',
                  '--path.rootfs=/host/root',
                  '--path.udev.data=/host/root/run/udev/data',
                  // Container and pod plumbing would flood the filesystem and network metrics.
                  '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run/k3s/containerd/.+|var/lib/docker/.+|var/lib/kubelet/.+)($|/)',
                  '--collector.netclass.ignored-devices=^(veth.*|[a-f0-9]{15})$',
                  '--collector.netdev.device-exclude=^(veth.*|[a-f0-9]{15})$',
                ],
                resources: coreResources(props.resources ?? DEFAULT_STACK.nodeExporter.resources),
                securityContext: RESTRICTED_CONTAINER,
                // Its landing page, through the proxy, which passes `/` without a token.
                livenessProbe: proxiedProbe('/', NODE_EXPORTER_PORT, 20),
                readinessProbe: proxiedProbe('/', NODE_EXPORTER_PORT),
                volumeMounts: hostMounts.map((m) => ({
                  name: m.name,
                  mountPath: m.mountPath,
                  readOnly: true,
                  // Mounts appearing on the host later (new volumes) become visible too.
                  mountPropagation: 'HostToContainer',
                })),
              },
              kubeRbacProxyContainer({
                name: 'kube-rbac-proxy',
                portName: PORT_NAME,
                port: NODE_EXPORTER_PORT,
                upstreamPort: LOCAL_PORT,
                hostPort: true,
                ignorePaths: ['/'],
                version: props.kubeRbacProxyVersion,
                imageRegistry: props.imageRegistry,
              }),
            ],
            volumes: hostMounts.map((m) => ({ name: m.name, hostPath: { path: m.hostPath } })),
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: meta(NODE_EXPORTER_NAME, COMPONENT, { namespace }),
      spec: { clusterIp: 'None', selector, ports: [{ name: PORT_NAME, port: NODE_EXPORTER_PORT, targetPort: k8s.IntOrString.fromString(PORT_NAME) }] },
    });

    stackServiceMonitor(this, 'service-monitor', {
      namespace,
      monitorSelector: monitorSelectorOf(props),
      name: NODE_EXPORTER_NAME,
      component: COMPONENT,
      app: NODE_EXPORTER_NAME,
      selector: commonLabels(NODE_EXPORTER_NAME, COMPONENT),
      jobLabel: 'app.kubernetes.io/name',
      endpoints: [
        proxiedEndpoint(PORT_NAME, {
          // The node name is a better `instance` than host IP:port.
          relabelings: [
            { action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE, sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance' },
          ],
        }),
      ],
    });
  }
}
