"""`make logs` (infra/tail_logs.py) against moto's CloudWatch Logs: what a window shows, following
new lines, and the one-line errors an operator gets instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
import time
import unittest
from pathlib import Path


from test_stack import MotoTest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "infra" / "tail_logs.py"
GROUP = "/aws/lambda/enhanced-lineage-agent-context-aware-agent-dev"


class TailLogsTest(MotoTest):
    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.logs = cls.client("logs")
        cls.logs.create_log_group(logGroupName=GROUP)
        cls.logs.create_log_stream(logGroupName=GROUP, logStreamName="2026/12/03/[7]abc")
        now = int(time.time() * 1000)
        cls.logs.put_log_events(logGroupName=GROUP, logStreamName="2026/12/03/[7]abc", logEvents=[
            {"timestamp": now - 3 * 3600 * 1000, "message": "three hours ago"},
            {"timestamp": now - 20 * 60 * 1000, "message": "twenty minutes ago"},
            {"timestamp": now - 60 * 1000, "message": "a minute ago\n"},
        ])

    def run_script(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(SCRIPT), *args], env=self.env,
                              capture_output=True, text=True, timeout=60)

    def test_a_window_shows_its_lines_oldest_first(self) -> None:
        r = self.run_script("--log-group", GROUP, "--since", "1h")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual([l.split(" ", 1)[1] for l in lines], ["twenty minutes ago", "a minute ago"])
        self.assertRegex(lines[0], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ")
        r = self.run_script("--log-group", GROUP, "--since", "1d")
        self.assertEqual(len(r.stdout.splitlines()), 3, r.stdout)

    def test_follow_prints_new_lines_once(self) -> None:
        p = subprocess.Popen([sys.executable, str(SCRIPT), "--log-group", GROUP, "--since", "30m",
                              "--follow", "--poll-seconds", "0.2"],
                             env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert p.stdout is not None
            self.assertTrue(p.stdout.readline().endswith("twenty minutes ago\n"))
            self.assertTrue(p.stdout.readline().endswith("a minute ago\n"))
            self.logs.create_log_stream(logGroupName=GROUP, logStreamName="follow")
            self.logs.put_log_events(logGroupName=GROUP, logStreamName="follow", logEvents=[
                {"timestamp": int(time.time() * 1000), "message": "written while following"}])
            self.assertTrue(p.stdout.readline().endswith("written while following\n"))
            time.sleep(1.0)  # several more polls: nothing is printed twice
        finally:
            p.terminate()
            out, _ = p.communicate(timeout=10)
        self.assertNotIn("a minute ago", out)
        self.assertNotIn("written while following", out)

    def test_a_missing_group_is_one_line_with_the_fix(self) -> None:
        r = self.run_script("--log-group", "/aws/lambda/no-such-function")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn("no log group /aws/lambda/no-such-function", r.stderr)
        self.assertIn("make invoke-health", r.stderr)

    def test_a_bad_window_names_the_forms_it_takes(self) -> None:
        r = self.run_script("--log-group", GROUP, "--since", "yesterday")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--since 'yesterday'", r.stderr)
        self.assertNotIn("Traceback", r.stderr)

    def test_missing_credentials_are_one_line(self) -> None:
        env = {k: v for k, v in self.env.items()
               if not k.startswith("AWS_") or k in ("AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")}
        env.update({"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                    "AWS_EC2_METADATA_DISABLED": "true"})
        r = subprocess.run([sys.executable, str(SCRIPT), "--log-group", GROUP], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("no AWS credentials", r.stderr)
        self.assertNotIn("Traceback", r.stderr)


if __name__ == "__main__":
    unittest.main()
