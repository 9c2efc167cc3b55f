"""A lean OTLP/HTTP sink for benchmarks: answers every POST with 200 and an empty protobuf
body (a valid export response), counting requests and body bytes per path, and prints the
counts as JSON when it gets SIGTERM. It stands for a collector on another machine, so it
does as little as it can: it reads the head's path and content-length, discards the body as
it arrives and keeps connections open (asyncio, one thread), so its CPU takes as little as
possible from the process measured beside it.

Usage: python3 otlp_sink.py PORT COUNTS_FILE"""
import asyncio
import json
import signal
import sys

RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n"
)


class Counts:
    def __init__(self):
        self.by_path = {}

    def add(self, path, length):
        entry = self.by_path.setdefault(path, {"requests": 0, "bytes": 0})
        entry["requests"] += 1
        entry["bytes"] += length


class Sink(asyncio.Protocol):
    """One connection: heads are parsed, bodies skipped by their length."""

    def __init__(self, counts):
        self.counts = counts
        self.head = b""
        self.body_left = 0
        self.path = ""
        self.length = 0

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        view = memoryview(data)
        while view:
            if self.body_left:
                taken = min(self.body_left, len(view))
                self.body_left -= taken
                view = view[taken:]
                if not self.body_left:
                    self.answer()
                continue
            view = self.read_head(view)

    def read_head(self, view):
        self.head += bytes(view)
        end = self.head.find(b"\r\n\r\n")
        if end < 0:
            return memoryview(b"")
        head, rest = self.head[:end], self.head[end + 4 :]
        self.head = b""
        lines = head.split(b"\r\n")
        self.path = lines[0].split(b" ")[1].decode("latin-1")
        self.length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                self.length = int(value)
        self.body_left = self.length
        if not self.length:
            self.answer()
        return memoryview(rest)

    def answer(self):
        self.counts.add(self.path, self.length)
        self.transport.write(RESPONSE)


async def serve(port, counts_file):
    counts = Counts()
    loop = asyncio.get_running_loop()
    stopped = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, lambda: stopped.done() or stopped.set_result(None))
    server = await loop.create_server(lambda: Sink(counts), "127.0.0.1", port)
    await stopped
    server.close()
    with open(counts_file, "w") as out:
        json.dump(counts.by_path, out)


def main():
    asyncio.run(serve(int(sys.argv[1]), sys.argv[2]))


main()
