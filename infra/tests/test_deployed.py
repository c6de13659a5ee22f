"""The deployed function end to end on moto, with its role's policies evaluated against every
request it makes.

The built `bootstrap` is packaged (a zip, as `make package` makes it) and uploaded where the
translated template's CodeUri names it, and the template is deployed into moto's CloudFormation
(dev). moto runs no Lambda code without Docker (nor the `live` alias), so the function is run as
the Lambda service would run it: the packaged binary with the deployed function's environment
variables and credentials of its role, under a Runtime API emulator (below), against moto. It answers the health check, then processes one seeded Glue run (a catalog read, a
config object from a data bucket, an S3 write, run logs). moto's request recorder keeps every
request the binary makes; each is mapped to its IAM action and resource ARN and evaluated against
the role's deployed policies with an IAM policy simulator (@cloud-copilot/iam-simulate, pinned in
infra/iam-simulate/). So a missing grant fails (a request denied), and so does an over-broad one:
every statement of the function's policy must be needed by some request, but those the Lambda
service itself uses for the function (named below, with why).

moto has no Bedrock Runtime: the run is static-only (INFERENCE_POLICY=never), and the model grant
is checked on the template (test_stack).
"""

from __future__ import annotations

import ast
import base64
import http.server
import io
import json
import os
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path


from test_stack import (ACCOUNT, ARTIFACTS, REGION, MotoTest, create_stack, for_moto, load_template,
                        translate)

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "target" / "debug" / "bootstrap"
SIMULATOR = ROOT / "target" / "infra" / "iam-simulate"
ENV = "dev"
STACK = f"enhanced-lineage-agent-{ENV}"
JOB = "orders-nightly"
SCRIPT_BUCKET = "aws-glue-assets-x"  # listed in ScriptBucketNames (test_stack.stack_parameters)
DATA_BUCKET = "data-z"  # listed in DataBucketNames

SCRIPT = """
import sys, json, boto3
from awsglue.utils import getResolvedOptions
from awsglue.context import GlueContext
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glue = GlueContext(SparkContext())
config = json.loads(boto3.client("s3").get_object(Bucket="data-z", Key="config/orders.json")["Body"].read())
orders = glue.create_dynamic_frame.from_catalog(database="sales", table_name="orders")
glue.write_dynamic_frame.from_options(frame=orders, connection_type="s3",
    connection_options={"path": "s3://data-z/curated/" + config["target"] + "/"}, format="parquet")
"""

# Statements the Lambda service uses for the function, not the function's code.
SERVICE_USED = {
    "BackfillQueue": "the SQS event source mapping polls and deletes with the role",
    "FailedEventsToDeadLetterQueue": "the Lambda service sends failed async events to the queue",
    "OwnLogs": "the Lambda service writes the function's stdout to its log group",
    "Tracing": "the Lambda service sends X-Ray segments",
    "DecryptScriptsAndData": "S3 decrypts with the key for the request (kms:ViaService), no call of ours",
    "LineageModel": "moto has no Bedrock Runtime; checked on the template (test_stack)",
}


class RuntimeApi:
    """The Lambda Runtime API, as the service offers it to a custom runtime: each `next` hands
    out the next event, each `response` or `error` is kept."""

    def __init__(self, events: list[dict]) -> None:
        self.events = list(events)
        self.answers: list[tuple[str, dict]] = []
        self.done = threading.Event()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                if not self.path.endswith("/invocation/next"):
                    self.send_error(404)
                    return
                if not api.events:
                    api.done.set()
                    time.sleep(30)  # the function waits here until it is stopped
                    return
                event = api.events.pop(0)
                body = json.dumps(event).encode()
                self.send_response(200)
                self.send_header("Lambda-Runtime-Aws-Request-Id", f"req-{len(api.answers)}")
                self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 300_000))
                self.send_header("Lambda-Runtime-Invoked-Function-Arn",
                                 f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{STACK}:live")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length) if length else b"{}"
                kind = "response" if self.path.endswith("/response") else "error"
                api.answers.append((kind, json.loads(body or b"{}")))
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def headers_of(entry: dict) -> dict[str, str]:
    headers = entry["headers"]
    if isinstance(headers, str):  # the recorder keeps the headers as a dict's text
        headers = ast.literal_eval(headers)
    return {k.lower(): v for k, v in headers.items()}


def signed_by(entry: dict, access_key: str) -> bool:
    """Whether a recorded request was signed with `access_key` (SigV4 `Credential=KEY/...`)."""
    return f"Credential={access_key}/" in headers_of(entry).get("authorization", "")


def iam_request(entry: dict) -> list[tuple[str, str]]:
    """The IAM (action, resource ARN) pairs a recorded request needs."""
    headers = headers_of(entry)
    body = base64.b64decode(entry["body"]) if entry.get("body_encoded") in (True, "True") else (entry["body"] or "").encode()
    url = urllib.parse.urlparse(entry["url"])
    target = headers.get("x-amz-target", "")
    arn = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:{{}}"
    if target:
        service, op = target.split(".", 1)
        doc = json.loads(body or b"{}")
        if service == "AWSGlue":
            if op in ("GetJob", "GetJobRun"):
                return [(f"glue:{op}", arn.format("glue", f"job/{doc['JobName']}"))]
            if op == "GetConnection":
                return [(f"glue:{op}", arn.format("glue", r)) for r in ("catalog", f"connection/{doc['Name']}")]
            if op in ("GetTable", "GetPartitions"):
                table = doc.get("Name") or doc.get("TableName")
                return [(f"glue:{op}", arn.format("glue", r)) for r in
                        ("catalog", f"database/{doc['DatabaseName']}", f"table/{doc['DatabaseName']}/{table}")]
        if service.startswith("DynamoDB"):
            return [(f"dynamodb:{op}", arn.format("dynamodb", f"table/{doc['TableName']}"))]
        if service.startswith("Logs"):
            return [(f"logs:{op}", arn.format("logs", f"log-group:{doc['logGroupName']}"))]
        if service.startswith("AmazonSQS"):
            return [(f"sqs:{op}", doc.get("QueueUrl", "*"))]
        raise AssertionError(f"a request this test cannot map: {target}")
    # S3, REST: path style (/bucket/key)
    parts = url.path.lstrip("/").split("/", 1)
    bucket, key = parts[0], urllib.parse.unquote(parts[1]) if len(parts) > 1 else ""
    query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
    method = entry["method"]
    if not key:
        if method in ("HEAD", "GET") and ("list-type" in query or method == "HEAD" or not query):
            return [("s3:ListBucket", f"arn:aws:s3:::{bucket}")]
        raise AssertionError(f"a bucket request this test cannot map: {method} {entry['url']}")
    action = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject"}.get(method)
    if action is None:
        raise AssertionError(f"an object request this test cannot map: {method} {entry['url']}")
    return [(action, f"arn:aws:s3:::{bucket}/{key}")]


def simulate(policies: list[dict], requests: list[tuple[str, str]]) -> list[str]:
    """The simulator's decision per request."""
    payload = {"principal": f"arn:aws:iam::{ACCOUNT}:role/function", "account": ACCOUNT,
               "policies": policies, "requests": [{"action": a, "resource": r} for a, r in requests]}
    out = subprocess.run(["node", str(SIMULATOR / "simulate.mjs")], input=json.dumps(payload),
                         capture_output=True, text=True, timeout=120, cwd=SIMULATOR)
    if out.returncode != 0:
        raise AssertionError(f"simulator: {out.stderr}")
    return json.loads(out.stdout)


class DeployedFunctionTest(MotoTest):
    @classmethod
    def setUpClass(cls) -> None:
        for need, hint in ((BOOTSTRAP, "cargo build --workspace"),
                           (SIMULATOR / "simulate.mjs", "make infra-test installs it")):
            if not need.exists():
                raise AssertionError(f"{need.relative_to(ROOT)} is missing: {hint}")
        super().setUpClass()
        # packaged as `make package` does (a zip with `bootstrap` at its root; here the debug
        # x86_64 build), uploaded where the translated template's CodeUri names it
        s3 = cls.client("s3")
        s3.create_bucket(Bucket=ARTIFACTS)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            info = zipfile.ZipInfo("bootstrap")
            info.external_attr = 0o755 << 16
            z.writestr(info, BOOTSTRAP.read_bytes())
        s3.put_object(Bucket=ARTIFACTS, Key="bootstrap.zip", Body=buf.getvalue())
        cf = cls.client("cloudformation")
        # moto names every job run's log group `test/log` (as a job with
        # --continuous-log-logGroup would): the custom log-group prefix grants it
        create_stack(cf, STACK, for_moto(translate(load_template())), ENV, CustomLogGroupPrefix="test/log")
        stack = cf.describe_stacks(StackName=STACK)["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE", stack
        cls.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
        cls.work = tempfile.TemporaryDirectory()
        cls.addClassCleanup(cls.work.cleanup)

    def deployed_binary(self) -> Path:
        """The `bootstrap` of the package the deployed function's code came from."""
        code = self.client("lambda").get_function(FunctionName=self.outputs["FunctionName"])
        self.assertEqual(code["Configuration"]["Runtime"], "provided.al2023")
        self.assertEqual(code["Configuration"]["Handler"], "bootstrap")
        body = self.client("s3").get_object(Bucket=ARTIFACTS, Key="bootstrap.zip")["Body"].read()
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            z.extract("bootstrap", self.work.name)
        path = Path(self.work.name) / "bootstrap"
        path.chmod(0o755)
        return path

    def seed_run(self) -> str:
        s3, glue, logs = self.client("s3"), self.client("glue"), self.client("logs")
        for bucket in (SCRIPT_BUCKET, DATA_BUCKET):
            s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=SCRIPT_BUCKET, Key="scripts/orders.py", Body=SCRIPT.encode())
        s3.put_object(Bucket=DATA_BUCKET, Key="config/orders.json", Body=b'{"target": "orders"}')
        s3.put_object(Bucket=DATA_BUCKET, Key="curated/orders/part-0.parquet", Body=b"PAR1")
        glue.create_database(DatabaseInput={"Name": "sales"})
        glue.create_table(DatabaseName="sales", TableInput={
            "Name": "orders", "StorageDescriptor": {"Location": "s3://data-z/raw/orders/",
                                                    "Columns": [{"Name": "id", "Type": "string"}]}})
        glue.create_job(Name=JOB, Role=f"arn:aws:iam::{ACCOUNT}:role/glue", GlueVersion="4.0",
                        Command={"Name": "glueetl", "ScriptLocation": f"s3://{SCRIPT_BUCKET}/scripts/orders.py",
                                 "PythonVersion": "3"})
        run_id = glue.start_job_run(JobName=JOB)["JobRunId"]
        for group in ("/aws-glue/jobs/output", "/aws-glue/jobs/error"):
            logs.create_log_group(logGroupName=group)
            logs.create_log_stream(logGroupName=group, logStreamName=run_id)
        logs.put_log_events(logGroupName="/aws-glue/jobs/output", logStreamName=run_id,
                            logEvents=[{"timestamp": int(time.time() * 1000), "message": "job started"}])
        return run_id

    def event(self, run_id: str) -> dict:
        return {"version": "0", "id": "e2e-1", "detail-type": "Glue Job State Change", "source": "aws.glue",
                "account": ACCOUNT, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "region": REGION,
                "resources": [], "detail": {"jobName": JOB, "severity": "INFO", "state": "SUCCEEDED",
                                            "jobRunId": run_id, "message": "Job Run Succeeded"}}

    def function_credentials(self) -> tuple[dict, dict]:
        """The deployed configuration, and credentials of its role (as Lambda gives them)."""
        lam, sts = self.client("lambda"), self.client("sts")
        config = lam.get_function_configuration(FunctionName=self.outputs["FunctionName"])
        creds = sts.assume_role(RoleArn=config["Role"], RoleSessionName="e2e")["Credentials"]
        return config, creds

    def run_function(self, config: dict, creds: dict, events: list[dict]) -> list[tuple[str, dict]]:
        """The bootstrap with the deployed configuration, until it has answered every event."""
        api = RuntimeApi(events)
        # moto keeps the template's numbers as numbers; Lambda gives every variable as a string
        env = {**{k: str(v) for k, v in config["Environment"]["Variables"].items()},
               "INFERENCE_POLICY": "never",  # moto has no Bedrock Runtime
               "AWS_ENDPOINT_URL": self.moto.url, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
               "AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
               "AWS_SESSION_TOKEN": creds["SessionToken"], "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_LAMBDA_RUNTIME_API": api.address, "AWS_LAMBDA_FUNCTION_NAME": config["FunctionName"],
               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.get("MemorySize", 512)),
               "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/e2e",
               "AWS_LAMBDA_LOG_STREAM_NAME": "e2e", "PATH": os.environ.get("PATH", "")}
        # its log (dev logs at DEBUG) goes to a file: a pipe nobody reads would block it
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen([str(self.deployed_binary())], env=env, stdout=log,
                                    stderr=subprocess.STDOUT)
            answered = api.done.wait(timeout=120)
            proc.kill()
            proc.wait()
            api.stop()
            log.seek(0)
            output = log.read().decode(errors="replace")
        self.assertTrue(answered, f"the function did not answer every event in 120 s: {output[-3000:]}")
        self.assertEqual(len(api.answers), len(events), output[-3000:])
        return api.answers

    def record(self, action: str) -> list[dict]:
        url = f"{self.moto.url}/moto-api/recorder/{action}"
        method = "GET" if action == "download-recording" else "POST"
        with urllib.request.urlopen(urllib.request.Request(url, method=method)) as r:
            text = r.read().decode()
        return [json.loads(line) for line in text.splitlines() if line.strip()] if method == "GET" else []

    def role_policies(self) -> list[dict]:
        """The role's identity policies (inline and attached), as the simulator takes them."""
        iam, lam = self.client("iam"), self.client("lambda")
        role = lam.get_function_configuration(FunctionName=self.outputs["FunctionName"])["Role"].rsplit("/", 1)[1]
        policies = []
        for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            policies.append({"name": name, "policy": iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]})
        for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]:
            version = iam.get_policy(PolicyArn=p["PolicyArn"])["Policy"]["DefaultVersionId"]
            doc = iam.get_policy_version(PolicyArn=p["PolicyArn"], VersionId=version)["PolicyVersion"]["Document"]
            policies.append({"name": p["PolicyName"], "policy": doc})
        for p in policies:
            if isinstance(p["policy"], str):
                p["policy"] = json.loads(urllib.parse.unquote(p["policy"]))
        return policies

    def test_the_deployed_function_answers_and_holds_exactly_the_grants_it_uses(self) -> None:
        run_id = self.seed_run()
        config, creds = self.function_credentials()
        self.record("reset-recording")
        self.record("start-recording")
        answers = self.run_function(config, creds, [{"action": "health_check"}, self.event(run_id)])
        self.record("stop-recording")
        recorded = [e for e in self.record("download-recording") if signed_by(e, creds["AccessKeyId"])]

        # the health check through the deployed configuration, then the run, recorded
        (kind, health), (kind2, processed) = answers
        self.assertEqual(kind, "response", health)
        self.assertEqual(health.get("status"), "healthy", health)
        self.assertEqual(kind2, "response", processed)
        ddb = self.client("dynamodb")
        context = ddb.scan(TableName=self.outputs["ContextTableName"])["Items"]
        self.assertTrue(any(i.get("job_run_id", {}).get("S") == run_id for i in context), context)
        keys = [o["Key"] for o in self.client("s3").list_objects_v2(
            Bucket=self.outputs["LineageBucketName"], Prefix="lineage/").get("Contents", [])]
        self.assertTrue(any(run_id in k for k in keys), keys)

        # every request the function made, evaluated against the role's deployed policies
        requests = sorted({pair for entry in recorded for pair in iam_request(entry)})
        self.assertGreater(len(requests), 5, requests)
        policies = self.role_policies()
        decisions = simulate(policies, requests)
        denied = [r for r, d in zip(requests, decisions) if d != "Allowed"]
        self.assertEqual(denied, [], "requests the role does not allow")

        # and every statement is needed: without it, some request is denied
        for p in policies:
            for i, st in enumerate(p["policy"]["Statement"]):
                sid = st.get("Sid", f"{p['name']}#{i}")
                if sid in SERVICE_USED or st.get("Effect") != "Allow":
                    continue
                with self.subTest(statement=sid):
                    without = [dict(q, policy=dict(q["policy"], Statement=[s for j, s in enumerate(q["policy"]["Statement"])
                                                                          if not (q is p and j == i)]))
                               for q in policies]
                    after = simulate(without, requests)
                    self.assertTrue(any(d != "Allowed" for d in after),
                                    f"{sid} grants nothing the function uses: remove it, or say who uses it")


if __name__ == "__main__":
    unittest.main()
