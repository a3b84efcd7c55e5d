#!/usr/bin/env bash
# Runs before `npm test`: the tests check rendered output with real tools (promtool, a Go TLS
# stack in prometheus, amtool, openssl, the blackbox exporter and a Python gRPC server). Installs them with apt when possible, else says how.
set -euo pipefail
need=()
for t in prometheus:prometheus promtool:prometheus amtool:prometheus-alertmanager openssl:openssl prometheus-blackbox-exporter:prometheus-blackbox-exporter; do
  command -v "${t%%:*}" >/dev/null || need+=("${t##*:}")
done
# The sidecar-like gRPC server of the store probes' test runs on Debian's Python with its grpcio.
/usr/bin/python3 -c 'import grpc' 2>/dev/null || need+=(python3 python3-grpcio)
[ ${#need[@]} -eq 0 ] && exit 0
pkgs=$(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "test tools: installing $pkgs(Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs >/dev/null
else
  echo "test tools missing: install them first, e.g. sudo apt-get install --no-install-recommends $pkgs" >&2
  exit 1
fi
