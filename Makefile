# Rollcall — build, generate, test, run.

SHELL := /usr/bin/env bash -o pipefail
.SHELLFLAGS := -ec

KUBE_VERSION := $(shell awk '/^require k8s.io\/kubernetes/ {print $$3}' hack/kube-apiserver/go.mod)
CONTROL_PLANE := $(CURDIR)/bin/k8s/$(KUBE_VERSION)
export KUBEBUILDER_ASSETS ?= $(CONTROL_PLANE)

CONTROLLER_GEN := go tool controller-gen
GOLANGCI_LINT := $(CURDIR)/bin/golangci-lint
HELM := $(CURDIR)/bin/helm
CHART := charts/rollcall

.PHONY: all
all: build

##@ Development

.PHONY: manifests
manifests: ## Generate CRDs and RBAC from the markers in api/ and the code.
	$(CONTROLLER_GEN) rbac:roleName=rollcall-manager crd paths="./api/...;./controllers/..." \
		output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	$(CONTROLLER_GEN) rbac:roleName=rollcall-scim-server paths="./scimserver/..." \
		output:rbac:artifacts:config=config/rbac/scim-server
	$(MAKE) --no-print-directory chart-files

# The chart takes the CRDs and the cluster-wide objects that need no values
# verbatim from config/ (test/config checks the rest against config/default).
.PHONY: chart-files
chart-files:
	rm -f $(CHART)/crds/*.yaml $(CHART)/files/*.yaml
	cp config/crd/bases/*.yaml $(CHART)/crds/
	cp config/rbac/role.yaml $(CHART)/files/rbac-manager-role.yaml
	cp config/rbac/scim-server/role.yaml $(CHART)/files/rbac-scim-server-role.yaml
	cp config/rbac/domain_approver_role.yaml $(CHART)/files/rbac-domain-approver-role.yaml
	cp config/rbac/domain_approver_example_role.yaml $(CHART)/files/rbac-domain-approver-example-role.yaml
	for f in config/policies/*.yaml; do [ "$$(basename $$f)" = kustomization.yaml ] || cp $$f $(CHART)/files/policy-$$(basename $$f); done

.PHONY: generate
generate: ## Generate deepcopy and apply-configuration code.
	$(CONTROLLER_GEN) object:headerFile=hack/boilerplate.go.txt paths="./api/..."
	$(CONTROLLER_GEN) applyconfiguration:headerFile=hack/boilerplate.go.txt paths="./api/..."

# CI runs this on a clean checkout; make test only regenerates, so it also
# runs on a tree with uncommitted edits.
.PHONY: verify-generated
verify-generated: manifests generate ## Fail when committed generated files are stale.
	@if [ -n "$$(git status --porcelain -- api config $(CHART))" ]; then \
		echo "generated files are stale; run 'make manifests generate' and commit:"; \
		git status --porcelain -- api config $(CHART); git diff --stat -- api config $(CHART); exit 1; fi

.PHONY: fmt
fmt:
	go fmt ./...

.PHONY: vet
vet:
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (pinned in hack/golangci-lint).
	$(GOLANGCI_LINT) run ./...

$(GOLANGCI_LINT): hack/golangci-lint/go.mod
	cd hack/golangci-lint && go build -o $(GOLANGCI_LINT) github.com/golangci/golangci-lint/v2/cmd/golangci-lint

.PHONY: helm
helm: $(HELM) ## Build helm (pinned in hack/helm) into bin/, for the chart's test.

$(HELM): hack/helm/go.mod
	cd hack/helm && go build -o $(HELM) helm.sh/helm/v4/cmd/helm

.PHONY: control-plane
control-plane: $(CONTROL_PLANE)/kube-apiserver $(CONTROL_PLANE)/etcd ## Build kube-apiserver and etcd from source (once).

$(CONTROL_PLANE)/kube-apiserver $(CONTROL_PLANE)/etcd:
	hack/build-control-plane.sh kube-apiserver etcd

.PHONY: kubectl
kubectl: $(CONTROL_PLANE)/kubectl ## Build kubectl from source into bin/k8s/ (for machines without one).

$(CONTROL_PLANE)/kubectl:
	hack/build-control-plane.sh kubectl

# The race detector is on for every test: the SCIM server's read-your-writes
# overlay and snapshots, the per-workspace backend cache and the workers that
# share a backend are concurrent by design.
.PHONY: test
test: control-plane kubectl helm manifests generate vet ## Run every test (unit and envtest, race detector on) against the source-built control plane.
	@echo "envtest control plane from $(CONTROL_PLANE): kube-apiserver $$($(CONTROL_PLANE)/kube-apiserver --version), $$($(CONTROL_PLANE)/etcd --version | head -1)"
	go test -race ./... -count=1 -timeout 45m

# The fault tests (test/faults, build tag faults) run the manager binary,
# kube-apiserver and etcd as processes and stop them on purpose; each is
# bounded, and every process they start is killed when they end.
.PHONY: test-faults
test-faults: control-plane manifests ## Run the fault tests: real processes killed, frozen and cut off; prints lost/duplicated/converged figures.
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; status=0; \
	go test -race -tags faults ./test/faults/ -count=1 -v -timeout 20m 2>&1 | tee "$$log" || status=$$?; \
	echo "--- fault figures"; grep '^FAULT ' "$$log" || true; exit $$status

# Each fuzz target runs for FUZZTIME; a crash is written under the package's
# testdata/fuzz/, where go test replays it from then on: commit it with the fix.
FUZZTIME ?= 15s
FUZZ_TARGETS := ./scimserver/filter:FuzzParse ./scimserver/patch:FuzzApply \
	./scimserver/resource:FuzzDecodeUser ./scimserver/resource:FuzzPatchUser

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME (default 15s): filters, PATCH, request bodies.
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		go test $$pkg -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

##@ Build

.PHONY: build
build: ## Build the manager and the kubectl plugin into bin/.
	go build -o bin/manager ./cmd/manager
	go build -o bin/kubectl-rollcall ./cmd/kubectl-rollcall

# The image is built from scratch layers, without a container daemon or a
# base image: hack/image/main.go says what is in it.
IMAGE_ARCHIVE ?= bin/rollcall-image.tar
IMAGE_TAG ?= latest
IMAGE_PLATFORMS ?= linux/amd64,linux/arm64

.PHONY: image
image: ## Build the manager image (linux/amd64 and arm64, nonroot, no shell) as an OCI layout tar: bin/rollcall-image.tar.
	go run ./hack/image -o $(IMAGE_ARCHIVE) -tag $(IMAGE_TAG) -version $(IMAGE_TAG) -platforms $(IMAGE_PLATFORMS) \
		-revision "$$(git rev-parse HEAD 2>/dev/null || true)"

.PHONY: run-local
# The runner is built and run rather than `go run`: go run answers Ctrl-C
# with exit status 1 even when the program stopped cleanly.
run-local: control-plane build ## Run a local control plane, the manager and a demo workspace (state in .local/).
	go build -o bin/runlocal ./hack/runlocal
	bin/runlocal $(RUNLOCAL_ARGS)

.PHONY: help
help:
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*?##/ { printf "  %-18s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

##@ Benchmark

# BENCH_ARGS passes flags to hack/bench, e.g. BENCH_ARGS="-users 1000
# -filter-sizes 1000" for a short run; go run ./hack/bench -h lists them.
.PHONY: bench
bench: control-plane ## Measure API requests per user, provisioning rates, latencies and manager memory (bin/bench.json).
	go build -o bin/manager ./cmd/manager
	go run ./hack/bench $(BENCH_ARGS)
