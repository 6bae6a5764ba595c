"""The xAPI HTTP surface: About and Statements.

Views only translate HTTP (headers, the alternate request syntax, Basic auth, CORS)
into calls of `validation`, `services` and `selectors`.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import uuid
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from . import attachments, selectors, services, validation
from .models import LRSClient, client_for_key
from .profile import platform_profile

SUPPORTED_VERSIONS = ("1.0.0", "1.0.1", "1.0.2", "1.0.3", "2.0.0")
ABOUT_VERSIONS = ["1.0.3", "2.0.0"]
HEADER_NAMES = {
    "authorization",
    "x-experience-api-version",
    "content-type",
    "content-length",
    "if-match",
    "if-none-match",
    "accept-language",
}
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "HEAD, GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": (
        "Origin, Content-Type, Content-Length, Authorization, X-Experience-API-Version, "
        "If-Match, If-None-Match, Accept-Language"
    ),
    "Access-Control-Expose-Headers": (
        "ETag, Last-Modified, Content-Type, Content-Length, WWW-Authenticate, "
        "X-Experience-API-Version, X-Experience-API-Consistent-Through"
    ),
    "Access-Control-Max-Age": "86400",
}
QUERY_PARAMS = {
    "statementId",
    "voidedStatementId",
    "agent",
    "verb",
    "activity",
    "registration",
    "related_activities",
    "related_agents",
    "since",
    "until",
    "limit",
    "format",
    "attachments",
    "ascending",
    "cursor",
}
CURSOR_SALT = "lrs.statements.more"


class XAPIError(Exception):
    """An error answered with `status` and a message saying what to fix."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class XRequest:
    """A request after the alternate request syntax has been unfolded."""

    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    client: LRSClient | None = None
    version: str = "1.0.3"
    alternate: bool = False
    languages: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


def _unfold(request: HttpRequest) -> XRequest:
    """Read method, parameters, headers and body, honouring `?method=` (alternate syntax)."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    params = dict(request.GET.items())
    if request.method == "POST" and "method" in params:
        if set(params) != {"method"}:
            raise XAPIError(400, "alternate request syntax: only 'method' may be in the query")
        method = params["method"].upper()
        if method not in {"GET", "HEAD", "PUT", "POST", "DELETE"}:
            raise XAPIError(400, f"alternate request syntax: unknown method {method}")
        if not request.content_type.startswith("application/x-www-form-urlencoded"):
            raise XAPIError(400, "alternate request syntax needs a form-encoded body")
        form = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        params, body = {}, b""
        for name, value in form.items():
            if name.lower() in HEADER_NAMES:
                headers[name.lower()] = value
            elif name == "content":
                body = value.encode("utf-8")
            else:
                params[name] = value
        if body and not any(name.lower() == "content-type" for name in form):
            headers["content-type"] = "application/json"
        return XRequest(method, params, headers, body, alternate=True)
    return XRequest(request.method, params, headers, request.body)


def _respond(response: HttpResponse, version: str = "1.0.3") -> HttpResponse:
    for name, value in CORS.items():
        response[name] = value
    response["X-Experience-API-Version"] = version
    return response


def _error(status: int, message: str, version: str = "1.0.3") -> HttpResponse:
    response = _respond(JsonResponse({"error": message}, status=status), version)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="xAPI"'
    return response


def _check_version(xrequest: XRequest) -> None:
    version = xrequest.header("X-Experience-API-Version")
    if not version:
        raise XAPIError(400, "the X-Experience-API-Version header is required")
    if version not in SUPPORTED_VERSIONS:
        raise XAPIError(
            400, f"X-Experience-API-Version {version} is not one of {', '.join(SUPPORTED_VERSIONS)}"
        )
    xrequest.version = "2.0.0" if version.startswith("2.") else "1.0.3"
    if xrequest.alternate and xrequest.version == "2.0.0":
        raise XAPIError(400, "xAPI 2.0 has no alternate request syntax: send the method itself")


def _authenticate(xrequest: XRequest) -> LRSClient:
    scheme, _, encoded = xrequest.header("Authorization").partition(" ")
    if scheme.lower() != "basic" or not encoded:
        raise XAPIError(401, "HTTP Basic credentials (LRS key and secret) are required")
    try:
        key, _, secret = base64.b64decode(encoded.strip()).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise XAPIError(401, "malformed Basic credentials") from exc
    client = client_for_key(key)
    if client is None or not client.active or not client.check_secret(secret):
        raise XAPIError(401, "unknown key or wrong secret")
    if client.expires_at is not None and client.expires_at <= timezone.now():
        raise XAPIError(401, "these launch credentials have expired")
    return client


def _open(xrequest: XRequest) -> None:
    """Check the version header, then the credentials (`xrequest.version` and `.client`).

    A request naming no version is refused (400) in both specifications, but they differ
    on the version the refusal speaks: it speaks the one the credentials assume, when the
    request carries valid ones.
    """
    if not xrequest.header("X-Experience-API-Version"):
        with contextlib.suppress(XAPIError):
            xrequest.version = _authenticate(xrequest).assumed_version
        raise XAPIError(400, "the X-Experience-API-Version header is required")
    _check_version(xrequest)
    xrequest.client = _authenticate(xrequest)


def _languages(xrequest: XRequest) -> list[str]:
    ranked = []
    for index, item in enumerate(xrequest.header("Accept-Language").split(",")):
        tag, _, quality = item.strip().partition(";q=")
        if tag and tag != "*":
            try:
                ranked.append((-float(quality or 1), index, tag))
            except ValueError:
                continue
    return [tag for _q, _i, tag in sorted(ranked)]


def _json_body(xrequest: XRequest) -> tuple[object, dict[str, attachments.Part]]:
    """The statements sent, and the attachment parts by SHA-2 when multipart/mixed."""
    header = xrequest.header("Content-Type")
    content_type = header.split(";")[0].strip().lower()
    parts: dict[str, attachments.Part] = {}
    body = xrequest.body
    if content_type == "multipart/mixed":
        try:
            body, parts = attachments.parse_multipart(body, header)
        except validation.XAPIValidationError as exc:
            raise XAPIError(400, str(exc)) from exc
    elif content_type != "application/json":
        raise XAPIError(400, "statements must be sent as application/json or multipart/mixed")
    try:
        return validation.json_loads(body or b"null"), parts
    except (ValueError, UnicodeDecodeError) as exc:
        raise XAPIError(400, f"the body is not valid JSON: {exc}") from exc


def _boolean(params: dict, name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in {"true", "false"}:
        raise XAPIError(400, f"{name} must be true or false")
    return value == "true"


def _uuid_param(params: dict, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(validation.uuid_string(params[name], name))
    except validation.XAPIValidationError as exc:
        raise XAPIError(400, str(exc)) from exc


def _statement_filter(params: dict) -> selectors.StatementFilter:
    try:
        agent_key = ""
        if "agent" in params:
            try:
                agent = validation.json_loads(params["agent"])
            except ValueError as exc:
                raise XAPIError(400, "agent must be a JSON Agent or Group") from exc
            validation.actor(agent, "agent")
            agent_key = validation.agent_key(agent)
            if not agent_key:
                raise XAPIError(400, "agent: an anonymous Group cannot be used as a filter")
        limit = params.get("limit", str(selectors.DEFAULT_LIMIT))
        if not limit.isdigit():
            raise XAPIError(400, "limit must be a whole number (0 for the server's maximum)")
        return selectors.StatementFilter(
            agent_key=agent_key,
            verb=validation.iri(params["verb"], "verb") if "verb" in params else "",
            activity=validation.iri(params["activity"], "activity") if "activity" in params else "",
            registration=_uuid_param(params, "registration") if "registration" in params else None,
            related_agents=_boolean(params, "related_agents"),
            related_activities=_boolean(params, "related_activities"),
            since=validation.parse_timestamp(params["since"], "since")
            if "since" in params
            else None,
            until=validation.parse_timestamp(params["until"], "until")
            if "until" in params
            else None,
            limit=int(limit),
            ascending=_boolean(params, "ascending"),
        )
    except validation.XAPIValidationError as exc:
        raise XAPIError(400, str(exc)) from exc


def _json(
    data, xrequest: XRequest, status: int = 200, multipart: bool = False, statements=()
) -> HttpResponse:
    """JSON, or with attachments=true multipart/mixed with the statements' stored parts."""
    response = JsonResponse(data, status=status, safe=False)
    if multipart:
        parts = selectors.attachment_parts(
            institution=xrequest.client.institution, statements=statements
        )
        response.content, response["Content-Type"] = attachments.multipart_body(
            response.content, parts
        )
    if xrequest.method == "HEAD":
        response.content = b""
    return response


def _read(request: HttpRequest, xrequest: XRequest) -> HttpResponse:
    client = xrequest.client
    if not client.allows(LRSClient.Scope.STATEMENTS_READ, LRSClient.Scope.STATEMENTS_READ_MINE):
        raise XAPIError(403, "these credentials may not read statements")
    mine_only = None if client.allows(LRSClient.Scope.STATEMENTS_READ) else client
    params = xrequest.params
    unknown = sorted(set(params) - QUERY_PARAMS)
    if unknown:
        raise XAPIError(400, f"unknown parameter {', '.join(unknown)}")
    fmt = params.get("format", "exact")
    if fmt not in {"exact", "ids", "canonical"}:
        raise XAPIError(400, "format must be exact, ids or canonical")
    multipart = _boolean(params, "attachments")
    languages = _languages(xrequest)
    single = {"statementId", "voidedStatementId"} & set(params)
    if single:
        if len(single) > 1 or set(params) - single - {"format", "attachments"}:
            raise XAPIError(
                400, "statementId and voidedStatementId take no other filter, nor each other"
            )
        name = single.pop()
        payload = selectors.statement_get(
            institution=client.institution,
            statement_id=_uuid_param(params, name),
            voided=name == "voidedStatementId",
            client=mine_only,
        )
        if payload is None:
            raise XAPIError(404, "no such statement")
        response = _json(
            selectors.statement_format(payload, fmt, languages),
            xrequest,
            multipart=multipart,
            statements=[payload],
        )
        stored = validation.parse_timestamp(payload["stored"], "stored")
        response["Last-Modified"] = http_date(stored.timestamp())
        return response

    position = None
    if "cursor" in params:
        if set(params) != {"cursor"}:
            raise XAPIError(400, "a more link carries its query: send it alone")
        try:
            token = signing.loads(params["cursor"], salt=CURSOR_SALT)
        except signing.BadSignature as exc:
            raise XAPIError(400, "this more link is not valid") from exc
        if token["c"] != client.pk:
            raise XAPIError(400, "this more link belongs to other credentials")
        params = token["q"]
        fmt = params.get("format", "exact")
        position = selectors.Position(
            through=validation.parse_timestamp(token["t"], "cursor"),
            stored=validation.parse_timestamp(token["s"], "cursor"),
            id=uuid.UUID(token["i"]),
        )
    query = _statement_filter(params)
    page = selectors.statements_page(
        institution=client.institution, query=query, position=position, client=mine_only
    )
    more = ""
    if page.next_position is not None:
        nxt = page.next_position
        token = signing.dumps(
            {
                "c": client.pk,
                "q": params,
                "t": nxt.through.isoformat(),
                "s": nxt.stored.isoformat(),
                "i": str(nxt.id),
            },
            salt=CURSOR_SALT,
            compress=True,
        )
        more = f"{request.path}?cursor={token}"
    body = {
        "statements": [selectors.statement_format(s, fmt, languages) for s in page.statements],
        "more": more,
    }
    response = _json(
        body, xrequest, multipart=_boolean(params, "attachments"), statements=page.statements
    )
    response["X-Experience-API-Consistent-Through"] = services.format_timestamp(
        page.consistent_through
    )
    return response


def _store(xrequest: XRequest, statements: list, parts=None) -> services.StoreOutcome:
    client = xrequest.client
    if not client.allows(LRSClient.Scope.STATEMENTS_WRITE):
        raise XAPIError(403, "these credentials may not write statements")
    try:
        return services.statements_store(
            institution=client.institution,
            statements=statements,
            authority=client.authority,
            client=client,
            parts=parts,
        )
    except validation.XAPIValidationError as exc:
        raise XAPIError(400, str(exc)) from exc
    except services.StatementConflict as exc:
        raise XAPIError(409, str(exc)) from exc
    except services.LaunchBoundsError as exc:
        raise XAPIError(403, str(exc)) from exc


def _post(xrequest: XRequest) -> HttpResponse:
    if xrequest.params:
        raise XAPIError(400, f"POST takes no parameters, got {', '.join(sorted(xrequest.params))}")
    body, parts = _json_body(xrequest)
    if not isinstance(body, dict | list):
        raise XAPIError(400, "the body must be a statement or a list of statements")
    outcome = _store(xrequest, body if isinstance(body, list) else [body], parts)
    return _json([str(statement_id) for statement_id in outcome.ids], xrequest)


def _put(xrequest: XRequest) -> HttpResponse:
    if "statementId" not in xrequest.params:
        raise XAPIError(400, "PUT needs the statementId parameter")
    if set(xrequest.params) != {"statementId"}:
        raise XAPIError(400, "PUT takes only the statementId parameter")
    statement_id = _uuid_param(xrequest.params, "statementId")
    body, parts = _json_body(xrequest)
    if not isinstance(body, dict):
        raise XAPIError(400, "PUT takes one statement")
    if "id" in body:
        if not isinstance(body["id"], str) or body["id"].lower() != str(statement_id):
            raise XAPIError(400, "the statement's id differs from statementId")
    else:
        body = {**body, "id": str(statement_id)}
    _store(xrequest, [body], parts)
    return HttpResponse(status=204)


@csrf_exempt
def statements(request: HttpRequest) -> HttpResponse:
    """/statements: GET, HEAD, POST, PUT (and the same through `?method=`)."""
    if request.method == "OPTIONS":
        return _respond(HttpResponse(status=200))
    xrequest = None
    method = request.method
    try:
        xrequest = _unfold(request)
        method = xrequest.method
        _open(xrequest)
        if xrequest.method in ("GET", "HEAD"):
            response = _read(request, xrequest)
        elif xrequest.method == "POST":
            response = _post(xrequest)
        elif xrequest.method == "PUT":
            response = _put(xrequest)
        else:
            raise XAPIError(405, f"{xrequest.method} is not allowed on statements")
    except XAPIError as exc:
        response = _error(exc.status, str(exc), xrequest.version if xrequest else "1.0.3")
    else:
        response = _respond(response, xrequest.version)
    if method in ("GET", "HEAD") and "X-Experience-API-Consistent-Through" not in response:
        # Every answer to a statement read carries it, single statements and refusals too.
        response["X-Experience-API-Consistent-Through"] = services.format_timestamp(timezone.now())
    return response


@csrf_exempt
def about(request: HttpRequest) -> HttpResponse:
    """/about: the versions this LRS speaks; no credentials or version header needed."""
    if request.method == "OPTIONS":
        return _respond(HttpResponse(status=200))
    if request.method not in ("GET", "HEAD"):
        return _error(405, "about answers GET only")
    response = JsonResponse({"version": ABOUT_VERSIONS, "extensions": {}})
    if request.method == "HEAD":
        response.content = b""
    return _respond(response)


@csrf_exempt
def profile(request: HttpRequest) -> HttpResponse:
    """/profile: the platform's xAPI Profile (JSON-LD); public, like About."""
    if request.method == "OPTIONS":
        return _respond(HttpResponse(status=200))
    if request.method not in ("GET", "HEAD"):
        return _error(405, "profile answers GET only")
    response = JsonResponse(
        platform_profile(settings.WAGTAILADMIN_BASE_URL),
        content_type="application/ld+json",
        json_dumps_params={"ensure_ascii": False},
    )
    if request.method == "HEAD":
        response.content = b""
    return _respond(response)
