"""A DynamoDB- and Secrets Manager-compatible server for the tests: moto, on loopback, serving one
request at a time.

moto's own `moto_server` handles requests on many threads, and its handlers are not thread-safe:
a transaction deep-copies tables that another thread is changing (500), and a conditional write's
check and set can interleave with another's. DynamoDB makes each conditional write and each
transaction atomic; serving requests one by one is how this server keeps that promise, so the race
tests exercise the service's invariants rather than the test server's races.

moto finds the service of each request by listing its package directory from disk (a stat per
service, about half of a request's time); this server remembers the answer per host, which halves
the time of every call the tests and the benchmarks make.

Usage: dynamodb_server.py PORT
"""

import functools
import signal
import sys

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple


class Dispatcher(DomainDispatcherApplication):
    """moto's dispatcher, with the backend of each host looked up once."""

    @functools.cache
    def get_backend_for_host(self, host):
        return super().get_backend_for_host(host)


def main() -> None:
    port = int(sys.argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = Dispatcher(create_backend_app)
    run_simple("127.0.0.1", port, app, threaded=False, use_reloader=False, use_debugger=False)


if __name__ == "__main__":
    main()
