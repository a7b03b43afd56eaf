"""Validates OpenAPI documents: the document itself (openapi-spec-validator), then every example of a
request or response body against the schema beside it (OpenAPI 3.1 schema dialect), so an example
that drifts from its schema fails the test command rather than misleading a client.

Usage: check_openapi.py DOCUMENT.json...
"""

import json
import sys

from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator, oas31_format_checker
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = "urn:openapi-document"


def escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def resolve(document: dict, node: dict, pointer: str) -> tuple[dict, str]:
    """Follows local `$ref`s of components (responses, request bodies, examples), keeping the
    JSON Pointer of where the node lives, against which the `$ref`s in its schema resolve."""
    while "$ref" in node:
        pointer = node["$ref"].removeprefix("#")
        node = document
        for part in pointer.removeprefix("/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node, pointer


def media_examples(document: dict):
    """(where, pointer of the schema, example) for every example of a request or response body."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            base = f"/paths/{escape(path)}/{method}"
            bodies = []
            if "requestBody" in operation:
                bodies.append(("request", *resolve(document, operation["requestBody"], f"{base}/requestBody")))
            for status, response in operation["responses"].items():
                bodies.append((status, *resolve(document, response, f"{base}/responses/{status}")))
            for label, body, pointer in bodies:
                for media_type, media in body.get("content", {}).items():
                    where = f"{method.upper()} {path} {label} {media_type}"
                    schema = f"{pointer}/content/{escape(media_type)}/schema"
                    if "example" in media:
                        yield where, schema, media["example"]
                    for name, example in media.get("examples", {}).items():
                        value = resolve(document, example, "")[0]["value"]
                        yield f"{where} example {name}", schema, value


def check(path: str) -> int:
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    validate(document)
    registry = Registry().with_resource(ROOT, Resource(contents=document, specification=DRAFT202012))
    failures = 0
    checked = 0
    for where, schema, example in media_examples(document):
        validator = OAS31Validator(
            {"$ref": f"{ROOT}#{schema}"}, registry=registry, format_checker=oas31_format_checker
        )
        errors = sorted(validator.iter_errors(example), key=lambda e: list(e.path))
        checked += 1
        for error in errors:
            failures += 1
            location = "/".join(str(p) for p in error.absolute_path)
            print(f"{path}: {where}: /{location}: {error.message}", file=sys.stderr)
    print(f"{path}: valid OpenAPI {document['openapi']}, {checked} examples match their schemas")
    return failures


def main() -> None:
    failures = 0
    for path in sys.argv[1:]:
        try:
            failures += check(path)
        except ValidationError as error:
            print(f"{path}: not a valid OpenAPI document: {error.message}", file=sys.stderr)
            failures += 1
        except Exception as error:  # a dangling $ref, unreadable JSON: one line, not a traceback
            print(f"{path}: {type(error).__name__}: {str(error)[:500]}", file=sys.stderr)
            failures += 1
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
