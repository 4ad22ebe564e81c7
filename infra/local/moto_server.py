"""moto's server for the local stack, with three fixes that let it hold a national-launch burst.

1. DynamoDB and DynamoDB Streams calls are serialised. moto evaluates a transaction's conditions
   and writes item by item; without one lock, another thread sees half a transaction.
2. TransactWriteItems rolls back with an undo log of the items it touched. moto 5.2.5 takes a
   deep copy of every table a transaction names before it starts (the time and memory of the
   whole table, for each transaction) and, when the transaction is cancelled, puts the copies in
   place of the tables. Shard iterators still point at the replaced tables' streams, so every
   cancelled transaction kept a whole table alive: 19 GB after 1,000 requests at once.
3. Shard iterators expire 15 minutes after they were handed out, as in DynamoDB. moto keeps
   every iterator it ever made, and the local server asks for two each time it polls a stream.

And a fault injector for the tests, in front of moto: `POST /_cazier/faults` with a JSON list
of rules makes the next matching calls fail as AWS fails (see `_FaultInjector`); and each
function's role, enforced on the calls signed with its key (`POST /_cazier/roles`, see
`roles_enforced.py`).

Usage: python infra/local/moto_server.py [moto_server arguments]
"""

import collections
import copy
import io
import json
import re
import socket
import struct
import sys
import threading
import time

from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.server import main
from werkzeug.serving import WSGIRequestHandler

from roles_enforced import RoleEnforcer

_lock = threading.RLock()


def _serialised(call_action):
    def wrapper(self, *args, **kwargs):
        with _lock:
            return call_action(self, *args, **kwargs)

    return wrapper


for _handler in (DynamoHandler, DynamoDBStreamsHandler):
    _handler.call_action = _serialised(_handler.call_action)


class _UndoLog:
    """The items a transaction is about to write, as they were, and each stream's length."""

    def __init__(self):
        self._items = []
        self._streams = {}

    def remember(self, backend, table, key):
        hash_key, range_key = backend.get_keys_value(table, key)
        before = table.get_item(hash_key, range_key)
        self._items.append((table, hash_key, range_key, copy.deepcopy(before)))
        if table.stream_shard is not None and id(table) not in self._streams:
            self._streams[id(table)] = (table.stream_shard, len(table.stream_shard.items))

    def restore(self):
        for table, hash_key, range_key, before in reversed(self._items):
            store = table.items[hash_key] if range_key is not None else table.items
            slot = range_key if range_key is not None else hash_key
            if before is None:
                store.pop(slot, None)
            else:
                store[slot] = before
            if range_key is not None and not table.items[hash_key]:
                table.items.pop(hash_key, None)
        # A cancelled transaction leaves no stream record, as in DynamoDB.
        for shard, length in self._streams.values():
            del shard.items[length:]


def _transact_write_items(self, transact_items):
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = _UndoLog()
    targets = set()
    reasons = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        returned_item = None
        try:
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            table = self.get_table(table_name)
            if op_type == "Put":
                attrs = op["Item"]
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            target = (table_name, str(sorted(key.items())))
            if target in targets:
                raise MultipleTransactionsException()
            targets.add(target)

            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            condition = op.get("ConditionExpression")
            current = self.get_item(table_name, key)
            if condition is not None:
                if not get_filter_expression(condition, names, values).expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        returned_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=returned_item)

            if op_type != "ConditionCheck":
                undo.remember(self, table, key)
            if op_type == "Put":
                self.put_item(table_name, op["Item"])
            elif op_type == "Delete":
                self.delete_item(table_name, key)
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            reasons.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            undo.restore()
            raise
        except ConditionalCheckFailed as e:
            reasons.append(("ConditionalCheckFailed", str(e.message), returned_item))
        except Exception as e:  # noqa: BLE001 (DynamoDB reports any other failure as a reason)
            reasons.append((type(e).__name__, str(e), returned_item))

    if any(code is not None for code, _, _ in reasons):
        undo.restore()
        raise TransactionCanceledException(reasons)


DynamoDBBackend.transact_write_items = _transact_write_items

_ITERATOR_LIFETIME_S = 15 * 60
_handed_out = collections.deque()


def _expiring(make_iterator):
    """Records each iterator handed out and forgets those older than 15 minutes."""

    def wrapper(self, *args, **kwargs):
        answer = make_iterator(self, *args, **kwargs)
        now = time.monotonic()
        while _handed_out and now - _handed_out[0][0] > _ITERATOR_LIFETIME_S:
            _, arn = _handed_out.popleft()
            self.shard_iterators.pop(arn, None)
        arn = answer.arn if hasattr(answer, "arn") else answer.get("NextShardIterator")
        if arn:
            _handed_out.append((now, arn))
        return answer

    return wrapper


DynamoDBStreamsBackend.get_shard_iterator = _expiring(DynamoDBStreamsBackend.get_shard_iterator)
DynamoDBStreamsBackend.get_records = _expiring(DynamoDBStreamsBackend.get_records)


class _FaultInjector:
    """Rules, each for the next `count` calls matching it:

    {"service": "dynamodb" | "kms" | "s3", "action": "GetItem" | "Sign" | "PUT" | …  (the
     X-Amz-Target operation, or the HTTP method for S3; absent: any), "contains": "text in the
     request body" (optional), and what happens: "error": an AWS error code, answered with the
     status and body AWS uses for it; or "reset": true (the connection is reset); or
     "delay_s": N (the call is answered normally, N seconds late)}.

    GET /_cazier/faults lists the rules with the calls each has left; DELETE clears them.
    """

    SCOPE = re.compile(r"Credential=[^/]+/[0-9]+/[^/]+/([^/]+)/aws4_request")
    STATUS = {
        "ProvisionedThroughputExceededException": 400,
        "ThrottlingException": 400,
        "RequestLimitExceeded": 400,
        "TransactionCanceledException": 400,
        "InternalServerError": 500,
        "KMSInternalException": 500,
        "SlowDown": 503,
        "InternalError": 500,
        "ServiceUnavailable": 503,
    }

    def __init__(self):
        self.rules = []
        self.lock = threading.Lock()

    def take(self, service, action, body):
        with self.lock:
            for rule in self.rules:
                if rule["count"] <= 0 or rule.get("service") != service:
                    continue
                if rule.get("action") not in (None, action):
                    continue
                if rule.get("contains") and rule["contains"].encode() not in (body or b""):
                    continue
                rule["count"] -= 1
                return rule
        return None

    def needs_body(self, service):
        with self.lock:
            return any(r.get("contains") and r.get("service") == service for r in self.rules)

    @classmethod
    def error_body(cls, service, code):
        message = f"injected by the test: {code}"
        if service == "s3":
            xml = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
            return "application/xml", xml.encode()
        if service == "dynamodb":
            document = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
            if code == "TransactionCanceledException":
                document["CancellationReasons"] = [{"Code": "TransactionConflict"}]
            return "application/x-amz-json-1.0", json.dumps(document).encode()
        return "application/x-amz-json-1.1", json.dumps({"__type": code, "message": message}).encode()


_faults = _FaultInjector()


def _answer(handler, status, content_type, body):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _read_body(handler):
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _updated_attributes(expression, names):
    """The top-level attributes an UpdateExpression sets (SET, ADD) and removes (REMOVE,
    DELETE), with `#name` placeholders resolved: what decides the index writes it costs."""
    set_, removed = [], []
    clauses = re.split(r"\b(SET|REMOVE|ADD|DELETE)\b", expression, flags=re.IGNORECASE)
    for keyword, body in zip(clauses[1::2], clauses[2::2]):
        depth, part, parts = 0, "", []
        for ch in body:  # split at the commas outside parentheses
            depth += (ch == "(") - (ch == ")")
            if ch == "," and depth == 0:
                parts.append(part)
                part = ""
            else:
                part += ch
        parts.append(part)
        for part in filter(str.strip, parts):
            target = part.split("=")[0] if keyword.upper() == "SET" else part.split()[0]
            target = re.split(r"[.\[]", target.strip())[0]
            target = names.get(target, target)
            (set_ if keyword.upper() in ("SET", "ADD") else removed).append(target)
    return set_, removed


class _Meter:
    """Counts the calls the service makes while on (`POST /_cazier/calls` starts afresh,
    `GET` lists them): per call the service, the operation, the DynamoDB tables and index it
    names, the items it writes with their sizes, and the bytes each way. For docs/COST.md."""

    def __init__(self):
        self.calls = None
        self.lock = threading.Lock()

    @staticmethod
    def dynamodb_detail(action, body):
        try:
            request = json.loads(body or b"{}")
        except ValueError:
            return {}

        def write(op, detail):
            item = detail.get("Item") or detail.get("Key") or {}
            out = {"op": op, "table": detail.get("TableName"), "bytes": len(json.dumps(item))}
            if op == "Put":
                out["attributes"] = sorted(item)
            elif op == "Update":
                out["set"], out["removed"] = _updated_attributes(
                    detail.get("UpdateExpression", ""), detail.get("ExpressionAttributeNames") or {})
            return out

        if action == "TransactWriteItems":
            writes = []
            for entry in request.get("TransactItems", []):
                op, detail = next(iter(entry.items()))
                writes.append(write(op, detail))
            return {"writes": writes}
        detail = {"table": request.get("TableName"), "index": request.get("IndexName")}
        if action in ("PutItem", "UpdateItem", "DeleteItem"):
            op = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete"}[action]
            detail["writes"] = [write(op, request)]
        return detail

    def record(self, handler, run_wsgi, service, action, body):
        call = {"service": service, "action": action,
                "request_bytes": len(body) if body is not None else int(handler.headers.get("Content-Length") or 0)}
        if service == "dynamodb":
            call.update(self.dynamodb_detail(action, body))
        # Listed before it is answered: the client may start the next step (and the meter
        # afresh) as soon as it has the answer.
        with self.lock:
            if self.calls is not None:
                self.calls.append(call)
        original_out = handler.wfile
        counter = _CountingWriter(original_out)
        handler.wfile = counter
        original_in = handler.rfile
        if body is not None:
            handler.rfile = io.BufferedReader(io.BytesIO(body))
        try:
            return run_wsgi(handler)
        finally:
            handler.wfile = original_out
            handler.rfile = original_in
            call["response_bytes"] = counter.count


class _CountingWriter:
    def __init__(self, inner):
        self.inner = inner
        self.count = 0

    def write(self, data):
        self.count += len(data)
        return self.inner.write(data)

    def __getattr__(self, name):
        return getattr(self.inner, name)


_meter = _Meter()
_roles = RoleEnforcer()


def _run_with_body(handler, run_wsgi, body):
    """Runs moto on the request, its body given back if it was read here (None: not read)."""
    if body is None:
        return run_wsgi(handler)
    original = handler.rfile
    handler.rfile = io.BufferedReader(io.BytesIO(body))
    try:
        return run_wsgi(handler)
    finally:
        handler.rfile = original


def _with_faults(run_wsgi):
    def wrapper(self):
        if self.path.startswith("/_cazier/faults"):
            body = _read_body(self)
            with _faults.lock:
                if self.command == "POST":
                    for rule in json.loads(body or b"[]"):
                        rule.setdefault("count", 1)
                        _faults.rules.append(rule)
                elif self.command == "DELETE":
                    _faults.rules.clear()
                listing = json.dumps(_faults.rules).encode()
            return _answer(self, 200, "application/json", listing)
        if self.path.startswith("/_cazier/calls"):
            _read_body(self)
            with _meter.lock:
                if self.command == "POST":
                    _meter.calls = []
                listing = json.dumps(_meter.calls or []).encode()
            return _answer(self, 200, "application/json", listing)
        if self.path.startswith("/_cazier/roles"):
            body = _read_body(self)
            if self.command == "POST":
                _roles.set(json.loads(body or b"{}"))
            return _answer(self, 200, "application/json", json.dumps(_roles.listing()).encode())
        authorization = self.headers.get("Authorization") or ""
        body = None
        plain = "chunked" not in (self.headers.get("Transfer-Encoding") or "")
        if _roles.enforced(authorization):
            if plain and self.headers.get("X-Amz-Target"):
                body = _read_body(self)
            refused = _roles.refusal(authorization, self.headers, self.command, self.path, body)
            if refused:
                if body is None:
                    _read_body(self)
                return _answer(self, *refused)
        if not _faults.rules and _meter.calls is None:
            return _run_with_body(self, run_wsgi, body)
        scope = _FaultInjector.SCOPE.search(authorization)
        service = scope.group(1) if scope else None
        target = self.headers.get("X-Amz-Target") or ""
        action = target.rsplit(".", 1)[-1] if target else self.command
        if target.startswith("DynamoDBStreams"):
            service = "dynamodbstreams"
        metered = _meter.calls is not None and service == "dynamodb"
        if body is None and plain and (metered or _faults.needs_body(service)):
            body = _read_body(self)
        rule = _faults.take(service, action, body)
        if rule and rule.get("reset"):
            # SO_LINGER 0: close() sends a reset, as a dropped connection does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return None
        if rule and rule.get("error"):
            code = rule["error"]
            content_type, payload = _FaultInjector.error_body(service, code)
            if body is None:
                _read_body(self)
            return _answer(self, _FaultInjector.STATUS.get(code, 400), content_type, payload)
        if rule and rule.get("delay_s"):
            time.sleep(float(rule["delay_s"]))
        if _meter.calls is not None:
            return _meter.record(self, run_wsgi, service, action, body)
        return _run_with_body(self, run_wsgi, body)

    return wrapper


WSGIRequestHandler.run_wsgi = _with_faults(WSGIRequestHandler.run_wsgi)

if __name__ == "__main__":
    sys.exit(main())
