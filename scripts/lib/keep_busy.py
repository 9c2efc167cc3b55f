"""Keeps N requests to one URL in flight, sending the next as soon as one ends: the load of
a neighbouring app in scripts/bench-neighbours. Cheap on CPU (one asyncio thread, keep-alive
connections), so what it costs the machine stays small beside what it asks of the server.

    python3 scripts/lib/keep_busy.py URL N
"""

import asyncio
import signal
import sys
from urllib.parse import urlsplit


async def one_at_a_time(host: str, port: int, path: str, done: list) -> None:
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()
    while True:
        writer = None
        try:
            reader, writer = await asyncio.open_connection(host, port)
            while True:
                writer.write(request)
                await writer.drain()
                if not await reader.readline():
                    break  # the server closed the connection
                length = 0
                chunked = False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "transfer-encoding" and "chunked" in value:
                        chunked = True
                if chunked:
                    while size := int((await reader.readline()).split(b";")[0], 16):
                        await reader.readexactly(size + 2)
                    await reader.readline()
                else:
                    await reader.readexactly(length)
                done[0] += 1
        except (OSError, asyncio.IncompleteReadError, ValueError):
            await asyncio.sleep(0.05)
        finally:
            if writer is not None:
                writer.close()


async def main() -> None:
    url, count = urlsplit(sys.argv[1]), int(sys.argv[2])
    path = url.path or "/"
    done = [0]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    tasks = [
        asyncio.create_task(one_at_a_time(url.hostname, url.port, path, done))
        for _ in range(count)
    ]
    await stop.wait()
    for task in tasks:
        task.cancel()
    print(f"{done[0]} neighbour responses", file=sys.stderr)


asyncio.run(main())
