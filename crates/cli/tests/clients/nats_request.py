"""Sends one NATS request with nats-py (a client not written by weft) and prints the reply.

Usage: nats_request.py URL SUBJECT BODY
"""

import asyncio
import sys

import nats


async def main(url: str, subject: str, body: str) -> None:
    client = await nats.connect(url)
    try:
        reply = await client.request(subject, body.encode(), timeout=5)
        sys.stdout.write(reply.data.decode())
    finally:
        await client.close()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
