"""The harness's HTTP servers: a client hanging up is not reported as the server's error (no stack)."""

from __future__ import annotations

import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from harness.net import LOOPBACK, LoopbackHTTPServer, free_port


def test_a_client_resetting_its_connection_prints_no_traceback(capfd: Any) -> None:
    # Given a server waiting for the rest of a request's headers
    server = LoopbackHTTPServer((LOOPBACK, free_port()), BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = socket.create_connection(server.server_address[:2])
        client.sendall(b"GET / HTTP/1.1\r\nHost: local\r\n")
        time.sleep(0.3)
        # When the client resets the connection (closes with SO_LINGER 0: a TCP RST)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()
        time.sleep(0.5)
    finally:
        server.shutdown()
        server.server_close()
    # Then nothing is printed: the client's hang-up is not the server's error
    assert "Traceback" not in capfd.readouterr().err
