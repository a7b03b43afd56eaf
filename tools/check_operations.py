"""Checks what operations rely on in the SAM transform's output (target/template.cfn.json, written
by tools/sam_transform.py): the deployed stack, not the shorthand that produces it.

- every function: X-Ray tracing active, JSON logs (Lambda's advanced logging controls), the alias
  `live`, a CodeDeploy canary that its alarms roll back;
- the argon2id functions: reserved concurrency;
- every alarm: an action (the given topic, else the topic the stack creates);
- the alarms named in the operations brief: latency near the timeout, 5xx rate, 429 spikes, DynamoDB
  throttling, each upstream system's failure rate, parked notices, the purge missing;
- the dashboard: valid JSON, showing the service's metrics;
- every log group (function and access logs): kept at least 731 days;
- the access log: joined to the function logs by the integration's request id, with errors.

Usage: check_operations.py TEMPLATE.cfn.json SOURCE_TEMPLATE.yaml
"""

import json
import re
import sys

from samtranslator.yaml_helper import yaml_parse

MIN_RETENTION_DAYS = 731
HASHING = {"CompleteSignupFunction", "SignInFunction", "MemberProfileFunction", "RecoverAccountFunction"}
UPSTREAMS = {"identity", "residency", "dls", "mail", "sms"}
DASHBOARD_METRICS = {
    "Signups", "SignIns", "Certifications", "UpstreamLatency", "UpstreamFailures", "IdempotentReplays",
    "Purged", "ParkedMessages", "5xx", "TooManyRequests", "WriteThrottleEvents",
}


def fail(message: str) -> None:
    print(f"check_operations: {message}", file=sys.stderr)
    sys.exit(1)


def of_type(resources: dict, kind: str) -> dict:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        template = json.load(f)
    with open(sys.argv[2], encoding="utf-8") as f:
        source = yaml_parse(f.read())
    resources = template["Resources"]
    functions = of_type(resources, "AWS::Lambda::Function")
    aliases = of_type(resources, "AWS::Lambda::Alias")
    groups = of_type(resources, "AWS::CodeDeploy::DeploymentGroup")
    alarms = of_type(resources, "AWS::CloudWatch::Alarm")

    for name, function in functions.items():
        properties = function["Properties"]
        if properties.get("TracingConfig", {}).get("Mode") != "Active":
            fail(f"{name}: Tracing is not Active")
        if properties.get("LoggingConfig", {}).get("LogFormat") != "JSON":
            fail(f"{name}: LogFormat is not JSON")
        alias = [a for a in aliases.values() if a["Properties"]["FunctionName"] == {"Ref": name}]
        if [a["Properties"]["Name"] for a in alias] != ["live"]:
            fail(f"{name}: no alias `live`")
        update = alias[0].get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate", {})
        group = groups.get(update.get("DeploymentGroupName", {}).get("Ref", ""))
        if group is None:
            fail(f"{name}: the alias is not deployed by CodeDeploy")
        group = group["Properties"]
        watched = group.get("AlarmConfiguration", {})
        if not watched.get("Enabled") or not watched.get("Alarms"):
            fail(f"{name}: its deployment watches no alarm")
        if "DEPLOYMENT_STOP_ON_ALARM" not in group.get("AutoRollbackConfiguration", {}).get("Events", []):
            fail(f"{name}: an alarm does not roll the deployment back")
        if "Canary" not in json.dumps(group["DeploymentConfigName"]):
            fail(f"{name}: the deployment is not a canary")
        if name in HASHING and "ReservedConcurrentExecutions" not in properties:
            fail(f"{name}: hashes passwords without reserved concurrency")

    topics = of_type(resources, "AWS::SNS::Topic")
    if [t.get("Condition") for t in topics.values()] != ["CreateAlarmTopic"]:
        fail("no SNS topic created when AlarmTopicArn is empty")
    for name, alarm in alarms.items():
        actions = alarm["Properties"].get("AlarmActions")
        if not actions or "AWS::NoValue" in json.dumps(actions):
            fail(f"{name}: no alarm action")

    described = json.dumps(alarms)
    expected = {
        "latency near the timeout": all(f"{n}DurationAlarm" in alarms for n in (f[: -len("Function")] for f in functions)),
        "5xx rate": '"MetricName": "5xx"' in described and "errors / requests" in described,
        "429 spikes": '"MetricName": "TooManyRequests"' in described,
        "DynamoDB throttling": "WriteThrottleEvents" in described and "ReadThrottleEvents" in described,
        "notifier parked messages": '"MetricName": "ParkedMessages"' in described,
        "purge missing": '"MetricName": "PurgeRuns"' in described,
    }
    for system in UPSTREAMS:
        expected[f"{system} failure rate"] = f'"Value": "{system}"' in described and "UpstreamFailures" in described
    missing = [what for what, present in expected.items() if not present]
    if missing:
        fail(f"alarms missing: {', '.join(missing)}")

    dashboards = of_type(resources, "AWS::CloudWatch::Dashboard")
    if len(dashboards) != 1:
        fail("no dashboard")
    body = next(iter(dashboards.values()))["Properties"]["DashboardBody"]["Fn::Sub"]
    body = re.sub(r"\$\{[A-Za-z:]+\}", "x", body)
    shown = json.dumps(json.loads(body))
    absent = [m for m in sorted(DASHBOARD_METRICS) if m not in shown]
    if absent:
        fail(f"the dashboard does not show {absent}")

    retention = source["Parameters"]["LogRetentionDays"]
    if retention["Default"] < MIN_RETENTION_DAYS or min(retention["AllowedValues"]) < MIN_RETENTION_DAYS:
        fail(f"LogRetentionDays allows less than {MIN_RETENTION_DAYS} days")
    groups_of_logs = of_type(resources, "AWS::Logs::LogGroup")
    for name, group in groups_of_logs.items():
        days = group["Properties"].get("RetentionInDays")
        if days != {"Ref": "LogRetentionDays"} and not (isinstance(days, int) and days >= MIN_RETENTION_DAYS):
            fail(f"{name}: retention {days}")
    logged = [f["Properties"]["LoggingConfig"].get("LogGroup") for f in functions.values()]
    if any(not isinstance(g, dict) or g.get("Ref") not in groups_of_logs for g in logged):
        fail("a function logs to a log group the stack does not keep")

    stages = of_type(resources, "AWS::ApiGatewayV2::Stage")
    for name, stage in stages.items():
        settings = stage["Properties"].get("AccessLogSettings", {})
        if settings.get("DestinationArn", {}).get("Fn::GetAtt", [None])[0] not in groups_of_logs:
            fail(f"{name}: access log not in a kept log group")
        form = settings.get("Format", "")
        for variable in ("$context.integration.requestId", "$context.error.message", "$context.status"):
            if variable not in form:
                fail(f"{name}: access log without {variable}")

    print(
        f"operations: {len(functions)} functions traced, JSON-logged, canary-deployed behind `live` "
        f"({len(groups)} deployment groups); {len(alarms)} alarms with actions; dashboard with "
        f"{len(DASHBOARD_METRICS)} metrics; {len(groups_of_logs)} log groups kept >= {MIN_RETENTION_DAYS} days"
    )


if __name__ == "__main__":
    main()
