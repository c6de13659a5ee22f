# Enhanced Lineage Agent — developer entry points.
#   make demo    run the pipeline on the sample events and fixtures (no AWS account needed)
#   make test    fmt check, clippy, and the whole test suite
#   make score   corpus / SQL / OpenLineage schema scores (needs ../shared)

SHELL := /bin/bash
CARGO ?= cargo
SHARED ?= ../shared
OUT ?= out/demo
PYTHON ?= python3
CLI_DEBUG := target/debug/lineage-agent
CLI_RELEASE := target/release/lineage-agent
TOOLS_VENV := target/tools-venv

.PHONY: demo test fmt-check clippy unit score score-corpus score-sql schema-check build-release toolchain clean-demo

# More targets live in mk/*.mk; each may add test targets to EXTRA_TESTS.
.DEFAULT_GOAL := demo
EXTRA_TESTS :=
-include mk/*.mk

toolchain:
	@command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs"; exit 1; }
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

demo: toolchain
	$(CARGO) build -p lineage-cli
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

fmt-check: toolchain
	$(CARGO) fmt --all --check

clippy: toolchain
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace

test: fmt-check clippy unit $(EXTRA_TESTS)

build-release:
	$(CARGO) build --release -p lineage-cli

$(TOOLS_VENV)/bin/python:
	$(PYTHON) -m venv $(TOOLS_VENV)
	$(TOOLS_VENV)/bin/pip install --quiet 'jsonschema>=4.18'

score: score-corpus score-sql schema-check

score-corpus: build-release
	@test -d $(SHARED)/corpus || { echo "no $(SHARED)/corpus: skipping"; exit 0; }
	$(PYTHON) $(SHARED)/corpus/score.py $(SHARED)/corpus/dev --cmd '$(CURDIR)/$(CLI_RELEASE) extract {case}' --json target/corpus-score.json

score-sql: build-release
	@test -d $(SHARED)/sqlpeer || { echo "no $(SHARED)/sqlpeer: skipping"; exit 0; }
	$(PYTHON) $(SHARED)/sqlpeer/score_cmd.py '$(CURDIR)/$(CLI_RELEASE) sql' --out target/sqlpeer

schema-check: build-release $(TOOLS_VENV)/bin/python
	@test -d $(SHARED)/openlineage-spec || { echo "no $(SHARED)/openlineage-spec: skipping"; exit 0; }
	@rm -rf target/schema-check && mkdir -p target/schema-check
	@for d in $(SHARED)/corpus/dev/*/ tests/fixtures/*/; do \
	  $(CLI_RELEASE) extract $$d > target/schema-check/$$(basename $$d).json || exit 1; \
	done
	$(TOOLS_VENV)/bin/python $(SHARED)/openlineage-spec/validate.py target/schema-check/*.json

clean-demo:
	rm -rf out
