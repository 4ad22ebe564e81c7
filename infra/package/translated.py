"""The template as CloudFormation will run it, read against what the local stack ran.

SAM's own translator (samtranslator, shipped with aws-sam-cli in .venv) turns template.yaml
into the CloudFormation template `sam deploy` creates; its Lambda functions must be the ones
the local stack served, each with the same environment variable names (the local stack writes
them to <state>/sam-env.json) and its own role from the template.

Usage: .venv/bin/python infra/package/translated.py template.yaml .local/sam-env.json
"""

import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

# Added by the local stack only: moto's address and the local mail sink.
LOCAL_ONLY = {"AWS_ENDPOINT_URL", "MAIL_SMTP_ADDRESS"}


class NoManagedPolicies:
    """The template names no AWS managed policy: nothing to look up in IAM."""

    def load(self):
        return {}


def translated(path):
    template = yaml_parse(open(path, encoding="utf-8").read())
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            # Where `sam package` puts the zip; the translator only checks its form.
            resource["Properties"]["CodeUri"] = "s3://package/function.zip"
    return transform(template, {}, NoManagedPolicies())


def main(template_path, local_env_path):
    resources = translated(template_path)["Resources"]
    functions = {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] == "AWS::Lambda::Function"
    }
    ran = json.load(open(local_env_path, encoding="utf-8"))
    problems = []
    for name in sorted(set(functions) ^ set(ran)):
        where = "CloudFormation only" if name in functions else "the local stack only"
        problems.append(f"{name}: a function in {where}")
    for name in sorted(set(functions) & set(ran)):
        deployed = set(functions[name].get("Environment", {}).get("Variables", {}))
        local = set(ran[name]) - LOCAL_ONLY
        if deployed != local:
            problems.append(
                f"{name}: deployed with {sorted(deployed - local)} that the local stack did not"
                f" give, and without {sorted(local - deployed)} that it did"
            )
        role = functions[name].get("Role", {}).get("Fn::GetAtt", [None])[0]
        if resources.get(role, {}).get("Type") != "AWS::IAM::Role":
            problems.append(f"{name}: its role is not one of the template's own")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(functions)} functions: as CloudFormation will run them, as the local stack ran them")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
