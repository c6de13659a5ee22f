# Benchmarks: `make bench` measures init, per-run latency (local, moto, and with 25 ms on every
# AWS call against the critical path), memory, extraction (and its worst cases), replay
# throughput, model cost (on the generated runs and both dev corpora), Lambda cost and package
# size in one run and writes BENCHMARKS.md; last, the README's quick start (`make demo`, then
# `make test`) in a fresh clone with an empty target/ (about 25 min on 2 cores).
# Needs only Rust and Python 3 (boto3 for the Python anchor goes into target/bench-venv).
#   make bench BENCH_EVENTS=2000      a smaller replay set
#   make bench BENCH_EVENTS=2000 BENCH_DEPTH=5000 BENCH_SPAWNS=5 BENCH_INJECTED_RUNS=10
#                                     a quicker run (smaller sets, shallower nesting)
#   make bench BENCH_NOTES=FILE       markdown put at the top of BENCHMARKS.md
#   make bench BENCH_FIRST_USE=0      leave out the quick start in a fresh clone

BENCH_BIN := target/release/lineage-bench
BENCH_RESULTS := target/bench/results
BENCH_FIXTURES := target/bench-fixtures
BENCH_VENV := target/bench-venv
BENCH_CORPUS ?= $(SHARED)/corpus/dev
BENCH_EVENTS ?= 10000
BENCH_JOBS ?= 300
BENCH_SPAWNS ?= 25
BENCH_CONCURRENCY ?= 1,2,8
BENCH_DEPTH ?= 60000
BENCH_INJECTED_RUNS ?= 30
BENCH_LATENCY_MS ?= 25
BENCH_NOTES ?=
BENCH_FIRST_USE ?= 1
BENCH_HAS_CORPUS := $(wildcard $(BENCH_CORPUS)/*/job.json)
BENCH_EXTRACT_CMD := LINEAGE_BENCH_CORPUS=$(if $(BENCH_HAS_CORPUS),$(abspath $(BENCH_CORPUS)),none) $(CARGO) bench --profile release -p lineage-bench --no-default-features --bench extract -- --noplot

.PHONY: bench bench-build bench-inputs

$(BENCH_VENV)/bin/python: bench/requirements-anchor.txt
	rm -rf $(BENCH_VENV)
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements-anchor.txt
	touch $@

bench-build: toolchain
	$(CARGO) build --release -p lineage-lambda -p lineage-cli -p lineage-bench

bench-inputs: bench-build
	$(BENCH_BIN) gen --out $(BENCH_FIXTURES)/replay --events $(BENCH_EVENTS) --jobs $(BENCH_JOBS) --seed 42
	$(BENCH_BIN) gen --out $(BENCH_FIXTURES)/latency --events 100 --jobs 100 --seed 7
	$(BENCH_BIN) gen-special --out $(BENCH_FIXTURES)/special --script-lines 5000 --log-events 5000
	$(BENCH_BIN) gen-deep --out $(BENCH_FIXTURES)/deep --depth $(BENCH_DEPTH)

bench: bench-build bench-inputs $(BENCH_VENV)/bin/python
	rm -rf $(BENCH_RESULTS) target/criterion/extract_*
	$(BENCH_BIN) package --bootstrap target/release/bootstrap
	$(BENCH_BIN) init --bootstrap target/release/bootstrap --spawns $(BENCH_SPAWNS) -- $(BENCH_VENV)/bin/python bench/anchor/bootstrap.py
	$(BENCH_BIN) latency --set project-fixtures=tests/fixtures --set generated=$(BENCH_FIXTURES)/latency/cases --min-samples 50
	$(BENCH_BIN) latency-moto --case tests/fixtures/orders-nightly --runs 50
	$(BENCH_BIN) latency-injected --case tests/fixtures/orders-nightly --runs $(BENCH_INJECTED_RUNS) --latency-ms $(BENCH_LATENCY_MS)
	$(BENCH_BIN) memory --cli target/release/lineage-agent --largest-of tests/fixtures $(if $(BENCH_HAS_CORPUS),--largest-of $(BENCH_CORPUS)) \
	  --case big-script=$(BENCH_FIXTURES)/special/big-script --case big-log=$(BENCH_FIXTURES)/special/big-log
	$(BENCH_BIN) worst-cases --case big-script=$(BENCH_FIXTURES)/special/big-script \
	  $(foreach l,python scala sql,--case deep-$(l)=$(BENCH_FIXTURES)/deep/deep-$(l)) --depth $(BENCH_DEPTH) --script-lines 5000
	$(BENCH_BIN) replay --cli target/release/lineage-agent --fixtures $(BENCH_FIXTURES)/replay/cases \
	  --events $(BENCH_FIXTURES)/replay/events.jsonl --concurrency $(BENCH_CONCURRENCY) --compare $(BENCH_FIXTURES)/latency/cases
	$(BENCH_BIN) model-cost --fixtures $(BENCH_FIXTURES)/replay/cases --events $(BENCH_FIXTURES)/replay/events.jsonl
	$(BENCH_BIN) model-usage --set dev=$(SHARED)/corpus/dev --set real-dev=$(SHARED)/corpus/real-dev --set generated=$(BENCH_FIXTURES)/replay/cases
	$(BENCH_BIN) lambda-cost --template infra/template.yaml
	# criterion last: `cargo bench --no-default-features` rebuilds target/release/lineage-bench
	# without the moto feature, which the steps above need (model-usage, latency-moto)
	$(BENCH_EXTRACT_CMD)
	$(BENCH_BIN) extract-report $(if $(BENCH_HAS_CORPUS),--corpus $(BENCH_CORPUS)) --bench-command '$(BENCH_EXTRACT_CMD)'
	$(if $(filter 1,$(BENCH_FIRST_USE)),$(BENCH_BIN) first-use --make $(MAKE))
	$(BENCH_BIN) report --out BENCHMARKS.md $(if $(BENCH_NOTES),--notes $(BENCH_NOTES))
	@echo "wrote BENCHMARKS.md"
