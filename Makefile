# Switchboard. `make run` starts the daemon on config.example.yaml; `make test`
# runs every test (the long suites have their own targets). The PostgreSQL
# tests run when SWITCHBOARD_TEST_POSTGRES names a server and are skipped
# otherwise; `make test-postgres` runs `make test` with a throwaway server, as
# CI does.

GO      ?= go
BIN     := bin/switchboard
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

# Packages whose tests exercise concurrency run with the race detector.
RACE_PKGS := ./core/dispatch/... ./core/store/... ./core/ingest/... ./connectors/... ./sdk/... ./internal/...

.PHONY: build run test test-postgres test-ui test-e2e test-multi chaos fuzz bench bench-quick lint fmt clean proto

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/switchboard

run: build
	./$(BIN) serve --config config.example.yaml

test: lint
	$(GO) test -race -count=1 $(RACE_PKGS)
	$(GO) test -count=1 -skip TestBrowser ./...
	$(MAKE) test-ui
	$(MAKE) bench-quick

# make test with a throwaway PostgreSQL cluster (scripts/pg-test-cluster), so
# that the PostgreSQL store and multi-instance tests run too.
test-postgres:
	scripts/pg-test-cluster run $(MAKE) test

# The web UI in headless Chromium (Debian's chromium; skipped outside CI when
# it is missing). Its screenshots are kept under test-output/_artifacts.
test-ui:
	mkdir -p test-output
	$(GO) test -count=1 -run TestBrowser -artifacts -outputdir $(CURDIR)/test-output ./core/admin/

# The end-to-end suite alone: the real binary, fixtures, SIGKILL and restart.
test-e2e:
	$(GO) test -count=1 -v ./test/e2e/...

# Three instances on one PostgreSQL database, 10,000 events, one instance
# killed with SIGKILL half way; make test runs the same test with 1,000.
test-multi:
	scripts/pg-test-cluster run $(GO) test -count=1 -v -run TestThreeInstancesShareOneDatabase ./test/e2e/ -args -multi.events=10000

# The crash suite: 20 SIGKILLs of the real binary at random moments (ingest,
# delivery, a batch commit, a config reload), then the checks that nothing
# accepted was lost. About a minute. `make test` runs it with 4 kills, one at
# each moment. CHAOS_SEED=n replays one run.
CHAOS_KILLS ?= 20
CHAOS_SEED  ?= 0
chaos:
	$(GO) test -count=1 -timeout 20m -run 'TestChaosKills' -v ./test/e2e/ -args -chaos.kills=$(CHAOS_KILLS) -chaos.seed=$(CHAOS_SEED)

# Every fuzz target for FUZZTIME each (10m by default: hours in all), then the
# new corpus entries copied into testdata/fuzz for committing. `make test`
# replays the committed corpus as ordinary tests.
FUZZTIME ?= 10m
fuzz:
	FUZZTIME=$(FUZZTIME) tools/fuzz/run.sh

# The full benchmark: several minutes, SQLite and then PostgreSQL on a
# throwaway cluster. It prints the table of figures and targets and writes it
# to bench-results.md; docs/benchmarks.md publishes it.
bench: build
	scripts/pg-test-cluster run $(GO) run ./tools/bench -binary $(BIN) -out bench-results.md

# A seconds-long run of the benchmark harness, to check that it works.
bench-quick: build
	$(GO) run ./tools/bench -binary $(BIN) -quick > /dev/null

lint:
	@unformatted="$$(gofmt -l .)"; if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w .

clean:
	rm -rf bin data test-output

# Regenerates the plugin protocol's Go code from sdk/proto/pluginv1/connector.proto.
# Needs protoc (Debian: protobuf-compiler) and the generators at the versions
# go.mod pins: go install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
# and google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2. The output is
# committed, so building never needs them.
proto:
	PATH="$$(go env GOPATH)/bin:$$PATH" protoc --proto_path=sdk/proto \
		--go_out=sdk/proto --go_opt=paths=source_relative \
		--go-grpc_out=sdk/proto --go-grpc_opt=paths=source_relative \
		pluginv1/connector.proto

# The example plugins: builds both executables into bin/plugins, then runs
# their tests, sdk/plugintest's conformance checks included, with the race
# detector.
PLUGIN_CMDS := ./plugins/teams/cmd/switchboard-connector-teams ./plugins/command/cmd/switchboard-connector-command

.PHONY: test-plugins
test: test-plugins

test-plugins:
	$(GO) build -o bin/plugins/ $(PLUGIN_CMDS)
	$(GO) test -race -count=1 ./plugins/... ./examples/connector/...
