// The PKI of a fleet: CA and certificates kept in a store, issued with node-forge from native keys.
export { ageIdentitiesFromEnv } from './age';
export { PkiError } from './errors';
export {
  preparePki,
  preparePkiSync,
  stagePki,
  type CertAction,
  type FleetPki,
  type PkiOptions,
  type PkiReport,
  type PkiReportEntry,
  type TlsBundle,
} from './fleet-pki';
export { type EtcdClientBundle } from './etcd-client';
export { type BasicAuthCredential, type CredentialReportEntry, type PasswordCredential } from './credentials';
export { certificateCoversHost, describeCertificate, verifiesChain, type CertInfo } from './inspect';
export { sidecarSans, storeGatewaySans } from './profiles';
export { PkiStore, type LeafKind, type PendingWrite } from './store';
export { clusterCertSummary, pkiSummary } from './summary';
