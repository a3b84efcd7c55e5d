#!/usr/bin/env bash
# Regenerates imports/ from the CRDs listed under `imports:` in cdk8s.yaml (name:=upstream URL), one
# module per kind, so the app loads only the kinds it uses (a whole API group can be a 6 MB module),
# and imports/crd-schemas/: each CRD's structural schema, which `promfleet validate` checks objects against.
#   scripts/import-crds.sh <crd-dir>   # offline: each listed file is taken, by its file name, from <crd-dir>
#                                      # or a folder below it (e.g. one folder per upstream release)
#   scripts/import-crds.sh             # downloads the listed URLs (needs GitHub access)
# To add, drop or upgrade a kind, edit the list in cdk8s.yaml, then run this script.
set -euo pipefail
src=${1:-}
cd "$(dirname "$0")/.."
root=$PWD
if [ -n "$src" ]; then
  [ -d "$src" ] || { echo "import-crds: $src is not a folder of CRD files" >&2; exit 2; }
  src=$(cd "$src" && pwd)
fi
cdk8s=$root/node_modules/.bin/cdk8s
[ -x "$cdk8s" ] || { echo "import-crds: $cdk8s is missing; run npm ci first" >&2; exit 2; }

entries=$(node -e '
  const { parse } = require("yaml");
  const list = parse(require("fs").readFileSync("cdk8s.yaml", "utf8")).imports ?? [];
  for (const e of list) if (!/^[a-z0-9]+:=\S+$/.test(e)) throw new Error(`cdk8s.yaml: imports entry "${e}" is not name:=url`);
  process.stdout.write(list.join("\n"));
')
[ -n "$entries" ] || { echo "import-crds: cdk8s.yaml lists no imports" >&2; exit 2; }

# Generated into a scratch folder: imports/ is replaced only when every kind imported. cdk8s import run
# there also finds no cdk8s.yaml to append its spec to, so the committed one keeps the upstream URLs.
mkdir -p .build
work=$(mktemp -d .build/import-crds.XXXXXX)
trap 'rm -rf "$root/$work"' EXIT
schema_specs=()
for entry in $entries; do
  name=${entry%%:=*} url=${entry#*:=}
  spec=$url
  if [ -n "$src" ]; then
    file=${url##*/}
    found=$(find "$src" -type f -name "$file")
    case $(printf '%s' "$found" | grep -c '^') in
      0) echo "import-crds: $file (for $name) is not in $src" >&2; exit 1 ;;
      1) spec=$found ;;
      *) printf 'import-crds: %s is in %s more than once:\n%s\n' "$file" "$src" "$found" >&2; exit 1 ;;
    esac
  fi
  # One spec per run: cdk8s import silently ignores a second positional spec. It also exits 0 on a
  # file that holds no CRD, so each run must leave exactly one module.
  (cd "$work" && "$cdk8s" import "${name}:=${spec}" --no-check-upgrade -l typescript -o "$name" >/dev/null)
  modules=("$work/$name"/*.ts)
  [ ${#modules[@]} -eq 1 ] && [ -f "${modules[0]}" ] || { echo "import-crds: $spec gave no single module for $name" >&2; exit 1; }
  schema_specs+=("${name}=${spec}")
done
node scripts/crd-schemas.mjs "$work/crd-schemas" "${schema_specs[@]}"
rm -f imports/*.ts
rm -rf imports/crd-schemas
mkdir -p imports
for entry in $entries; do mv "$work/${entry%%:=*}"/*.ts imports/; done
mv "$work/crd-schemas" imports/crd-schemas
ls imports
