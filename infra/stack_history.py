"""Deployments recorded, and rollback through the stack (`make deploy` records, `make rollback`).

After each successful deploy, `record` stores what the stack now runs: its template as deployed
(the packaged SAM template, whose CodeUri names the uploaded code) and its parameters, under
`deployments/{env}/{UTC time}/` in the stack's own lineage bucket. `rollback` updates the stack
with the deployment before the current one (or a given one) through CloudFormation, so the
stack, the function's code, the `live` alias and every other resource agree again, and the next
deploy is an ordinary update. `list` shows the records, the current one marked.

Only botocore is needed (the pinned AWS CLI v1 brings it); credentials, region and endpoint come
from the usual AWS settings.

    python infra/stack_history.py record   --stack NAME --env ENV
    python infra/stack_history.py list     --stack NAME --env ENV
    python infra/stack_history.py rollback --stack NAME --env ENV [--to 20261203T071500.123456Z]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

import botocore.exceptions
import botocore.session

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
# UpdateStack takes a template this large inline; a larger one goes by its S3 URL.
TEMPLATE_BODY_LIMIT = 51_200


class Failure(Exception):
    """What the operator reads: one line, with the fix."""


def describe_stack(cfn, name: str) -> dict | None:
    """The stack's description, or None when there is no such stack."""
    try:
        return cfn.describe_stacks(StackName=name)["Stacks"][0]
    except botocore.exceptions.ClientError as err:
        if "does not exist" in str(err):
            return None
        raise


class History:
    def __init__(self, stack: str, env: str) -> None:
        session = botocore.session.get_session()
        self.cfn = session.create_client("cloudformation")
        self.s3 = session.create_client("s3")
        self.stack = stack
        self.prefix = f"deployments/{env}/"
        self.bucket = self.output("LineageBucketName")

    def describe(self) -> dict:
        stack = describe_stack(self.cfn, self.stack)
        if stack is None:
            raise Failure(f"no stack {self.stack}: deploy it first (make deploy ENV=...)")
        return stack

    def output(self, key: str) -> str:
        for o in self.describe().get("Outputs", []):
            if o["OutputKey"] == key:
                return o["OutputValue"]
        raise Failure(f"stack {self.stack} has no output {key}: was it deployed from infra/template.yaml?")

    def current_template(self) -> str:
        body = self.cfn.get_template(StackName=self.stack, TemplateStage="Original")["TemplateBody"]
        return body if isinstance(body, str) else json.dumps(body)

    def records(self) -> list[str]:
        """Record names (UTC times), oldest first."""
        names: set[str] = set()
        kwargs = {"Bucket": self.bucket, "Prefix": self.prefix}
        while True:
            page = self.s3.list_objects_v2(**kwargs)
            for o in page.get("Contents", []):
                rest = o["Key"][len(self.prefix):]
                if rest.endswith("/template"):
                    names.add(rest.split("/", 1)[0])
            if not page.get("IsTruncated"):
                return sorted(names)
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def read(self, name: str, part: str) -> str:
        obj = self.s3.get_object(Bucket=self.bucket, Key=f"{self.prefix}{name}/{part}")
        return obj["Body"].read().decode()

    def snapshot(self) -> tuple[str, str]:
        """What the stack runs now: its parameters (as `update_stack` takes them) and template."""
        stack = self.describe()
        params = []
        for p in stack.get("Parameters", []):
            # NoEcho parameters come back masked: a rollback keeps their current values
            if p.get("ParameterValue") == "****" or "ParameterValue" not in p:
                params.append({"ParameterKey": p["ParameterKey"], "UsePreviousValue": True})
            else:
                params.append({"ParameterKey": p["ParameterKey"], "ParameterValue": p["ParameterValue"]})
        params.sort(key=lambda p: p["ParameterKey"])
        return json.dumps(params, indent=1), self.current_template()

    def record(self) -> str:
        status = self.describe()["StackStatus"]
        if status not in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            raise Failure(f"stack {self.stack} is {status}: only a completed deploy is recorded")
        params, template = self.snapshot()
        name = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        key = f"{self.prefix}{name}/"
        self.s3.put_object(Bucket=self.bucket, Key=key + "parameters", Body=params.encode())
        self.s3.put_object(Bucket=self.bucket, Key=key + "template", Body=template.encode())
        return name

    def same(self, name: str, snapshot: tuple[str, str]) -> bool:
        return (self.read(name, "parameters"), self.read(name, "template")) == snapshot

    def current_index(self, names: list[str]) -> int:
        now = self.snapshot()
        for i in range(len(names) - 1, -1, -1):
            if self.same(names[i], now):
                return i
        raise Failure(f"what stack {self.stack} runs is not among its recorded deployments "
                      "(deployed without make deploy?): name one with --to (make rollback-list)")

    def rollback(self, to: str | None) -> str:
        names = self.records()
        if not names:
            raise Failure(f"no deployment of {self.stack} is recorded under s3://{self.bucket}/{self.prefix}")
        if to is None:
            cur = self.current_index(names)
            now = self.snapshot()
            before = [n for n in names[:cur] if not self.same(n, now)]
            if not before:
                raise Failure(f"no recorded deployment of {self.stack} before {names[cur]}")
            to = before[-1]
        elif to not in names:
            raise Failure(f"no recorded deployment {to}; recorded: {', '.join(names)}")
        template = self.read(to, "template")
        params = json.loads(self.read(to, "parameters"))
        if len(template.encode()) <= TEMPLATE_BODY_LIMIT:
            source = {"TemplateBody": template}
        else:
            # CloudFormation reads it with the caller's credentials
            region = self.s3.meta.region_name
            source = {"TemplateURL": f"https://{self.bucket}.s3.{region}.amazonaws.com/{self.prefix}{to}/template"}
        try:
            self.cfn.update_stack(StackName=self.stack, Parameters=params,
                                  Capabilities=CAPABILITIES, **source)
        except botocore.exceptions.ClientError as err:
            if "No updates are to be performed" in str(err):
                return to
            raise
        self.cfn.get_waiter("stack_update_complete").wait(
            StackName=self.stack, WaiterConfig={"Delay": 5, "MaxAttempts": 360})
        return to


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["record", "list", "rollback"])
    ap.add_argument("--stack", required=True)
    ap.add_argument("--env", required=True)
    ap.add_argument("--to", help="the record to roll back to (a name `list` shows)")
    args = ap.parse_args(argv)
    try:
        h = History(args.stack, args.env)
        if args.command == "record":
            print(f"recorded deployment {h.record()} of {args.stack}")
        elif args.command == "list":
            names = h.records()
            cur = h.current_index(names) if names else -1
            for i, n in enumerate(names):
                print(f"{n}{'  (current)' if i == cur else ''}")
        else:
            to = h.rollback(args.to)
            print(f"{args.stack} rolled back to deployment {to} through CloudFormation; "
                  "the next make deploy moves it forward again")
        return 0
    except Failure as err:
        print(f"{args.command}: {err}", file=sys.stderr)
        return 1
    except botocore.exceptions.WaiterError as err:
        print(f"{args.command}: the stack update did not complete ({err}); CloudFormation rolls "
              "a failed update back by itself: see its events", file=sys.stderr)
        return 1
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        print(f"{args.command}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
