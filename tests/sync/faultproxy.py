"""A TCP proxy on 127.0.0.1 that breaks connections at random points, for the sync fault tests.

Each accepted connection gets one fate: pass, refuse (closed before the request),
cut_upload (closed after part of the request), drop_response (the whole request reaches
the server, which commits, but the answer never reaches the client) or cut_response
(closed part-way through the answer).
"""

from __future__ import annotations

import random
import socket
import threading
from collections import Counter

FATES = ("pass", "refuse", "cut_upload", "drop_response", "cut_response")


class FaultProxy:
    """Listen on a free loopback port and forward to *upstream* with injected faults."""

    def __init__(self, upstream_port: int, fault_rate: float = 0.3, seed: int = 7):
        self.upstream_port = upstream_port
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.fates: Counter = Counter()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.listener.close()

    def _fate(self) -> tuple[str, int]:
        with self.rng_lock:
            fate = "pass" if self.rng.random() >= self.fault_rate else self.rng.choice(FATES[1:])
            cut = self.rng.randint(1, 1500)
            self.fates[fate] += 1
        return fate, cut

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        fate, cut = self._fate()
        if fate == "refuse":
            _close(client)
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30)
        except OSError:
            _close(client)
            return
        done = threading.Event()

        def pump(src, dst, limit, on_first_byte_close=False):
            sent = 0
            try:
                while not done.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    if on_first_byte_close:
                        break                      # the server answered: the client never hears it
                    if limit is not None and sent + len(data) >= limit:
                        dst.sendall(data[: max(0, limit - sent)])
                        break
                    dst.sendall(data)
                    sent += len(data)
            except OSError:
                pass
            done.set()
            _close(client)
            _close(upstream)

        up_limit = cut if fate == "cut_upload" else None
        down_limit = cut if fate == "cut_response" else None
        drop = fate in ("drop_response", "cut_upload")
        t1 = threading.Thread(target=pump, args=(client, upstream, up_limit), daemon=True)
        t2 = threading.Thread(target=pump, args=(upstream, client, down_limit, drop), daemon=True)
        t1.start()
        t2.start()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
