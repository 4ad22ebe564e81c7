"""Each function's role, enforced in front of moto: a call signed with a function's access key
is refused, as AWS refuses it, unless that function's role (the template's policies, resolved
to the local resources' ARNs by the local stack) allows the action on the resource.

Not moto's own IAM mode: moto 5.2.5 checks DynamoDB and KMS actions against the resource "*"
only (so no grant on a table ARN ever matches) and turns an Allow whose condition it cannot
read into an explicit deny. What this evaluates: Allow and Deny statements, `Action` and
`Resource` with wildcards, per DynamoDB item of a transaction (AWS checks `PutItem`,
`UpdateItem`, `DeleteItem` and `ConditionCheckItem` on each item's table), indexes as
`table/<t>/index/<i>`, KMS keys by id, ARN or alias, S3 objects and buckets. Not evaluated:
`Condition` blocks (treated as met: `dynamodb:LeadingKeys`, `dynamodb:Attributes`,
`dynamodb:ReturnValues`, `ses:FromAddress`) and KMS key policies; see the README.

POST /_cazier/roles {"<access key id>": {"role": "<name>", "statements": [...]}} sets them
(replacing any); GET lists who is enforced. Calls with any other key (the operator's, the
tests') are not checked.
"""

import fnmatch
import json
import re
import threading

ACCOUNT = "123456789012"
CREDENTIAL = re.compile(r"Credential=([^/]+)/[0-9]+/([^/]+)/([^/]+)/aws4_request")


class RoleEnforcer:
    def __init__(self):
        self.roles = {}
        self.lock = threading.Lock()

    def set(self, roles):
        with self.lock:
            self.roles = dict(roles)

    def listing(self):
        with self.lock:
            return {key: role["role"] for key, role in self.roles.items()}

    def enforced(self, authorization):
        """The role of the key that signed the call, or None."""
        found = CREDENTIAL.search(authorization or "")
        if not found:
            return None
        with self.lock:
            role = self.roles.get(found.group(1))
        return (role, found.group(2), found.group(3)) if role else None

    def refusal(self, authorization, headers, method, path, body):
        """None if the call is allowed; else (status, content type, body) as AWS refuses."""
        enforced = self.enforced(authorization)
        if not enforced:
            return None
        role, region, service = enforced
        target = headers.get("X-Amz-Target") or ""
        if target.startswith("DynamoDBStreams"):
            service = "dynamodbstreams"
        try:
            asked = list(_asked(service, region, target, headers, method, path, body))
        except (ValueError, KeyError, TypeError, StopIteration, AttributeError):
            # A call this enforcer cannot read is refused, never let through unchecked.
            operation = target.rsplit(".", 1)[-1] or method
            return _denied(service, role["role"], f"{service}:{operation}", "*")
        if not asked:
            return _denied(service, role["role"], f"{service}:{target or method}", "*")
        for action, resource in asked:
            if not _allowed(role["statements"], action, resource):
                return _denied(service, role["role"], action, resource)
        return None


def _asked(service, region, target, headers, method, path, body):
    """Each (action, resource) the call needs."""
    operation = target.rsplit(".", 1)[-1]
    if service == "dynamodb":
        request = json.loads(body or b"{}")
        table = lambda name: f"arn:aws:dynamodb:{region}:{ACCOUNT}:table/{name}"
        per_item = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
        if operation in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"):
            statements = {"ExecuteStatement": lambda r: [r],
                          "BatchExecuteStatement": lambda r: r["Statements"],
                          "ExecuteTransaction": lambda r: r["TransactStatements"]}[operation]
            for statement in statements(request):
                yield _partiql(statement["Statement"], table)
        elif operation in ("ListTables", "DescribeLimits", "DescribeEndpoints"):
            yield f"dynamodb:{operation}", "*"
        elif operation in ("TransactWriteItems", "TransactGetItems"):
            for entry in request["TransactItems"]:
                kind, detail = next(iter(entry.items()))
                yield f"dynamodb:{per_item[kind]}", table(detail["TableName"])
        elif operation in ("BatchGetItem", "BatchWriteItem"):
            for name in request["RequestItems"]:
                yield f"dynamodb:{operation}", table(name)
        else:
            resource = table(request["TableName"])
            if request.get("IndexName"):
                resource += f"/index/{request['IndexName']}"
            yield f"dynamodb:{operation}", resource
    elif service == "kms":
        request = json.loads(body or b"{}")
        key_id = request.get("KeyId")
        if not key_id and request.get("CiphertextBlob"):
            # Decrypt without a key id: the key that encrypted it (named in moto's blob).
            import base64

            from moto.kms.utils import _deserialize_ciphertext_blob

            key_id = _deserialize_ciphertext_blob(base64.b64decode(request["CiphertextBlob"])).key_id
        yield f"kms:{operation}", _key_arn(region, key_id or "*")
    elif service == "sqs":
        request = json.loads(body or b"{}")
        url = request.get("QueueUrl")
        if url:
            yield f"sqs:{operation}", f"arn:aws:sqs:{region}:{ACCOUNT}:{url.rstrip('/').rsplit('/', 1)[-1]}"
        else:
            yield f"sqs:{operation}", "*"
    elif service == "s3":
        host = (headers.get("Host") or "").split(":")[0]
        parts = path.split("?")[0].lstrip("/").split("/", 1)
        if re.fullmatch(r"[0-9.]+|localhost", host):
            bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
        else:  # virtual-hosted: bucket.host
            bucket, key = host.split(".")[0], "/".join(parts)
        query = path.split("?", 1)[1] if "?" in path else ""
        subresources = {q.split("=")[0] for q in query.split("&") if q}
        if subresources - {"x-id", "list-type", "prefix", "delimiter", "max-keys",
                           "continuation-token", "start-after", "encoding-type"}:
            # ?policy, ?acl, ?delete, ?tagging, … are actions of their own (none granted here).
            yield f"s3:{method}:{','.join(sorted(subresources))}", f"arn:aws:s3:::{bucket}"
        elif key:
            action = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject",
                      "DELETE": "DeleteObject"}[method]
            yield f"s3:{action}", f"arn:aws:s3:::{bucket}/{key}"
        elif method in ("GET", "HEAD"):
            yield "s3:ListBucket", f"arn:aws:s3:::{bucket}"
        else:
            yield f"s3:{method}Bucket", f"arn:aws:s3:::{bucket}"
    elif operation:
        yield f"{service}:{operation}", "*"


def _partiql(statement, table):
    """The action and table of one PartiQL statement (`dynamodb:PartiQLSelect` …)."""
    match = re.match(r'\s*(SELECT|INSERT|UPDATE|DELETE)\b.*?\b(?:FROM|INTO|UPDATE)?\s*"([^"]+)"',
                     statement, re.IGNORECASE | re.DOTALL)
    if not match:
        raise ValueError("a statement this enforcer cannot read")
    verb, name = match.group(1).capitalize(), match.group(2).split(".")[0]
    return f"dynamodb:PartiQL{verb}", table(name)


def _key_arn(region, key_id):
    if key_id.startswith("arn:") and ":key/" in key_id:
        return key_id
    if "alias/" in key_id:
        from moto.kms.models import kms_backends

        alias = key_id[key_id.index("alias/"):]
        backend = kms_backends[ACCOUNT][region]
        key_id = backend.get_key_id_from_alias(alias) or key_id
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def _listed(value):
    return value if isinstance(value, list) else [value]


def _allowed(statements, action, resource):
    """AWS's evaluation for one identity: an explicit Deny wins, else an Allow is needed."""
    allowed = False
    for statement in statements:
        if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in _listed(statement.get("Action", []))):
            continue
        if not any(fnmatch.fnmatchcase(resource, r) for r in _listed(statement.get("Resource", "*"))):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def _denied(service, role, action, resource):
    message = (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/{role}/local is not authorized to "
               f"perform: {action} on resource: {resource} because no identity-based policy "
               f"allows the {action} action")
    if service == "s3":
        xml = f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
        return 403, "application/xml", xml.encode()
    if service.startswith("dynamodb"):
        document = {"__type": "com.amazon.coral.service#AccessDeniedException", "Message": message}
        return 400, "application/x-amz-json-1.0", json.dumps(document).encode()
    return 400, "application/x-amz-json-1.1", json.dumps(
        {"__type": "AccessDeniedException", "message": message}).encode()


def _self_test():
    """`python roles_enforced.py`: the evaluation on a role like the template's."""
    statements = [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": "arn:aws:dynamodb:r:1:table/t"},
        {"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "arn:aws:dynamodb:r:1:table/t/index/*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/secret/*"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
    ]
    assert _allowed(statements, "dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/t")
    assert not _allowed(statements, "dynamodb:GetItem", "arn:aws:dynamodb:r:1:table/other")
    assert not _allowed(statements, "dynamodb:PutItem", "arn:aws:dynamodb:r:1:table/t")
    assert _allowed(statements, "dynamodb:Query", "arn:aws:dynamodb:r:1:table/t/index/by_x")
    assert not _allowed(statements, "dynamodb:Query", "arn:aws:dynamodb:r:1:table/t")
    assert _allowed(statements, "s3:GetObject", "arn:aws:s3:::b/certificates/x")
    assert not _allowed(statements, "s3:GetObject", "arn:aws:s3:::b/secret/x")
    writes = list(_asked("dynamodb", "r", "DynamoDB_20120810.TransactWriteItems", {}, "POST", "/",
                         json.dumps({"TransactItems": [{"Put": {"TableName": "a"}},
                                                       {"ConditionCheck": {"TableName": "b"}}]})))
    assert writes == [("dynamodb:PutItem", f"arn:aws:dynamodb:r:{ACCOUNT}:table/a"),
                      ("dynamodb:ConditionCheckItem", f"arn:aws:dynamodb:r:{ACCOUNT}:table/b")]
    objects = list(_asked("s3", "r", "", {"Host": "127.0.0.1:5000"}, "GET", "/docs/trust/chain.pem", b""))
    assert objects == [("s3:GetObject", "arn:aws:s3:::docs/trust/chain.pem")]
    policy = list(_asked("s3", "r", "", {"Host": "127.0.0.1:5000"}, "GET", "/docs?policy", b""))
    assert policy == [("s3:GET:policy", "arn:aws:s3:::docs")]
    select = list(_asked("dynamodb", "r", "DynamoDB_20120810.ExecuteStatement", {}, "POST", "/",
                         json.dumps({"Statement": 'SELECT * FROM "accounts" WHERE pk = ?'})))
    assert select == [("dynamodb:PartiQLSelect", f"arn:aws:dynamodb:r:{ACCOUNT}:table/accounts")]
    sent = list(_asked("sqs", "r", "AmazonSQS.SendMessage", {}, "POST", "/",
                       json.dumps({"QueueUrl": "http://127.0.0.1:5000/123/q", "MessageBody": "{}"})))
    assert sent == [("sqs:SendMessage", f"arn:aws:sqs:r:{ACCOUNT}:q")]
    listing = list(_asked("dynamodb", "r", "DynamoDB_20120810.ListTables", {}, "POST", "/", "{}"))
    assert listing == [("dynamodb:ListTables", "*")]
    # What cannot be read is refused, not let through.
    enforcer = RoleEnforcer()
    enforcer.set({"local-F": {"role": "FRole", "statements": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": f"arn:aws:dynamodb:r:{ACCOUNT}:table/t"}]}})
    auth = "AWS4-HMAC-SHA256 Credential=local-F/20261207/r/dynamodb/aws4_request, SignedHeaders=x"
    assert enforcer.refusal(auth, {"X-Amz-Target": "DynamoDB_20120810.GetItem"}, "POST", "/", b"{}")
    assert enforcer.refusal(auth, {"X-Amz-Target": "DynamoDB_20120810.ExecuteStatement"}, "POST",
                            "/", json.dumps({"Statement": "EXISTS(SELECT 1)"}))
    assert enforcer.refusal(auth, {"X-Amz-Target": "DynamoDB_20120810.GetItem"}, "POST", "/",
                            json.dumps({"TableName": "t"})) is None
    print("ok")


if __name__ == "__main__":
    _self_test()
