#!/bin/sh
# Provides the Pulumi engine that the tests and `make demo` drive, and prints the
# directory that holds it (nothing else goes to stdout; progress goes to stderr).
#
# In order of preference:
#   1. a `pulumi` on PATH that reports $VERSION and has the Python dynamic-provider
#      launcher (pulumi-resource-pulumi-python) beside it, as official installs do;
#   2. a previous build in the cache ($PULUMI_GPU_ENGINE_CACHE, default
#      ~/.cache/pulumi-gpu/engine), keyed by version;
#   3. a fresh build of the CLI from the Go module proxy with the wrapper module in
#      this directory (go.mod pins pkg/v3 and sdk/v3 at $VERSION), plus the launcher
#      script copied from the sdk/v3 module.
#
# The Python language host (pulumi-language-python) is not served by the Go module
# proxy, so programs run through the Automation API (see pulumi_gpu/testing/stack.py).
set -eu

VERSION=v3.259.0
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${PULUMI_GPU_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-gpu/engine}
bin="$cache_root/$VERSION/bin"
launcher=pulumi-resource-pulumi-python

if existing=$(command -v pulumi 2>/dev/null) && [ "$(pulumi version 2>/dev/null)" = "$VERSION" ]; then
    dir=$(dirname "$existing")
    if [ -x "$dir/$launcher" ]; then
        echo "$dir"
        exit 0
    fi
fi

if [ -x "$bin/pulumi" ] && [ -x "$bin/$launcher" ] && [ "$("$bin/pulumi" version)" = "$VERSION" ]; then
    echo "$bin"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "error: building the Pulumi engine $VERSION needs Go (>= 1.24) on PATH," \
        "or install pulumi $VERSION yourself and put it on PATH" >&2
    exit 1
fi

echo "building pulumi $VERSION from the Go module proxy into $bin (a few minutes, once)" >&2
tmp="$cache_root/$VERSION/bin.partial.$$"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
cd "$here"
CGO_ENABLED=0 go build -trimpath -tags osusergo,grpcnotrace \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION" \
    -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
sdk_dir=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)
install -m 0755 "$sdk_dir/python/dist/$launcher" "$tmp/$launcher"

built=$("$tmp/pulumi" version)
if [ "$built" != "$VERSION" ]; then
    echo "error: the built pulumi reports '$built', expected $VERSION" >&2
    exit 1
fi
rm -rf "$bin"
mv "$tmp" "$bin"
trap - EXIT
echo "$bin"
