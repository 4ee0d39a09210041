"""A TCP proxy in front of PostgreSQL that a test can cut and restore, as a network or a
database restart would, or silence: connections stay open and are accepted, but nothing
gets through either way, as with a server that hangs or a network that drops packets
somewhere a middlebox still acknowledges them."""

from __future__ import annotations

import contextlib
import socket
import threading


class _Pair:
    """One proxied connection. Its sockets are only shut down by others; the last of its
    two pipe threads closes them, so no thread ever reads a reused descriptor."""

    def __init__(self, client: socket.socket, server: socket.socket) -> None:
        self.ends = (client, server)
        self.running = 2
        self.lock = threading.Lock()

    def shut(self) -> None:
        for end in self.ends:
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def finished(self) -> None:
        self.shut()
        with self.lock:
            self.running -= 1
            last = self.running == 0
        if last:
            for end in self.ends:
                end.close()


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.silent = False
        self.pairs: list[_Pair] = []
        self.swallowed: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                # Checked and recorded under the lock, so `cut` cannot miss a connection.
                if not self.up:
                    client.close()
                    continue
                if self.silent:
                    self.swallowed.append(client)
                    threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                    continue
                try:
                    server = socket.create_connection(self.target)
                except OSError:
                    client.close()
                    continue
                pair = _Pair(client, server)
                self.pairs.append(pair)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(pair, source, sink), daemon=True).start()

    @staticmethod
    def _swallow(client: socket.socket) -> None:
        """Read and drop everything a client sends to a silent proxy; answer nothing."""
        with contextlib.suppress(OSError):
            while client.recv(65536):
                pass

    def _pipe(self, pair: _Pair, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                if not self.silent:
                    sink.sendall(data)
        except OSError:
            pass
        finally:
            pair.finished()

    def cut(self) -> None:
        """Drop every connection and refuse new ones until `restore`."""
        with self.lock:
            self.up = False
            for pair in self.pairs:
                pair.shut()
            self.pairs.clear()

    def silence(self) -> None:
        """Keep every connection open and accept new ones, but forward nothing."""
        with self.lock:
            self.silent = True

    def restore(self) -> None:
        """Forward again. A connection open through the silence has lost bytes, so it is
        dropped, as a real one would have been by then."""
        with self.lock:
            if self.silent:
                for pair in self.pairs:
                    pair.shut()
                self.pairs.clear()
                for client in self.swallowed:
                    with contextlib.suppress(OSError):
                        client.shutdown(socket.SHUT_RDWR)
                self.swallowed.clear()
            self.silent = False
            self.up = True

    def stop(self) -> None:
        self.restore()  # ends the silent connections too
        self.cut()
        self.listener.close()
