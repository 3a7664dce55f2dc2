"""gzip for text answers (pages, JSON, CSV, SVG) when the client accepts it: a unit page of 60 KB goes over
the wire as about 10 KB. Small bodies, files sent as they are and answers without a body are left alone.
A strong ETag becomes weak on a compressed body (the bytes differ from the uncompressed ones; the content
does not), and ``If-None-Match`` compares weakly, so revalidation keeps working."""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Sequence

from flask import Flask, Request, Response, request

COMPRESSIBLE = frozenset({"text/html", "text/css", "text/csv", "text/plain", "application/json",
                          "application/problem+json", "image/svg+xml"})
MIN_BYTES = 1024
LEVEL = 5  # nearly the size of level 9 for a fraction of the time
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS
FINAL_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # an empty last block


def accepts_gzip(asked: Request | None = None) -> bool:
    return (asked or request).accept_encodings.best_match(["gzip"]) is not None


def deflate_part(part: bytes, level: int = 6) -> bytes:
    """``part`` as deflate blocks that stand on their own (no back-references outside, byte-aligned, not
    last), so that such parts can be put together into one stream in any order."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(part) + compressor.flush(zlib.Z_FULL_FLUSH)


def stored_block(data: bytes) -> bytes:
    """``data`` as deflate blocks that keep it as it is (RFC 1951, 3.2.4; not last, byte-aligned): for a
    CSRF token, which does not compress, this costs nothing, where setting up a compressor costs more
    than the rest of serving a cached page's body."""
    blocks = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start:start + 0xFFFF]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


def gzip_joined(parts: Sequence[bytes], deflated: Sequence[bytes], separator: bytes) -> bytes:
    """The gzip of ``separator.join(parts)`` from the parts deflated beforehand (:func:`deflate_part`): only
    the separator (a CSRF token, say) is compressed now, so a cached page is sent compressed for almost
    nothing."""
    between = stored_block(separator)
    chunks, crc = [GZIP_HEADER, deflated[0]], zlib.crc32(parts[0])
    for part, packed in zip(parts[1:], deflated[1:]):
        chunks += (between, packed)
        crc = zlib.crc32(part, zlib.crc32(separator, crc))
    size = sum(map(len, parts)) + len(separator) * (len(parts) - 1)
    chunks += (FINAL_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(chunks)


def compress(response: Response) -> Response:
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    if (response.status_code < 200 or response.status_code in (204, 304) or response.direct_passthrough
            or response.is_streamed or "Content-Encoding" in response.headers
            or not accepts_gzip()):
        return response
    body = response.get_data()
    if len(body) < MIN_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress)
