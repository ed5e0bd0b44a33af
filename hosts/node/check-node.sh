#!/usr/bin/env bash
# Exit 0 when `node` and `npm` are on PATH and node is new enough for jco:
# jco 1.35's dependencies (rolldown, oxc-minify) declare ^20.19.0 || >=22.12.0
# (package.json's "engines" says the same). Used by build.sh and scripts/bootstrap.
command -v node >/dev/null && command -v npm >/dev/null &&
  node -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit((a === 20 && b >= 19) || (a === 22 && b >= 12) || a > 22 ? 0 : 1)' 2>/dev/null
