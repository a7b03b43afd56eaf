"""Runs the SAM transform (AWS::Serverless-2016-10-31) on template.yaml, without AWS credentials, as
CloudFormation runs it at deploy time, and writes the plain CloudFormation template.

`sam deploy` first packages the template: it uploads each function's build and replaces its local
`CodeUri` with the S3 object. This does the same replacement with a made-up object, then transforms.

cfn-lint checks the SAM template against SAM's schemas but no longer translates it; this proves the
translation itself succeeds (events, generated roles and permissions, the HTTP API and its stage),
and lets the output be linted as plain CloudFormation too.

Usage: sam_transform.py TEMPLATE OUTPUT.json
"""

import json
import os
import sys

from samtranslator.model.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

# Values a guided deploy would ask for, as CloudFormation hands them to the transform (a
# CommaDelimitedList as a list).
PARAMETERS = {
    "AllowedOrigins": ["https://library.example.kr", "https://www.library.example.kr"],
    "AWS::Region": "ap-northeast-2",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "membership",
    "AWS::URLSuffix": "amazonaws.com",
}


def as_packaged(template: dict) -> dict:
    """Local code locations replaced by S3 objects, as `sam package` leaves them."""
    functions = [
        resource.setdefault("Properties", {})
        for resource in template["Resources"].values()
        if resource.get("Type") == "AWS::Serverless::Function"
    ]
    globals_ = template.get("Globals", {}).get("Function", {})
    for properties in [globals_, *functions]:
        if isinstance(properties.get("CodeUri"), str) and not properties["CodeUri"].startswith("s3://"):
            properties["CodeUri"] = "s3://membership-artifacts/build.zip"
    return template


class NoManagedPolicies:
    """The template names no managed policy by name, so nothing is looked up in IAM."""

    def load(self) -> dict:
        return {}


def main() -> None:
    source, output = sys.argv[1], sys.argv[2]
    # The translator asks boto for the region of the pseudo parameters; no call reaches AWS.
    os.environ.setdefault("AWS_DEFAULT_REGION", PARAMETERS["AWS::Region"])
    with open(source, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    try:
        transformed = transform(as_packaged(template), dict(PARAMETERS), NoManagedPolicies())
    except InvalidDocumentException as error:
        sys.exit("SAM transform failed:\n" + "\n".join(f"  {cause.message}" for cause in error.causes))
    leftovers = sorted(
        name
        for name, resource in transformed["Resources"].items()
        if resource.get("Type", "").startswith("AWS::Serverless::")
    )
    if leftovers:
        sys.exit(f"SAM resources left untranslated: {', '.join(leftovers)}")
    with open(output, "w", encoding="utf-8") as f:
        json.dump(transformed, f, indent=1, sort_keys=True)
    kinds: dict = {}
    for resource in transformed["Resources"].values():
        kinds[resource["Type"]] = kinds.get(resource["Type"], 0) + 1
    summary = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
    print(f"SAM transform of {source}: {len(transformed['Resources'])} resources ({summary})")


if __name__ == "__main__":
    main()
