#!/bin/sh
# Builds @nodeark/runtime with the bridge files (request-bridge.ts, worker/*-dispatch.ts, outgoing-body.ts,
# incoming-body.ts, worker-main.ts) taken from git revision $1 and everything else from the working tree,
# into bench/.runtimes/$2/dist, for `node bench/compare.mjs --a bench/.runtimes/$2/dist/index.js`.
#   sh bench/build-runtime-at.sh HEAD before
set -eu
rev=$1
name=$2
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/.runtimes/$name"
rm -rf "$out"
mkdir -p "$out"
cp -r "$root/packages/runtime/src" "$out/src"
cp "$root/packages/runtime/package.json" "$out/package.json"
for f in http/request-bridge.ts worker/fetch-dispatch.ts worker/node-dispatch.ts worker/outgoing-body.ts worker/incoming-body.ts worker/worker-main.ts; do
  git -C "$root" show "$rev:packages/runtime/src/$f" > "$out/src/$f"
done
cat > "$out/tsconfig.json" <<JSON
{ "extends": "../../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "composite": false, "incremental": false, "declaration": false, "declarationMap": false },
  "include": ["src"] }
JSON
cd "$root" && npx tsc -p "$out/tsconfig.json"
echo "built $out/dist/index.js (bridge files from $rev)"
