"""`make logs`: the deployed function's log lines since a time, optionally followed.

It needs only botocore, which the pinned AWS CLI v1 (infra/requirements-awscli.txt) brings:
AWS CLI v1 has no `aws logs tail`, so this reads `logs:FilterLogEvents` itself. Credentials,
region and endpoint come from the usual AWS environment and profile settings.

    python infra/tail_logs.py --log-group /aws/lambda/NAME [--since 1h|30m|2d|2024-05-01T00:00:00Z]
                              [--follow] [--poll-seconds 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import time

import botocore.exceptions
import botocore.session

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def since_millis(text: str, now: float) -> int:
    """`1h`, `30m`, `2d`, `45s`, `1w` before now, or an ISO 8601 time (UTC when no zone)."""
    m = re.fullmatch(r"(\d+)\s*([smhdw])", text.strip())
    if m:
        return int((now - int(m.group(1)) * UNITS[m.group(2)]) * 1000)
    try:
        t = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(f"--since {text!r}: give a duration (30m, 1h, 2d) or a time "
                         "(2024-05-01T00:00:00Z)") from None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return int(t.timestamp() * 1000)


def line(event: dict) -> str:
    ts = dt.datetime.fromtimestamp(event["timestamp"] / 1000, tz=dt.timezone.utc)
    return f"{ts.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z {event.get('message', '').rstrip()}"


def events_since(client, group: str, start: int):
    """Every event of the group from `start` (ms), oldest first, page by page."""
    kwargs = {"logGroupName": group, "startTime": start, "interleaved": True}
    while True:
        page = client.filter_log_events(**kwargs)
        yield from page.get("events", [])
        token = page.get("nextToken")
        if not token:
            return
        kwargs["nextToken"] = token


def explain(err: Exception, group: str) -> str:
    if isinstance(err, botocore.exceptions.NoCredentialsError):
        return "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
    if isinstance(err, botocore.exceptions.NoRegionError):
        return "no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)"
    if isinstance(err, botocore.exceptions.ClientError):
        code = err.response.get("Error", {}).get("Code", "")
        if code == "ResourceNotFoundException":
            return (f"no log group {group}: the function has not run yet "
                    "(make invoke-health ENV=...), or ENV names another stack")
        if code in ("AccessDeniedException", "AccessDenied"):
            return f"access denied: logs:FilterLogEvents on {group} (the operator policy grants it)"
        return f"{code}: {err.response.get('Error', {}).get('Message', '')}"
    if isinstance(err, botocore.exceptions.EndpointConnectionError):
        return f"cannot reach the CloudWatch Logs endpoint: {err}"
    return str(err)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log-group", required=True)
    ap.add_argument("--since", default="1h")
    ap.add_argument("--follow", action="store_true")
    ap.add_argument("--poll-seconds", type=float, default=2.0)
    args = ap.parse_args(argv)
    start = since_millis(args.since, time.time())
    try:
        client = botocore.session.get_session().create_client("logs")
        # the next poll starts at the newest event seen; the ids printed at that time (kept
        # only for it) drop what the poll returns again
        seen: dict[str, int] = {}
        while True:
            for ev in events_since(client, args.log_group, start):
                if ev["eventId"] in seen:
                    continue
                seen[ev["eventId"]] = ev["timestamp"]
                print(line(ev), flush=True)
                start = max(start, ev["timestamp"])
            if not args.follow:
                return 0
            seen = {k: t for k, t in seen.items() if t >= start}
            time.sleep(args.poll_seconds)
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        return 0
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
        print(f"make logs: {explain(err, args.log_group)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
