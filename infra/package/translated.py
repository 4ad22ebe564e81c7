"""The template as CloudFormation will run it, held against what the local stack runs.

SAM's own translator (samtranslator, shipped with aws-sam-cli in .venv) turns the template
into the CloudFormation template `sam deploy` creates. The local stack reads the same
template with its own reader and records what it runs (`cazier-local --describe FILE`, and
<state>/ran.json of every stack). Both must give the same deployment:
- the same functions, each with the same environment variable names, timeout, memory and
  role (one of the template's own);
- each role with the same grants (effect, actions, the resources they name);
- every HTTP route to the same function;
- the stream mappings with the same table, batch size, retries, bisection, parallelisation
  and filters, and a queue for what they set aside;
- the schedules with the same function, period and input.

Usage: .venv/bin/python infra/package/translated.py TEMPLATE RAN_JSON
  (TEMPLATE: template.yaml, or `sam build`'s .aws-sam/build/template.yaml)
"""

import json
import os
import re
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

# How long each unit of a `rate(…)` expression is, in seconds.
RATE_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


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


def names(value):
    """The logical ids a value names through Ref, Fn::GetAtt and Fn::Sub (no AWS::…)."""
    found = set()
    if isinstance(value, dict):
        if "Ref" in value:
            found.add(value["Ref"])
        elif "Fn::GetAtt" in value:
            attribute = value["Fn::GetAtt"]
            found.add(attribute[0] if isinstance(attribute, list) else attribute.split(".")[0])
        elif "Fn::Sub" in value and isinstance(value["Fn::Sub"], str):
            found.update(n.split(".")[0] for n in re.findall(r"\$\{([^}]+)\}", value["Fn::Sub"]))
        else:
            for v in value.values():
                found |= names(v)
    elif isinstance(value, list):
        for v in value:
            found |= names(v)
    return {n for n in found if not n.startswith("AWS::")}


def as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def grants(role):
    """Each statement of a role's inline policies, as the local record lists them."""
    listed = []
    for policy in role["Properties"].get("Policies", []):
        for statement in as_list(policy["PolicyDocument"].get("Statement")):
            resource = statement.get("Resource")
            listed.append({
                "effect": statement.get("Effect"),
                "actions": sorted(as_list(statement.get("Action"))),
                "resources": sorted(names(resource)),
                "literal_resources": sorted(r for r in as_list(resource) if isinstance(r, str)),
            })
    return listed


def period_secs(expression):
    match = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", expression)
    return int(match.group(1)) * RATE_UNITS[match.group(2)] if match else expression


def deployment(resources):
    """What CloudFormation will run, in the local record's shape."""
    def function_of(arn_value):
        return next(iter(names(arn_value)), None)

    functions, roles = {}, {}
    for name, r in resources.items():
        if r["Type"] != "AWS::Lambda::Function":
            continue
        p = r["Properties"]
        role = function_of(p.get("Role"))
        functions[name] = {
            "environment": sorted(p.get("Environment", {}).get("Variables", {})),
            "timeout": p.get("Timeout", 3),
            "memory": p.get("MemorySize", 128),
            "role": role if resources.get(role, {}).get("Type") == "AWS::IAM::Role" else None,
        }
        if functions[name]["role"]:
            roles[role] = grants(resources[role])
    routes = {}
    for r in resources.values():
        if r["Type"] != "AWS::ApiGatewayV2::Api":
            continue
        for path, methods in r["Properties"].get("Body", {}).get("paths", {}).items():
            for method, operation in methods.items():
                uri = operation["x-amazon-apigateway-integration"]["uri"]
                method = "ANY" if method == "x-amazon-apigateway-any-method" else method.upper()
                key = "$default" if path == "$default" else f"{method} {path}"
                routes[key] = function_of(uri)
    streams, schedules = [], []
    for r in resources.values():
        p = r.get("Properties", {})
        if r["Type"] == "AWS::Lambda::EventSourceMapping":
            streams.append({
                "function": function_of(p["FunctionName"]),
                "table": function_of(p["EventSourceArn"]),
                "batch_size": p.get("BatchSize", 100),
                "max_retries": p.get("MaximumRetryAttempts", 10000),
                "bisect_on_error": p.get("BisectBatchOnFunctionError", False),
                "parallelization": p.get("ParallelizationFactor", 1),
                "filters": [json.loads(f["Pattern"]) for f in p.get("FilterCriteria", {}).get("Filters", [])],
                "on_failure": function_of(p.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")),
            })
        elif r["Type"] == "AWS::Events::Rule" and "ScheduleExpression" in p:
            for target in p.get("Targets", []):
                schedules.append({
                    "function": function_of(target["Arn"]),
                    "period_secs": period_secs(p["ScheduleExpression"]),
                    "input": json.loads(target["Input"]) if "Input" in target else None,
                })
    return {"functions": functions, "roles": roles, "routes": routes,
            "streams": streams, "schedules": schedules}


def differences(deployed, ran):
    problems = []
    for name in sorted(set(deployed["functions"]) ^ set(ran["functions"])):
        where = "CloudFormation only" if name in deployed["functions"] else "the local stack only"
        problems.append(f"{name}: a function in {where}")
    for name in sorted(set(deployed["functions"]) & set(ran["functions"])):
        d, r = deployed["functions"][name], ran["functions"][name]
        if not d["role"]:
            problems.append(f"{name}: its role is not one of the template's own")
        for key in ("timeout", "memory", "role"):
            if d[key] != r[key]:
                problems.append(f"{name}: {key} {d[key]} deployed, {r[key]} locally")
        extra, missing = set(d["environment"]) - set(r["environment"]), set(r["environment"]) - set(d["environment"])
        if extra or missing:
            problems.append(
                f"{name}: deployed with {sorted(extra)} that the local stack did not give,"
                f" and without {sorted(missing)} that it did")
    for role in sorted(set(deployed["roles"]) | set(ran["roles"])):
        key = lambda g: json.dumps(g, sort_keys=True)  # noqa: E731
        d = sorted(map(key, deployed["roles"].get(role, [])))
        r = sorted(map(key, ran["roles"].get(role, [])))
        if d != r:
            problems.append(f"{role}: deployed grants {sorted(set(d) - set(r))},"
                            f" local grants {sorted(set(r) - set(d))}")
    for route in sorted(set(deployed["routes"]) | set(ran["routes"])):
        d, r = deployed["routes"].get(route), ran["routes"].get(route)
        if d != r:
            problems.append(f"route {route}: to {d} deployed, to {r} locally")
    for stream in deployed["streams"]:
        if not stream["on_failure"]:
            problems.append(f"{stream['function']}'s stream: no queue for the records it sets aside")
    for kind in ("streams", "schedules"):
        canonical = lambda items: sorted(json.dumps(i, sort_keys=True) for i in items)  # noqa: E731
        if canonical(deployed[kind]) != canonical(ran[kind]):
            problems.append(f"{kind}: deployed {canonical(deployed[kind])}, locally {canonical(ran[kind])}")
    return problems


def main(template_path, ran_path):
    deployed = deployment(translated(template_path)["Resources"])
    ran = json.load(open(ran_path, encoding="utf-8"))
    problems = differences(deployed, ran)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(deployed['functions'])} functions, {len(deployed['roles'])} roles,"
              f" {len(deployed['routes'])} routes, {len(deployed['streams'])} stream mappings,"
              f" {len(deployed['schedules'])} schedules: as CloudFormation will run them,"
              " as the local stack runs them")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
