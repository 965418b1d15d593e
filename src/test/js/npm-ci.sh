#!/bin/sh
# Installs the tests' Node clients (package-lock.json, exactly) into src/test/js/node_modules.
# Maven runs it before the tests (pom.xml: maven-antrun-plugin, generate-test-resources); by
# hand: sh src/test/js/npm-ci.sh. npm is the machine's, as node is when the tests run the clients.
set -eu
cd "$(dirname "$0")"

if ! command -v npm >/dev/null 2>&1; then
  echo "filejobs tests: npm is not on PATH; install Node.js 20 and npm (the tus client tests run tus-js-client with node)" >&2
  exit 1
fi

# npm ci wipes and reinstalls node_modules every time (3 s or so); skip it when node_modules was
# installed from these very package.json and package-lock.json.
stamp=node_modules/.installed-from
if cat package.json package-lock.json | cmp -s - "$stamp" 2>/dev/null; then
  exit 0
fi
npm ci --no-audit --no-fund --ignore-scripts
cat package.json package-lock.json >"$stamp"
