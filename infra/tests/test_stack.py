"""Deploys infra/template.yaml into moto's CloudFormation, offline.

The SAM template is translated to plain CloudFormation with aws-sam-translator, a moto_server is
started on a free 127.0.0.1 port, and the stack is created once per environment (dev and prod).
The tests assert what moto actually creates (tables, bucket, queues, topic, rule, archive,
function, role policy); moto silently skips the resource types it does not model (alarms, SNS
subscriptions, queue and bucket policies, the Lambda alias, CodeDeploy), so those are checked on
the translated template instead.

Run: target/infra/tools/bin/python -m pytest infra/tests (or `make infra-test`).
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import unittest
import urllib.request
import zipfile
from pathlib import Path

import boto3
from cfnlint.decode import decode_str
from samtranslator.translator.transform import transform

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "infra" / "template.yaml"
IAM_ACTIONS = ROOT / "infra" / "iam-actions.txt"
EMF_METRICS = ROOT / "infra" / "tests" / "emf_metrics.json"
CLI = ROOT / "target" / "debug" / "lineage-agent"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
ARTIFACTS = "lineage-agent-artifacts"
ENVIRONMENTS = ("dev", "prod")

EXPECTED_ENV_VARS = {
    "ENVIRONMENT", "JOB_MAPPING_TABLE", "CONTEXT_TABLE", "LINEAGE_BUCKET", "LINEAGE_PREFIX",
    "BEDROCK_MODEL_ID", "BEDROCK_MAX_TOKENS", "BEDROCK_TEMPERATURE", "INFERENCE_POLICY", "MIN_CONFIDENCE_SCORE", "TIME_TOLERANCE_SECONDS",
    "ENABLE_PARAMETER_VALIDATION", "ENABLE_ENVIRONMENT_VALIDATION", "STORAGE_CHECKS", "MAX_RETRIES",
    "RETRY_DELAY_SECONDS", "ENABLE_FALLBACK", "METRICS_NAMESPACE", "ALERT_TOPIC_ARN", "LOG_LEVEL",
    "OPENLINEAGE_URL", "OPENLINEAGE_ENDPOINT", "OPENLINEAGE_API_KEY",
}
DATAZONE_DOMAIN = "dzd_prod01"
DATAZONE_VARS = {"OPENLINEAGE__TRANSPORT__TYPE": "amazon_datazone_api",
                 "OPENLINEAGE__TRANSPORT__DOMAIN_ID": DATAZONE_DOMAIN}
PER_ENV = {
    "dev": {"MIN_CONFIDENCE_SCORE": "0.5", "TIME_TOLERANCE_SECONDS": "600", "MAX_RETRIES": "5",
            "ENABLE_FALLBACK": "true", "LOG_LEVEL": "DEBUG"},
    "prod": {"MIN_CONFIDENCE_SCORE": "0.8", "TIME_TOLERANCE_SECONDS": "180", "MAX_RETRIES": "2",
             "ENABLE_FALLBACK": "false", "LOG_LEVEL": "WARNING"},
}


KMS_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
# What only the operator CLI calls (lineage queries, replay from job runs, backfill to the
# queue): in the operator policy, never in the Lambda's role.
OPERATOR_ONLY = {"dynamodb:Query", "dynamodb:Scan", "glue:GetJobRuns", "sqs:SendMessageBatch",
                 "logs:DescribeLogGroups"}
PROFILE_PREFIXES = ("us", "eu", "apac", "jp", "au", "us-gov", "global")


def model_resources(foundation_model: str) -> list[str]:
    """What the LineageModel statement must grant for a model: the foundation model in every
    region and its inference profile under every geography prefix."""
    return [f"arn:aws:bedrock:*::foundation-model/{foundation_model}"] + [
        f"arn:aws:bedrock:*:{ACCOUNT}:inference-profile/{p}.{foundation_model}"
        for p in PROFILE_PREFIXES]


class _NoManagedPolicies:
    """The template names no managed policies by name, so the translator never needs IAM."""

    def load(self):
        return {}


def load_template() -> dict:
    template, matches = decode_str(TEMPLATE.read_text())
    if matches:
        raise AssertionError(f"cannot parse {TEMPLATE}: {matches}")
    return json.loads(json.dumps(template, default=str))


def translate(template: dict) -> dict:
    """SAM -> CloudFormation; the function code comes from the artifacts bucket, as after
    `sam package`."""
    sam = copy.deepcopy(template)
    sam["Resources"]["LineageFunction"]["Properties"]["CodeUri"] = {
        "Bucket": ARTIFACTS, "Key": "bootstrap.zip"}
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    return transform(sam, {"AWS::Region": REGION}, _NoManagedPolicies())


def for_moto(cfn: dict) -> dict:
    """Two moto (5.2) gaps, and nothing else changed: an Archive's EventPattern must be a JSON
    string (CloudFormation takes the object), and AWS::Lambda::Alias is not modelled, so what
    refers to the `live` alias refers to the function (TemplateTest checks the alias wiring)."""
    alias = next(k for k, v in cfn["Resources"].items() if v["Type"] == "AWS::Lambda::Alias")
    function = cfn["Resources"][alias]["Properties"]["FunctionName"]["Ref"]
    arn = {"Fn::GetAtt": [function, "Arn"]}  # Ref of an alias is its ARN
    text = json.dumps(cfn).replace(json.dumps({"Ref": alias}), json.dumps(arn))
    out = json.loads(text)
    for res in out["Resources"].values():
        if res["Type"] == "AWS::Events::Archive" and isinstance(res["Properties"].get("EventPattern"), dict):
            res["Properties"]["EventPattern"] = json.dumps(res["Properties"]["EventPattern"])
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def statements(document: dict) -> list[dict]:
    st = document.get("Statement", [])
    return st if isinstance(st, list) else [st]


def actions_of(statement: dict) -> list[str]:
    a = statement.get("Action", [])
    return [a] if isinstance(a, str) else list(a)


def upload_code(s3) -> None:
    """The function's code where the translated template names it (a stand-in: moto runs no
    Lambda code)."""
    s3.create_bucket(Bucket=ARTIFACTS)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    s3.put_object(Bucket=ARTIFACTS, Key="bootstrap.zip", Body=buf.getvalue())


def stack_parameters(env: str) -> list[dict]:
    """The parameters each environment is deployed with in these tests."""
    return [
        {"ParameterKey": "Environment", "ParameterValue": env},
        {"ParameterKey": "AlertEmail", "ParameterValue": "ops@example.com"},
        {"ParameterKey": "ScriptBucketNames", "ParameterValue": "aws-glue-assets-x,scripts-y"},
        {"ParameterKey": "DataBucketNames", "ParameterValue": "data-z"},
        # both envs: moto (5.2) leaves AWS::NoValue as null inside a list, which its
        # IAM validator rejects; the unset case is checked on the template
        {"ParameterKey": "KmsKeyArns", "ParameterValue": KMS_KEY},
        {"ParameterKey": "CustomLogGroupPrefix", "ParameterValue": "/custom/glue"},
    ] + ([] if env == "dev" else [
        {"ParameterKey": "ReservedConcurrency", "ParameterValue": "3"},
        # prod posts to a DataZone domain too: its own policy and two variables
        {"ParameterKey": "DataZoneDomainId", "ParameterValue": DATAZONE_DOMAIN},
    ]) + [
        # prod: a bare foundation model id; the grant is the same as for its profile
        {"ParameterKey": "BedrockModelId", "ParameterValue":
            "anthropic.claude-sonnet-4-6" if env == "prod" else "eu.anthropic.claude-sonnet-4-6"},
    ]


def create_stack(cf, stack: str, cfn: dict, env: str, **overrides: str) -> None:
    """Creates the stack of `env` from the translated template; `overrides` replace parameters."""
    params = [p for p in stack_parameters(env) if p["ParameterKey"] not in overrides]
    params += [{"ParameterKey": k, "ParameterValue": v} for k, v in overrides.items()]
    cf.create_stack(
        StackName=stack,
        TemplateBody=json.dumps(cfn),
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"],
        Parameters=params)


class MotoServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        exe = Path(sys.executable).with_name("moto_server")
        self.log = open(ROOT / "target" / "infra" / "moto_server.log", "w")
        # the request recorder (test_deployed) writes its file under target/, not the cwd
        env = {**os.environ, "MOTO_RECORDER_FILEPATH": str(ROOT / "target" / "infra" / f"moto_recording_{self.port}")}
        self.proc = subprocess.Popen(
            [str(exe), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/", timeout=1)
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"moto_server did not start on {self.url}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class MotoTest(unittest.TestCase):
    """A test class with its own moto server (stopped with the class): `env` is what a
    subprocess needs to reach it as AWS, `client(name)` a boto3 client on it."""

    moto: MotoServer | None = None

    @classmethod
    def setUpClass(cls) -> None:
        cls.moto = MotoServer()
        cls.addClassCleanup(cls.moto.stop)
        cls.env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                   "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": cls.moto.url}
        cls.session = boto3.session.Session(region_name=REGION, aws_access_key_id="testing",
                                            aws_secret_access_key="testing")

    @classmethod
    def client(cls, service: str):
        assert cls.moto is not None
        return cls.session.client(service, endpoint_url=cls.moto.url)


class TemplateTest(unittest.TestCase):
    """Checks on the translated template (what moto cannot show)."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.sam = load_template()
        cls.cfn = translate(cls.sam)
        cls.resources = cls.cfn["Resources"]

    def of_type(self, kind: str) -> dict:
        return {k: v for k, v in self.resources.items() if v["Type"] == kind}

    def test_alarms_notify_the_topic(self) -> None:
        alarms = self.of_type("AWS::CloudWatch::Alarm")
        metrics = sorted(a["Properties"]["MetricName"] for a in alarms.values())
        self.assertEqual(metrics, sorted(["ErrorOccurrence", "ModelFailures", "Errors", "Throttles",
                                          "Duration", "FailedInvocations",
                                          "ApproximateAgeOfOldestMessage",
                                          "ApproximateNumberOfMessagesVisible",
                                          "ApproximateNumberOfMessagesVisible"]))
        duration = next(a for a in alarms.values() if a["Properties"]["MetricName"] == "Duration")
        timeout = self.resources["LineageFunction"]["Properties"]["Timeout"]
        self.assertEqual(duration["Properties"]["Threshold"], 0.8 * timeout * 1000)
        for name, alarm in alarms.items():
            self.assertEqual(alarm["Properties"]["AlarmActions"], [{"Ref": "AlertTopic"}], name)
        error = next(a for a in alarms.values() if a["Properties"]["MetricName"] == "ErrorOccurrence")
        self.assertEqual(error["Properties"]["Namespace"], "EnhancedLineageAgent")
        self.assertEqual(error["Properties"]["Dimensions"][0]["Name"], "Environment")
        dlq_alarm_queues = sorted(
            a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0] for a in alarms.values()
            if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible")
        self.assertEqual(dlq_alarm_queues, ["BackfillDeadLetterQueue", "EventDeadLetterQueue"])
        rule = next(a for a in alarms.values() if a["Properties"]["MetricName"] == "FailedInvocations")
        self.assertEqual(rule["Properties"]["Dimensions"][0]["Value"],
                         {"Fn::Sub": "enhanced-lineage-agent-glue-job-state-${Environment}"})
        rule_name = self.of_type("AWS::Events::Rule")
        self.assertEqual([r["Properties"]["Name"] for r in rule_name.values()],
                         [{"Fn::Sub": "enhanced-lineage-agent-glue-job-state-${Environment}"}])

    def test_every_agent_metric_read_is_emitted_with_that_dimension_set(self) -> None:
        """infra/tests/emf_metrics.json is written by the engine test
        `the_emf_metrics_printed_are_those_the_alarms_are_checked_against` from the EMF lines
        the pipeline really prints; every alarm and widget on the agent's namespace must read a
        (metric, dimension set) found there, or it reads a metric that never exists."""
        emitted = {(d["Namespace"], m, tuple(sorted(d["Dimensions"])))
                   for d in json.loads(EMF_METRICS.read_text()) for m in d["Metrics"]}
        read = []
        for name, alarm in self.of_type("AWS::CloudWatch::Alarm").items():
            p = alarm["Properties"]
            read.append((name, p["Namespace"], p["MetricName"],
                         tuple(sorted(d["Name"] for d in p.get("Dimensions", [])))))
        body, _ = self.resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
        widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
        for w in widgets:
            prev: list = []
            for row in w["properties"].get("metrics", []):
                row = [c for c in row if not isinstance(c, dict)]
                if row and row[0] == "...":
                    row = prev[: len(prev) - len(row) + 1] + row[1:]
                row = [prev[i] if c == "." else c for i, c in enumerate(row)]
                prev = row
                dims = tuple(sorted(row[2::2]))
                read.append((w["properties"]["title"], row[0], row[1], dims))
        agent = [r for r in read if r[1] == "EnhancedLineageAgent"]
        self.assertGreaterEqual(len(agent), 4, read)
        for where, ns, metric, dims in agent:
            self.assertIn((ns, metric, dims), emitted, f"{where} reads {metric} by {dims}")

    def test_event_sources_target_the_live_alias(self) -> None:
        rules = self.of_type("AWS::Events::Rule")
        self.assertEqual(len(rules), 1)
        rule = next(iter(rules.values()))["Properties"]
        self.assertEqual(rule["EventPattern"]["source"], ["aws.glue"])
        self.assertEqual(rule["EventPattern"]["detail-type"], ["Glue Job State Change"])
        self.assertEqual(sorted(rule["EventPattern"]["detail"]["state"]),
                         ["FAILED", "STOPPED", "SUCCEEDED", "TIMEOUT"])
        target = rule["Targets"][0]
        self.assertEqual(target["Arn"], {"Ref": "LineageFunctionAliaslive"})
        self.assertIn("RetryPolicy", target)
        self.assertEqual(target["DeadLetterConfig"]["Arn"],
                         {"Fn::GetAtt": ["EventDeadLetterQueue", "Arn"]})
        mappings = self.of_type("AWS::Lambda::EventSourceMapping")
        self.assertEqual(len(mappings), 1)
        esm = next(iter(mappings.values()))["Properties"]
        self.assertEqual(esm["FunctionName"], {"Ref": "LineageFunctionAliaslive"})
        self.assertEqual(esm["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        alias = self.resources["LineageFunctionAliaslive"]
        self.assertEqual(alias["Properties"]["Name"], "live")
        # no CodeDeploy: an AllAtOnce preference added a role and nothing else
        self.assertNotIn("CodeDeployLambdaAliasUpdate", alias.get("UpdatePolicy", {}))
        self.assertFalse([k for k, v in self.resources.items() if v["Type"].startswith("AWS::CodeDeploy")])

    def test_every_queue_is_tls_only(self) -> None:
        queues = set(self.of_type("AWS::SQS::Queue"))
        covered = set()
        for policy in self.of_type("AWS::SQS::QueuePolicy").values():
            props = policy["Properties"]
            denies = [st for st in statements(props["PolicyDocument"]) if st["Effect"] == "Deny"
                      and st["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
                      and st["Action"] == "sqs:*" and st["Principal"] == "*"]
            if denies:
                covered.update(q["Ref"] for q in props["Queues"])
        self.assertEqual(covered, queues)

    def test_optional_grants_are_absent_by_default(self) -> None:
        doc = self.resources["LineageFunctionPolicy"]["Properties"]["PolicyDocument"]
        kms = next(st for st in statements(doc) if "Fn::If" in st
                   and st["Fn::If"][1].get("Sid") == "DecryptScriptsAndData")
        self.assertEqual(kms["Fn::If"][0], "HasKmsKeys")
        self.assertEqual(kms["Fn::If"][2], {"Ref": "AWS::NoValue"})
        logs = next(st for st in statements(doc) if st.get("Sid") == "GlueRunLogs")
        self.assertEqual(logs["Resource"][1]["Fn::If"][0], "HasCustomLogGroupPrefix")
        self.assertEqual(logs["Resource"][1]["Fn::If"][2], {"Ref": "AWS::NoValue"})
        for name in ("KmsKeyArns", "CustomLogGroupPrefix", "ScriptBucketNames"):
            self.assertEqual(self.cfn["Parameters"][name]["Default"], "", name)

    def test_reserved_concurrency_is_unset_by_default(self) -> None:
        self.assertEqual(self.cfn["Parameters"]["ReservedConcurrency"]["Default"], "")
        rce = self.resources["LineageFunction"]["Properties"]["ReservedConcurrentExecutions"]
        self.assertEqual(rce, {"Fn::If": ["HasReservedConcurrency", {"Ref": "ReservedConcurrency"},
                                          {"Ref": "AWS::NoValue"}]})

    def test_stateful_resources_are_retained(self) -> None:
        for name in ("JobMappingsTable", "ExecutionContextsTable", "LineageBucket", "LineageKey"):
            self.assertEqual(self.resources[name].get("DeletionPolicy"), "Retain", name)
            self.assertEqual(self.resources[name].get("UpdateReplacePolicy"), "Retain", name)

    def test_what_moto_does_not_apply(self) -> None:
        """Properties moto accepts but does not model: checked on the translated template."""
        for name in ("JobMappingsTable", "ExecutionContextsTable"):
            props = self.resources[name]["Properties"]
            self.assertEqual(props["SSESpecification"],
                             {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": {"Ref": "LineageKey"}})
            self.assertEqual(props["PointInTimeRecoverySpecification"], {"PointInTimeRecoveryEnabled": True})
        # cached model answers expire (expires_at, written by the answer cache)
        self.assertEqual(self.resources["ExecutionContextsTable"]["Properties"]["TimeToLiveSpecification"],
                         {"AttributeName": "expires_at", "Enabled": True})
        self.assertNotIn("TimeToLiveSpecification", self.resources["JobMappingsTable"]["Properties"])
        bucket = self.resources["LineageBucket"]["Properties"]
        self.assertEqual(bucket["VersioningConfiguration"], {"Status": "Enabled"})
        self.assertTrue(all(bucket["PublicAccessBlockConfiguration"].values()))
        self.assertTrue(any("NoncurrentVersionExpiration" in r
                            for r in bucket["LifecycleConfiguration"]["Rules"]))
        function = self.resources["LineageFunction"]["Properties"]
        self.assertEqual(function["Architectures"], [{"Ref": "Architecture"}])
        self.assertEqual(self.cfn["Parameters"]["Architecture"]["Default"], "arm64")
        self.assertEqual(function["TracingConfig"], {"Mode": "Active"})
        self.assertEqual(function["LoggingConfig"], {"LogGroup": {"Ref": "LineageFunctionLogGroup"}})

    def test_tls_only_bucket_policy_and_subscription(self) -> None:
        policy = self.resources["LineageBucketPolicy"]["Properties"]["PolicyDocument"]
        deny = statements(policy)[0]
        self.assertEqual(deny["Effect"], "Deny")
        self.assertEqual(deny["Condition"], {"Bool": {"aws:SecureTransport": "false"}})
        sub = self.resources["AlertEmailSubscription"]["Properties"]
        self.assertEqual((sub["Protocol"], sub["Endpoint"]), ("email", {"Ref": "AlertEmail"}))

    def test_deploy_checks_the_built_architecture(self) -> None:
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            built = Path(d) / "ARCH"
            run = lambda arch: subprocess.run(  # noqa: E731
                ["make", "-s", "check-arch", f"ARCH={arch}", f"BUILT_ARCH={built}"],
                cwd=ROOT, capture_output=True, text=True)
            missing = run("arm64")
            self.assertEqual(missing.returncode, 2, missing.stdout + missing.stderr)
            self.assertIn("no build", missing.stdout)
            built.write_text("arm64\n")
            self.assertEqual(run("arm64").returncode, 0)
            wrong = run("x86_64")
            self.assertEqual(wrong.returncode, 2)
            self.assertIn("built for arm64, not ARCH=x86_64", wrong.stdout)

    def test_every_infra_tool_is_pinned(self) -> None:
        names = set()
        for req in sorted((ROOT / "infra").glob("requirements-*.txt")):
            for line in req.read_text().splitlines():
                line = line.split("#")[0].strip()
                if line:
                    self.assertRegex(line, r"^[A-Za-z0-9_.\[\]-]+==[0-9][^ ]*$", f"{req.name}: {line}")
                    names.add(line.split("==")[0].split("[")[0].lower())
        self.assertIn("ziglang", names)
        self.assertIn("cargo-lambda", names)

    def test_every_checkov_suppression_is_justified(self) -> None:
        for name, res in self.sam["Resources"].items():
            for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", []):
                self.assertGreater(len(skip.get("comment", "").split()), 8, f"{name}: {skip}")

    def test_iam_actions_file_is_sorted_and_matches_the_template(self) -> None:
        listed = IAM_ACTIONS.read_text().split()
        self.assertEqual(listed, sorted(set(listed)), "iam-actions.txt must be sorted, unique")
        granted = set()
        # the function role's policies: the main one, and the one a DataZone domain adds
        for name in ("LineageFunctionPolicy", "LineageFunctionDataZonePolicy"):
            doc = self.resources[name]["Properties"]["PolicyDocument"]
            for st in statements(doc):
                # conditional statements (script/data buckets) come as Fn::If [cond, stmt, NoValue]
                if "Fn::If" in st:
                    st = st["Fn::If"][1]
                granted.update(actions_of(st))
        self.assertEqual(sorted(granted), listed)

    def test_the_datazone_grant_exists_only_with_a_domain_and_names_it(self) -> None:
        policy = self.resources["LineageFunctionDataZonePolicy"]
        self.assertEqual(policy["Condition"], "HasDataZoneDomain")
        self.assertEqual(self.cfn["Parameters"]["DataZoneDomainId"]["Default"], "")
        (st,) = statements(policy["Properties"]["PolicyDocument"])
        self.assertEqual(actions_of(st), ["datazone:PostLineageEvent"])
        self.assertIn("domain/${DataZoneDomainId}", json.dumps(st["Resource"]))
        env = self.resources["LineageFunction"]["Properties"]["Environment"]["Variables"]
        self.assertEqual(env["OPENLINEAGE__TRANSPORT__DOMAIN_ID"]["Fn::If"][0], "HasDataZoneDomain")


class StackTest(unittest.TestCase):
    """The translated template, deployed into moto's CloudFormation for dev and prod."""

    moto: MotoServer | None = None

    @classmethod
    def setUpClass(cls) -> None:
        cls.cfn = for_moto(translate(load_template()))
        cls.moto = MotoServer()
        cls.addClassCleanup(cls.moto.stop)  # runs even when the setup below fails
        os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_DEFAULT_REGION": REGION})
        cls.session = boto3.session.Session(region_name=REGION)
        upload_code(cls.client("s3"))
        cls.outputs = {}
        cf = cls.client("cloudformation")
        for env in ENVIRONMENTS:
            stack = f"enhanced-lineage-agent-{env}"
            create_stack(cf, stack, cls.cfn, env)
            desc = cf.describe_stacks(StackName=stack)["Stacks"][0]
            if desc["StackStatus"] != "CREATE_COMPLETE":
                raise AssertionError(f"{stack}: {desc['StackStatus']} {desc.get('StackStatusReason')}")
            cls.outputs[env] = {o["OutputKey"]: o["OutputValue"] for o in desc.get("Outputs", [])}

    @classmethod
    def client(cls, service: str):
        assert cls.moto is not None
        return cls.session.client(service, endpoint_url=cls.moto.url)

    def test_tables(self) -> None:
        ddb = self.client("dynamodb")
        for env in ENVIRONMENTS:
            with self.subTest(env=env):
                t = ddb.describe_table(TableName=f"enhanced-lineage-agent-job-mappings-{env}")["Table"]
                self.assertEqual([(k["AttributeName"], k["KeyType"]) for k in t["KeySchema"]],
                                 [("job_name", "HASH"), ("mapping_key", "RANGE")])
                self.assertEqual(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
                gsi = t["GlobalSecondaryIndexes"][0]
                self.assertEqual(gsi["IndexName"], "dataset-index")
                self.assertEqual([(k["AttributeName"], k["KeyType"]) for k in gsi["KeySchema"]],
                                 [("dataset_key", "HASH"), ("job_name", "RANGE")])
                self.assertEqual(t.get("DeletionProtectionEnabled", False), env == "prod")
                c = ddb.describe_table(TableName=f"enhanced-lineage-agent-execution-contexts-{env}")["Table"]
                self.assertEqual([(k["AttributeName"], k["KeyType"]) for k in c["KeySchema"]],
                                 [("job_run_id", "HASH")])

    def test_lineage_bucket(self) -> None:
        s3 = self.client("s3")
        for env in ENVIRONMENTS:
            with self.subTest(env=env):
                bucket = f"enhanced-lineage-agent-lineage-data-{env}-{ACCOUNT}"
                self.assertEqual(self.outputs[env]["LineageBucketName"], bucket)
                rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
                self.assertEqual(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "aws:kms")

    def test_queues_and_redrive(self) -> None:
        sqs = self.client("sqs")
        for env in ENVIRONMENTS:
            with self.subTest(env=env):
                urls = {n: sqs.get_queue_url(QueueName=f"enhanced-lineage-agent-{n}-{env}")["QueueUrl"]
                        for n in ("backfill", "backfill-dlq", "events-dlq")}
                # moto reports the stack output with the AWS host, the client with its own
                self.assertEqual(self.outputs[env]["BackfillQueueUrl"].rsplit("/", 2)[1:],
                                 urls["backfill"].rsplit("/", 2)[1:])
                attrs = sqs.get_queue_attributes(QueueUrl=urls["backfill"], AttributeNames=["All"])["Attributes"]
                redrive = json.loads(attrs["RedrivePolicy"])
                self.assertTrue(redrive["deadLetterTargetArn"].endswith(f"enhanced-lineage-agent-backfill-dlq-{env}"))
                self.assertEqual(int(redrive["maxReceiveCount"]), 3)
                self.assertEqual(attrs["VisibilityTimeout"], "1800")
                for url in urls.values():
                    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                    self.assertEqual(a.get("SqsManagedSseEnabled"), "true", url)

    def test_topic_rule_and_archive(self) -> None:
        sns = self.client("sns")
        events = self.client("events")
        topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
        for env in ENVIRONMENTS:
            with self.subTest(env=env):
                arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:enhanced-lineage-agent-alerts-{env}"
                self.assertIn(arn, topics)
                self.assertTrue(sns.get_topic_attributes(TopicArn=arn)["Attributes"].get("KmsMasterKeyId"))
                rule = events.describe_rule(Name=f"enhanced-lineage-agent-glue-job-state-{env}")
                pattern = json.loads(rule["EventPattern"])
                self.assertEqual(pattern["source"], ["aws.glue"])
                self.assertEqual(rule["State"], "ENABLED")
                archive = events.describe_archive(ArchiveName=f"enhanced-lineage-agent-glue-events-{env}")
                self.assertEqual(json.loads(archive["EventPattern"]), pattern)
                self.assertEqual(archive["RetentionDays"], 30 if env == "dev" else 365)

    def test_function_configuration(self) -> None:
        lam = self.client("lambda")
        for env in ENVIRONMENTS:
            with self.subTest(env=env):
                name = f"enhanced-lineage-agent-context-aware-agent-{env}"
                f = lam.get_function(FunctionName=name)
                conf = f["Configuration"]
                self.assertEqual((conf["Runtime"], conf["Handler"]), ("provided.al2023", "bootstrap"))
                self.assertEqual((conf["MemorySize"], conf["Timeout"]), (128, 300))
                variables = conf["Environment"]["Variables"]
                with_datazone = set(DATAZONE_VARS) if env == "prod" else set()
                self.assertEqual(set(variables), EXPECTED_ENV_VARS | with_datazone)
                for key in with_datazone:
                    self.assertEqual(variables[key], DATAZONE_VARS[key], key)
                for key, value in PER_ENV[env].items():
                    self.assertEqual(variables[key], value, key)
                self.assertEqual(variables["ENVIRONMENT"], env)
                self.assertEqual(variables["JOB_MAPPING_TABLE"], f"enhanced-lineage-agent-job-mappings-{env}")
                self.assertEqual(variables["CONTEXT_TABLE"], f"enhanced-lineage-agent-execution-contexts-{env}")
                self.assertEqual(variables["LINEAGE_BUCKET"], f"enhanced-lineage-agent-lineage-data-{env}-{ACCOUNT}")
                self.assertEqual(variables["METRICS_NAMESPACE"], "EnhancedLineageAgent")
                self.assertEqual(variables["ALERT_TOPIC_ARN"],
                                 f"arn:aws:sns:{REGION}:{ACCOUNT}:enhanced-lineage-agent-alerts-{env}")
                self.assertEqual(f.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
                                 None if env == "dev" else 3)

    def test_role_policy_is_least_privilege(self) -> None:
        iam = self.client("iam")
        listed = IAM_ACTIONS.read_text().split()
        for env in ENVIRONMENTS:
            with self.subTest(env=env):
                role = f"enhanced-lineage-agent-{env}-{REGION}"
                names = sorted(iam.list_role_policies(RoleName=role)["PolicyNames"])
                datazone = f"enhanced-lineage-agent-datazone-{env}"
                self.assertEqual(names, sorted([f"enhanced-lineage-agent-{env}"]
                                               + ([datazone] if env == "prod" else [])))
                docs = []
                for name in names:
                    d = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
                    docs.append(json.loads(d) if isinstance(d, str) else d)
                doc = next(d for n, d in zip(names, docs) if n != datazone)
                granted = set()
                if env == "prod":
                    (dz,) = statements(next(d for n, d in zip(names, docs) if n == datazone))
                    self.assertEqual(actions_of(dz), ["datazone:PostLineageEvent"])
                    self.assertEqual(dz["Resource"],
                                     f"arn:aws:datazone:{REGION}:{ACCOUNT}:domain/{DATAZONE_DOMAIN}")
                    granted.add("datazone:PostLineageEvent")
                expected = set(listed) - (set() if env == "prod" else {"datazone:PostLineageEvent"})
                for st in statements(doc):
                    for action in actions_of(st):
                        self.assertNotIn("*", action, f"wildcard action {action} in {st.get('Sid')}")
                        granted.add(action)
                    resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
                    if st["Sid"] != "Tracing":  # X-Ray has no resource-level permissions
                        self.assertNotIn("*", resources, st["Sid"])
                    if st["Sid"] == "LineageTables":
                        # Query (the dataset index) is the operator's, not the Lambda's
                        self.assertEqual(len(resources), 2, resources)
                    if st["Sid"] == "ReadGlueScripts":
                        self.assertEqual(resources, [f"arn:aws:s3:::aws-glue-assets-{ACCOUNT}-{REGION}/*",
                                                     "arn:aws:s3:::aws-glue-assets-x/*", "arn:aws:s3:::scripts-y/*"])
                    if st["Sid"] == "GlueRunLogs":
                        self.assertEqual(resources, [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws-glue/*"] + (
                            [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/custom/glue*"]))
                    if st["Sid"] == "LineageModel":
                        self.assertEqual(resources, model_resources("anthropic.claude-sonnet-4-6"))
                sids = [st["Sid"] for st in statements(doc)]
                self.assertIn("DecryptScriptsAndData", sids)
                kms = next(st for st in statements(doc) if st["Sid"] == "DecryptScriptsAndData")
                self.assertEqual(kms["Resource"] if isinstance(kms["Resource"], list) else [kms["Resource"]],
                                 [KMS_KEY])
                self.assertEqual(kms["Condition"]["StringEquals"]["kms:ViaService"], f"s3.{REGION}.amazonaws.com")
                self.assertEqual(granted, expected)
                self.assertFalse(granted & OPERATOR_ONLY, "operator-only actions granted to the Lambda")

    def test_operator_policy_holds_what_only_the_cli_calls(self) -> None:
        iam = self.client("iam")
        for env in ENVIRONMENTS:
            with self.subTest(env=env):
                arn = self.outputs[env]["OperatorPolicyArn"]
                pol = iam.get_policy(PolicyArn=arn)["Policy"]
                doc = iam.get_policy_version(PolicyArn=arn, VersionId=pol["DefaultVersionId"])[
                    "PolicyVersion"]["Document"]
                if isinstance(doc, str):
                    doc = json.loads(doc)
                granted = {a for st in statements(doc) for a in actions_of(st)}
                self.assertTrue(OPERATOR_ONLY <= granted, OPERATOR_ONLY - granted)
                for st in statements(doc):
                    resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
                    self.assertNotIn("*", resources, st["Sid"])

    def test_health_command_against_the_stack(self) -> None:
        if not CLI.exists():
            print(f"\nSKIPPED health check: {CLI.relative_to(ROOT)} is not built", file=sys.stderr)
            self.skipTest("lineage-agent is not built")
        probe = subprocess.run([str(CLI), "health", "--help"], capture_output=True, text=True)
        if probe.returncode != 0:
            print("\nSKIPPED health check: lineage-agent has no `health` command", file=sys.stderr)
            self.skipTest("lineage-agent has no health command")
        assert self.moto is not None
        env = dict(os.environ, AWS_ENDPOINT_URL=self.moto.url, AWS_REGION=REGION,
                   ENVIRONMENT="dev",
                   # moto has no Bedrock Runtime: the model probe is skipped (reported healthy)
                   INFERENCE_POLICY="never",
                   JOB_MAPPING_TABLE="enhanced-lineage-agent-job-mappings-dev",
                   CONTEXT_TABLE="enhanced-lineage-agent-execution-contexts-dev",
                   LINEAGE_BUCKET=f"enhanced-lineage-agent-lineage-data-dev-{ACCOUNT}")
        json_flag = "--json" in probe.stdout
        out = subprocess.run([str(CLI), "health"] + (["--json"] if json_flag else []),
                             capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        if json_flag:
            report = json.loads(out.stdout)
            self.assertEqual(report["status"], "healthy", out.stdout)
            kinds = [d["kind"] for d in report["dependencies"]]
            self.assertEqual(kinds, ["dynamodb_table", "dynamodb_table", "s3_bucket",
                                     "bedrock_model"], out.stdout)
        else:
            self.assertIn("healthy", out.stdout.lower())


if __name__ == "__main__":
    unittest.main()
