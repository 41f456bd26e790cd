"""Posts, comments and feeds reject bad input with the specific error and change nothing.

Includes the built-in content policy: no phone numbers, e-mail addresses or
resident registration numbers (주민등록번호) in titles, bodies or comments.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from forum_world import T0, World, assert_unchanged
from proforum.domain.content import Post
from proforum.errors import (
    ContentRejected,
    InvalidInput,
    InvalidSchedule,
    InvalidText,
    NotACommunityMember,
    NotFound,
    ProforumError,
)


@pytest.fixture
def post(world: World) -> Post:
    return world.forum.publish_post(
        world.members[0].id,
        world.community.id,
        title="ROAS가 무너진 날",
        body="입찰가를 한 번에 세 배로 올렸습니다.",
    )


# --------------------------------------------------------------------------- publish_post


@pytest.mark.parametrize(
    ("who", "community", "error"),
    [
        pytest.param("outsider", "community", NotACommunityMember, id="outsider"),
        pytest.param("mem_nobody", "community", NotFound, id="unknown-member"),
        pytest.param("member", "com_nowhere", NotFound, id="unknown-community"),
        pytest.param("outsider", "com_nowhere", NotFound, id="outsider-unknown-community"),
    ],
)
def test_publish_post_rejects_who_and_where(
    world: World, who: str, community: str, error: type[ProforumError]
) -> None:
    actor = {"outsider": world.outsider.id, "member": world.members[0].id}.get(who, who)
    community_id = world.community.id if community == "community" else community
    assert_unchanged(
        world.forum,
        lambda: world.forum.publish_post(actor, community_id, title="제목", body="본문"),
        error,
    )


def test_a_member_who_left_can_no_longer_post(world: World) -> None:
    member = world.members[2]
    world.forum.leave_community(member.id, world.community.id)
    assert_unchanged(
        world.forum,
        lambda: world.forum.publish_post(member.id, world.community.id, title="t", body="b"),
        NotACommunityMember,
    )


@pytest.mark.parametrize(
    ("title", "body", "field", "limit"),
    [
        pytest.param("", "본문", "title", 100, id="title-empty"),
        pytest.param("   ", "본문", "title", 100, id="title-spaces"),
        pytest.param("제" * 101, "본문", "title", 100, id="title-101"),
        pytest.param("제목\n둘째 줄", "본문", "title", 100, id="title-newline"),
        pytest.param("제목\x00", "본문", "title", 100, id="title-nul"),
        pytest.param("제목\u202e", "본문", "title", 100, id="title-bidi"),
        pytest.param("제목\u200b", "본문", "title", 100, id="title-zwsp"),
        pytest.param(None, "본문", "title", 100, id="title-none"),
        pytest.param(7, "본문", "title", 100, id="title-int"),
        pytest.param("제목", "", "body", 20_000, id="body-empty"),
        pytest.param("제목", "\n\n\t ", "body", 20_000, id="body-whitespace"),
        pytest.param("제목", "본" * 20_001, "body", 20_000, id="body-20001"),
        pytest.param("제목", "본문\x07", "body", 20_000, id="body-bell"),
        pytest.param("제목", "본문\u202e", "body", 20_000, id="body-bidi"),
        pytest.param("제목", None, "body", 20_000, id="body-none"),
    ],
)
def test_publish_post_rejects_bad_text(
    world: World, title: object, body: object, field: str, limit: int
) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.publish_post(
            world.members[0].id,
            world.community.id,
            title=title,  # type: ignore[arg-type]
            body=body,  # type: ignore[arg-type]
        ),
        InvalidText,
    )
    assert exc.params == {"field": field, "max": limit}


def test_post_text_limits_are_inclusive(world: World) -> None:
    post = world.forum.publish_post(
        world.members[0].id, world.community.id, title="제" * 100, body="본" * 20_000
    )
    assert len(post.title) == 100
    assert len(post.body) == 20_000


# --------------------------------------------------------------------------- content policy

PERSONAL_DATA = [
    pytest.param("010-1234-5678", ["phone_number"], id="phone-dashes"),
    pytest.param("01012345678", ["phone_number"], id="phone-plain"),
    pytest.param("010.9876.5432", ["phone_number"], id="phone-dots"),
    pytest.param("011 234 5678", ["phone_number"], id="phone-old-prefix"),
    pytest.param("kim.marketer@example.co.kr", ["email_address"], id="email"),
    pytest.param("PR+team@remember.com", ["email_address"], id="email-plus"),
    pytest.param("900101-1234567", ["resident_number"], id="rrn-dash"),
    pytest.param("9001012234567", ["resident_number"], id="rrn-plain"),
    pytest.param(
        "010-1234-5678, boss@example.com",
        ["phone_number", "email_address"],
        id="phone-and-email",
    ),
]


@pytest.mark.parametrize(("data", "rules"), PERSONAL_DATA)
@pytest.mark.parametrize("where", ["title", "body"])
def test_publish_post_refuses_personal_data(
    world: World, data: str, rules: list[str], where: str
) -> None:
    text = {"title": "연락처 공개", "body": "문제의 팀장 연락처입니다."}
    text[where] = f"{text[where]} {data}"
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.publish_post(world.members[0].id, world.community.id, **text),
        ContentRejected,
        data,
    )
    assert exc.value == rules
    assert "게시할 수 없습니다" in exc.message_ko
    assert "may not be published" in exc.message_en


@pytest.mark.parametrize(
    "body",
    [
        "CPC 1,200원에서 ROAS 350%를 찍었습니다.",
        "2026-12-10 19:00 모임에서 뵙겠습니다.",
        "캠페인 ID 12345678901234 는 종료했습니다.",
        "연락은 DM으로 주세요 @performance_king",
    ],
)
def test_the_policy_lets_ordinary_work_talk_through(world: World, body: str) -> None:
    post = world.forum.publish_post(
        world.members[0].id, world.community.id, title="실패담", body=body
    )
    assert post.body == body


# --------------------------------------------------------------------------- comment


@pytest.mark.parametrize(
    ("who", "post_id", "error"),
    [
        pytest.param("outsider", "post", NotACommunityMember, id="outsider"),
        pytest.param("mem_nobody", "post", NotFound, id="unknown-member"),
        pytest.param("member", "pst_nowhere", NotFound, id="unknown-post"),
        pytest.param("member", "", NotFound, id="empty-post-id"),
    ],
)
def test_comment_rejects_who_and_where(
    world: World, post: Post, who: str, post_id: str, error: type[ProforumError]
) -> None:
    actor = {"outsider": world.outsider.id, "member": world.members[1].id}.get(who, who)
    target = post.id if post_id == "post" else post_id
    assert_unchanged(world.forum, lambda: world.forum.comment(actor, target, "좋은 글"), error)


def test_a_member_of_another_community_cannot_comment(world: World, post: Post) -> None:
    other = world.forum.create_community(
        world.outsider.id, slug="development", name="개발", job_function="development"
    )
    assert other.id != world.community.id
    assert_unchanged(
        world.forum,
        lambda: world.forum.comment(world.outsider.id, post.id, "지나가다 봤습니다"),
        NotACommunityMember,
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param(" \n ", id="whitespace"),
        pytest.param("댓" * 5001, id="5001"),
        pytest.param("댓글\x1b[31m", id="escape"),
        pytest.param("댓글\u2066", id="bidi-isolate"),
        pytest.param(None, id="none"),
    ],
)
def test_comment_rejects_bad_text(world: World, post: Post, body: object) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.comment(world.members[1].id, post.id, body),  # type: ignore[arg-type]
        InvalidText,
    )
    assert exc.params == {"field": "body", "max": 5000}


@pytest.mark.parametrize(("data", "rules"), PERSONAL_DATA)
def test_comment_refuses_personal_data(
    world: World, post: Post, data: str, rules: list[str]
) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.comment(world.members[1].id, post.id, f"이분 연락처: {data}"),
        ContentRejected,
        data,
    )
    assert exc.value == rules


# --------------------------------------------------------------------------- feed and comments


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(101, id="101"),
        pytest.param(True, id="bool"),
        pytest.param(False, id="false"),
        pytest.param("20", id="str"),
        pytest.param(2.5, id="float"),
        pytest.param(None, id="none"),
    ],
)
def test_feed_rejects_bad_limits(world: World, post: Post, limit: object) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.feed(world.members[0].id, world.community.id, limit=limit),  # type: ignore[arg-type]
        InvalidInput,
    )
    assert exc.value == limit


@pytest.mark.parametrize(
    ("before", "error"),
    [
        pytest.param("junk", InvalidInput, id="str"),
        pytest.param((T0,), InvalidInput, id="1-tuple"),
        pytest.param((T0, "pst_x", 1), InvalidInput, id="3-tuple"),
        pytest.param([T0, "pst_x"], InvalidInput, id="list"),
        pytest.param((T0, 5), InvalidInput, id="id-not-str"),
        pytest.param((datetime(2026, 12, 1, 10), "pst_x"), InvalidSchedule, id="naive"),
        pytest.param(("2026-12-01T10:00+09:00", "pst_x"), InvalidSchedule, id="iso-str"),
    ],
)
def test_feed_rejects_bad_cursors(
    world: World, post: Post, before: object, error: type[ProforumError]
) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.feed(world.members[0].id, world.community.id, before=before),  # type: ignore[arg-type]
        error,
    )


def test_feed_cursor_in_another_time_zone_is_accepted(world: World, post: Post) -> None:
    later = (post.published_at + timedelta(seconds=1)).astimezone()
    page = world.forum.feed(world.members[0].id, world.community.id, before=(later, ""))
    assert page.posts == (post,)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(
            lambda w, p: w.forum.feed(w.outsider.id, w.community.id),
            NotACommunityMember,
            id="feed-outsider",
        ),
        pytest.param(
            lambda w, p: w.forum.feed(w.members[0].id, "com_nowhere"), NotFound, id="feed-unknown"
        ),
        pytest.param(
            lambda w, p: w.forum.feed("mem_nobody", w.community.id), NotFound, id="feed-nobody"
        ),
        pytest.param(
            lambda w, p: w.forum.comments(w.outsider.id, p.id),
            NotACommunityMember,
            id="comments-outsider",
        ),
        pytest.param(
            lambda w, p: w.forum.comments(w.members[0].id, "pst_nowhere"),
            NotFound,
            id="comments-unknown-post",
        ),
        pytest.param(
            lambda w, p: w.forum.comments("mem_nobody", p.id), NotFound, id="comments-nobody"
        ),
    ],
)
def test_reading_rejects(
    world: World,
    post: Post,
    call: Callable[[World, Post], object],
    error: type[ProforumError],
) -> None:
    assert_unchanged(world.forum, lambda: call(world, post), error)
