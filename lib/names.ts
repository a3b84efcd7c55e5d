// Names of rendered objects that other layers depend on: the PKI puts these Services' DNS names
// into certificates before any component is built, so they live here rather than in a component.

/** The Service exposing the sidecar's gRPC port to the observer; its in-cluster names are certificate SANs. */
export const SIDECAR_SERVICE = 'thanos-sidecar';

/** Headless Service the operator creates for every Prometheus StatefulSet; it gives each pod a DNS name. */
export const PROMETHEUS_OPERATED_SERVICE = 'prometheus-operated';

/** Store Gateway StatefulSet and Service (and the names in its certificate). */
export const STORE_GATEWAY_NAME = 'thanos-store-gateway';
