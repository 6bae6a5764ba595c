"""Statement attachments: multipart/mixed bodies, SHA-2 checks and JWS statement signatures.

A request with attachment content is `multipart/mixed`: the first part is the statement
(or batch) as application/json, each further part one attachment's bytes with
`X-Experience-API-Hash` (its SHA-2) and `Content-Transfer-Encoding: binary`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import validation

SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"
SIGNATURE_TYPE = "application/octet-stream"
_SHA2 = {64: hashlib.sha256, 96: hashlib.sha384, 128: hashlib.sha512}
_JWS_HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


def _fail(message: str):
    raise validation.XAPIValidationError(message)


@dataclass(frozen=True)
class Part:
    """One attachment part: its declared content type and its bytes."""

    content_type: str
    content: bytes


def sha2_of(content: bytes, like: str) -> str:
    """The SHA-2 of `content` of the same length as the hexadecimal digest `like`."""
    algorithm = _SHA2.get(len(like), hashlib.sha256)
    return algorithm(content).hexdigest()


def _boundary(content_type: str) -> bytes:
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"').encode("latin-1")
    return _fail("multipart/mixed needs a boundary in its Content-Type")


def _headers(block: bytes) -> dict[str, str]:
    headers = {}
    for line in block.decode("latin-1").split("\r\n"):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        if not colon:
            _fail(f"multipart: malformed part header {line[:80]!r}")
        headers[name.strip().lower()] = value.strip()
    return headers


def parse_multipart(body: bytes, content_type: str) -> tuple[bytes, dict[str, Part]]:
    """The statement part's bytes and the attachment parts by SHA-2 (lower case).

    Refuses (400) a missing boundary, a first part that is not application/json, a part
    without `X-Experience-API-Hash` or `Content-Transfer-Encoding: binary`, and a part
    whose bytes do not have the SHA-2 it declares.
    """
    boundary = _boundary(content_type)
    segments = (b"\r\n" + body).split(b"\r\n--" + boundary)
    if len(segments) < 3 or not segments[-1].startswith(b"--"):
        _fail("multipart: the body does not open and close with the boundary")
    raw_parts = []
    for segment in segments[1:-1]:
        head, separator, content = segment.partition(b"\r\n\r\n")
        if not separator:
            _fail("multipart: a part has no blank line after its headers")
        raw_parts.append((_headers(head), content))
    first_headers, statement_bytes = raw_parts[0]
    if first_headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        _fail("multipart: the first part must be the statements as application/json")
    parts: dict[str, Part] = {}
    for headers, content in raw_parts[1:]:
        declared = headers.get("x-experience-api-hash", "").lower()
        if not declared:
            _fail("multipart: every attachment part needs an X-Experience-API-Hash header")
        if headers.get("content-transfer-encoding", "").lower() != "binary":
            _fail("multipart: every attachment part needs Content-Transfer-Encoding: binary")
        if sha2_of(content, declared) != declared:
            _fail(f"multipart: the part {declared} does not have that SHA-2")
        part_type = headers.get("content-type", SIGNATURE_TYPE)
        if len(part_type) > 255:
            _fail("multipart: a part's Content-Type is longer than 255 characters")
        parts[declared] = Part(part_type, content)
    return statement_bytes, parts


def check(statements: list[dict], parts: dict[str, Part]) -> None:
    """Every attachment without fileUrl has its part, every part an attachment; signatures hold."""
    used: set[str] = set()
    for index, statement in enumerate(statements):
        for position, attachment in enumerate(statement.get("attachments", [])):
            where = f"statements[{index}].attachments[{position}]"
            sha2 = attachment["sha2"].lower()
            if sha2 in parts:
                used.add(sha2)
            elif "fileUrl" not in attachment:
                _fail(f"{where}: no fileUrl and no multipart part with this sha2")
            if attachment["usageType"] == SIGNATURE_USAGE:
                if attachment["contentType"] != SIGNATURE_TYPE:
                    _fail(f"{where}.contentType: a signature is {SIGNATURE_TYPE}")
                if sha2 not in parts:
                    _fail(f"{where}: a signature must be sent as a part")
                verify_signature(statement, parts[sha2].content, where)
    extra = set(parts) - used
    if extra:
        _fail(f"multipart: parts {', '.join(sorted(extra))} belong to no attachment")


def _b64url(text: str, where: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return _fail(f"{where}: the JWS is not base64url")


def _unsigned(statement: dict) -> dict:
    """The statement as it was signed: without signature attachments or LRS-set fields."""
    result = {k: v for k, v in statement.items() if k not in {"stored", "authority", "version"}}
    kept = [a for a in result.get("attachments", []) if a.get("usageType") != SIGNATURE_USAGE]
    if kept:
        result["attachments"] = kept
    else:
        result.pop("attachments", None)
    if "timestamp" in result:
        result["timestamp"] = validation.parse_timestamp(result["timestamp"], "timestamp")
    duration = result.get("result", {}).get("duration")
    if isinstance(duration, str):
        # Durations compare to the hundredth of a second (xAPI 2.0, 4.2.7).
        result["result"] = {**result["result"], "duration": _hundredths(duration)}
    return result


def _hundredths(duration: str) -> str:
    def cut(match: re.Match) -> str:
        hundredths = match.group(2)[:2].rstrip("0")
        return f"{match.group(1)}.{hundredths}S" if hundredths else f"{match.group(1)}S"

    return re.sub(r"(\d+)\.(\d+)S$", cut, duration)


def verify_signature(statement: dict, jws: bytes, where: str) -> None:
    """A JWS compact serialisation, RS256/384/512, whose payload is this statement.

    When the header carries an x5c chain, the first certificate's key must verify the
    signature; without one the LRS cannot tell who signed, and accepts a well-formed JWS.
    """
    try:
        token = jws.decode("ascii").strip()
    except UnicodeDecodeError:
        _fail(f"{where}: the signature is not a JWS compact serialisation")
    pieces = token.split(".")
    if len(pieces) != 3:
        _fail(f"{where}: the signature is not a JWS compact serialisation")
    try:
        header = validation.json_loads(_b64url(pieces[0], where))
        payload = validation.json_loads(_b64url(pieces[1], where))
    except (ValueError, UnicodeDecodeError):
        _fail(f"{where}: the JWS header or payload is not JSON")
    if not isinstance(header, dict) or header.get("alg") not in _JWS_HASHES:
        _fail(f"{where}: the JWS algorithm must be RS256, RS384 or RS512")
    if not isinstance(payload, dict):
        _fail(f"{where}: the JWS payload must be the statement")
    try:
        same = _unsigned(payload) == _unsigned(statement)
    except validation.XAPIValidationError:
        same = False
    if not same:
        _fail(f"{where}: the JWS payload differs from the statement")
    if "x5c" in header:
        chain = header["x5c"]
        if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
            _fail(f"{where}: x5c must be a list of base64 certificates")
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
        except (ValueError, binascii.Error):
            _fail(f"{where}: the x5c certificate cannot be read")
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            _fail(f"{where}: the x5c certificate does not hold an RSA key")
        try:
            key.verify(
                _b64url(pieces[2], where),
                f"{pieces[0]}.{pieces[1]}".encode("ascii"),
                padding.PKCS1v15(),
                _JWS_HASHES[header["alg"]](),
            )
        except InvalidSignature:
            _fail(f"{where}: the signature does not verify with the x5c certificate")


def multipart_body(document: bytes, parts: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/mixed answer: the JSON, then (sha2, content type, bytes) parts."""
    boundary = secrets.token_hex(16)
    chunks = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode(), document]
    for sha2, content_type, content in parts:
        chunks.append(
            (
                f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {sha2}\r\n\r\n"
            ).encode()
        )
        chunks.append(content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/mixed; boundary={boundary}"
