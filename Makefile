# Bulwark build and test entry points. Run `make help` for the list.

GO         ?= go
WASM       := build/bulwark.wasm
SDK_MODULE := github.com/tetratelabs/proxy-wasm-go-sdk
SDK_COPY   := build/sdk
LISTEN     ?= 127.0.0.1:8080
CONFIG     ?= examples/quickstart.json
OCI_DIR    ?= build/oci
REGISTRY   ?=
TAG        ?=
# The revision annotation of the image: the commit, marked -dirty when the
# work tree has changes that the commit lacks.
REVISION   ?= $(shell git rev-parse HEAD 2>/dev/null)$(if $(shell git status --porcelain 2>/dev/null),-dirty)

.PHONY: help build oci push tools run test test.unit corpus bench vet check clean

help: ## Show the targets
	@grep -E '^[a-z.]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# The SDK binds the ABI only under TinyGo. This copies the SDK module from the
# module cache (go mod download verifies it against go.sum), adds the project's
# binding files to its internal package and builds against the copy through a
# generated go.work, so nothing of the SDK is committed.
build: ## Build build/bulwark.wasm with the standard Go toolchain
	@mkdir -p build
	@$(GO) mod download $(SDK_MODULE)
	@rm -rf $(SDK_COPY) && mkdir -p $(SDK_COPY)
	@cp -R "$$($(GO) list -m -f '{{.Dir}}' $(SDK_MODULE))/." $(SDK_COPY)
	@chmod -R u+w $(SDK_COPY)
	@cp plugin/_sdkabi/*.go $(SDK_COPY)/proxywasm/internal/
	@printf 'go %s\n\nuse ..\n\nreplace %s => ./sdk\n' "$$(awk '/^go /{print $$2}' go.mod)" "$(SDK_MODULE)" > build/go.work
	GOWORK=$(CURDIR)/build/go.work GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -o $(WASM) ./plugin
	@ls -l $(WASM) | awk '{print "built " $$NF " (" $$5 " bytes)"}'

oci: build ## Write build/bulwark.wasm as an OCI image layout in build/oci (TAG=0.1.0 sets its version)
	$(GO) run ./cmd/bulwark oci build -wasm $(WASM) -out $(OCI_DIR) -version '$(TAG)' -revision '$(REVISION)'

# REGISTRY is checked before anything is built, so a forgotten REGISTRY
# fails at once.
push: ## Build the OCI image and push it to REGISTRY:TAG with the docker login credentials
	@test -n '$(REGISTRY)' || { echo 'make push: REGISTRY is not set; give the repository to push to, as in make push REGISTRY=registry.example.com/bulwark TAG=0.1.0' >&2; exit 2; }
	@$(MAKE) --no-print-directory oci
	$(GO) run ./cmd/bulwark oci push -layout $(OCI_DIR) '$(REGISTRY):$(or $(TAG),latest)'

tools: ## Install redis-server if missing and build the rate limit service into build/tools
	$(GO) run ./testing/rlservice/install

run: build ## Build the filter and serve it on 127.0.0.1:8080 with examples/quickstart.json
	$(GO) run ./cmd/bulwark serve -config $(CONFIG) -listen $(LISTEN)

test: build tools vet ## Build the filter and run every test (unit, proxytest, end to end)
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./filter/...

test.unit: ## Run the native tests only (no wasm build)
	$(GO) test -count=1 ./filter/... ./plugin/...

corpus: build ## Replay the labelled attack corpus (../shared/corpus or BULWARK_CORPUS) and print the rates
	$(GO) test -count=1 -v -run TestCorpusReplay ./testing/corpus/

bench: build tools ## Run the benchmarks of BENCHMARKS.md
	$(GO) test -run '^$$' -bench . -benchmem ./testing/... ./filter/...

vet: ## Run go vet
	$(GO) vet ./...

check: vet test ## Format, vet and test; fails on unformatted files
	@test -z "$$(gofmt -l . | grep -v '^build/')" || (gofmt -l . | grep -v '^build/'; exit 1)

clean: ## Remove build outputs
	rm -rf build
