#!/usr/bin/env bash
# Build a Go command from a module whose go.mod carries `replace` directives.
#
# `go install module@version` refuses such modules, so this creates a throwaway
# wrapper module that requires MODULE@VERSION, repeats MODULE's replace
# directives (read from its go.mod in the module cache, never hard-coded) and
# runs `go build` on PACKAGE.
#
# usage: go_build_module.sh MODULE VERSION PACKAGE OUTPUT [EXTRA_LDFLAGS]
set -euo pipefail

module=$1 version=$2 package=$3 output=$4 extra_ldflags=${5:-}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "==> fetching ${module}@${version}"
gomod=$(go mod download -json "${module}@${version}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
if [[ -z "$gomod" || ! -f "$gomod" ]]; then
  echo "error: the Go module proxy did not serve ${module}@${version}" >&2
  exit 1
fi
go_line=$(grep -m1 '^go ' "$gomod")

cd "$work"
{
  echo "module tth.local/build"
  echo
  echo "$go_line"
  echo
  echo "require ${module} ${version}"
  echo
  # Single-line replace directives and the bodies of replace ( ... ) blocks.
  awk '/^replace \(/{block=1; next} block && /^\)/{block=0; next}
       block {print "replace " $0; next}
       /^replace /{print}' "$gomod"
} > go.mod
echo "==> resolving dependencies (replace lines: $(grep -c '^replace' go.mod))"
printf 'package main\n' > main.go
GOFLAGS=-mod=mod go mod download all >/dev/null 2>&1 || true
echo "==> building ${package} (this can take a long time)"
GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -ldflags "-s -w $extra_ldflags" -o "$output" "$package"
echo "==> built $output"
