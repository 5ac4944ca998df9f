#!/bin/sh
# Provides the Pulumi engine that the tests and `make demo` drive, and prints the
# directory that holds it (nothing else goes to stdout; progress goes to stderr).
#
# The engine is three executables in one directory: the `pulumi` CLI ($VERSION), the
# Python dynamic-provider launcher (pulumi-resource-pulumi-python) and the Pulumi YAML
# language host (pulumi-language-yaml, $YAML_VERSION). In order of preference:
#   1. a `pulumi` on PATH that reports $VERSION with the other two beside it, as
#      official installs have them;
#   2. a previous build in the cache ($PULUMI_GPU_ENGINE_CACHE, default
#      ~/.cache/pulumi-gpu/engine), keyed by version;
#   3. a fresh build from the Go module proxy of what the cache lacks: the CLI with the
#      wrapper module in this directory (go.mod pins pkg/v3 and sdk/v3 at $VERSION), plus
#      the launcher script copied from the sdk/v3 module; the YAML host with the wrapper
#      module in yaml/ (go.mod pins github.com/pulumi/pulumi-yaml at $YAML_VERSION).
#
# The Python language host (pulumi-language-python) is not served by the Go module
# proxy, so Python programs run through the Automation API (see pulumi_gpu/testing/stack.py).
set -eu

VERSION=v3.259.0
YAML_VERSION=v1.25.0
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${PULUMI_GPU_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-gpu/engine}
bin="$cache_root/$VERSION/bin"
launcher=pulumi-resource-pulumi-python
yaml_host=pulumi-language-yaml

# The CLI at $VERSION with the launcher beside it, in directory $1.
cli_in() {
    [ -x "$1/pulumi" ] && [ -x "$1/$launcher" ] && [ "$("$1/pulumi" version)" = "$VERSION" ]
}
# The YAML host this script built at $YAML_VERSION, in directory $1.
yaml_host_in() {
    [ -x "$1/$yaml_host" ] && [ "$(cat "$1/$yaml_host.version" 2>/dev/null)" = "$YAML_VERSION" ]
}

if existing=$(command -v pulumi 2>/dev/null); then
    dir=$(dirname "$existing")
    if cli_in "$dir" && [ -x "$dir/$yaml_host" ]; then
        echo "$dir"
        exit 0
    fi
fi

if cli_in "$bin" && yaml_host_in "$bin"; then
    echo "$bin"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "error: building the Pulumi engine $VERSION needs Go (>= 1.24) on PATH," \
        "or install pulumi $VERSION yourself and put it on PATH" >&2
    exit 1
fi

mkdir -p "$cache_root/$VERSION"
tmp="$cache_root/$VERSION/bin.partial.$$"
trap 'rm -rf "$tmp"' EXIT

if ! cli_in "$bin"; then
    echo "building pulumi $VERSION from the Go module proxy into $bin (a few minutes, once)" >&2
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
fi

if ! yaml_host_in "$bin"; then
    echo "building $yaml_host $YAML_VERSION from the Go module proxy into $bin (a minute, once)" >&2
    mkdir -p "$tmp"
    cd "$here/yaml"
    CGO_ENABLED=0 go build -trimpath \
        -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION" \
        -o "$tmp/$yaml_host" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml >&2
    echo "$YAML_VERSION" > "$tmp/$yaml_host.version"
    # the version first: the host is what marks the build complete
    mv -f "$tmp/$yaml_host.version" "$bin/$yaml_host.version"
    mv -f "$tmp/$yaml_host" "$bin/$yaml_host"
fi
echo "$bin"
