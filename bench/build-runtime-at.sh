#!/bin/sh
# Builds @nodeark/runtime as it was at git revision $1 (its whole src/, the rest of the repository as in
# the working tree) into bench/.runtimes/$2/dist, for `node bench/compare.mjs --a bench/.runtimes/$2/dist/index.js`.
#   sh bench/build-runtime-at.sh HEAD before
set -eu
rev=$1
name=$2
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/bench/.runtimes/$name"
rm -rf "$out"
mkdir -p "$out"
git -C "$root" archive "$rev" packages/runtime/src | tar -x -C "$out" --strip-components=2
cp "$root/packages/runtime/package.json" "$out/package.json"
cat > "$out/tsconfig.json" <<JSON
{ "extends": "../../../tsconfig.base.json",
  "compilerOptions": { "rootDir": "src", "outDir": "dist", "composite": false, "incremental": false, "declaration": false, "declarationMap": false },
  "include": ["src"] }
JSON
cd "$root" && npx tsc -p "$out/tsconfig.json"
echo "built $out/dist/index.js (runtime sources of $rev)"
