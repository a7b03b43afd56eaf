"""Creates, on a DynamoDB- and Secrets Manager-compatible server (tools/dynamodb_server.py), what the
deployed functions expect to find: the table of template.yaml's MembershipTable and the secrets of
shared/service/src/lambda.rs, each with a fresh random key. Prints the environment the functions then
run with, as KEY=VALUE lines (the format of `cargo lambda watch --env-file`).

The residency and DLS secrets point at local-api's simulators on 127.0.0.1:3000 (UPSTREAM_BASE to
change it) with a random key: the certification functions start, and the simulators (whose keys
local-api draws at start) refuse them, so certification answers 503 here; certify on local-api. The
same holds for the identity provider: verify-identity gets a client id and secret of its own and the
simulated provider's addresses, which refuse them (identity requests answer 503; verify on local-api).

Usage: dev_stack.py ENDPOINT [TABLE_NAME]
"""

import json
import os
import secrets
import string
import sys

import boto3
from samtranslator.yaml_helper import yaml_parse

# The secrets of shared/service/src/secrets.rs: environment variable, secret name, JSON field.
SECRETS = [
    ("PEPPER_SECRET_ID", "membership/pepper", "pepper"),
    ("IDEMPOTENCY_SECRET_ID", "membership/idempotency", "key"),
    ("TOKEN_SECRET_ID", "membership/token", "signingKey"),
]
# The upstream systems' endpoints (secrets.rs `upstream_endpoint`): variable, secret name, path of the
# simulator under local-api.
UPSTREAM_SECRETS = [
    ("RESIDENCY_SECRET_ID", "membership/residency", "/_sim/upstream/residency"),
    ("DLS_SECRET_ID", "membership/dls", "/_sim/upstream/dls"),
]
REGION = "ap-northeast-2"


def random_key() -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(64))


def create_table(client, name: str) -> None:
    with open("template.yaml", encoding="utf-8") as f:
        definition = yaml_parse(f.read())["Resources"]["MembershipTable"]["Properties"]
    if name in client.list_tables()["TableNames"]:
        return
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=definition["AttributeDefinitions"],
        KeySchema=definition["KeySchema"],
        GlobalSecondaryIndexes=definition.get("GlobalSecondaryIndexes", []),
    )
    ttl = definition["TimeToLiveSpecification"]
    client.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
    )


def create_secret(client, name: str, field: str, extra: dict | None = None) -> str:
    value = json.dumps({**(extra or {}), field: random_key()})
    try:
        return client.create_secret(Name=name, SecretString=value)["ARN"]
    except client.exceptions.ResourceExistsException:
        return client.describe_secret(SecretId=name)["ARN"]


def main() -> None:
    endpoint = sys.argv[1]
    table = sys.argv[2] if len(sys.argv) > 2 else "membership"
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION)
    create_table(session.client("dynamodb", endpoint_url=endpoint), table)
    secrets_manager = session.client("secretsmanager", endpoint_url=endpoint)
    environment = {
        "DYNAMODB_ENDPOINT": endpoint,
        "TABLE_NAME": table,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "RUST_LOG": "info",
    }
    for variable, name, field in SECRETS:
        environment[variable] = create_secret(secrets_manager, name, field)
    upstream_base = os.environ.get("UPSTREAM_BASE", "http://127.0.0.1:3000").rstrip("/")
    for variable, name, path in UPSTREAM_SECRETS:
        environment[variable] = create_secret(secrets_manager, name, "apiKey", {"baseUrl": upstream_base + path})
    # The identity provider's client credentials (secrets.rs `client_credentials`), its addresses and the
    # web origins verify-identity allows.
    environment["IDENTITY_SECRET_ID"] = create_secret(
        secrets_manager, "membership/identity", "clientSecret", {"clientId": "watch-client"}
    )
    environment["IDENTITY_API_BASE"] = upstream_base + "/_sim/nice"
    environment["IDENTITY_PHONE_WINDOW"] = upstream_base + "/_sim/nice/CheckPlusSafeModel/service.cb"
    environment["IDENTITY_IPIN_WINDOW"] = upstream_base + "/_sim/nice/ipin.cb"
    environment["ALLOWED_ORIGINS"] = upstream_base
    for key, value in environment.items():
        print(f"{key}={value}")


if __name__ == "__main__":
    main()
