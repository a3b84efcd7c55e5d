// The ServiceMonitor of a component of the stack: every component scrapes itself this way, so that
// all of them carry the monitor selector labels the same way.
import { Construct } from 'constructs';
import { ServiceMonitor, ServiceMonitorSpecEndpoints } from '../../imports/servicemonitor-monitoring.coreos.com';
import { meta } from '../meta';

export interface StackServiceMonitorProps {
  /** Namespace of the ServiceMonitor (the stack's). */
  readonly namespace: string;
  /** Labels the stack's Prometheus selects it by. */
  readonly monitorSelector: Record<string, string>;
  readonly name: string;
  readonly component: string;
  readonly app: string;
  /** Labels of the Service(s) to scrape. */
  readonly selector: Record<string, string>;
  readonly endpoints: ServiceMonitorSpecEndpoints[];
  /**
   * Namespace of the Services.
   * @default the ServiceMonitor's namespace
   */
  readonly serviceNamespace?: string;
  /**
   * Service label whose value becomes the `job` label.
   * @default the Service name
   */
  readonly jobLabel?: string;
}

/** A ServiceMonitor labelled so that the stack's Prometheus selects it. */
export function stackServiceMonitor(scope: Construct, id: string, props: StackServiceMonitorProps): ServiceMonitor {
  return new ServiceMonitor(scope, id, {
    metadata: meta(props.name, props.component, { namespace: props.namespace, app: props.app, labels: props.monitorSelector }),
    spec: {
      selector: { matchLabels: props.selector },
      namespaceSelector: { matchNames: [props.serviceNamespace ?? props.namespace] },
      endpoints: props.endpoints,
      ...(props.jobLabel ? { jobLabel: props.jobLabel } : {}),
    },
  });
}
