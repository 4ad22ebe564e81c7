"""Schemathesis hooks for cazier's API fuzzing (tests/tests/fuzz.rs).

Schemathesis has no serializer for application/pdf; the document verification route takes the
file's bytes as they are, like application/octet-stream.
"""

import schemathesis
from schemathesis.transport.serialization import serialize_binary


@schemathesis.serializer("application/pdf")
def pdf(ctx, value):
    return {"data": serialize_binary(value)}
