#!/usr/bin/env bash
# Builds kube-apiserver and etcd (and, when asked, kubectl) from the Go module
# proxy into bin/k8s/<kubernetes version>/, the directory KUBEBUILDER_ASSETS
# points at. Each binary is built only when it is missing.
# Usage: hack/build-control-plane.sh [kube-apiserver] [etcd] [kubectl]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kube_version=$(awk '/^require k8s.io\/kubernetes/ {print $3}' "$root/hack/kube-apiserver/go.mod")
etcd_version=$(awk '/go.etcd.io\/etcd\/server\/v3 v/ {print $NF; exit}' "$root/hack/etcd/go.mod")
out="$root/bin/k8s/${kube_version}"
mkdir -p "$out"

# build NAME MODULE_DIR PACKAGE LDFLAGS
build() {
  local name=$1 dir=$2 pkg=$3 ldflags=$4
  [ -x "$out/$name" ] && return 0
  echo "building $name from source (the first time takes a few minutes)" >&2
  (cd "$dir" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/$name.tmp" "$pkg")
  mv "$out/$name.tmp" "$out/$name"
}

minor=${kube_version#v1.}; minor=${minor%%.*}
version_pkg=k8s.io/component-base/version
kube_ldflags="-s -w -X ${version_pkg}.gitVersion=${kube_version} -X ${version_pkg}.gitMajor=1 -X ${version_pkg}.gitMinor=${minor}"
kube_ldflags+=" -X ${version_pkg}.gitTreeState=clean -X ${version_pkg}.buildDate=1970-01-01T00:00:00Z"

[ $# -gt 0 ] || set -- kube-apiserver etcd
for name in "$@"; do
  case $name in
    kube-apiserver) build kube-apiserver "$root/hack/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver "$kube_ldflags" ;;
    kubectl) build kubectl "$root/hack/kube-apiserver" k8s.io/kubernetes/cmd/kubectl "$kube_ldflags" ;;
    etcd) build etcd "$root/hack/etcd" go.etcd.io/etcd/server/v3 "-s -w" ;;
    *) echo "unknown binary $name" >&2; exit 2 ;;
  esac
done
echo "$out (kube-apiserver ${kube_version}, etcd ${etcd_version})"
