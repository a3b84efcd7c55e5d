#!/usr/bin/env bash
# Regenerates imports/ from the Prometheus Operator CRDs, one module per kind so the
# app loads only the kinds it uses (the whole group is a 6 MB module).
#   scripts/import-crds.sh <dir-with-crd-yamls>   # offline, e.g. a checkout of example/prometheus-operator-crd
#   scripts/import-crds.sh v0.94.0                # the upstream release's CRD URLs (needs github access)
set -euo pipefail
src=${1:?usage: scripts/import-crds.sh <crd-dir | operator-version>}
cd "$(dirname "$0")/.."
kinds="alertmanagerconfig:alertmanagerconfigs alertmanager:alertmanagers podmonitor:podmonitors probe:probes
prometheusagent:prometheusagents prometheus:prometheuses prometheusrule:prometheusrules
scrapeconfig:scrapeconfigs servicemonitor:servicemonitors thanosruler:thanosrulers"
rm -f imports/*-monitoring.coreos.com.ts
# cdk8s import appends each spec to cdk8s.yaml; keep the committed one (upstream URLs).
cp cdk8s.yaml .build/cdk8s.yaml.keep 2>/dev/null || { mkdir -p .build && cp cdk8s.yaml .build/cdk8s.yaml.keep; }
trap 'cp .build/cdk8s.yaml.keep cdk8s.yaml' EXIT
for k in $kinds; do
  name=${k%%:*} plural=${k##*:}
  if [ -d "$src" ]; then
    spec="$src/monitoring.coreos.com_${plural}.yaml"
  else
    spec="https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/${src}/example/prometheus-operator-crd/monitoring.coreos.com_${plural}.yaml"
  fi
  # One spec per run: cdk8s import silently ignores a second positional spec.
  npx cdk8s import "${name}:=${spec}" --no-check-upgrade -l typescript -o imports >/dev/null
done
ls imports
