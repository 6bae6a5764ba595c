"""The xAPI document resources (State, Activity Profile, Agent Profile), Activities and Agents.

Same HTTP handling as the statements (version header, Basic auth, CORS, the alternate
request syntax); writes go to `services.document_save` / `document_delete`, reads to
`selectors`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from . import cmi5, selectors, services, validation
from .models import Document, LRSClient
from .views import XAPIError, XRequest, _error, _open, _respond, _unfold


@dataclass(frozen=True)
class Resource:
    """How one document resource names its parameters."""

    kind: str
    id_param: str
    needs_activity: bool
    needs_agent: bool
    scope: str

    @property
    def params(self) -> set[str]:
        names = {self.id_param, "since"}
        if self.needs_activity:
            names.add("activityId")
        if self.needs_agent:
            names.add("agent")
        if self.kind == Document.Kind.STATE:
            names.add("registration")
        return names


# A document id stays short enough for the unique index in any script (4 bytes a character).
MAX_DOCUMENT_ID = 250
MAX_CONTENT_TYPE = 255

STATE = Resource(Document.Kind.STATE, "stateId", True, True, LRSClient.Scope.STATE)
ACTIVITY_PROFILE = Resource(
    Document.Kind.ACTIVITY_PROFILE, "profileId", True, False, LRSClient.Scope.PROFILE
)
AGENT_PROFILE = Resource(
    Document.Kind.AGENT_PROFILE, "profileId", False, True, LRSClient.Scope.PROFILE
)


def _agent_param(params: dict) -> tuple[dict, str]:
    if "agent" not in params:
        raise XAPIError(400, "the agent parameter is required")
    try:
        agent = validation.json_loads(params["agent"])
    except ValueError as exc:
        raise XAPIError(400, "agent must be a JSON Agent") from exc
    try:
        validation.actor(agent, "agent")
    except validation.XAPIValidationError as exc:
        raise XAPIError(400, str(exc)) from exc
    key = validation.agent_key(agent)
    if not key:
        raise XAPIError(400, "agent: an anonymous Group has no documents")
    return agent, key


def _activity_param(params: dict) -> str:
    if "activityId" not in params:
        raise XAPIError(400, "the activityId parameter is required")
    try:
        return validation.iri(params["activityId"], "activityId")
    except validation.XAPIValidationError as exc:
        raise XAPIError(400, str(exc)) from exc


def _address(resource: Resource, params: dict) -> services.DocumentAddress:
    unknown = sorted(set(params) - resource.params)
    if unknown:
        raise XAPIError(400, f"unknown parameter {', '.join(unknown)}")
    registration = ""
    if "registration" in params:
        try:
            registration = validation.uuid_string(params["registration"], "registration").lower()
        except validation.XAPIValidationError as exc:
            raise XAPIError(400, str(exc)) from exc
    return services.DocumentAddress(
        kind=resource.kind,
        activity_id=_activity_param(params) if resource.needs_activity else "",
        agent_key=_agent_param(params)[1] if resource.needs_agent else "",
        registration=registration,
    )


def _document_response(document: Document, xrequest: XRequest) -> HttpResponse:
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["ETag"] = f'"{document.etag}"'
    response["Last-Modified"] = http_date(document.updated.timestamp())
    if xrequest.method == "HEAD":
        response.content = b""
    return response


def _handle(resource: Resource, xrequest: XRequest) -> HttpResponse:
    client = xrequest.client
    # cmi5: launch credentials read their learner's preferences (an agent profile) too.
    preferences = cmi5.learner_preferences_access(client, resource.kind)
    if not client.allows(resource.scope) and not preferences:
        raise XAPIError(403, f"these credentials lack the {resource.scope} scope")
    params = xrequest.params
    address = _address(resource, params)
    if client.registration is not None and (
        (address.registration != str(client.registration) and not preferences)
        or address.agent_key != client.agent_key
    ):
        raise XAPIError(
            403, "launch credentials keep only their learner's state in their registration"
        )
    if preferences and xrequest.method not in ("GET", "HEAD"):
        raise XAPIError(403, "launch credentials only read the learner preferences (cmi5)")
    if preferences:
        cmi5.learner_preferences_read(client)
    if cmi5.launch_data_write(client, resource.kind, params.get("stateId"), xrequest.method):
        raise XAPIError(403, "LMS.LaunchData is the LMS's to write (cmi5)")
    document_id = params.get(resource.id_param)
    if "since" in params and (xrequest.method not in ("GET", "HEAD") or document_id is not None):
        raise XAPIError(400, f"since is only for listing ids (GET without {resource.id_param})")
    if document_id is not None and not 0 < len(document_id) <= MAX_DOCUMENT_ID:
        raise XAPIError(400, f"{resource.id_param} must have 1 to {MAX_DOCUMENT_ID} characters")
    institution = client.institution
    if xrequest.method in ("GET", "HEAD"):
        if document_id is None:
            since = None
            if "since" in params:
                try:
                    since = validation.parse_timestamp(params["since"], "since")
                except validation.XAPIValidationError as exc:
                    raise XAPIError(400, str(exc)) from exc
            ids = selectors.document_ids(institution=institution, address=address, since=since)
            response = JsonResponse(ids, safe=False)
            if xrequest.method == "HEAD":
                response.content = b""
            return response
        document = selectors.document_get(
            institution=institution, address=address, document_id=document_id
        )
        if document is None:
            raise XAPIError(404, "no such document")
        return _document_response(document, xrequest)
    if xrequest.method in ("PUT", "POST"):
        if document_id is None:
            raise XAPIError(400, f"the {resource.id_param} parameter is required")
        if len(xrequest.header("Content-Type")) > MAX_CONTENT_TYPE:
            raise XAPIError(400, f"Content-Type is longer than {MAX_CONTENT_TYPE} characters")
        try:
            services.document_save(
                institution=institution,
                address=address,
                document_id=document_id,
                content=xrequest.body,
                content_type=xrequest.header("Content-Type"),
                merge=xrequest.method == "POST",
                if_match=xrequest.headers.get("if-match"),
                if_none_match=xrequest.headers.get("if-none-match"),
                client=client,
                # xAPI 1.0.3 asks ETags of the profile resources only; 2.0 of State too.
                replace_needs_precondition=resource.kind != Document.Kind.STATE
                or xrequest.version == "2.0.0",
                create_needs_precondition=resource.kind != Document.Kind.STATE
                and client.profile_create_needs_precondition(xrequest.version),
            )
        except services.DocumentPreconditionRequired as exc:
            raise XAPIError(400, str(exc)) from exc
        except services.DocumentPreconditionFailed as exc:
            raise XAPIError(412, str(exc)) from exc
        except services.DocumentConflict as exc:
            raise XAPIError(409, str(exc)) from exc
        except validation.XAPIValidationError as exc:
            raise XAPIError(400, str(exc)) from exc
        return HttpResponse(status=204)
    if xrequest.method == "DELETE":
        if document_id is None and resource.kind != Document.Kind.STATE:
            raise XAPIError(400, f"the {resource.id_param} parameter is required")
        try:
            services.document_delete(
                institution=institution,
                address=address,
                document_id=document_id,
                if_match=xrequest.headers.get("if-match"),
            )
        except services.DocumentPreconditionFailed as exc:
            raise XAPIError(412, str(exc)) from exc
        return HttpResponse(status=204)
    raise XAPIError(405, f"{xrequest.method} is not allowed here")


def _serve(request: HttpRequest, handler) -> HttpResponse:
    if request.method == "OPTIONS":
        return _respond(HttpResponse(status=200))
    xrequest = None
    try:
        xrequest = _unfold(request)
        _open(xrequest)
        response = handler(xrequest)
    except XAPIError as exc:
        return _error(exc.status, str(exc), xrequest.version if xrequest else "1.0.3")
    return _respond(response, xrequest.version)


@csrf_exempt
def state(request: HttpRequest) -> HttpResponse:
    """/activities/state: GET (one or ids), PUT, POST (merge), DELETE (one or all)."""
    return _serve(request, lambda xrequest: _handle(STATE, xrequest))


@csrf_exempt
def activity_profile(request: HttpRequest) -> HttpResponse:
    """/activities/profile: GET (one or ids), PUT, POST (merge), DELETE."""
    return _serve(request, lambda xrequest: _handle(ACTIVITY_PROFILE, xrequest))


@csrf_exempt
def agent_profile(request: HttpRequest) -> HttpResponse:
    """/agents/profile: GET (one or ids), PUT, POST (merge), DELETE."""
    return _serve(request, lambda xrequest: _handle(AGENT_PROFILE, xrequest))


def _read_scope(client: LRSClient) -> None:
    if not client.allows(
        LRSClient.Scope.STATEMENTS_READ,
        LRSClient.Scope.STATEMENTS_READ_MINE,
        LRSClient.Scope.PROFILE,
    ):
        raise XAPIError(403, "these credentials may not read activities or agents")


def _get_only(xrequest: XRequest, allowed: set[str]) -> None:
    if xrequest.method not in ("GET", "HEAD"):
        raise XAPIError(405, f"{xrequest.method} is not allowed here: GET only")
    unknown = sorted(set(xrequest.params) - allowed)
    if unknown:
        raise XAPIError(400, f"unknown parameter {', '.join(unknown)}")


def _json_answer(data, xrequest: XRequest) -> HttpResponse:
    response = JsonResponse(data)
    if xrequest.method == "HEAD":
        response.content = b""
    return response


def _activity(xrequest: XRequest) -> HttpResponse:
    _get_only(xrequest, {"activityId"})
    _read_scope(xrequest.client)
    activity_id = _activity_param(xrequest.params)
    return _json_answer(
        selectors.activity_get(institution=xrequest.client.institution, activity_id=activity_id),
        xrequest,
    )


def _person(xrequest: XRequest) -> HttpResponse:
    _get_only(xrequest, {"agent"})
    _read_scope(xrequest.client)
    agent, key = _agent_param(xrequest.params)
    return _json_answer(
        selectors.person_get(institution=xrequest.client.institution, agent=agent, key=key),
        xrequest,
    )


@csrf_exempt
def activities(request: HttpRequest) -> HttpResponse:
    """/activities: the Activity with its canonical definition."""
    return _serve(request, _activity)


@csrf_exempt
def agents(request: HttpRequest) -> HttpResponse:
    """/agents: the Person object for an Agent's identifier."""
    return _serve(request, _person)
