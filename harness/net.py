"""Small networking helpers shared by the harness servers."""

from __future__ import annotations

import socket
import sys
from http.server import ThreadingHTTPServer
from typing import Any

LOOPBACK = "127.0.0.1"


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server whose request threads do not keep it alive, quiet when a client hangs up.

    A client closing its connection (a reset, a broken pipe) is the client's business: without
    this, ``socketserver`` prints a traceback for each one, which reads like the harness failing.
    """

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def free_port() -> int:
    """Return a TCP port on the loopback interface that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])
