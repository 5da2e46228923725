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

.PHONY: help build oci push pgo tools run test test.unit test.wasm corpus bench vet check clean

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

# Native benchmarks that `make pgo` profiles, each in its own process for
# PGO_BENCHTIME, so that each workload weighs about the same in the profile.
PGO_BENCHTIME  ?= 5s
PGO_BENCHMARKS := NativeAPIKey NativeRateLimit3Rules NativeInjectionTypical NativeInjectionJSON64K NativeJWTVerifySignature

# Profile-guided optimisation is measured, not used: the profile made the
# rate limit and JWT requests up to 13 % cheaper but the injection-checked
# one 6 to 7 % dearer (BENCHMARKS.md, "Profile-guided optimisation"). So the profile and
# the module built with it stay in build/, and `make build` does not read
# them; it would read plugin/default.pgo.
pgo: build ## Profile native benchmarks into build/pgo/default.pgo and build build/bulwark-pgo.wasm with it
	@rm -rf build/pgo && mkdir -p build/pgo
	$(GO) test -c -o build/pgo/e2e.test ./testing/e2e/
	@for b in $(PGO_BENCHMARKS); do \
		echo "profiling $$b"; \
		(cd testing/e2e && $(CURDIR)/build/pgo/e2e.test -test.run '^$$' -test.bench "^Benchmark$$b\$$" \
			-test.benchtime $(PGO_BENCHTIME) -test.cpuprofile $(CURDIR)/build/pgo/$$b.pprof >/dev/null) || exit 1; \
	done
	$(GO) tool pprof -proto $(foreach b,$(PGO_BENCHMARKS),build/pgo/$(b).pprof) > build/pgo/default.pgo
	GOWORK=$(CURDIR)/build/go.work GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -pgo=build/pgo/default.pgo -o build/bulwark-pgo.wasm ./plugin
	@ls -l build/bulwark-pgo.wasm | awk '{print "built " $$NF " (" $$5 " bytes)"}'

tools: ## Install redis-server if missing and build the rate limit service into build/tools
	$(GO) run ./testing/rlservice/install

run: build ## Build the filter and serve it on 127.0.0.1:8080 with examples/quickstart.json
	$(GO) run ./cmd/bulwark serve -config $(CONFIG) -listen $(LISTEN)

test: build tools vet test.wasm ## Build the filter and run every test (unit, proxytest, end to end)
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./filter/...

# filter/ratelimit has files built only for wasm (lock_wasm.go); its tests
# also run as a wasip1 module under the wazero command line, as Go's
# go_wasip1_wasm_exec expects it on PATH.
test.wasm: ## Run the tests of packages with wasm-only files inside wasm
	$(GO) build -o build/tools/wazero github.com/tetratelabs/wazero/cmd/wazero
	PATH=$(CURDIR)/build/tools:$$PATH GOOS=wasip1 GOARCH=wasm GOWASIRUNTIME=wazero \
		$(GO) test -count=1 -exec $$($(GO) env GOROOT)/lib/wasm/go_wasip1_wasm_exec ./filter/ratelimit/

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
