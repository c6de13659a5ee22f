"""Cleanup, and the way back to a deployable account (`make cleanup`).

`cleanup` deletes the stack and waits for it to go. What holds the lineage is retained on purpose
(`DeletionPolicy: Retain`): the two tables, the lineage bucket and its KMS key. It lists them and
says what a redeploy needs. A stack of the same environment cannot be created while they exist,
because their names are fixed.

`cleanup --purge --yes` deletes them too, after the stack:
- the tables, with deletion protection (prod's) turned off first;
- every object version and delete marker of the bucket, then the bucket;
- the KMS key, scheduled for deletion after 30 days; this can be cancelled. Without the stack,
  the keys are found by the description the template gives them.

After that, `make deploy ENV=...` creates the stack afresh. To keep the data instead, import the
retained resources into a new stack; docs/operations.md#cleanup shows how.

Only botocore is needed (the pinned AWS CLI v1 brings it). Credentials, region and endpoint come
from the usual AWS settings.

    python infra/cleanup.py --stack NAME --env ENV [--purge --yes]
"""

from __future__ import annotations

import argparse
import sys
import time

import botocore.exceptions
import botocore.session

from stack_history import Failure, describe_stack

KEY_DELETION_DAYS = 30


class Cleanup:
    def __init__(self, stack: str, env: str) -> None:
        session = botocore.session.get_session()
        self.cfn = session.create_client("cloudformation")
        self.ddb = session.create_client("dynamodb")
        self.s3 = session.create_client("s3")
        self.kms = session.create_client("kms")
        self.sts = session.create_client("sts")
        self.stack = stack
        self.env = env

    def outputs(self) -> dict[str, str] | None:
        """The stack's outputs, or None when there is no such stack."""
        stack = describe_stack(self.cfn, self.stack)
        if stack is None:
            return None
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def retained(self, outputs: dict[str, str] | None) -> dict:
        """What the stack retains: from its outputs, else by the template's naming."""
        if outputs is not None:
            return {"tables": [outputs.get("JobMappingTableName"), outputs.get("ContextTableName")],
                    "bucket": outputs.get("LineageBucketName"), "key": outputs.get("LineageKeyArn")}
        account = self.sts.get_caller_identity()["Account"]
        return {"tables": [f"enhanced-lineage-agent-job-mappings-{self.env}",
                           f"enhanced-lineage-agent-execution-contexts-{self.env}"],
                "bucket": f"enhanced-lineage-agent-lineage-data-{self.env}-{account}", "key": None}

    def environment_keys(self) -> list[str]:
        """The customer keys the template created for this environment (by their description), but
        those already pending deletion."""
        wanted = f"Enhanced Lineage Agent {self.env} - "
        found = []
        for page in self.kms.get_paginator("list_keys").paginate():
            for k in page.get("Keys", []):
                try:
                    meta = self.kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
                except botocore.exceptions.ClientError:
                    continue  # a key this role may not describe is not one the template made
                if (meta.get("KeyManager") == "CUSTOMER" and meta.get("Description", "").startswith(wanted)
                        and meta.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion")):
                    found.append(meta["Arn"])
        return found

    def delete_stack(self) -> None:
        self.cfn.delete_stack(StackName=self.stack)
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            stack = describe_stack(self.cfn, self.stack)
            if stack is None:
                return
            status = stack["StackStatus"]
            if status == "DELETE_COMPLETE":
                return
            if status == "DELETE_FAILED":
                raise Failure(f"stack {self.stack}: DELETE_FAILED ({stack.get('StackStatusReason', 'no reason given')}); "
                              "see its events in the CloudFormation console, fix, and run make cleanup again")
            time.sleep(5)
        raise Failure(f"stack {self.stack} is still being deleted after 30 minutes; run make cleanup again later")

    def purge_table(self, name: str) -> bool:
        try:
            self.ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
            self.ddb.delete_table(TableName=name)
        except botocore.exceptions.ClientError as err:
            if err.response["Error"]["Code"] == "ResourceNotFoundException":
                return False
            raise
        self.ddb.get_waiter("table_not_exists").wait(TableName=name)
        return True

    def purge_bucket(self, name: str) -> int:
        """Deletes every version and delete marker, then the bucket; the count of deleted objects."""
        deleted = 0
        try:
            while True:
                page = self.s3.list_object_versions(Bucket=name, MaxKeys=1000)
                batch = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                         for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
                if not batch:
                    break
                answer = self.s3.delete_objects(Bucket=name, Delete={"Objects": batch, "Quiet": True})
                if answer.get("Errors"):
                    e = answer["Errors"][0]
                    raise Failure(f"bucket {name}: {e.get('Code')} deleting {e.get('Key')}: {e.get('Message')}")
                deleted += len(batch)
                print(f"  bucket {name}: {deleted} object versions deleted", file=sys.stderr)
            self.s3.delete_bucket(Bucket=name)
        except botocore.exceptions.ClientError as err:
            if err.response["Error"]["Code"] == "NoSuchBucket":
                return -1
            raise
        return deleted

    def run(self, purge: bool, yes: bool) -> None:
        outputs = self.outputs()
        keep = self.retained(outputs)
        if purge and not yes:
            raise Failure(f"--purge deletes the lineage of {self.env} for good (tables {', '.join(keep['tables'])}, "
                          f"bucket {keep['bucket']}, key {keep['key'] or 'unknown'}): add --yes (make cleanup ENV={self.env} PURGE=yes)")
        if outputs is not None:
            print(f"Deleting stack {self.stack} ...")
            self.delete_stack()
            print(f"Stack {self.stack} deleted.")
        elif not purge:
            raise Failure(f"no stack {self.stack}: nothing to delete (to delete what an earlier cleanup retained: "
                          f"make cleanup ENV={self.env} PURGE=yes)")
        if not purge:
            print("Retained on purpose (DeletionPolicy: Retain), with the lineage they hold:")
            for t in keep["tables"]:
                print(f"  table {t}")
            print(f"  bucket {keep['bucket']}")
            print(f"  KMS key {keep['key']}")
            print(f"A new stack of {self.env} needs them gone (make cleanup ENV={self.env} PURGE=yes) or imported "
                  "(docs/operations.md#cleanup).")
            return
        for t in keep["tables"]:
            print(f"  table {t}: {'deleted' if self.purge_table(t) else 'already gone'}")
        n = self.purge_bucket(keep["bucket"])
        print(f"  bucket {keep['bucket']}: " + ("already gone" if n < 0 else f"deleted ({n} object versions)"))
        keys = [keep["key"]] if keep["key"] else self.environment_keys()
        for key in keys:
            try:
                self.kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=KEY_DELETION_DAYS)
                print(f"  KMS key {key}: deletion scheduled in {KEY_DELETION_DAYS} days "
                      f"(cancel with: aws kms cancel-key-deletion --key-id {key})")
            except botocore.exceptions.ClientError as err:
                print(f"  KMS key {key}: not scheduled: {err.response['Error'].get('Message', err)}")
        if not keys:
            print(f"  KMS key: none of {self.env} is left")
        print(f"Nothing of {self.env} is left: make deploy ENV={self.env} creates it afresh.")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stack", required=True)
    p.add_argument("--env", required=True)
    p.add_argument("--purge", action="store_true", help="also delete the retained tables, bucket and key")
    p.add_argument("--yes", action="store_true", help="confirm --purge")
    a = p.parse_args()
    try:
        Cleanup(a.stack, a.env).run(a.purge, a.yes)
    except Failure as err:
        print(f"cleanup: {err}", file=sys.stderr)
        return 1
    except botocore.exceptions.NoCredentialsError:
        print("cleanup: no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", file=sys.stderr)
        return 1
    except botocore.exceptions.ClientError as err:
        e = err.response.get("Error", {})
        print(f"cleanup: {err.operation_name}: {e.get('Code')}: {e.get('Message')}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
