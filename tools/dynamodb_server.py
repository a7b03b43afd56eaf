"""A DynamoDB- and Secrets Manager-compatible server for the tests: moto, on loopback, serving one
request at a time.

moto's own `moto_server` handles requests on many threads, and its handlers are not thread-safe:
a transaction deep-copies tables that another thread is changing (500), and a conditional write's
check and set can interleave with another's. DynamoDB makes each conditional write and each
transaction atomic; serving requests one by one is how this server keeps that promise, so the race
tests exercise the service's invariants rather than the test server's races.

Usage: dynamodb_server.py PORT
"""

import signal
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False, use_debugger=False)


if __name__ == "__main__":
    main()
