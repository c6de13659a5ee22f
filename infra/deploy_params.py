"""Prints `sam deploy --parameter-overrides` arguments: the template's tunables from the
effective configuration (`lineage-agent config validate --format json`), then KEY=VALUE pairs
given on the command line (empty values are left out, so the template defaults apply). The
OpenLineage API key is a secret: the configuration shows it masked, so it is taken from the
OPENLINEAGE_API_KEY environment variable, never from the command line or the files.

usage: deploy_params.py CONFIG.json [Key=Value ...]
"""

import json
import os
import shlex
import sys


def main() -> int:
    config = json.load(open(sys.argv[1]))
    lower = lambda b: "true" if b else "false"  # noqa: E731
    params = {
        "BedrockModelId": config["bedrock"]["model_id"],
        "BedrockMaxTokens": str(config["bedrock"]["max_tokens"]),
        "BedrockTemperature": str(config["bedrock"]["temperature"]),
        "MinConfidenceScore": str(config["validation"]["min_confidence_score"]),
        "TimeToleranceSeconds": str(config["validation"]["time_tolerance_seconds"]),
        "EnableParameterValidation": lower(config["validation"]["enable_parameter_validation"]),
        "EnableEnvironmentValidation": lower(config["validation"]["enable_environment_validation"]),
        "StorageChecks": lower(config["validation"].get("storage_checks", True)),
        "MaxRetries": str(config["error_recovery"]["max_retries"]),
        "RetryDelaySeconds": str(config["error_recovery"]["retry_delay_seconds"]),
        "EnableFallback": lower(config["error_recovery"]["enable_fallback"]),
        "OpenLineageUrl": (config.get("transport") or {}).get("url") or "",
        "OpenLineageEndpoint": (config.get("transport") or {}).get("endpoint") or "",
        "OpenLineageApiKey": os.environ.get("OPENLINEAGE_API_KEY", ""),
        "DataZoneDomainId": (config.get("transport") or {}).get("domainId") or "",
        "LogLevel": {"WARN": "WARNING", "TRACE": "DEBUG"}.get(config["logging"]["level"],
                                                               config["logging"]["level"]),
    }
    for pair in sys.argv[2:]:
        key, _, value = pair.partition("=")
        params[key] = value
    print(" ".join(shlex.quote(f"{k}={v}") for k, v in params.items() if v != ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
