#!/bin/sh
# Provides the Node.js and Go SDK generators `pulumi package gen-sdk` runs, and prints the
# directory that holds them (nothing else goes to stdout): pulumi-language-nodejs and
# pulumi-language-go, one program (sdkgen/, built with this module, so with the CLI's own
# code generators) under both names, that serves only GeneratePackage in the language of
# its name. The real language hosts are not served by the Go module proxy. Put the
# directory on PATH for gen-sdk only: these hosts run no programs.
#
# Cached beside the engine ($PULUMI_GPU_ENGINE_CACHE, default ~/.cache/pulumi-gpu/engine),
# keyed by the CLI's version and the source's hash.
set -eu

VERSION=$(sed -n 's/^VERSION=//p' "$(dirname "$0")/build.sh")
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${PULUMI_GPU_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-gpu/engine}
source_hash=$(cat "$here/sdkgen/main.go" "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-12)
dir="$cache_root/$VERSION/sdkgen-$source_hash"

if [ ! -x "$dir/pulumi-language-go" ]; then
    if ! command -v go >/dev/null 2>&1; then
        echo "error: building the SDK generator needs Go (>= 1.24) on PATH" >&2
        exit 1
    fi
    echo "building the SDK generators (pulumi-language-nodejs, -go) into $dir (a minute, once)" >&2
    tmp="$dir.partial.$$"
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp"
    cd "$here"
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION#v}" \
        -o "$tmp/pulumi-language-nodejs" ./sdkgen >&2
    ln "$tmp/pulumi-language-nodejs" "$tmp/pulumi-language-go"  # it serves the language of its name
    # a concurrent build may have won the race: then its copy is as good as this one
    mv -T "$tmp" "$dir" 2>/dev/null || [ -x "$dir/pulumi-language-go" ]
fi
echo "$dir"
