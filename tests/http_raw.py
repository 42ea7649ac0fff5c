"""A chunked POST written by hand (Transfer-Encoding: chunked, no Content-Length), the way an attacker
streams an unbounded upload: it keeps sending until the server answers or closes, and reports how much
it got to send. Used by the security tests and tests/attack_replay.py."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass


@dataclass
class Streamed:
    status: int | None      # the server's answer, None when it closed without one
    sent: int               # body bytes written before the server answered or closed
    body: bytes = b""


async def chunked_post(host: str, port: int, path: str, *, total: int, head: bytes = b"", tail: bytes = b"",
                       headers: dict[str, str] | None = None, chunk: int = 256_000,
                       timeout: float = 120.0) -> Streamed:
    """POSTs `head`, then `total` bytes of filler, then `tail`, chunked; stops as soon as an answer arrives."""
    reader, writer = await asyncio.open_connection(host, port)
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Transfer-Encoding: chunked",
             *(f"{k}: {v}" for k, v in (headers or {}).items()), "", ""]
    writer.write("\r\n".join(lines).encode("latin-1"))
    answer = asyncio.ensure_future(reader.read(65536))
    sent = 0

    async def write(data: bytes) -> bool:
        nonlocal sent
        if answer.done() or not data:
            return not answer.done()
        try:
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await writer.drain()
        except (ConnectionError, OSError):
            return False
        sent += len(data)
        await asyncio.sleep(0)
        return True

    try:
        ok = await write(head)
        filler = b"\0" * chunk
        remaining = total
        while ok and remaining > 0:
            ok = await write(filler[:min(chunk, remaining)])
            remaining -= min(chunk, remaining)
        if ok and await write(tail):
            try:
                writer.write(b"0\r\n\r\n")
                await writer.drain()
            except (ConnectionError, OSError):
                pass
        try:
            data = await asyncio.wait_for(answer, timeout)
        except (ConnectionError, OSError, asyncio.TimeoutError):
            data = b""
    finally:
        answer.cancel()
        writer.close()
    status = None
    if data.startswith(b"HTTP/1.1 "):
        status = int(data[9:12])
    return Streamed(status, sent, data.partition(b"\r\n\r\n")[2])


def multipart_parts(boundary: str, fields: dict[str, str], file_field: str, filename: str,
                    mime: str) -> tuple[bytes, bytes]:
    """(head, tail) of a multipart/form-data body whose file content is streamed in between."""
    head = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    head += (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
             f"Content-Type: {mime}\r\n\r\n").encode()
    return head, f"\r\n--{boundary}--\r\n".encode()
