"""A small FastAPI application on proforum: the meetup story, in a browser.

Members sign up (real name or fixed nickname), join a community, see its
meetups, apply, see the draw (their result and the public record), read the
meeting link only when selected, and answer the anonymous survey.  Zoom's
webhook checks attendees in.  See ``examples/webapp/README.md``.

Run it (``pip install fastapi uvicorn``)::

    ZOOM_WEBHOOK_SECRET_TOKEN=... PROFORUM_WEBAPP_SESSION_SECRET=... \\
        uvicorn --app-dir examples --factory webapp.app:app_from_env
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any
from urllib.parse import parse_qs

import attrs
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

import proforum
from proforum import errors
from proforum.domain.common import MeetupId, MemberId, SurveyId
from proforum.domain.community import JOB_FUNCTIONS, Community, Role
from proforum.domain.identity import Member
from proforum.domain.meetup import ApplicationState, Meetup, MeetupState
from proforum.domain.notification import MessageKind
from proforum.i18n import format_time
from proforum.ports.clock import Clock
from webapp import zoom
from webapp.pages import SECURITY_HEADERS, View, bullet_list, e, path_segment, render
from webapp.sessions import COOKIE_NAME, SessionSigner
from webapp.texts import choose_lang, t

log = logging.getLogger("proforum.webapp")

MAX_FORM_BYTES = 16 * 1024
MAX_WEBHOOK_BYTES = 256 * 1024
#: What may be copied from a request into a log line (ids, codes, event names).
_LOGGABLE = re.compile(r"[A-Za-z0-9._:-]{1,80}")


def loggable(value: object) -> str:
    """Return ``value`` if it is a short plain token, else ``"-"``: no log injection."""
    return value if isinstance(value, str) and _LOGGABLE.fullmatch(value) else "-"


class PageError(Exception):
    """A refusal by the application itself (not by proforum), shown as a page."""

    def __init__(self, status_code: int, key: str) -> None:
        super().__init__(key)
        self.status_code = status_code
        self.key = key


def status_for(error: errors.ProforumError) -> int:
    """Return the HTTP status that answers a proforum error."""
    if isinstance(error, errors.InvalidInput):
        return 400
    if isinstance(error, errors.PermissionDenied):
        return 403
    if isinstance(error, errors.NotFound):
        return 404
    if isinstance(error, errors.Conflict | errors.InvalidState):
        return 409
    if isinstance(error, errors.TransientConflict | errors.DatabaseUnavailable):
        return 503
    return 500


@attrs.frozen
class Posted:
    """A form POST by a signed-in member whose CSRF token checked out."""

    view: View
    member: Member
    form: Mapping[str, str]


async def read_limited(request: Request, limit: int) -> bytes:
    """Return the raw request body, refusing more than ``limit`` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PageError(413, "bad_form")
    return bytes(body)


async def read_form(request: Request) -> dict[str, str]:
    """Parse an ``application/x-www-form-urlencoded`` body (first value of each field)."""
    body = await read_limited(request, MAX_FORM_BYTES)
    if not body:
        return {}
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise PageError(415, "bad_form")
    try:
        return parse_form_fields(body.decode("utf-8"))
    except ValueError:  # not UTF-8, or too many fields
        raise PageError(400, "bad_form") from None


def parse_form_fields(text: str) -> dict[str, str]:
    """Parse a query string into its first values; at most 50 fields."""
    return {
        name: values[0]
        for name, values in parse_qs(text, keep_blank_values=True, max_num_fields=50).items()
    }


def _forum(request: Request) -> proforum.Forum:
    forum: proforum.Forum = request.app.state.forum
    return forum


def _sessions(request: Request) -> SessionSigner:
    sessions: SessionSigner = request.app.state.sessions
    return sessions


def view_for(request: Request) -> View:
    """Work out the page language and who is acting (from the signed cookie only)."""
    query_lang = request.query_params.get("lang")
    lang = choose_lang(query_lang, request.headers.get("accept-language"))
    cookie = request.cookies.get(COOKIE_NAME)
    sessions = _sessions(request)
    member: Member | None = None
    member_id = sessions.verify(cookie)
    if member_id is not None:
        try:
            member = _forum(request).member(member_id)
        except errors.NotFound:
            member = None  # a signed cookie for a member this database lacks
    csrf = sessions.csrf_token(cookie) if member is not None and cookie else None
    view = View(lang, query_lang in ("ko", "en"), member, csrf)
    request.state.view = view
    return view


def fallback_view(request: Request) -> View:
    """Return the request's view if it was built, else one without a member (for errors)."""
    found = getattr(request.state, "view", None)
    if isinstance(found, View):
        return found
    query_lang = request.query_params.get("lang")
    lang = choose_lang(query_lang, request.headers.get("accept-language"))
    return View(lang, query_lang in ("ko", "en"))


ViewDep = Annotated[View, Depends(view_for)]
FormDep = Annotated[dict[str, str], Depends(read_form)]


def signed_in(view: ViewDep) -> Member:
    """Return the acting member, or refuse with 401."""
    if view.member is None:
        raise PageError(401, "signin_required")
    return view.member


def posted(request: Request, view: ViewDep, form: FormDep) -> Posted:
    """Return a signed-in member's form POST whose CSRF token checks out."""
    if view.member is None:
        raise PageError(401, "signin_required")
    if not _sessions(request).check_csrf(request.cookies.get(COOKIE_NAME, ""), form.get("csrf")):
        raise PageError(403, "csrf_failed")
    return Posted(view, view.member, form)


MemberDep = Annotated[Member, Depends(signed_in)]
PostDep = Annotated[Posted, Depends(posted)]


def redirect(view: View, path: str) -> RedirectResponse:
    """Return a 303 to ``path``, keeping an explicit ``?lang=``."""
    location = path
    if view.lang_in_query:
        location += ("&" if "?" in path else "?") + f"lang={view.lang}"
    return RedirectResponse(location, status_code=303)


def create_app(
    db_url: str,
    *,
    clock: Clock | None = None,
    zoom_webhook_secret: str,
    session_secret: bytes | None = None,
    secure_cookies: bool = True,
) -> FastAPI:
    """Build the application on one forum opened with ``proforum.open(db_url)``.

    :param db_url: the storage, e.g. ``sqlite:///forum.db``.
    :param clock: the forum's clock, also used for session expiry and webhook
        timestamps (a ``ManualClock`` in tests); the system clock by default.
    :param zoom_webhook_secret: the Zoom app's webhook *Secret Token*.
    :param session_secret: the key that signs session cookies (32 bytes or
        more); random by default, which signs everyone out on restart.
    :param secure_cookies: send the session cookie over HTTPS only.
    """
    if not zoom_webhook_secret:
        raise ValueError("zoom_webhook_secret must not be empty")
    the_clock: Clock = clock or proforum.SystemClock()
    forum = proforum.open(db_url, clock=the_clock)
    sessions = SessionSigner(the_clock, session_secret)
    directory = zoom.ZoomDirectory()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            forum.close()

    app = FastAPI(
        title="proforum webapp", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None
    )
    # For the host application and tests: the organiser's side goes through the
    # forum directly, and server code fills the Zoom directory.
    app.state.forum = forum
    app.state.sessions = sessions
    app.state.zoom = directory

    # -- errors ----------------------------------------------------------------

    @app.exception_handler(errors.ProforumError)
    async def on_proforum_error(request: Request, error: errors.ProforumError) -> Response:
        status = status_for(error)
        route = getattr(request.scope.get("route"), "path", "-")
        # The code only: an error's value may be a nickname or a link.
        log.info("%s %s refused: %s (%d)", request.method, route, error.code, status)
        view = fallback_view(request)
        body = (
            f'<p class="error">{e(error.message(view.lang))}</p>'
            f'<p><a href="{view.href("/")}">{view.t("back")}</a></p>'
        )
        return render(view, t(view.lang, "error_title"), body, status_code=status)

    @app.exception_handler(PageError)
    async def on_page_error(request: Request, error: PageError) -> Response:
        view = fallback_view(request)
        links = f'<a href="{view.href("/")}">{view.t("back")}</a>'
        if error.status_code == 401:
            links = f'<a href="{view.href("/signup")}">{view.t("signup")}</a> · ' + links
        body = f'<p class="error">{view.t(error.key)}</p><p>{links}</p>'
        return render(view, t(view.lang, "error_title"), body, status_code=error.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        view = fallback_view(request)
        body = f'<p class="error">{e(error.detail)}</p><p><a href="{view.href("/")}">{view.t("back")}</a></p>'
        page = render(view, t(view.lang, "error_title"), body, status_code=error.status_code)
        page.headers.update(error.headers or {})
        return page

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    # -- home, sign-up, sign-out -------------------------------------------------

    @app.get("/")
    def home(view: ViewDep) -> Response:
        found: list[Community] = []
        for job in JOB_FUNCTIONS:
            try:
                found.append(forum.community_by_slug(job.code))
            except errors.NotFound:
                continue
        items = [
            f'<a href="{view.href("/c/" + path_segment(c.slug))}">{e(c.name)}</a>' for c in found
        ]
        body = f"<h2>{view.t('communities')}</h2>"
        body += bullet_list(items) if items else f"<p>{view.t('no_communities')}</p>"
        body += view.form(
            "/go",
            f'<label>{view.t("slug")} <input name="slug" required></label>'
            + (
                f'<input type="hidden" name="lang" value="{view.lang}">'
                if view.lang_in_query
                else ""
            ),
            t(view.lang, "go"),
            method="get",
        )
        if view.member is not None:
            surveys: dict[str, str] = {}
            for entry in forum.inbox(view.member.id):
                if entry.item.kind is MessageKind.SURVEY_INVITATION:
                    params = entry.item.params
                    surveys.setdefault(params.get("survey_id", ""), params.get("survey_title", ""))
            surveys.pop("", None)
            if surveys:
                body += f"<h2>{view.t('surveys')}</h2>" + bullet_list(
                    f'<a href="{view.href("/surveys/" + path_segment(sid))}">{e(title)}</a>'
                    for sid, title in surveys.items()
                )
        return render(view, t(view.lang, "site"), body)

    @app.get("/go")
    def go(view: ViewDep, slug: str = "") -> Response:
        return redirect(view, "/c/" + path_segment(slug.strip()))

    @app.get("/signup")
    def signup_page(view: ViewDep) -> Response:
        jobs = "".join(
            f'<option value="{e(job.code)}">{e(job.name_ko if view.lang == "ko" else job.name_en)}</option>'
            for job in JOB_FUNCTIONS
        )
        fields = (
            f"<fieldset><legend>{view.t('identity')}</legend>"
            f'<label><input type="radio" name="identity" value="real_name" checked>{view.t("real_name")}</label> '
            f'<label><input type="radio" name="identity" value="nickname">{view.t("nickname")}</label>'
            "</fieldset>"
            f'<p><label>{view.t("name")} <input name="name" required></label></p>'
            f'<p><label>{view.t("job_function")} <select name="job_function">{jobs}</select></label></p>'
            f'<p><label>{view.t("company")} <input name="company"></label></p>'
        )
        return render(
            view, t(view.lang, "signup"), view.form("/signup", fields, t(view.lang, "signup"))
        )

    @app.post("/signup")
    def signup(
        request: Request,
        view: ViewDep,
        form: FormDep,
    ) -> Response:
        if view.member is not None and not sessions.check_csrf(
            request.cookies.get(COOKIE_NAME, ""), form.get("csrf")
        ):
            raise PageError(403, "csrf_failed")
        identity = form.get("identity")
        name = form.get("name", "")
        member = forum.register_member(
            job_function=form.get("job_function", ""),
            real_name=name if identity == "real_name" else None,
            nickname=name if identity == "nickname" else None,
            company=form.get("company") or None,
            locale=view.lang,
        )
        log.info("member signed up: %s", member.id)
        response = redirect(view, "/")
        response.set_cookie(
            COOKIE_NAME,
            sessions.issue(member.id),
            max_age=int(sessions.max_age.total_seconds()),
            path="/",
            secure=secure_cookies,
            httponly=True,
            samesite="lax",
        )
        return response

    @app.post("/signout")
    def signout(post: PostDep) -> Response:
        response = redirect(post.view, "/")
        response.delete_cookie(COOKIE_NAME, path="/", secure=secure_cookies, httponly=True)
        return response

    # -- communities ----------------------------------------------------------------

    def own_role(member: Member, community: Community) -> Role | None:
        try:
            memberships = forum.memberships(member.id, community.id)
        except errors.NotACommunityMember:
            return None
        return next((m.role for m in memberships if m.member_id == member.id), None)

    @app.get("/c/{slug}")
    def community_page(slug: str, view: ViewDep) -> Response:
        community = forum.community_by_slug(slug)
        base = "/c/" + path_segment(community.slug)
        if view.member is None:
            body = f'<p><a href="{view.href("/signup")}">{view.t("signup")}</a></p>'
            return render(view, community.name, body)
        role = own_role(view.member, community)
        if role is None:
            body = f"<p>{view.t('not_joined')}</p>" + view.form(
                base + "/join", "", t(view.lang, "join")
            )
            return render(view, community.name, body)
        label = role.label_ko if view.lang == "ko" else role.value
        body = f"<p>{view.t('your_role', role=label)}</p><h2>{view.t('meetups')}</h2>"
        meetups = forum.meetups(view.member.id, community.id)
        if not meetups:
            body += f"<p>{view.t('no_meetups')}</p>"
        body += bullet_list(
            f'<a href="{view.href("/meetups/" + path_segment(m.id))}">{e(m.title)}</a>'
            f" — {e(format_time(m.starts_at, m.time_zone, view.lang))}"
            f" ({view.t('state_' + m.state.value)})"
            for m in meetups
        )
        return render(view, community.name, body)

    @app.post("/c/{slug}/join")
    def join(slug: str, post: PostDep) -> Response:
        community = forum.community_by_slug(slug)
        forum.join_community(post.member.id, community.id)
        return redirect(post.view, "/c/" + path_segment(community.slug))

    # -- meetups, the draw, the link --------------------------------------------------

    def waitlist_position(member_id: MemberId, record: Mapping[str, Any]) -> int | None:
        waitlist = record.get("waitlist", [])
        return waitlist.index(member_id) + 1 if member_id in waitlist else None

    def draw_section(view: View, member: Member, meetup: Meetup) -> str:
        if meetup.state not in (MeetupState.DRAWN, MeetupState.ENDED, MeetupState.CANCELLED):
            return ""
        try:
            record = forum.draw_record(member.id, meetup.id)
        except errors.NotFound:
            return ""

        def who(member_id: str) -> str:
            mark = f" <strong>({view.t('you')})</strong>" if member_id == member.id else ""
            return f"<code>{e(member_id)}</code>{mark}"

        return (
            f"<h2>{view.t('draw_record')}</h2><p>"
            + view.t(
                "record_summary",
                applicants=len(record["applicants"]),
                selected=len(record["selected"]),
                waitlist=len(record["waitlist"]),
            )
            + f"</p><p>commitment <code>{e(record['commitment'])}</code><br>"
            f"seed <code>{e(record['seed'])}</code></p>"
            f"<details><summary>{view.t('selected_list')}</summary>"
            + bullet_list(who(m) for m in record["selected"])
            + f"</details><details><summary>{view.t('waitlist_list')}</summary>"
            + bullet_list(who(m) for m in record["waitlist"])
            + f"</details><p>{view.t('verify_hint')} "
            f'<a href="{view.href("/meetups/" + path_segment(meetup.id) + "/draw.json")}">'
            f"{view.t('download_record')}</a></p>"
        )

    @app.get("/meetups/{meetup_id}")
    def meetup_page(meetup_id: str, view: ViewDep, member: MemberDep) -> Response:
        meetup = forum.meetup(member.id, MeetupId(meetup_id))
        base = "/meetups/" + path_segment(meetup.id)
        body = (
            f"<p>{view.t('topic')}: {e(meetup.topic)}</p>"
            f"<p>{view.t('when')}: {e(format_time(meetup.starts_at, meetup.time_zone, view.lang))}"
            f" · {view.t('capacity', n=meetup.capacity)}</p>"
            f"<p>{view.t('applications_close')}: "
            f"{e(format_time(meetup.applications_close_at, meetup.time_zone, view.lang))}</p>"
            f"<p>{view.t('state')}: {view.t('state_' + meetup.state.value)}</p>"
            f"<h2>{view.t('my_application')}</h2>"
        )
        try:
            application = forum.application(member.id, meetup.id)
        except errors.NotFound:
            application = None
        if application is None or application.state is ApplicationState.WITHDRAWN:
            body += f"<p>{view.t('not_applied')}</p>"
            if meetup.state is MeetupState.OPEN:
                body += view.form(base + "/apply", "", t(view.lang, "apply"))
        elif application.state is ApplicationState.WAITLISTED:
            record = forum.draw_record(member.id, meetup.id)
            position = waitlist_position(member.id, record)
            body += f"<p>{view.t('app_waitlisted', position=position or '-')}</p>"
        else:
            body += f"<p>{view.t('app_' + application.state.value)}</p>"
            if application.may_read_link and meetup.state is MeetupState.DRAWN:
                body += f'<p><a href="{view.href(base + "/link")}">{view.t("see_link")}</a></p>'
        if meetup.state is not MeetupState.OPEN and meetup.state is not MeetupState.DRAFT:
            try:
                commitment = forum.commitment(member.id, meetup.id)
            except errors.NotFound:
                commitment = None
            if commitment is not None:
                body += (
                    f"<h2>{view.t('commitment')}</h2><p><code>{e(commitment['commitment'])}</code>"
                    f" ({e(commitment['committed_at'])})</p>"
                )
        body += draw_section(view, member, meetup)
        return render(view, meetup.title, body)

    @app.post("/meetups/{meetup_id}/apply")
    def apply(meetup_id: str, post: PostDep) -> Response:
        application = forum.apply(post.member.id, MeetupId(meetup_id))
        return redirect(post.view, "/meetups/" + path_segment(application.meetup_id))

    @app.get("/meetups/{meetup_id}/draw.json")
    def draw_json(meetup_id: str, member: MemberDep) -> Response:
        return JSONResponse(forum.draw_record(member.id, MeetupId(meetup_id)))

    @app.get("/meetups/{meetup_id}/link")
    def meeting_link(meetup_id: str, view: ViewDep, member: MemberDep) -> Response:
        meetup = forum.meetup(member.id, MeetupId(meetup_id))
        back = f'<p><a href="{view.href("/meetups/" + path_segment(meetup.id))}">{view.t("back")}</a></p>'
        try:
            link = forum.meeting_link(member.id, meetup.id)
        except errors.LinkNotGranted:
            body = f'<p class="error">{view.t("link_refused")}</p>'
            try:
                application = forum.application(member.id, meetup.id)
            except errors.NotFound:
                application = None
            if application is not None and application.state is ApplicationState.WAITLISTED:
                position = waitlist_position(member.id, forum.draw_record(member.id, meetup.id))
                body += f"<p>{view.t('link_refused_waitlisted', position=position or '-')}</p>"
            return render(view, t(view.lang, "link_title"), body + back, status_code=403)
        body = (
            f"<p>{view.t('link_intro')}</p>"
            f'<p><a href="{e(link)}" rel="noopener noreferrer">{e(link)}</a></p>' + back
        )
        return render(view, t(view.lang, "link_title"), body)

    # -- the anonymous survey ---------------------------------------------------------

    @app.get("/surveys/{survey_id}")
    def survey_page(
        survey_id: str, view: ViewDep, member: MemberDep, answered: str | None = None
    ) -> Response:
        survey = forum.survey(member.id, SurveyId(survey_id))
        question = survey.question.text_ko if view.lang == "ko" else survey.question.text_en
        body = ""
        if answered:
            body += f"<p><strong>{view.t('thanks')}</strong></p>"
        if survey.anonymous:
            body += f"<p>{view.t('anonymous_note')}</p>"
        choices = " ".join(
            f'<label><input type="radio" name="rating" value="{n}" required> {n}</label>'
            for n in range(1, survey.question.scale + 1)
        )
        body += view.form(
            "/surveys/" + path_segment(survey.id) + "/answer",
            f"<p>{view.t('survey_question')}: {e(question)}</p><p>{choices}</p>",
            t(view.lang, "answer"),
        )
        try:
            result = forum.survey_result(member.id, survey.id)
        except errors.NotAnAttendee:
            result = None
        if result is not None:
            body += f"<h2>{view.t('result')}</h2><p>"
            if result.mean is None:
                body += view.t("result_hidden", min=result.min_responses, n=result.responses)
            else:
                body += view.t(
                    "result_mean", mean=result.mean, scale=result.scale, n=result.responses
                )
            body += "</p>"
        return render(view, survey.title, body)

    @app.post("/surveys/{survey_id}/answer")
    def answer(survey_id: str, post: PostDep) -> Response:
        raw = post.form.get("rating", "")
        # proforum checks the rating; a non-number reaches it as is and is refused.
        rating: Any = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else raw
        forum.answer_survey(post.member.id, SurveyId(survey_id), rating)
        return redirect(post.view, "/surveys/" + path_segment(survey_id) + "?answered=1")

    # -- Zoom ----------------------------------------------------------------------

    def record_join(payload: Mapping[str, Any]) -> str:
        meeting = payload.get("object")
        if not isinstance(meeting, dict):
            return "unmapped"
        participant = meeting.get("participant")
        meetup_id = directory.meetup_for(meeting.get("id"))
        member_id = directory.member_for(participant) if isinstance(participant, dict) else None
        if meetup_id is None or member_id is None:
            return "unmapped"
        try:
            # The member's own check-in: Zoom, whose signature we checked, says they joined.
            forum.check_in(member_id, meetup_id)
        except errors.ProforumError as refused:
            return "not_recorded:" + refused.code
        return "recorded"

    @app.post("/webhooks/zoom")
    async def zoom_webhook(request: Request) -> Response:
        tracking = loggable(request.headers.get(zoom.TRACKING_HEADER))
        try:
            body = await read_limited(request, MAX_WEBHOOK_BYTES)
        except PageError:
            return JSONResponse({"error": "body too large"}, status_code=413)
        now = the_clock.now().timestamp()
        if not zoom.verify(zoom_webhook_secret, request.headers, body, now=now):
            log.warning("zoom webhook refused: signature or timestamp (tracking %s)", tracking)
            return JSONResponse({"error": "invalid signature"}, status_code=401)
        try:
            event = json.loads(body)
        except ValueError:
            event = None
        if not isinstance(event, dict) or not isinstance(event.get("payload", {}), dict):
            return JSONResponse({"error": "malformed event"}, status_code=400)
        name = event.get("event")
        payload: dict[str, Any] = event.get("payload", {})
        if name == "endpoint.url_validation":
            plain = payload.get("plainToken")
            if not isinstance(plain, str) or not plain:
                return JSONResponse({"error": "missing plainToken"}, status_code=400)
            log.info("zoom webhook url validation answered (tracking %s)", tracking)
            return JSONResponse(
                {
                    "plainToken": plain,
                    "encryptedToken": zoom.encrypted_token(zoom_webhook_secret, plain),
                }
            )
        if name == "meeting.participant_joined":
            outcome = await run_in_threadpool(record_join, payload)
        else:
            outcome = "ignored"
        log.info("zoom webhook %s (tracking %s): %s", loggable(name), tracking, outcome)
        return JSONResponse({"status": outcome})

    return app


def app_from_env() -> FastAPI:
    """Build the application from environment variables (for ``uvicorn --factory``).

    ``PROFORUM_WEBAPP_DB`` (default ``sqlite:///webapp.db``),
    ``ZOOM_WEBHOOK_SECRET_TOKEN`` (required) and
    ``PROFORUM_WEBAPP_SESSION_SECRET`` (32 characters or more; random if unset).
    """
    secret = os.environ.get("PROFORUM_WEBAPP_SESSION_SECRET")
    return create_app(
        os.environ.get("PROFORUM_WEBAPP_DB", "sqlite:///webapp.db"),
        zoom_webhook_secret=os.environ["ZOOM_WEBHOOK_SECRET_TOKEN"],
        session_secret=secret.encode() if secret else None,
    )
