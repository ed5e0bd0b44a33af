#!/usr/bin/env bash
# Installs the Node host's packages (npm ci, from package-lock.json) and
# transpiles the component with jco, each only when its input changed.
#
#   hosts/node/build.sh [COMPONENT.wasm] [OUT_DIR]
#   default: target/components/ews_guest.wasm -> target/node-host/
#
# Exit 77 when node or npm is missing or too old for jco: scripts/bootstrap
# installs them (the end-to-end test skips on 77 and says so).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
component="$(realpath -m "${1:-$root/target/components/ews_guest.wasm}")"
out="$(realpath -m "${2:-$root/target/node-host}")"

if ! "$here/check-node.sh"; then
  echo "build.sh: node and npm are needed, node ^20.19 or >= 22.12 (found: $(node --version 2>/dev/null || echo none)): scripts/bootstrap installs them" >&2
  exit 77
fi
[ -f "$component" ] || { echo "build.sh: $component is missing: run scripts/build" >&2; exit 1; }

mkdir -p "$out"
exec 9>"$out.lock"
flock 9   # one build at a time (the e2e tests run in parallel)

cd "$here"
lock_sum="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ "$(cat node_modules/.ews-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  echo "build.sh: npm ci" >&2
  npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2
  echo "$lock_sum" >node_modules/.ews-lock-sha256
fi

# The flags are part of the stamp: a change of them transpiles again.
flags=(--name ews_guest --instantiation async --no-typescript --quiet)
stamp="build-2 $(sha256sum "$component" | cut -d' ' -f1) jco-$(node_modules/.bin/jco --version) ${flags[*]}"
if [ "$(cat "$out/.stamp" 2>/dev/null)" != "$stamp" ]; then
  echo "build.sh: jco transpile $component" >&2
  tmp="$out.tmp"
  rm -rf "$tmp"
  node_modules/.bin/jco transpile "$component" -o "$tmp" "${flags[@]}" >&2
  # The generated module is ESM in a .js file: say so to Node, wherever OUT_DIR is.
  echo '{"type":"module"}' >"$tmp/package.json"
  echo "$stamp" >"$tmp/.stamp"
  rm -rf "$out"
  mv "$tmp" "$out"
fi
echo "$out"
