#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy into
# bin/k8s/<kubernetes version>/, the directory KUBEBUILDER_ASSETS points at.
# Each binary is built only when it is missing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kube_version=$(awk '/^require k8s.io\/kubernetes/ {print $3}' "$root/hack/kube-apiserver/go.mod")
etcd_version=$(awk '/go.etcd.io\/etcd\/server\/v3 v/ {print $NF; exit}' "$root/hack/etcd/go.mod")
out="$root/bin/k8s/${kube_version}"
mkdir -p "$out"

if [ ! -x "$out/kube-apiserver" ]; then
  echo "building kube-apiserver ${kube_version} (first time: a few minutes)" >&2
  minor=${kube_version#v1.}; minor=${minor%%.*}
  pkg=k8s.io/component-base/version
  ldflags="-s -w -X ${pkg}.gitVersion=${kube_version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
  ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  (cd "$root/hack/kube-apiserver" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" \
    -o "$out/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$out/kube-apiserver.tmp" "$out/kube-apiserver"
fi

if [ ! -x "$out/etcd" ]; then
  echo "building etcd ${etcd_version}" >&2
  pkg=go.etcd.io/etcd/api/v3/version
  (cd "$root/hack/etcd" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" \
    -o "$out/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$out/etcd.tmp" "$out/etcd"
fi
echo "$out"
