// A fleet for the workload tests: every option of the workload stack switched on somewhere, and off elsewhere.

export const RICH_FLEET = `
buckets:
  metrics: { type: existingSecret, secret: { name: thanos-objstore, key: objstore.yml } }
defaults:
  alertmanager:
    receivers:
      - name: team-slack
        slack: { channel: "#alerts", apiUrl: { name: alert-credentials, key: slack-url } }
      - name: pager
        pagerduty: { routingKey: { name: alert-credentials, key: pagerduty-key } }
      - name: mail
        email: { to: oncall@example.com, from: alertmanager@example.com, smarthost: "smtp.example.com:587", authUsername: alertmanager, authPassword: { name: smtp, key: password } }
    route:
      receiver: team-slack
      routes:
        - receiver: pager
          matchers: ['severity="critical"']
        - receiver: mail
          matchers: ['team=~"db|storage"']
          continue: true
clusters:
  - name: obs
    roles: [observer]
    querier:
      storeGateway: { bucket: metrics }
  - name: eu
    roles: [workload]
    externalLabels: { region: eu-west-1 }
    thanos:
      endpoint: { host: "sidecar-{replica}.eu.example.com", port: 443 }
      service:
        type: LoadBalancer
        loadBalancer: { scope: external, provider: azure }
        sourceRanges: [203.0.113.0/24]
        annotations: { example.com/owner: platform }
    serviceMonitors:
      - { name: apache-exporter, namespace: web, selector: { app.kubernetes.io/name: apache }, endpoints: [{ port: metrics, interval: 30s, path: /metrics, scheme: https }] }
    podMonitors:
      - { name: kafka, namespace: kafka, selector: { app.kubernetes.io/name: kafka }, endpoints: [{ port: metrics }] }
    overrides:
      thanosSidecar: { bucket: metrics }
      imageRegistry: mirror.example.com/cache
      versions: { prometheus: v3.14.0 }
      monitorSelector: { team: platform }
  - name: us
    roles: [workload]
    thanos:
      ingress: { host: grpc.us.example.com, className: nginx }
      service: { type: ClusterIP }
    overrides:
      operator: { enabled: false }
      prometheus: { replicas: 1, storage: null }
      alertmanager: { replicas: 1 }
      nodeExporter: { enabled: false }
      kubelet: { enabled: false }
`;
