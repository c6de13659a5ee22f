# Enhanced Lineage Agent — developer entry points.
#   make demo    run the pipeline on the sample events and fixtures (no AWS account needed);
#                writes out/demo/, which `lineage-agent lineage|graph` then read
#   make test    fmt check, and the whole test suite built with clippy's lints (-D warnings)
#   make score   corpus / SQL / column-lineage / OpenLineage schema scores, calibration and per-environment
#                precision/recall (needs ../shared, but the column vectors; skips without it)
#   make fit-weights   refit the confidence weights to both corpora (needs ../shared)
#   make help    this list: the header of the Makefile and of each mk/*.mk
#   make fmt-check | clippy | unit | build-release | clean-demo   the parts, one at a time
#                (clippy: lints only; unit: tests only)

SHELL := /bin/bash
CARGO ?= cargo
SHARED ?= ../shared
OUT ?= out/demo
PYTHON ?= python3
CLI_DEBUG := target/debug/lineage-agent
CLI_RELEASE := target/release/lineage-agent
FITTED_WEIGHTS := crates/lineage-engine/src/score/fitted.rs
TOOLS_VENV := target/tools-venv

.PHONY: help demo test test-build check-local test-tools moto fmt-check clippy unit lint-and-unit chromium score score-corpus score-sql score-columns schema-check score-edges score-calibration fit-weights score-floors build-release toolchain clean-demo

# More targets live in mk/*.mk; each may add test targets to EXTRA_TESTS.
.DEFAULT_GOAL := demo
EXTRA_TESTS :=
# What the tests need besides the build (moto, Chromium, and what mk/*.mk adds).
TEST_TOOLS := chromium moto
-include mk/*.mk

help:
	@for f in Makefile mk/*.mk; do echo; sed -n '1,/^[^#]/{/^#/p}' $$f | sed 's/^# \{0,1\}//'; done

toolchain:
	@command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

# The demo builds the CLI without the AWS SDK (the default `aws` feature), which it does not use:
# the first build is much faster. Any other target builds it with AWS again.
demo: toolchain
	$(CARGO) build -p lineage-cli --no-default-features
	@rm -rf $(OUT)
	@echo "== lineage-agent run on the sample events (embedded store, local files) =="
	$(CLI_DEBUG) run --fixtures tests/fixtures --out $(OUT) events/glue-job-succeeded.json events/glue-job-failed.json events/glue-job-stopped.json
	@echo
	@echo "== replaying the same events: already recorded, nothing rewritten =="
	$(CLI_DEBUG) run --fixtures tests/fixtures --out $(OUT) events/glue-job-succeeded.json
	@echo
	@echo "Outputs:"
	@echo "  embedded store (job mappings, execution contexts): $(OUT)/lineage.db"
	@echo "  OpenLineage documents:"
	@find $(OUT)/documents -name '*.json' | sort | sed 's/^/    /'
	@echo "Query it: $(CLI_DEBUG) graph --format mermaid --store $(OUT)/lineage.db"
	@echo "          $(CLI_DEBUG) lineage downstream s3://BUCKET/PREFIX --store $(OUT)/lineage.db"
	@echo "          $(CLI_DEBUG) graph --format html --store $(OUT)/lineage.db > lineage.html   (open it in a browser)"

fmt-check: toolchain
	$(CARGO) fmt --all --check

# The workspace, and the CLI's local build without the AWS SDK (what `make demo` builds).
clippy: toolchain
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p lineage-cli --no-default-features --all-targets -- -D warnings

# The graph page's browser test (crates/lineage-cli/tests/suite/graph_page.rs) runs Debian's Chromium,
# installed here when missing (CI starts on a fresh machine); with it required, a missing browser
# fails the test instead of skipping it.
CHROMIUM ?= /usr/bin/chromium

chromium:
	@if [ ! -x $(CHROMIUM) ]; then echo "installing Debian's chromium for the graph page test"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }; fi

unit: chromium
	LINEAGE_CHROMIUM=$(CHROMIUM) LINEAGE_REQUIRE_CHROMIUM=1 $(CARGO) test --workspace

# What `make test` builds, it lints as it compiles: clippy-driver is the workspace's compiler
# wrapper (what `cargo clippy` sets up), so clippy's lints and -D warnings apply to the build the
# tests run from, and no crate is compiled twice (once checked for clippy, once built for the
# tests). Every target of the workspace (benches too, run once as tests); check-local checks the
# CLI's local build without the AWS SDK (the binary `make demo` builds: its dependencies are the
# demo's, while its tests would build the SDK again for their dev-dependencies). test-build clears
# MAKEFLAGS so that cargo uses every core instead of sharing make's job slots with the tool
# installs that `make test` runs beside it; check-local shares them, so that beside the tests it
# compiles on one core.
CLIPPY_DRIVER = $(shell rustup which clippy-driver 2>/dev/null || command -v clippy-driver)
LINTED = RUSTC_WORKSPACE_WRAPPER=$(CLIPPY_DRIVER) CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__

test-build: toolchain
	@[ -n "$(CLIPPY_DRIVER)" ] || { echo "clippy-driver not found: rustup component add clippy"; exit 1; }
	MAKEFLAGS= $(LINTED) $(CARGO) test --workspace --all-targets --no-run

# The CLI's local build, checked and linted; `make test` runs it beside the tests (cargo holds its
# build lock while it compiles, not while tests run).
check-local: toolchain
	$(LINTED) $(CARGO) check -p lineage-cli --no-default-features --bins

# The tools the tests run against: downloads and unpacking, installed once (stamped).
test-tools: $(TEST_TOOLS)

moto:
	tests/moto/moto.sh install

# Every test binary of the workspace (the crates' docs hold no runnable examples: `doctest =
# false`). Four test threads per binary: the AWS tests spend much of their time waiting on moto
# and on their fault timeouts, so two threads on two cores leave the machine idle.
lint-and-unit: test-build chromium
	RUST_TEST_THREADS=$${RUST_TEST_THREADS:-4} $(LINTED) LINEAGE_CHROMIUM=$(CHROMIUM) LINEAGE_REQUIRE_CHROMIUM=1 $(CARGO) test --workspace --all-targets

# The tool installs run while the workspace compiles (make -j2: two recipes at once, the build
# and the installs), then the workspace's tests, and beside them the local build's check and the
# extra tests (the infrastructure's), one after the other.
test: fmt-check
	$(MAKE) --no-print-directory -j2 test-build test-tools
	$(MAKE) --no-print-directory -j2 --output-sync=line lint-and-unit check-local $(EXTRA_TESTS)

build-release:
	$(CARGO) build --release -p lineage-cli

$(TOOLS_VENV)/bin/python:
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet 'jsonschema>=4.18'

score: score-corpus score-sql score-columns schema-check score-calibration score-floors

# Both dev corpora: the synthetic one (dev/) and real public Glue scripts (real-dev/).
score-corpus: build-release
	@if [ ! -d $(SHARED)/corpus ]; then echo "no $(SHARED)/corpus: skipping the corpus scores"; else \
	  set -e; for c in dev real-dev; do \
	    echo "== corpus $$c"; \
	    $(PYTHON) $(SHARED)/corpus/score.py $(SHARED)/corpus/$$c --cmd '$(CURDIR)/$(CLI_RELEASE) extract {case}' --json target/corpus-score-$$c.json; \
	  done; fi

score-sql: build-release
	@if [ ! -d $(SHARED)/sqlpeer ]; then echo "no $(SHARED)/sqlpeer: skipping the SQL score"; else \
	  $(PYTHON) $(SHARED)/sqlpeer/score_cmd.py '$(CURDIR)/$(CLI_RELEASE) sql' --out target/sqlpeer; fi

# Column lineage (`lineage-agent sql --columns`) against the column-level vectors of sqllineage's
# and openlineage-sql's test suites (score/columns, in this repository: it runs without
# ../shared); fails under the floor in score/floors.json.
score-columns: build-release
	@echo "== column lineage (score/columns)"
	$(PYTHON) score/columns/score.py '$(CURDIR)/$(CLI_RELEASE) sql --columns' --json target/column-score.json \
	  --min-f1 $$($(PYTHON) -c 'import json; print(json.load(open("score/floors.json"))["columns"]["f1"])')

schema-check: build-release $(TOOLS_VENV)/bin/python
	@if [ ! -d $(SHARED)/openlineage-spec ]; then echo "no $(SHARED)/openlineage-spec: skipping the schema check"; else \
	  set -e; rm -rf target/schema-check && mkdir -p target/schema-check/{dev,real-dev,fixtures}; \
	  for c in dev real-dev; do for d in $(SHARED)/corpus/$$c/*/; do \
	    $(CLI_RELEASE) extract $$d > target/schema-check/$$c/$$(basename $$d).json 2>/dev/null; \
	  done; done; \
	  for d in tests/fixtures/*/; do \
	    $(CLI_RELEASE) extract $$d > target/schema-check/fixtures/$$(basename $$d).json 2>/dev/null; \
	  done; \
	  $(TOOLS_VENV)/bin/python $(SHARED)/openlineage-spec/validate.py target/schema-check/*/*.json; fi

# Every edge of both corpora with its confidence and evidence, candidates included: the
# RunEvent of `extract` with min_confidence_score 0 and no storage checks (score/all-edges.yaml).
score-edges: build-release
	@if [ ! -d $(SHARED)/corpus ]; then echo "no $(SHARED)/corpus: skipping the edge dump"; else \
	  set -e; rm -rf target/all-edges && mkdir -p target/all-edges/{dev,real-dev}; \
	  for c in dev real-dev; do for d in $(SHARED)/corpus/$$c/*/; do \
	    $(CLI_RELEASE) extract --config score/all-edges.yaml $$d > target/all-edges/$$c/$$(basename $$d).json 2>/dev/null; \
	  done; done; fi

# How well the stated confidence matches observed precision on both corpora (reliability table
# and expected calibration error), the precision and recall each environment's
# min_confidence_score gives, and whether the fitted evidence weights are still those the
# corpora give (a warning when not, since other corpora may sit in $(SHARED): run
# `make fit-weights` to refit).
score-calibration: score-edges
	@if [ ! -d $(SHARED)/corpus ]; then echo "no $(SHARED)/corpus: skipping the calibration table"; else \
	  set -e; $(PYTHON) score/calibration.py --corpus dev $(SHARED)/corpus/dev target/all-edges/dev \
	    --corpus real-dev $(SHARED)/corpus/real-dev target/all-edges/real-dev --thresholds config --json target/calibration.json; \
	  $(PYTHON) score/fit_weights.py --corpus dev $(SHARED)/corpus/dev target/all-edges/dev \
	    --corpus real-dev $(SHARED)/corpus/real-dev target/all-edges/real-dev --check $(FITTED_WEIGHTS) \
	    || echo "warning: the corpora give other weights than $(FITTED_WEIGHTS) holds (other corpora, or the extractor changed): run make fit-weights"; fi

# Fits the evidence weights of the confidence score to both corpora and rewrites their table
# (crates/lineage-engine/src/score/fitted.rs); rebuild and re-run `make score` after it.
fit-weights: score-edges
	@if [ ! -d $(SHARED)/corpus ]; then echo "no $(SHARED)/corpus: nothing to fit to"; exit 1; fi
	$(PYTHON) score/fit_weights.py --corpus dev $(SHARED)/corpus/dev target/all-edges/dev \
	  --corpus real-dev $(SHARED)/corpus/real-dev target/all-edges/real-dev --write-rust $(FITTED_WEIGHTS)
	rustfmt --edition 2021 $(FITTED_WEIGHTS)

# Fails when a corpus or the SQL suite scores under the floor recorded in score/floors.json.
score-floors: score-corpus score-sql
	@if [ ! -d $(SHARED)/corpus ] || [ ! -d $(SHARED)/sqlpeer ]; then echo "no $(SHARED): no floors to check"; else \
	  echo "== floors (score/floors.json)"; \
	  $(PYTHON) score/check_floors.py score/floors.json \
	    --corpus dev target/corpus-score-dev.json --corpus real-dev target/corpus-score-real-dev.json \
	    --sql target/sqlpeer/ours.json; fi

clean-demo:
	rm -rf out
