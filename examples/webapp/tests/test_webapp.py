"""The example web application, driven through FastAPI's TestClient on a SQLite file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import attrs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from webapp.app import create_app
from webapp.sessions import COOKIE_NAME

import proforum
from proforum.domain.common import MemberId
from proforum.domain.community import Community
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup

SEOUL = ZoneInfo("Asia/Seoul")
ZOOM_SECRET = "zoom-webhook-secret-for-tests"  # noqa: S105 - a test fixture
WRONG_SECRET = "not-the-zoom-secret"  # noqa: S105 - a test fixture
START = datetime(2026, 12, 1, 10, 0, tzinfo=SEOUL)
MEETUP_STARTS = datetime(2026, 12, 10, 19, 0, tzinfo=SEOUL)
LINK = "https://zoom.us/j/81234567890?pwd=Zm9vYmFy"
ZOOM_MEETING_ID = 81234567890
CSRF_FIELD = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


# --------------------------------------------------------------------------- helpers


class Reply(Protocol):
    """What the tests read of a TestClient response (httpx or httpx2 alike)."""

    @property
    def status_code(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def cookies(self) -> Mapping[str, str]: ...
    def json(self) -> Any: ...


@attrs.define
class Browser:
    """One member's browser: their session cookie, sent explicitly on each request."""

    client: TestClient
    cookie: str
    member_id: MemberId
    csrf: str = ""

    def _done(self, response: Reply) -> Reply:
        # Keep the shared client's jar empty: every browser sends its own cookie.
        self.client.cookies.clear()
        return response

    def get(self, path: str, **headers: str) -> Reply:
        return self._done(
            self.client.get(path, headers={"cookie": f"{COOKIE_NAME}={self.cookie}", **headers})
        )

    def post(self, path: str, data: Mapping[str, str] | None = None, *, csrf: bool = True) -> Reply:
        form = dict(data or {})
        if csrf:
            if not self.csrf:
                found = CSRF_FIELD.search(self.get("/").text)
                assert found is not None
                self.csrf = found.group(1)
            form.setdefault("csrf", self.csrf)
        return self._done(
            self.client.post(
                path,
                data=form,
                headers={"cookie": f"{COOKIE_NAME}={self.cookie}"},
                follow_redirects=False,
            )
        )


def sign_up(client: TestClient, name: str, *, nickname: bool = False, **headers: str) -> Browser:
    response = client.post(
        "/signup",
        data={
            "identity": "nickname" if nickname else "real_name",
            "name": name,
            "job_function": "marketing-pr",
        },
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    cookie = response.cookies[COOKIE_NAME]
    client.cookies.clear()
    member_id = client.app.state.sessions.verify(cookie)  # type: ignore[attr-defined]
    assert member_id is not None
    return Browser(client, cookie, member_id)


def zoom_post(
    client: TestClient,
    event: Mapping[str, Any] | bytes,
    *,
    timestamp: int,
    secret: str = ZOOM_SECRET,
    signature: str | None = None,
    body: bytes | None = None,
    drop: str | None = None,
) -> Reply:
    """POST a webhook signed as video-apis.md §A.7 says, computed here independently."""
    raw = event if isinstance(event, bytes) else json.dumps(event, separators=(",", ":")).encode()
    message = b"v0:" + str(timestamp).encode() + b":" + raw
    headers = {
        "content-type": "application/json; charset=utf-8",
        "x-zm-request-timestamp": str(timestamp),
        "x-zm-signature": signature
        or "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest(),
        "x-zm-trackingid": "v=2.0;clid=aw1;rid=WEB_test",
    }
    if drop is not None:
        del headers[drop]
    return client.post("/webhooks/zoom", content=body if body is not None else raw, headers=headers)


def joined_event(email: str) -> dict[str, Any]:
    return {
        "event": "meeting.participant_joined",
        "event_ts": 1_796_000_000_000,
        "payload": {
            "account_id": "acc",
            "object": {
                "id": str(ZOOM_MEETING_ID),  # Zoom sends it as a string here
                "uuid": "4444AAAiAAAAAiAiAiiAii==",
                "host_id": "z8yCxjabcd",
                "topic": "퍼포먼스 마케터끼리 만나요!",
                "type": 2,
                "participant": {
                    "user_id": "16778240",
                    "user_name": "참가자",
                    "id": "iFxeBPYun6SAiWUzBcEkX",
                    "join_time": "2026-12-10T09:55:00Z",
                    "email": email,
                    "registrant_id": "",
                },
            },
        },
    }


# --------------------------------------------------------------------------- fixtures


@attrs.frozen
class World:
    app: FastAPI
    client: TestClient
    clock: proforum.ManualClock
    forum: proforum.Forum
    host: Member
    community: Community
    meetup: Meetup


@pytest.fixture
def clock() -> proforum.ManualClock:
    return proforum.ManualClock(START)


@pytest.fixture
def app(tmp_path: Path, clock: proforum.ManualClock) -> FastAPI:
    return create_app(
        f"sqlite:///{tmp_path / 'forum.db'}",
        clock=clock,
        zoom_webhook_secret=ZOOM_SECRET,
        session_secret=secrets.token_bytes(32),
    )


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client


@pytest.fixture
def world(app: FastAPI, client: TestClient, clock: proforum.ManualClock) -> World:
    """An operator, a host, the Marketing/PR community and an announced meetup."""
    forum: proforum.Forum = app.state.forum
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, proforum.Role.HOST)
    meetup = forum.create_meetup(
        host.id,
        community.id,
        title="리멤버에서 퍼포먼스 마케터끼리 만나요!",
        topic="퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
        starts_at=MEETUP_STARTS,
        ends_at=MEETUP_STARTS + timedelta(hours=2),
        capacity=20,
        applications_open_at=clock.now(),
        applications_close_at=MEETUP_STARTS - timedelta(days=3),
    )
    forum.announce_meetup(host.id, meetup.id)
    return World(app, client, clock, forum, host, community, meetup)


# --------------------------------------------------------------------------- the whole walk


def test_the_meetup_story_over_http(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    forum, host, meetup, clock = world.forum, world.host, world.meetup, world.clock
    client = world.client
    meetup_path = f"/meetups/{meetup.id}"

    # Sign-up (real names and fixed nicknames) and joining, all over HTTP.
    members: list[Browser] = []
    for i in range(25):
        name = f"퍼포마케터{i}" if i % 2 else f"김직원{i}"
        browser = sign_up(client, name, nickname=bool(i % 2))
        home = browser.get("/")
        assert f"{name}님, 안녕하세요." in home.text
        assert "마케팅/PR" in home.text
        joined = browser.post("/c/marketing-pr/join")
        assert joined.status_code == 303
        assert joined.headers["location"] == "/c/marketing-pr"
        members.append(browser)
    community_page = members[0].get("/c/marketing-pr")
    assert "내 역할: 회원" in community_page.text
    assert meetup.title in community_page.text
    assert "신청 받는 중" in community_page.text

    # Applying.
    for browser in members:
        response = browser.post(f"{meetup_path}/apply")
        assert response.status_code == 303
        assert response.headers["location"] == meetup_path
    assert "신청했습니다" in members[0].get(meetup_path).text

    # The organiser closes applications and draws, through proforum directly.
    clock.set(MEETUP_STARTS - timedelta(days=2))
    commitment = forum.close_applications(host.id, meetup.id)
    assert commitment.digest in members[0].get(meetup_path).text
    draw = forum.draw(host.id, meetup.id)
    forum.set_meeting(host.id, meetup.id, options={"join_url": LINK})
    by_id = {b.member_id: b for b in members}
    selected = [by_id[m] for m in draw.selected]
    waitlisted = [by_id[m] for m in draw.waitlist]
    assert (len(selected), len(waitlisted)) == (20, 5)

    # A selected member sees the result, the public record and their own link.
    page = selected[0].get(meetup_path)
    assert "추첨에 선정되었습니다" in page.text
    assert draw.commitment in page.text
    assert draw.seed_hex in page.text
    assert f"{meetup_path}/link" in page.text
    assert LINK not in page.text
    link_page = selected[0].get(f"{meetup_path}/link")
    assert link_page.status_code == 200
    assert LINK in link_page.text
    assert link_page.headers["cache-control"] == "no-store"
    assert link_page.headers["referrer-policy"] == "no-referrer"

    # A waitlisted member sees their position and gets a friendly refusal.
    last = waitlisted[-1]
    page = last.get(meetup_path)
    assert "대기 5번입니다." in page.text
    assert f"{meetup_path}/link" not in page.text
    refused = last.get(f"{meetup_path}/link")
    assert refused.status_code == 403
    assert "선정되지 않아 회의 링크를 볼 수 없습니다" in refused.text
    assert "현재 대기 5번입니다" in refused.text
    assert LINK not in refused.text
    english = last.get(f"{meetup_path}/link?lang=en")
    assert english.status_code == 403
    assert "number 5 on the waitlist" in english.text

    # The public record verifies, and carries no link.
    record = last.get(f"{meetup_path}/draw.json")
    assert record.status_code == 200
    assert proforum.verify_draw(record.json()).valid
    assert record.json()["waitlist"] == list(draw.waitlist)
    assert LINK not in record.text

    # D-day: Zoom tells us who joined.  Forged or stale events change nothing.
    world.app.state.zoom.link_meeting(ZOOM_MEETING_ID, meetup.id)
    world.app.state.zoom.link_participant(selected[0].member_id, email="First@Example.com")
    clock.set(MEETUP_STARTS - timedelta(minutes=10))
    now = int(clock.now().timestamp())
    event = joined_event("first@example.com")
    assert zoom_post(client, event, timestamp=now, secret=WRONG_SECRET).status_code == 401
    assert zoom_post(client, event, timestamp=now - 301).status_code == 401
    assert forum.application(selected[0].member_id, meetup.id).state == "selected"
    accepted = zoom_post(client, event, timestamp=now)
    assert accepted.status_code == 200
    assert accepted.json() == {"status": "recorded"}
    assert forum.application(selected[0].member_id, meetup.id).state == "attended"
    again = zoom_post(client, event, timestamp=now)  # Zoom retries: no harm done
    assert again.json()["status"].startswith("not_recorded:")
    unknown = zoom_post(client, joined_event("stranger@example.com"), timestamp=now)
    assert unknown.json() == {"status": "unmapped"}

    clock.set(MEETUP_STARTS)
    for browser in selected[1:18]:
        forum.check_in(browser.member_id, meetup.id)
    clock.set(MEETUP_STARTS + timedelta(hours=2, minutes=40))
    report = forum.end_meetup(host.id, meetup.id)
    assert len(report.attended) == 18
    assert len(report.no_shows) == 2

    # The anonymous survey, answered over HTTP.
    survey = forum.create_survey(
        host.id,
        meetup.id,
        title="모임 만족도 익명 설문",
        question_ko="오늘 모임은 얼마나 만족스러우셨나요?",
        question_en="How satisfied were you with today's meetup?",
        closes_at=MEETUP_STARTS + timedelta(days=3),
    )
    survey_path = f"/surveys/{survey.id}"
    attendees = [by_id[m] for m in report.attended]
    assert survey_path in attendees[0].get("/").text
    form = attendees[0].get(survey_path)
    assert "오늘 모임은 얼마나 만족스러우셨나요?" in form.text
    assert "익명 설문입니다" in form.text
    # A rating off the scale, or not a number, reaches proforum and is refused there (400).
    for bad in ("9", "0", "many", ""):
        off_scale = attendees[0].post(f"{survey_path}/answer", {"rating": bad})
        assert off_scale.status_code == 400
        assert "평점은 1점에서 5점 사이의 정수여야 합니다." in off_scale.text
    ratings = [(5, 4, 4, 3, 4)[n % 5] for n in range(len(attendees))]
    for browser, rating in zip(attendees, ratings, strict=True):
        answered = browser.post(f"{survey_path}/answer", {"rating": str(rating)})
        assert answered.status_code == 303
        assert answered.headers["location"] == f"{survey_path}?answered=1"
    thanks = attendees[0].get(f"{survey_path}?answered=1")
    assert "응답해 주셔서 감사합니다." in thanks.text
    mean = round(sum(ratings) / len(ratings), 2)
    assert f"평균 {mean}점 / 5점 ({len(ratings)}명 응답)" in thanks.text

    # Who did not come cannot answer; nobody answers twice; ratings stay on the scale.
    assert waitlisted[0].post(f"{survey_path}/answer", {"rating": "5"}).status_code == 403
    twice = attendees[0].post(f"{survey_path}/answer", {"rating": "5"})
    assert twice.status_code == 409
    assert "이미" in twice.text
    assert forum.close_survey(host.id, survey.id).mean == mean

    # The link was never logged, and nobody's link page outlived the meetup.
    assert LINK not in caplog.text
    assert "pwd=" not in caplog.text
    assert selected[0].get(f"{meetup_path}/link").status_code == 403


# --------------------------------------------------------------------------- error statuses


def test_invalid_input_is_400_in_korean_by_default_and_english_on_request(
    client: TestClient,
) -> None:
    bad = {"identity": "nickname", "name": "", "job_function": "marketing-pr"}
    korean = client.post("/signup", data=bad)
    assert korean.status_code == 400
    assert '<html lang="ko">' in korean.text
    assert "닉네임은" in korean.text
    english = client.post("/signup?lang=en", data=bad)
    assert english.status_code == 400
    assert "This nickname cannot be used" in english.text
    preferred = client.post("/signup", data=bad, headers={"accept-language": "en-US,en;q=0.9"})
    assert "This nickname cannot be used" in preferred.text
    korean_first = client.post(
        "/signup", data=bad, headers={"accept-language": "ko-KR,ko;q=0.9,en;q=0.8"}
    )
    assert "닉네임은" in korean_first.text
    neither = client.post("/signup", data={"name": "김직원", "job_function": "marketing-pr"})
    assert neither.status_code == 400
    assert "실명과 고정 닉네임 중 정확히 하나" in neither.text


def test_each_kind_of_refusal_has_its_status(world: World) -> None:
    client, meetup = world.client, world.meetup
    meetup_path = f"/meetups/{meetup.id}"
    outsider = sign_up(client, "김외부")

    # 403: not a member of the meetup's community.
    assert outsider.get(meetup_path).status_code == 403
    refused = outsider.post(f"{meetup_path}/apply")
    assert refused.status_code == 403
    assert "이 커뮤니티의 회원만 할 수 있습니다." in refused.text

    # 404: unknown ids and slugs (and unknown pages, in the same HTML).
    assert outsider.get("/meetups/mtp_nope").status_code == 404
    assert outsider.get("/no/such/page").status_code == 404
    assert '<html lang="ko">' in outsider.get("/no/such/page").text
    missing = outsider.get("/c/no-such-community")
    assert missing.status_code == 404
    assert "커뮤니티을(를) 찾을 수 없습니다." in missing.text
    english = outsider.get("/c/no-such-community?lang=en")
    assert "No such community." in english.text

    # 409 Conflict: joining or applying twice, a nickname already taken.
    assert outsider.post("/c/marketing-pr/join").status_code == 303
    assert outsider.post("/c/marketing-pr/join").status_code == 409
    assert outsider.post(f"{meetup_path}/apply").status_code == 303
    assert outsider.post(f"{meetup_path}/apply").status_code == 409
    sign_up(client, "ROAS요정", nickname=True)
    taken = client.post(
        "/signup", data={"identity": "nickname", "name": "ROAS요정", "job_function": "marketing-pr"}
    )
    assert taken.status_code == 409

    # 409 InvalidState: the application window has closed.
    late = sign_up(client, "김지각")
    assert late.post("/c/marketing-pr/join").status_code == 303
    world.clock.set(MEETUP_STARTS - timedelta(days=2))
    closed = late.post(f"{meetup_path}/apply")
    assert closed.status_code == 409
    assert "신청" in closed.text


def test_signed_out_visitors_get_401_and_a_sign_up_link(world: World) -> None:
    response = world.client.get(f"/meetups/{world.meetup.id}")
    assert response.status_code == 401
    assert 'href="/signup"' in response.text
    posted = world.client.post(f"/meetups/{world.meetup.id}/apply", data={"csrf": "0" * 64})
    assert posted.status_code == 401


# --------------------------------------------------------------------------- sessions


def test_the_cookie_is_signed_http_only_and_same_site(client: TestClient) -> None:
    response = client.post(
        "/signup",
        data={"identity": "real_name", "name": "김쿠키", "job_function": "marketing-pr"},
        follow_redirects=False,
    )
    set_cookie = response.headers["set-cookie"].lower()
    assert "httponly" in set_cookie
    assert "samesite=lax" in set_cookie
    assert "secure" in set_cookie


def test_a_tampered_or_forged_cookie_is_treated_as_signed_out(world: World) -> None:
    client = world.client
    me = sign_up(client, "김진짜")
    victim = sign_up(client, "김피해")
    assert victim.post("/c/marketing-pr/join").status_code == 303
    assert "김진짜님, 안녕하세요." in me.get("/").text

    payload, signature = me.cookie.rsplit(".", 1)
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    forged_payload = base64.urlsafe_b64encode(
        f"{victim.member_id}|{int(world.clock.now().timestamp())}".encode()
    ).decode()
    forgeries = [
        f"{payload}.{flipped}",  # signature changed
        f"{forged_payload.rstrip('=')}.{signature}",  # someone else's id, my signature
        payload,  # no signature at all
        f"{payload}.{signature.upper()}",
        "",
    ]
    for cookie in forgeries:
        intruder = Browser(client, cookie, victim.member_id, csrf=me.csrf or "0" * 64)
        home = intruder.get("/")
        assert "로그인하지 않았습니다." in home.text
        assert "김피해" not in home.text
        assert intruder.post(f"/meetups/{world.meetup.id}/apply").status_code == 401
    with pytest.raises(proforum.errors.NotFound):
        world.forum.application(victim.member_id, world.meetup.id)

    # Sessions expire.
    world.clock.advance(timedelta(days=15))
    assert "로그인하지 않았습니다." in me.get("/").text


def test_a_member_id_in_a_form_is_never_trusted(world: World) -> None:
    me = sign_up(world.client, "김본인")
    other = sign_up(world.client, "김타인")
    for browser in (me, other):
        assert browser.post("/c/marketing-pr/join").status_code == 303
    response = me.post(
        f"/meetups/{world.meetup.id}/apply",
        {"member_id": other.member_id, "actor": other.member_id},
    )
    assert response.status_code == 303
    assert world.forum.application(me.member_id, world.meetup.id).state == "applied"
    with pytest.raises(proforum.errors.NotFound):
        world.forum.application(other.member_id, world.meetup.id)


def test_posts_without_the_csrf_token_are_refused(world: World) -> None:
    me = sign_up(world.client, "김요청")
    refused = me.post("/c/marketing-pr/join", csrf=False)
    assert refused.status_code == 403
    wrong = me.post("/c/marketing-pr/join", {"csrf": "f" * 64})
    assert wrong.status_code == 403
    with pytest.raises(proforum.errors.NotACommunityMember):
        world.forum.memberships(me.member_id, world.community.id)
    signed_out = me.post("/signout")
    assert signed_out.status_code == 303
    assert "max-age=0" in signed_out.headers["set-cookie"].lower()


# --------------------------------------------------------------------------- Zoom webhook


def test_zoom_url_validation_is_answered_with_the_documented_hmac(
    client: TestClient, clock: proforum.ManualClock
) -> None:
    plain = "qgg8vlvZRS6UYooatFL8Aw"
    event = {"event": "endpoint.url_validation", "payload": {"plainToken": plain}}
    response = zoom_post(client, event, timestamp=int(clock.now().timestamp()))
    assert response.status_code == 200
    expected = hmac.new(ZOOM_SECRET.encode(), plain.encode(), hashlib.sha256).hexdigest()
    assert response.json() == {"plainToken": plain, "encryptedToken": expected}


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param({"secret": "some-other-secret"}, id="wrong-secret"),
        pytest.param({"signature": "v0=" + "0" * 64}, id="wrong-signature"),
        pytest.param({"signature": "v1=abc"}, id="wrong-scheme"),
        pytest.param({"drop": "x-zm-signature"}, id="no-signature"),
        pytest.param({"drop": "x-zm-request-timestamp"}, id="no-timestamp"),
        pytest.param({"offset": -301}, id="stale"),
        pytest.param({"offset": 301}, id="future"),
        pytest.param({"reformat": True}, id="body-reserialised"),
    ],
)
def test_zoom_requests_that_do_not_verify_get_401(
    client: TestClient, clock: proforum.ManualClock, tamper: dict[str, Any]
) -> None:
    event = {"event": "endpoint.url_validation", "payload": {"plainToken": "abc"}}
    now = int(clock.now().timestamp())
    response = zoom_post(
        client,
        event,
        timestamp=now + tamper.get("offset", 0),
        secret=tamper.get("secret", ZOOM_SECRET),
        signature=tamper.get("signature"),
        drop=tamper.get("drop"),
        body=json.dumps(event, indent=2).encode() if tamper.get("reformat") else None,
    )
    assert response.status_code == 401
    assert "encryptedToken" not in response.text


def test_zoom_timestamps_within_the_tolerance_are_accepted(
    client: TestClient, clock: proforum.ManualClock
) -> None:
    now = int(clock.now().timestamp())
    started = {"event": "meeting.started", "payload": {"object": {"id": 1}}}
    for offset in (-299, 0, 299):
        response = zoom_post(client, started, timestamp=now + offset)
        assert response.status_code == 200
        assert response.json() == {"status": "ignored"}
    malformed = zoom_post(client, b"not json", timestamp=now)
    assert malformed.status_code == 400
