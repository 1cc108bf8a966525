# InterviewLM — developer commands. `make help` lists them.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Go may be installed at /usr/local/go without being on PATH in a non-login shell.
export PATH := $(PATH):/usr/local/go/bin

# DATABASE_URL: the database `run`, `migrate` and `bench` use. Left unset, a local server on
# 127.0.0.1:5432 is started (or installed) and the `interviewlm` database created on it; set,
# it is only checked.
LOCAL_DATABASE_URL := postgres://postgres@127.0.0.1:5432/interviewlm?sslmode=disable
ifeq ($(strip $(DATABASE_URL)),)
DATABASE_URL := $(LOCAL_DATABASE_URL)
ENSURE_DB := DATABASE_URL= .ci/ensure-postgres --create-db interviewlm
else
ENSURE_DB := .ci/ensure-postgres
endif
run migrate bench: export DATABASE_URL := $(DATABASE_URL)

# TEST_DATABASE_URL: a superuser connection; tests create their own throwaway databases through it.
ifeq ($(strip $(TEST_DATABASE_URL)),)
TEST_DATABASE_URL := postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
endif
export TEST_DATABASE_URL
ENSURE_TEST_DB := DATABASE_URL="$$TEST_DATABASE_URL" .ci/ensure-postgres

# The local sandbox (bubblewrap, cgroups) and the languages it runs (python3, node, esbuild,
# Go with a prepared standard-library build cache).
ENSURE_SANDBOX := .ci/ensure-cc && .ci/ensure-sandbox && .ci/ensure-languages

# Chromium for the browser tests of the web pages (CHROMIUM names another browser).
ENSURE_BROWSER := .ci/ensure-browser

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS = -X main.version=$(VERSION)

# Extra flags for the load generator, e.g. make bench BENCH_FLAGS='-events 1000000'.
BENCH_FLAGS ?=

.PHONY: help run test test-short bench build lint migrate clean web

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: ## Start Postgres if needed, then the API and projection workers (prints the URL)
	@$(ENSURE_DB)
	@$(ENSURE_SANDBOX)
	go run -ldflags '$(LDFLAGS)' ./cmd/interviewlm serve

test: ## Run every test with the race detector against a real Postgres
	@$(ENSURE_TEST_DB)
	@$(ENSURE_SANDBOX)
	@$(ENSURE_BROWSER)
	go test -race -count=1 -timeout 20m ./...

test-short: ## Run the tests without the race detector, skipping long ones
	@$(ENSURE_TEST_DB)
	@$(ENSURE_SANDBOX)
	@$(ENSURE_BROWSER)
	go test -short -count=1 -timeout 20m ./...

bench: ## Run the load generator (BENCH_FLAGS) and the Go benchmarks
	@$(ENSURE_DB)
	@$(ENSURE_TEST_DB)
	@$(ENSURE_SANDBOX)
	@$(ENSURE_BROWSER)
	go run ./cmd/ilmbench $(BENCH_FLAGS)
	go test -run '^$$' -bench . -benchmem -timeout 60m ./...

build: ## Build ./bin/interviewlm, stamped with the git version
	@.ci/ensure-cc
	go build -trimpath -ldflags '$(LDFLAGS)' -o bin/interviewlm ./cmd/interviewlm

lint: ## Check formatting (gofmt) and run go vet
	@.ci/ensure-cc
	@files="$$(git ls-files --cached --others --exclude-standard -- '*.go' ':(exclude,glob)**/testdata/**' 2>/dev/null \
		|| find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*')"; \
	unformatted="$$(if [[ -n "$$files" ]]; then gofmt -l $$files; fi)"; \
	if [[ -n "$$unformatted" ]]; then echo "These files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	go vet ./...

migrate: ## Apply the database migrations to DATABASE_URL
	@$(ENSURE_DB)
	go run -ldflags '$(LDFLAGS)' ./cmd/interviewlm migrate

web: ## Rebuild the committed CodeMirror bundle (adapters/web/static/vendor) with npm
	cd adapters/web/frontend && npm ci --no-audit --no-fund && npm run build

clean: ## Remove build outputs, coverage files and test artifacts
	rm -rf bin/ artifacts/ coverage.out coverage.html cover.out *.coverprofile
