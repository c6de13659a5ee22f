"""`make cleanup` (infra/cleanup.py) and the way back to a deployable account, against moto's
CloudFormation: the stack goes and its lineage stays; a new stack of the environment cannot be
created while the retained tables exist; `--purge` refuses without `--yes`, then deletes the
tables (through prod's deletion protection), every object version of the bucket and schedules the
key's deletion; after it the same stack deploys again."""

from __future__ import annotations

import subprocess
import sys
import unittest
from pathlib import Path

import botocore.exceptions
import botocore.parsers

from test_stack import (ACCOUNT, MotoTest, create_stack, for_moto, load_template, translate,
                        upload_code)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "infra" / "cleanup.py"
ENV = "prod"  # the one with deletion protection on its tables
STACK = f"enhanced-lineage-agent-{ENV}"
TABLES = [f"enhanced-lineage-agent-job-mappings-{ENV}", f"enhanced-lineage-agent-execution-contexts-{ENV}"]
BUCKET = f"enhanced-lineage-agent-lineage-data-{ENV}-{ACCOUNT}"


class CleanupTest(MotoTest):
    @classmethod
    def setUpClass(cls) -> None:
        cls.cfn_template = for_moto(translate(load_template()))
        super().setUpClass()
        cls.cf = cls.client("cloudformation")
        cls.ddb = cls.client("dynamodb")
        cls.s3 = cls.client("s3")
        upload_code(cls.s3)

    def cleanup(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), "--stack", STACK, "--env", ENV, *args],
                              env=self.env, capture_output=True, text=True, timeout=300)

    def deploy(self) -> str:
        """Creates the stack; its status, or the error moto raised creating it."""
        try:
            create_stack(self.cf, STACK, self.cfn_template, ENV)
        except botocore.exceptions.ClientError as err:
            return f"refused: {err}"
        except botocore.parsers.ResponseParserError as err:
            # moto (5.2) answers a failed resource with the resource service's own error body
            # instead of a failed stack
            return f"refused: {err}"
        return self.cf.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]

    def remove_partial_create(self) -> None:
        """AWS rolls a refused create back; moto (5.2) raises instead and leaves what it created
        before the table (named IAM resources): removed here, as the rollback would."""
        try:
            self.cf.delete_stack(StackName=STACK)
        except botocore.exceptions.ClientError:
            pass
        iam = self.client("iam")
        for p in iam.list_policies(Scope="Local")["Policies"]:
            for v in iam.list_policy_versions(PolicyArn=p["Arn"])["Versions"]:
                if not v["IsDefaultVersion"]:
                    iam.delete_policy_version(PolicyArn=p["Arn"], VersionId=v["VersionId"])
            for role in iam.list_entities_for_policy(PolicyArn=p["Arn"]).get("PolicyRoles", []):
                iam.detach_role_policy(RoleName=role["RoleName"], PolicyArn=p["Arn"])
            iam.delete_policy(PolicyArn=p["Arn"])

    def tables(self) -> set[str]:
        return set(self.ddb.list_tables()["TableNames"]) & set(TABLES)

    def buckets(self) -> set[str]:
        return {b["Name"] for b in self.s3.list_buckets()["Buckets"]}

    def test_cleanup_keeps_the_lineage_and_purge_makes_the_account_deployable_again(self) -> None:
        r = self.cleanup()
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"no stack {STACK}: nothing to delete", r.stderr)

        self.assertEqual(self.deploy(), "CREATE_COMPLETE")
        key = {o["OutputKey"]: o["OutputValue"]
               for o in self.cf.describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]}["LineageKeyArn"]
        self.assertTrue(key.startswith("arn:aws:kms:"), key)
        self.ddb.put_item(TableName=TABLES[0], Item={"job_name": {"S": "orders"}, "mapping_key": {"S": "m"}})
        self.s3.put_object(Bucket=BUCKET, Key="lineage/orders/jr_1.json", Body=b"{}")

        # the stack goes, the lineage stays, and the operator is told what a redeploy needs
        r = self.cleanup()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"Stack {STACK} deleted.", r.stdout)
        for name in TABLES + [BUCKET, key, f"make cleanup ENV={ENV} PURGE=yes"]:
            self.assertIn(name, r.stdout)
        with self.assertRaises(botocore.exceptions.ClientError):
            self.cf.describe_stacks(StackName=STACK)
        self.assertEqual(self.tables(), set(TABLES))
        self.assertIn(BUCKET, self.buckets())
        self.assertEqual(self.ddb.scan(TableName=TABLES[0])["Count"], 1)

        # a new stack of the environment cannot be created over the retained tables
        refused = self.deploy()
        self.assertNotEqual(refused, "CREATE_COMPLETE")
        self.assertIn("already exists", refused)
        self.remove_partial_create()
        # moto replaces the existing bucket on the refused create (AWS refuses it) with an
        # unversioned one: versioned again as the template made it, the versions the purge must
        # delete are written after it
        self.s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        self.s3.put_object(Bucket=BUCKET, Key="lineage/orders/jr_1.json", Body=b"{}")
        self.s3.put_object(Bucket=BUCKET, Key="lineage/orders/jr_1.json", Body=b"{\"v\": 2}")
        self.s3.delete_object(Bucket=BUCKET, Key="lineage/orders/jr_1.json")  # a delete marker too

        # purge refuses without --yes, and deletes nothing
        r = self.cleanup("--purge")
        self.assertEqual(r.returncode, 1)
        self.assertIn("add --yes", r.stderr)
        self.assertNotIn("Traceback", r.stderr)
        self.assertEqual(self.tables(), set(TABLES))

        versions = self.s3.list_object_versions(Bucket=BUCKET)
        stored = len(versions.get("Versions", [])) + len(versions.get("DeleteMarkers", []))
        r = self.cleanup("--purge", "--yes")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.tables(), set())
        self.assertNotIn(BUCKET, self.buckets())
        self.assertIn(f"deleted ({stored} object versions)", r.stdout)
        # without the stack, the key is looked for by its description; moto (5.2) cannot
        # describe a key CloudFormation made (its stored policy breaks DescribeKey), so here the
        # look-up finds none and says so instead of failing
        self.assertIn("KMS key", r.stdout)

        # the account is deployable again
        self.assertEqual(self.deploy(), "CREATE_COMPLETE")
        self.assertEqual(self.tables(), set(TABLES))


if __name__ == "__main__":
    unittest.main()
