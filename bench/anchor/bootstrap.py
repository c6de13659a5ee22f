"""The Python anchor of the cold-start benchmark: what a Python version of the agent does at
init — import boto3 and build the five clients the agent uses (glue, s3, dynamodb,
bedrock-runtime, logs) — then a minimal Lambda runtime loop (urllib GET of the next
invocation). The benchmark measures the time from spawn to that first GET.
"""
import json
import os
import urllib.request

import boto3

REGION = os.environ.get("AWS_REGION", "us-east-1")
SETTINGS = {
    "environment": os.environ.get("ENVIRONMENT", "dev"),
    "job_mapping_table": os.environ.get("JOB_MAPPING_TABLE", "job-mappings"),
    "context_table": os.environ.get("CONTEXT_TABLE", "execution-contexts"),
    "lineage_bucket": os.environ["LINEAGE_BUCKET"],
    "model_id": os.environ.get("BEDROCK_MODEL_ID", ""),
}
session = boto3.session.Session(region_name=REGION)
CLIENTS = {
    name: session.client(name)
    for name in ("glue", "s3", "dynamodb", "bedrock-runtime", "logs")
}

API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation"


def handler(event):
    return {"status": "ok", "environment": SETTINGS["environment"], "event": event}


while True:
    with urllib.request.urlopen(API + "/next") as response:
        request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(response.read() or b"{}")
    body = json.dumps(handler(event)).encode()
    urllib.request.urlopen(urllib.request.Request(API + "/" + request_id + "/response", data=body, method="POST")).read()
