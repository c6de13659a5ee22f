# Reliability and security tests (crates/lineage-reliability). They run in `make test` with
# the rest of the workspace (bounded property-test cases); `make fuzz` runs the hostile-input
# property tests for long, in a release build.
#   make reliability          the whole reliability crate
#   make fuzz                 hostile-input property tests, FUZZ_CASES cases each (default 20000)

FUZZ_CASES ?= 20000

.PHONY: reliability fuzz

reliability:
	$(CARGO) test -p lineage-reliability

fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) $(CARGO) test --release -p lineage-reliability --test suite hostile_input -- --nocapture
	PROPTEST_CASES=$(FUZZ_CASES) $(CARGO) test --release -p lineage-domain --test suite hostile_events
