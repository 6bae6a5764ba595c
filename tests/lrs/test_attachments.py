"""Attachments in multipart/mixed, SHA-2 checks, attachments=true, and signed statements."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from lrs.attachments import SIGNATURE_USAGE
from lrs.models import AttachmentContent, Statement

from .conftest import make_credentials, make_statement

BOUNDARY = "xapi-boundary-7d3"
PDF = b"%PDF-1.4\r\n" + bytes(range(256)) + b"\r\n--not-the-boundary\r\n"


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path) -> Path:
    root = tmp_path / "files"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    return root


def files_in(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def attachment_for(content: bytes, **overrides) -> dict:
    attachment = {
        "usageType": "http://id.tincanapi.com/attachment/certificate",
        "display": {"en-US": "Certificate"},
        "contentType": "application/pdf",
        "length": len(content),
        "sha2": hashlib.sha256(content).hexdigest(),
    }
    attachment.update(overrides)
    return attachment


def multipart(statements, parts, first_type="application/json") -> bytes:
    """A body as the specification shows it; parts are (headers dict, bytes)."""
    chunks = [f"--{BOUNDARY}\r\nContent-Type: {first_type}\r\n\r\n".encode()]
    chunks.append(json.dumps(statements).encode())
    for headers, content in parts:
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        chunks.append(f"\r\n--{BOUNDARY}\r\n{lines}\r\n".encode())
        chunks.append(content)
    chunks.append(f"\r\n--{BOUNDARY}--\r\n".encode())
    return b"".join(chunks)


def part(content: bytes, content_type="application/pdf", sha2=None, binary=True) -> tuple:
    headers = {
        "Content-Type": content_type,
        "X-Experience-API-Hash": sha2 or hashlib.sha256(content).hexdigest(),
    }
    if binary:
        headers["Content-Transfer-Encoding"] = "binary"
    return headers, content


def post_multipart(xapi, body: bytes, content_type=f"multipart/mixed; boundary={BOUNDARY}"):
    return xapi.client.post(
        "/xapi/statements", data=body, content_type=content_type, **xapi.headers()
    )


def read_multipart(response) -> list[tuple[dict, bytes]]:
    boundary = response["Content-Type"].split("boundary=")[1].encode()
    segments = (b"\r\n" + response.content).split(b"\r\n--" + boundary)
    parts = []
    for segment in segments[1:-1]:
        head, _, content = segment.partition(b"\r\n\r\n")
        headers = dict(line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line)
        parts.append((headers, content))
    return parts


def test_post_with_a_part_stores_it_and_get_answers_it(xapi, storage_root):
    statement = make_statement(id=str(uuid.uuid4()), attachments=[attachment_for(PDF)])
    response = post_multipart(xapi, multipart(statement, [part(PDF)]))
    assert response.status_code == 200, response.content
    assert len(files_in(storage_root)) == 1

    answer = xapi.get({"statementId": statement["id"], "attachments": "true"})
    assert answer["Content-Type"].startswith("multipart/mixed; boundary=")
    (json_headers, json_part), (headers, content) = read_multipart(answer)
    assert json_headers["Content-Type"] == "application/json"
    assert json.loads(json_part)["id"] == statement["id"]
    assert content == PDF
    assert headers["X-Experience-API-Hash"] == hashlib.sha256(PDF).hexdigest()
    assert headers["Content-Transfer-Encoding"] == "binary"
    assert headers["Content-Type"] == "application/pdf"
    # Without attachments=true the answer is plain JSON.
    assert xapi.get({"statementId": statement["id"]})["Content-Type"] == "application/json"


def test_the_same_content_twice_is_kept_once(xapi, storage_root):
    for _ in range(2):
        statement = make_statement(attachments=[attachment_for(PDF)])
        assert post_multipart(xapi, multipart(statement, [part(PDF)])).status_code == 200
    assert AttachmentContent.objects.count() == 1
    assert len(files_in(storage_root)) == 1


def test_put_accepts_multipart(xapi, new_id):
    statement = make_statement(attachments=[attachment_for(PDF)])
    response = xapi.client.put(
        f"/xapi/statements?statementId={new_id}",
        data=multipart(statement, [part(PDF)]),
        content_type=f"multipart/mixed; boundary={BOUNDARY}",
        **xapi.headers(),
    )
    assert response.status_code == 204, response.content


def test_file_url_attachments_need_no_part(xapi):
    attachment = attachment_for(PDF, fileUrl="https://taynghe.example/cert.pdf")
    assert xapi.post(make_statement(attachments=[attachment])).status_code == 200


@pytest.mark.parametrize(
    "case",
    [
        "missing part",
        "extra part",
        "hash mismatch",
        "no transfer encoding",
        "no hash header",
        "first part not json",
        "no boundary in header",
        "boundary absent from body",
        "statements split in two parts",
        "overlong part content type",
    ],
)
def test_malformed_multipart_is_400_and_stores_nothing(xapi, storage_root, case):
    statement = make_statement(attachments=[attachment_for(PDF)])
    parts = [part(PDF)]
    content_type = f"multipart/mixed; boundary={BOUNDARY}"
    first_type = "application/json"
    if case == "missing part":
        parts = []
    elif case == "extra part":
        parts.append(part(b"stray"))
    elif case == "hash mismatch":
        parts = [part(PDF + b"tampered", sha2=hashlib.sha256(PDF).hexdigest())]
    elif case == "no transfer encoding":
        parts = [part(PDF, binary=False)]
    elif case == "no hash header":
        parts = [({"Content-Type": "application/pdf", "Content-Transfer-Encoding": "binary"}, PDF)]
    elif case == "first part not json":
        first_type = "text/plain"
    elif case == "no boundary in header":
        content_type = "multipart/mixed"
    elif case == "overlong part content type":
        parts = [part(PDF, content_type="application/" + "x" * 300)]
    elif case == "statements split in two parts":
        parts = [({"Content-Type": "application/json"}, b"{}"), *parts]
    body = multipart(statement, parts, first_type)
    if case == "boundary absent from body":
        body = body.replace(BOUNDARY.encode(), b"other-boundary")
    response = post_multipart(xapi, body, content_type)
    assert response.status_code == 400, response.content
    assert not Statement.objects.exists()
    assert files_in(storage_root) == []


def test_raw_attachment_in_a_json_request_is_400(xapi):
    response = xapi.post(make_statement(attachments=[attachment_for(PDF)]))
    assert response.status_code == 400
    assert "no fileUrl" in response.json()["error"]


def test_multipart_form_data_is_400(xapi):
    body = multipart(make_statement(attachments=[attachment_for(PDF)]), [part(PDF)])
    response = post_multipart(xapi, body, f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 400


def test_a_rejected_batch_leaves_no_file(xapi, storage_root):
    good = make_statement(attachments=[attachment_for(PDF)])
    bad = make_statement(id=str(uuid.uuid4()))
    xapi.post(bad)
    conflicting = {**bad, "verb": {"id": "http://example.com/verbs/other"}}
    response = post_multipart(xapi, multipart([good, conflicting], [part(PDF)]))
    assert response.status_code == 409
    assert files_in(storage_root) == []
    assert not AttachmentContent.objects.exists()


def test_another_institution_cannot_fetch_content_by_naming_its_hash(tenant_a, tenant_b):
    lrs_a = make_credentials(tenant_a.institution)
    lrs_b = make_credentials(tenant_b.institution)
    post_multipart(lrs_a, multipart(make_statement(attachments=[attachment_for(PDF)]), [part(PDF)]))
    # B knows the hash and sends only a fileUrl attachment with it.
    spy = make_statement(
        id=str(uuid.uuid4()),
        attachments=[attachment_for(PDF, fileUrl="https://evil.example/x")],
    )
    lrs_b.post(spy)
    answer = lrs_b.get({"statementId": spy["id"], "attachments": "true"})
    assert PDF not in answer.content
    assert len(read_multipart(answer)) == 1


# Signed statements -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Taynghe test signer")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(payload, key, alg="RS256", certificate=None, header=None) -> bytes:
    header = header or {"alg": alg}
    if certificate is not None:
        der = certificate.public_bytes(serialization.Encoding.DER)
        header["x5c"] = [base64.b64encode(der).decode()]
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    algorithm = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}.get(
        alg, hashes.SHA256
    )()
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), algorithm)
    return f"{signing_input}.{b64url(signature)}".encode()


def signed_body(statement: dict, signature: bytes, content_type="application/octet-stream"):
    sig_attachment = attachment_for(signature, usageType=SIGNATURE_USAGE, contentType=content_type)
    sent = {**statement, "attachments": [sig_attachment]}
    return multipart(sent, [part(signature, content_type)])


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_signed_statement_with_x5c_is_stored(xapi, signer, alg):
    key, certificate = signer
    statement = make_statement(id=str(uuid.uuid4()))
    response = post_multipart(xapi, signed_body(statement, jws(statement, key, alg, certificate)))
    assert response.status_code == 200, response.content
    stored = xapi.get({"statementId": statement["id"]}).json()
    assert stored["attachments"][0]["usageType"] == SIGNATURE_USAGE


def test_signed_statement_without_x5c_is_accepted_when_well_formed(xapi, signer):
    statement = make_statement(id=str(uuid.uuid4()))
    response = post_multipart(xapi, signed_body(statement, jws(statement, signer[0])))
    assert response.status_code == 200, response.content


def test_signature_by_another_key_than_the_x5c_certificate_is_400(xapi, signer):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    statement = make_statement(id=str(uuid.uuid4()))
    body = signed_body(statement, jws(statement, other_key, certificate=signer[1]))
    response = post_multipart(xapi, body)
    assert response.status_code == 400
    assert "x5c" in response.json()["error"]


def test_signed_payload_that_differs_from_the_statement_is_400(xapi, signer):
    statement = make_statement(id=str(uuid.uuid4()))
    forged = {**statement, "result": {"success": True}}
    response = post_multipart(
        xapi, signed_body(forged, jws(statement, signer[0], certificate=signer[1]))
    )
    assert response.status_code == 400
    assert "differs" in response.json()["error"]


@pytest.mark.parametrize(
    "signature",
    [
        b"not-a-jws",
        b"a.b",
        b"!!!.???.***",
        "é.é.é".encode(),
    ],
)
def test_malformed_jws_is_400(xapi, signature):
    statement = make_statement(id=str(uuid.uuid4()))
    assert post_multipart(xapi, signed_body(statement, signature)).status_code == 400


def test_other_algorithms_are_400(xapi, signer):
    statement = make_statement(id=str(uuid.uuid4()))
    for header in ({"alg": "HS256"}, {"alg": "none"}, {"alg": "PS256"}, ["RS256"]):
        body = signed_body(statement, jws(statement, signer[0], header=header))
        assert post_multipart(xapi, body).status_code == 400


def test_signature_with_another_content_type_is_400(xapi, signer):
    statement = make_statement(id=str(uuid.uuid4()))
    body = signed_body(
        statement, jws(statement, signer[0], certificate=signer[1]), content_type="text/plain"
    )
    assert post_multipart(xapi, body).status_code == 400


def test_signature_declared_without_its_part_is_400(xapi):
    statement = make_statement(
        attachments=[
            attachment_for(
                b"x",
                usageType=SIGNATURE_USAGE,
                contentType="application/octet-stream",
                fileUrl="https://example.com/sig",
            )
        ]
    )
    assert xapi.post(statement).status_code == 400


def test_a_failure_after_the_files_are_written_removes_them(xapi, storage_root, monkeypatch):
    from lrs import services

    real = services._attachments_store

    def store_then_fail(institution, parts, written):
        real(institution, parts, written)
        assert files_in(storage_root), "the file was written before the failure"
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_attachments_store", store_then_fail)
    statement = make_statement(attachments=[attachment_for(PDF)])
    with pytest.raises(RuntimeError):
        post_multipart(xapi, multipart(statement, [part(PDF)]))
    assert files_in(storage_root) == []
    assert not Statement.objects.exists()


def test_signed_durations_compare_to_the_hundredth(xapi, signer):
    statement = make_statement(id=str(uuid.uuid4()), result={"duration": "P1DT12H36M0.12567S"})
    signed = {**statement, "result": {"duration": "P1DT12H36M0.12S"}}
    body = signed_body(statement, jws(signed, signer[0], certificate=signer[1]))
    assert post_multipart(xapi, body).status_code == 200
    other = make_statement(id=str(uuid.uuid4()), result={"duration": "P1DT12H36M0.13S"})
    body = signed_body(other, jws(signed | {"id": other["id"]}, signer[0]))
    assert post_multipart(xapi, body).status_code == 400
