"""Run the demo connected service: ``python -m connected_services.demo_relying_party``."""

import os
import signal
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

from connected_services.demo_relying_party import config
from connected_services.demo_relying_party.app import DemoService


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):  # no query strings (codes) in the log
        print(f"demo service: {self.command} {self.path.split('?')[0]} {code}", flush=True)


def main():
    issuer = os.environ.get("DEMO_RP_ISSUER") or os.environ.get("SITE_URL", "http://127.0.0.1:8000")
    port = config.port()
    app = DemoService(issuer, f"http://127.0.0.1:{port}", config.load_or_create_key())
    print(f"Demo GP surgery (a connected service) at http://127.0.0.1:{port}/", flush=True)
    print(
        f"Demo pharmacy (single sign-on from the surgery) at "
        f"http://127.0.0.1:{port}{config.PHARMACY_PREFIX}/",
        flush=True,
    )
    # honcho stops it with SIGTERM when `make run` stops: a clean exit, not "rc=-15".
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    make_server("127.0.0.1", port, app, handler_class=QuietHandler).serve_forever()


if __name__ == "__main__":
    main()
