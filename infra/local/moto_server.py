"""moto's server for the local stack, with DynamoDB requests serialised.

moto 5.2.5 rolls back a cancelled TransactWriteItems by putting back a deep copy of each table
that it took when the transaction began. Writes that other threads made to those tables in
between are lost with it, and the table's stream then hands out sequence numbers again. Real
DynamoDB has no such race. Serialising the DynamoDB and DynamoDB Streams calls (moto is slow
and local anyway) gives the local stack the guarantees the product relies on in AWS.

Usage: python infra/local/moto_server.py [moto_server arguments]
"""

import sys
import threading

from moto.dynamodb.responses import DynamoHandler
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.server import main

_lock = threading.RLock()


def _serialised(call_action):
    def wrapper(self, *args, **kwargs):
        with _lock:
            return call_action(self, *args, **kwargs)

    return wrapper


for _handler in (DynamoHandler, DynamoDBStreamsHandler):
    _handler.call_action = _serialised(_handler.call_action)

if __name__ == "__main__":
    sys.exit(main())
