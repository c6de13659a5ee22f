"""`make rollback` through the stack (infra/stack_history.py) against moto's CloudFormation: deploys
are recorded, a rollback is a stack update to the deployment before (or a named one), and what
cannot be done is said in one line."""

from __future__ import annotations

import json
import subprocess
import sys
import unittest
from pathlib import Path


from test_stack import MotoTest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "infra" / "stack_history.py"
STACK = "enhanced-lineage-agent-rbtest"
BUCKET = "enhanced-lineage-agent-lineage-data-rbtest-123456789012"

# A stand-in for the function: what a deploy changes (the code version, a setting) lands in a
# resource CloudFormation manages, so the test can read what the stack runs.
def template(code: str) -> str:
    return json.dumps({
        "Description": f"code {code}",
        "Parameters": {"Bucket": {"Type": "String"}, "MinConfidence": {"Type": "String"}},
        "Resources": {"Code": {"Type": "AWS::SSM::Parameter", "Properties": {
            "Name": "/rbtest/code", "Type": "String",
            "Value": {"Fn::Join": ["/", [code, {"Ref": "MinConfidence"}]]}}}},
        "Outputs": {"LineageBucketName": {"Value": {"Ref": "Bucket"}}},
    }, indent=1)


class RollbackTest(MotoTest):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.cfn = cls.client("cloudformation")
        cls.ssm = cls.client("ssm")
        cls.client("s3").create_bucket(Bucket=BUCKET)

    def history(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), *args, "--stack", STACK, "--env", "rbtest"],
                              env=self.env, capture_output=True, text=True, timeout=120)

    def deploy(self, code: str, min_confidence: str, create: bool = False) -> None:
        params = [{"ParameterKey": "Bucket", "ParameterValue": BUCKET},
                  {"ParameterKey": "MinConfidence", "ParameterValue": min_confidence}]
        if create:
            self.cfn.create_stack(StackName=STACK, TemplateBody=template(code), Parameters=params)
        else:
            self.cfn.update_stack(StackName=STACK, TemplateBody=template(code), Parameters=params)
        r = self.history("record")
        self.assertEqual(r.returncode, 0, r.stderr)

    def runs(self) -> str:
        return self.ssm.get_parameter(Name="/rbtest/code")["Parameter"]["Value"]

    def test_rollback_updates_the_stack_to_the_deployment_before(self) -> None:
        r = self.history("rollback")
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"no stack {STACK}: deploy it first", r.stderr)

        self.deploy("v1", "0.7", create=True)
        r = self.history("rollback")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no recorded deployment", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

        self.deploy("v2", "0.7")
        self.deploy("v2", "0.8")  # a settings-only deploy is a deployment too
        self.assertEqual(self.runs(), "v2/0.8")

        r = self.history("rollback")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("through CloudFormation", r.stdout)
        self.assertEqual(self.runs(), "v2/0.7")
        body = self.cfn.get_template(StackName=STACK, TemplateStage="Original")["TemplateBody"]
        self.assertIn("code v2", body if isinstance(body, str) else json.dumps(body))

        # from there, the one before; the list marks what runs
        r = self.history("rollback")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.runs(), "v1/0.7")
        listed = self.history("list").stdout.splitlines()
        self.assertEqual(len(listed), 3, listed)
        self.assertTrue(listed[0].endswith("(current)"), listed)

        # forward again, by name
        r = self.history("rollback", "--to", listed[2].split()[0])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.runs(), "v2/0.8")

        r = self.history("rollback", "--to", "19990101T000000Z")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no recorded deployment 19990101T000000Z; recorded:", r.stderr)


if __name__ == "__main__":
    unittest.main()
