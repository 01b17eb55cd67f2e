#!/usr/bin/env bash
# Generates the committed Python and Go clients of the switchyard.v1 contract:
#   clients/python/  protobuf + grpcio modules (switchyard/v1 and the vendored google/rpc)
#   clients/go/      protoc-gen-go + protoc-gen-go-grpc packages (switchyard/v1 only)
# Usage: scripts/gen-clients.sh [OUT_DIR]   (default: the repository; CI passes a temp dir
# and diffs it against the committed clients/, as it does for gen/).
#
# Why these tools: this project reaches only the npm registry and Debian's archive (no PyPI,
# no Go module proxy), so every generator is a Debian bookworm package:
#   apt-get install protobuf-compiler protobuf-compiler-grpc protoc-gen-go protoc-gen-go-grpc
# Debian's python3-grpc-tools (1.14) bundles a 2018 protoc whose output does not match
# python3-protobuf 3.21, so Python is generated with protoc 3.21 + grpc_python_plugin 1.51,
# the same versions as the python3-protobuf / python3-grpcio runtimes.
# The generated files name the generator versions, so they are pinned below: a different
# version would make the freshness check fail with a confusing diff instead of this message.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT}" && cd "${1:-$ROOT}" && pwd)"

PROTOC_VERSION="3.21.12"            # protobuf-compiler (bookworm)
GRPC_PLUGIN_VERSION="1.51.1"        # protobuf-compiler-grpc (bookworm), grpc_python_plugin
PROTOC_GEN_GO_VERSION="v1.28.1"     # protoc-gen-go (bookworm)
PROTOC_GEN_GO_GRPC_VERSION="1.0"    # protoc-gen-go-grpc (bookworm; built from grpc-go 1.33.3)
GO_MODULE="github.com/switchyard/switchyard/clients/go"   # the prefix of every go_package

need() {
  command -v "$1" >/dev/null 2>&1 || {
    echo "gen-clients: $1 not found; apt-get install -y protobuf-compiler protobuf-compiler-grpc protoc-gen-go protoc-gen-go-grpc" >&2
    exit 1
  }
}
need protoc; need grpc_python_plugin; need protoc-gen-go; need protoc-gen-go-grpc

check() { # name, wanted, got
  [[ "$3" == "$2" ]] || { echo "gen-clients: $1 is $3, the committed clients were generated with $2" >&2; exit 1; }
}
check protoc "$PROTOC_VERSION" "$(protoc --version | awk '{print $2}')"
check protoc-gen-go "$PROTOC_GEN_GO_VERSION" "$(protoc-gen-go --version | awk '{print $2}')"
check protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION" "$(protoc-gen-go-grpc --version | awk '{print $2}')"
# grpc_python_plugin has no --version: ask dpkg (upstream part of "1.51.1-3+b1").
check grpc_python_plugin "$GRPC_PLUGIN_VERSION" "$(dpkg-query -W -f='${Version}' protobuf-compiler-grpc 2>/dev/null | sed 's/-.*//')"

# protoc's own include dir (google/protobuf/*.proto), from protobuf-compiler / libprotobuf-dev.
WKT_INCLUDE=/usr/include
[[ -f "$WKT_INCLUDE/google/protobuf/timestamp.proto" ]] || { echo "gen-clients: $WKT_INCLUDE/google/protobuf missing (protobuf-compiler)" >&2; exit 1; }

cd "$ROOT/proto"
SWITCHYARD_PROTOS=(switchyard/v1/*.proto)
GOOGLE_PROTOS=(google/rpc/*.proto)

rm -rf "$OUT/clients/python" "$OUT/clients/go"
mkdir -p "$OUT/clients/python" "$OUT/clients/go"

# Python: messages (+ .pyi stubs) for both packages; services exist only in switchyard.v1.
protoc -I . -I "$WKT_INCLUDE" \
  --python_out="$OUT/clients/python" --pyi_out="$OUT/clients/python" \
  "${SWITCHYARD_PROTOS[@]}" "${GOOGLE_PROTOS[@]}"
protoc -I . -I "$WKT_INCLUDE" \
  --plugin=protoc-gen-grpc_python="$(command -v grpc_python_plugin)" \
  --grpc_python_out="$OUT/clients/python" \
  "${SWITCHYARD_PROTOS[@]}"
# Regular packages for switchyard/ (its generated modules import "switchyard.v1"); google/ and
# google/rpc/ stay namespace packages so they merge with python3-protobuf's google.protobuf.
: >"$OUT/clients/python/switchyard/__init__.py"
: >"$OUT/clients/python/switchyard/v1/__init__.py"

# Go: only switchyard.v1. google.rpc's go_package is google.golang.org/genproto/..., which
# Debian's golang-google-genproto-dev provides (and grpc-go's status package already uses).
protoc -I . -I "$WKT_INCLUDE" \
  --go_out="$OUT/clients/go" --go_opt=module="$GO_MODULE" \
  --go-grpc_out="$OUT/clients/go" --go-grpc_opt=module="$GO_MODULE" \
  "${SWITCHYARD_PROTOS[@]}"

echo "gen-clients: wrote $OUT/clients/python and $OUT/clients/go"
