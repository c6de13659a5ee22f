# Infrastructure and deployment (infra/template.yaml, config/*.yaml). See docs/operations.md.
#
#   make build [ARCH=arm64|x86_64]    cargo lambda build of the bootstrap + zip
#   make package ENV=dev              sam package (uploads the code, writes the packaged template)
#   make validate                     cfn-lint, checkov, sam validate --lint, config validate (all envs)
#   make deploy ENV=dev ALERT_EMAIL=... [SCRIPT_BUCKETS=a,b] [DATA_BUCKETS=c] [KMS_KEYS=arn,...]
#               [LOG_GROUP_PREFIX=/custom/glue] [RESERVED_CONCURRENCY=n]
#   make invoke-health ENV=dev        invoke the `live` alias with events/health-check.json
#   make logs ENV=dev [SINCE=1h|30m|2d|ISO time] [FOLLOW=1]   the function's log lines
#   make replay ENV=dev FROM=events.jsonl      send events to the backfill queue
#   make archive-replay ENV=dev SINCE=2024-05-01T00:00:00Z [UNTIL=...]   EventBridge archive replay
#   make rollback ENV=dev [TO=record]  update the stack to the deployment before (or a given one)
#   make rollback-list ENV=dev        the recorded deployments, the current one marked
#   make cleanup ENV=dev [PURGE=yes]  delete the stack (its lineage is retained); PURGE=yes deletes that too
#   make infra-test                   cfn-lint + checkov + the moto deployment test (part of make test)
#
# Every tool installs itself into a virtualenv under target/infra on first use.

INFRA_DIR := target/infra
INFRA_TOOLS := $(INFRA_DIR)/tools
INFRA_CHECKOV := $(INFRA_DIR)/checkov
INFRA_SAM := $(INFRA_DIR)/sam
INFRA_LAMBDA := $(INFRA_DIR)/lambda
INFRA_AWSCLI := $(INFRA_DIR)/awscli
TEMPLATE := infra/template.yaml
CONFIG_DIR ?= config
ENV ?= dev
ARCH ?= arm64
STACK ?= enhanced-lineage-agent-$(ENV)
FUNCTION = enhanced-lineage-agent-context-aware-agent-$(ENV)
SINCE ?= 1h
LAMBDA_ZIP := target/lambda/bootstrap.zip
# What `make build` built for: checked by package and deploy against ARCH.
BUILT_ARCH ?= target/lambda/bootstrap/ARCH
SAM = SAM_CLI_TELEMETRY=0 $(INFRA_SAM)/bin/sam
AWS ?= $(or $(shell command -v aws 2>/dev/null),$(INFRA_AWSCLI)/bin/aws)
PIP_INSTALL = bin/pip install --quiet --disable-pip-version-check

.PHONY: check-arch build package validate deploy invoke-health logs replay archive-replay rollback rollback-list cleanup infra-test infra-tools

EXTRA_TESTS += infra-test
TEST_TOOLS += $(INFRA_TOOLS)/.installed $(INFRA_CHECKOV)/.installed $(INFRA_DIR)/iam-simulate/.installed

# ------------------------------------------------------------------ tool venvs (stamped)
$(INFRA_DIR)/%/.installed: infra/requirements-%.txt
	@test -x $(INFRA_DIR)/$*/bin/python || $(PYTHON) -m venv $(INFRA_DIR)/$*
	$(INFRA_DIR)/$*/$(PIP_INSTALL) -r $<
	@touch $@

infra-tools: $(INFRA_TOOLS)/.installed $(INFRA_CHECKOV)/.installed

$(INFRA_AWSCLI)/bin/aws: $(INFRA_AWSCLI)/.installed

# Outputs of the deployed stack.
stack-output = $$($(AWS) cloudformation describe-stacks --stack-name $(STACK) \
  --query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text)

# ------------------------------------------------------------------ build / package
build: $(INFRA_LAMBDA)/.installed
	PATH="$(CURDIR)/$(INFRA_LAMBDA)/bin:$$PATH" $(INFRA_LAMBDA)/bin/cargo-lambda lambda build \
	  --release -p lineage-lambda $(if $(filter x86_64,$(ARCH)),--x86-64,--arm64)
	@test -f target/lambda/bootstrap/bootstrap
	@$(PYTHON) -c 'import zipfile,sys; z=zipfile.ZipFile(sys.argv[1],"w",zipfile.ZIP_DEFLATED); \
	  i=zipfile.ZipInfo("bootstrap"); i.external_attr=0o755<<16; i.compress_type=zipfile.ZIP_DEFLATED; \
	  z.writestr(i, open("target/lambda/bootstrap/bootstrap","rb").read()); z.close()' $(LAMBDA_ZIP)
	@echo $(ARCH) > $(BUILT_ARCH)
	@echo "built target/lambda/bootstrap/bootstrap ($(ARCH)) and $(LAMBDA_ZIP)"

# The function's Architectures must be what the bootstrap was built for, or every invocation
# fails with Runtime.InvalidEntrypoint.
check-arch:
	@test -f $(BUILT_ARCH) || { echo "no build: run make build ARCH=$(ARCH) first"; exit 2; }
	@built=$$(cat $(BUILT_ARCH)); test "$$built" = "$(ARCH)" || \
	  { echo "the bootstrap was built for $$built, not ARCH=$(ARCH): make build ARCH=$(ARCH), or deploy with ARCH=$$built"; exit 2; }

package: check-arch $(INFRA_SAM)/.installed
	$(SAM) package --template-file $(TEMPLATE) --resolve-s3 \
	  --output-template-file $(INFRA_DIR)/packaged-$(ENV).yaml
	@echo "packaged template: $(INFRA_DIR)/packaged-$(ENV).yaml"

# ------------------------------------------------------------------ checks
infra-lint: $(INFRA_TOOLS)/.installed $(INFRA_CHECKOV)/.installed
	$(INFRA_TOOLS)/bin/cfn-lint $(TEMPLATE)
	$(INFRA_CHECKOV)/bin/checkov -f $(TEMPLATE) --skip-download --compact --quiet

validate: infra-lint $(INFRA_SAM)/.installed
	$(SAM) validate --lint -t $(TEMPLATE) --region $(or $(AWS_REGION),us-east-1)
	$(CARGO) build -q -p lineage-cli
	@for e in dev test prod; do \
	  echo "== config validate --environment $$e"; \
	  $(CLI_DEBUG) config validate --environment $$e --config-dir $(CONFIG_DIR) >/dev/null || exit 1; \
	done

# The IAM policy simulator test_deployed.py evaluates the function's requests with (npm, pinned by
# infra/iam-simulate/package-lock.json), beside its script.
$(INFRA_DIR)/iam-simulate/.installed: infra/iam-simulate/package.json infra/iam-simulate/package-lock.json infra/iam-simulate/simulate.mjs
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20 (apt-get install nodejs npm)"; exit 1; }
	mkdir -p $(INFRA_DIR)/iam-simulate
	cp $^ $(INFRA_DIR)/iam-simulate/
	cd $(INFRA_DIR)/iam-simulate && npm ci --silent --no-audit --no-fund
	@touch $@

# The stack tests run the CLI with AWS support (`make demo` leaves one built without it), and the
# debug `bootstrap`: both as `make test` builds them (test-build: the same packages, targets and
# features, linted), so nothing compiles twice.
infra-test: infra-lint $(INFRA_DIR)/iam-simulate/.installed test-build
	$(INFRA_TOOLS)/bin/python -m pytest -q -rs -p no:cacheprovider infra/tests

# ------------------------------------------------------------------ deploy / operate
deploy: check-arch $(INFRA_SAM)/.installed $(INFRA_AWSCLI)/.installed
	@test -n "$(ALERT_EMAIL)" || { echo "ALERT_EMAIL=you@example.com is required"; exit 2; }
	$(CARGO) build -q -p lineage-cli
	$(CLI_DEBUG) config validate --environment $(ENV) --config-dir $(CONFIG_DIR) --format json > $(INFRA_DIR)/config-$(ENV).json
	$(SAM) deploy --template-file $(TEMPLATE) --stack-name $(STACK) --resolve-s3 \
	  --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM --no-fail-on-empty-changeset \
	  --tags Application=enhanced-lineage-agent Environment=$(ENV) \
	  --parameter-overrides $$($(PYTHON) infra/deploy_params.py $(INFRA_DIR)/config-$(ENV).json \
	      Environment=$(ENV) Architecture=$(ARCH) AlertEmail=$(ALERT_EMAIL) \
	      ScriptBucketNames=$(SCRIPT_BUCKETS) DataBucketNames=$(DATA_BUCKETS) KmsKeyArns=$(KMS_KEYS) \
	      CustomLogGroupPrefix=$(LOG_GROUP_PREFIX) ReservedConcurrency=$(RESERVED_CONCURRENCY))
	$(HISTORY) record --stack $(STACK) --env $(ENV)

invoke-health: $(AWS)
	$(AWS) lambda invoke --function-name $(FUNCTION) --qualifier live \
	  --payload fileb://events/health-check.json $(INFRA_DIR)/health-$(ENV).json >/dev/null
	@cat $(INFRA_DIR)/health-$(ENV).json; echo
	@$(PYTHON) -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r.get("status")=="healthy" else 1)' \
	  $(INFRA_DIR)/health-$(ENV).json || { echo "UNHEALTHY: see docs/operations.md#verify"; exit 1; }

# The pinned AWS CLI v1 has no `logs tail`: infra/tail_logs.py reads FilterLogEvents with its botocore.
logs: $(INFRA_AWSCLI)/.installed
	$(INFRA_AWSCLI)/bin/python infra/tail_logs.py --log-group /aws/lambda/$(FUNCTION) --since $(SINCE) $(if $(FOLLOW),--follow)

replay: $(AWS)
	@test -n "$(FROM)" || { echo "FROM=events.jsonl (or a folder of event files) is required"; exit 2; }
	$(CARGO) build -q -p lineage-cli
	@$(CLI_DEBUG) replay --help | grep -q -- --to-queue || { echo "this lineage-agent has no replay --to-queue"; exit 2; }
	queue=$(call stack-output,BackfillQueueUrl); test -n "$$queue" || exit 1; \
	$(CLI_DEBUG) replay --from $(FROM) --to-queue "$$queue"

archive-replay: $(AWS)
	@test -n "$(SINCE)" && test "$(SINCE)" != 1h || { echo "SINCE=2024-05-01T00:00:00Z is required"; exit 2; }
	archive=$(call stack-output,GlueEventArchiveArn); test -n "$$archive" || exit 1; \
	base=$${archive%%:archive/*}; \
	$(AWS) events start-replay --replay-name lineage-$(ENV)-$$(date -u +%Y%m%d%H%M%S) \
	  --event-source-arn "$$archive" --event-start-time $(SINCE) \
	  --event-end-time $(or $(UNTIL),$$(date -u +%Y-%m-%dT%H:%M:%SZ)) \
	  --destination "Arn=$$base:event-bus/default,FilterArns=$$base:rule/enhanced-lineage-agent-glue-job-state-$(ENV)"

# Rollback through the stack: every deploy is recorded (template and parameters, in the stack's
# lineage bucket under deployments/ENV/), and a rollback is a stack update to an earlier record.
HISTORY = $(INFRA_AWSCLI)/bin/python infra/stack_history.py

rollback: $(INFRA_AWSCLI)/.installed
	$(HISTORY) rollback --stack $(STACK) --env $(ENV) $(if $(TO),--to $(TO))

rollback-list: $(INFRA_AWSCLI)/.installed
	$(HISTORY) list --stack $(STACK) --env $(ENV)

# Cleanup: the stack goes, the lineage it holds stays (tables, bucket, key: DeletionPolicy Retain);
# PURGE=yes deletes those too, so that the environment deploys afresh (infra/cleanup.py).
cleanup: $(INFRA_AWSCLI)/.installed
	$(INFRA_AWSCLI)/bin/python infra/cleanup.py --stack $(STACK) --env $(ENV) $(if $(PURGE),--purge $(if $(filter yes,$(PURGE)),--yes))
