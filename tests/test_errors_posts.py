"""Posts, comments and feeds reject bad input with the specific error and change nothing.

Includes the built-in content policy: no phone numbers, e-mail addresses or
resident registration numbers (주민등록번호) in titles, bodies or comments,
new or edited; replies, edits, deletion, reactions and the popular feed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime, timedelta

import attrs
import pytest

from forum_world import T0, World, assert_unchanged
from proforum import Role
from proforum.domain.common import CommentId, PostId
from proforum.domain.content import Comment, Post
from proforum.domain.content_status import ContentStatus
from proforum.errors import (
    CommentNotInPost,
    ContentDeleted,
    ContentNotVisible,
    ContentRejected,
    InvalidCursor,
    InvalidIdentifier,
    InvalidInput,
    InvalidSchedule,
    InvalidText,
    NotACommunityMember,
    NotAuthor,
    NotAuthorOrModerator,
    NotFound,
    ProforumError,
    UnknownReaction,
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


# --------------------------------------------------------------------------- replies


@pytest.fixture
def comment(world: World, post: Post) -> Comment:
    return world.forum.comment(world.members[1].id, post.id, "좋은 글 감사합니다")


def _set_status(world: World, post: Post, status: ContentStatus) -> None:
    """What moderation will do: change a post's status in storage."""
    with world.forum.storage.unit_of_work() as uow:
        uow.posts.update(attrs.evolve(post, status=status))
        uow.commit()


def test_a_reply_to_a_comment_of_another_post_is_refused(
    world: World, post: Post, comment: Comment
) -> None:
    other = world.forum.publish_post(
        world.members[2].id, world.community.id, title="다른 글", body="본문"
    )
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.comment(world.members[3].id, other.id, "답글", reply_to=comment.id),
        CommentNotInPost,
    )
    assert exc.value == comment.id
    assert isinstance(exc, NotFound)  # a 404 to a web application, like a missing comment


@pytest.mark.parametrize(
    ("reply_to", "error"),
    [
        pytest.param("cmt_nowhere", NotFound, id="missing"),
        pytest.param("", InvalidIdentifier, id="empty"),
        pytest.param("cmt nowhere", InvalidIdentifier, id="space"),
        pytest.param(5, InvalidIdentifier, id="int"),
    ],
)
def test_a_reply_to_no_comment_is_refused(
    world: World, post: Post, reply_to: object, error: type[ProforumError]
) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.comment(world.members[1].id, post.id, "답글", reply_to=reply_to),  # type: ignore[arg-type]
        error,
    )


def test_no_reply_to_a_deleted_comment_nor_comment_on_a_deleted_post(
    world: World, post: Post, comment: Comment
) -> None:
    world.forum.delete_comment(world.members[1].id, comment.id)
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.comment(world.members[2].id, post.id, "답글", reply_to=comment.id),
        ContentDeleted,
    )
    assert exc.params["entity"] == "comment"
    world.forum.delete_post(world.members[0].id, post.id)
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.comment(world.members[2].id, post.id, "댓글"),
        ContentDeleted,
    )
    assert exc.params["entity"] == "post"


@pytest.mark.parametrize("status", [ContentStatus.HELD, ContentStatus.HIDDEN])
def test_a_post_awaiting_review_or_hidden_takes_no_comments(
    world: World, post: Post, status: ContentStatus
) -> None:
    _set_status(world, post, status)
    # Others cannot see it at all; its author sees it but may not be answered yet.
    assert_unchanged(
        world.forum, lambda: world.forum.comment(world.members[1].id, post.id, "댓글"), NotFound
    )
    assert_unchanged(
        world.forum,
        lambda: world.forum.comment(world.members[0].id, post.id, "댓글"),
        ContentNotVisible,
    )


# --------------------------------------------------------------------------- edits


@pytest.mark.parametrize(
    ("title", "body", "field", "limit"),
    [
        pytest.param("", None, "title", 100, id="title-empty"),
        pytest.param("  ", "본문", "title", 100, id="title-spaces"),
        pytest.param("제" * 101, None, "title", 100, id="title-101"),
        pytest.param("제목\n둘째 줄", None, "title", 100, id="title-newline"),
        pytest.param(7, None, "title", 100, id="title-int"),
        pytest.param(None, "", "body", 20_000, id="body-empty"),
        pytest.param(None, "\n\t ", "body", 20_000, id="body-whitespace"),
        pytest.param(None, "본" * 20_001, "body", 20_000, id="body-20001"),
        pytest.param("제목", "본문\u202e", "body", 20_000, id="body-bidi"),
    ],
)
def test_edit_post_rejects_bad_text(
    world: World, post: Post, title: object, body: object, field: str, limit: int
) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.edit_post(
            post.author_id,
            post.id,
            title=title,  # type: ignore[arg-type]
            body=body,  # type: ignore[arg-type]
        ),
        InvalidText,
    )
    assert exc.params == {"field": field, "max": limit}


def test_edit_post_needs_something_to_change(world: World, post: Post) -> None:
    assert_unchanged(
        world.forum, lambda: world.forum.edit_post(post.author_id, post.id), InvalidInput
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("", id="empty"),
        pytest.param("댓" * 5001, id="5001"),
        pytest.param("댓글\x1b[31m", id="escape"),
        pytest.param(None, id="none"),
    ],
)
def test_edit_comment_rejects_bad_text(world: World, comment: Comment, body: object) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.edit_comment(comment.author_id, comment.id, body),  # type: ignore[arg-type]
        InvalidText,
    )
    assert exc.params == {"field": "body", "max": 5000}


@pytest.mark.parametrize(
    ("who", "target", "error"),
    [
        pytest.param("other", "it", NotAuthor, id="another-member"),
        pytest.param("moderator", "it", NotAuthor, id="moderator"),
        pytest.param("operator", "it", NotAuthor, id="operator"),
        pytest.param("outsider", "it", NotACommunityMember, id="outsider"),
        pytest.param("mem_nobody", "it", NotFound, id="unknown-member"),
        pytest.param("author", "nowhere", NotFound, id="unknown-target"),
    ],
)
@pytest.mark.parametrize("kind", ["post", "comment"])
def test_only_the_author_edits(
    world: World,
    post: Post,
    comment: Comment,
    who: str,
    target: str,
    error: type[ProforumError],
    kind: str,
) -> None:
    moderator = world.members[5]
    world.forum.assign_role(world.operator.id, world.community.id, moderator.id, Role.MODERATOR)
    author = post.author_id if kind == "post" else comment.author_id
    actor = {
        "author": author,
        "other": world.members[3].id,
        "moderator": moderator.id,
        "operator": world.operator.id,
        "outsider": world.outsider.id,
    }.get(who, who)
    if kind == "post":
        post_id = post.id if target == "it" else PostId("pst_nowhere")
        exc = assert_unchanged(
            world.forum, lambda: world.forum.edit_post(actor, post_id, body="고친 본문"), error
        )
    else:
        comment_id = comment.id if target == "it" else CommentId("cmt_nowhere")
        exc = assert_unchanged(
            world.forum, lambda: world.forum.edit_comment(actor, comment_id, "고친 댓글"), error
        )
    if error is NotAuthor:
        assert exc.params["entity"] == kind


def test_deleted_content_cannot_be_edited(world: World, post: Post, comment: Comment) -> None:
    world.forum.delete_comment(comment.author_id, comment.id)
    world.forum.delete_post(post.author_id, post.id)
    assert_unchanged(
        world.forum,
        lambda: world.forum.edit_post(post.author_id, post.id, title="되살린 제목"),
        ContentDeleted,
    )
    assert_unchanged(
        world.forum,
        lambda: world.forum.edit_comment(comment.author_id, comment.id, "되살린 댓글"),
        ContentDeleted,
    )


@pytest.mark.parametrize(("data", "rules"), PERSONAL_DATA)
def test_edits_go_through_the_content_policy(
    world: World, post: Post, comment: Comment, data: str, rules: list[str]
) -> None:
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.edit_post(post.author_id, post.id, body=f"연락처: {data}"),
        ContentRejected,
        data,
    )
    assert exc.value == rules
    exc = assert_unchanged(
        world.forum,
        lambda: world.forum.edit_comment(comment.author_id, comment.id, f"연락처: {data}"),
        ContentRejected,
        data,
    )
    assert exc.value == rules


# --------------------------------------------------------------------------- deletion


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("other", NotAuthorOrModerator, id="another-member"),
        pytest.param("host", NotAuthorOrModerator, id="host"),
        pytest.param("outsider", NotACommunityMember, id="outsider"),
        pytest.param("mem_nobody", NotFound, id="unknown-member"),
    ],
)
@pytest.mark.parametrize("kind", ["post", "comment"])
def test_only_the_author_or_a_moderator_deletes(
    world: World,
    post: Post,
    comment: Comment,
    who: str,
    error: type[ProforumError],
    kind: str,
) -> None:
    actor = {
        "other": world.members[3].id,
        "host": world.host.id,
        "outsider": world.outsider.id,
    }.get(who, who)
    if kind == "post":
        exc = assert_unchanged(world.forum, lambda: world.forum.delete_post(actor, post.id), error)
    else:
        exc = assert_unchanged(
            world.forum, lambda: world.forum.delete_comment(actor, comment.id), error
        )
    if error is NotAuthorOrModerator:
        assert exc.params["entity"] == kind


def test_deleting_twice_or_nothing_is_refused(world: World, post: Post, comment: Comment) -> None:
    world.forum.delete_comment(comment.author_id, comment.id)
    world.forum.delete_post(post.author_id, post.id)
    assert_unchanged(
        world.forum, lambda: world.forum.delete_post(world.operator.id, post.id), ContentDeleted
    )
    assert_unchanged(
        world.forum,
        lambda: world.forum.delete_comment(comment.author_id, comment.id),
        ContentDeleted,
    )
    assert_unchanged(
        world.forum, lambda: world.forum.delete_post(post.author_id, "pst_nowhere"), NotFound
    )
    assert_unchanged(
        world.forum,
        lambda: world.forum.delete_comment(comment.author_id, "cmt_nowhere"),
        NotFound,
    )


# --------------------------------------------------------------------------- reactions


@pytest.mark.parametrize("kind", ["love", "LIKE", "", None, 1, ["like"], ("like",)])
@pytest.mark.parametrize("call", ["react", "unreact"])
def test_an_unknown_reaction_is_refused(world: World, post: Post, kind: object, call: str) -> None:
    act = getattr(world.forum, call)
    exc = assert_unchanged(
        world.forum, lambda: act(world.members[1].id, kind, post_id=post.id), UnknownReaction
    )
    assert exc.value == kind
    assert "like, helpful, insightful" in exc.message_en


@pytest.mark.parametrize(
    ("targets", "error"),
    [
        pytest.param({}, InvalidInput, id="neither"),
        pytest.param({"post_id": "post", "comment_id": "comment"}, InvalidInput, id="both"),
        pytest.param({"post_id": ""}, InvalidIdentifier, id="empty-post-id"),
        pytest.param({"comment_id": 7}, InvalidIdentifier, id="int-comment-id"),
        pytest.param({"post_id": "pst_nowhere"}, NotFound, id="unknown-post"),
        pytest.param({"comment_id": "cmt_nowhere"}, NotFound, id="unknown-comment"),
    ],
)
def test_a_reaction_needs_one_target_that_exists(
    world: World,
    post: Post,
    comment: Comment,
    targets: dict[str, object],
    error: type[ProforumError],
) -> None:
    named = {"post": post.id, "comment": comment.id}
    given = {key: named.get(str(value), value) for key, value in targets.items()}
    assert_unchanged(
        world.forum, lambda: world.forum.react(world.members[1].id, "like", **given), error
    )


@pytest.mark.parametrize(
    ("who", "error"),
    [
        pytest.param("outsider", NotACommunityMember, id="outsider"),
        pytest.param("mem_nobody", NotFound, id="unknown-member"),
    ],
)
@pytest.mark.parametrize("target", ["post", "comment"])
def test_only_members_react(
    world: World,
    post: Post,
    comment: Comment,
    who: str,
    error: type[ProforumError],
    target: str,
) -> None:
    actor = world.outsider.id if who == "outsider" else who
    ids = {"post_id": post.id} if target == "post" else {"comment_id": comment.id}
    assert_unchanged(world.forum, lambda: world.forum.react(actor, "like", **ids), error)
    assert_unchanged(world.forum, lambda: world.forum.unreact(actor, "like", **ids), error)


def test_deleted_content_takes_no_reactions(world: World, post: Post, comment: Comment) -> None:
    world.forum.react(world.members[2].id, "like", comment_id=comment.id)
    world.forum.delete_comment(comment.author_id, comment.id)
    for call in (world.forum.react, world.forum.unreact):
        assert_unchanged(
            world.forum,
            lambda call=call: call(world.members[2].id, "like", comment_id=comment.id),
            ContentDeleted,
        )
    world.forum.delete_post(post.author_id, post.id)
    assert_unchanged(
        world.forum,
        lambda: world.forum.react(world.members[2].id, "like", post_id=post.id),
        ContentDeleted,
    )


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda w, p: w.forum.post(w.members[1].id, p.id), id="post"),
        pytest.param(lambda w, p: w.forum.comments(w.members[1].id, p.id), id="comments"),
        pytest.param(lambda w, p: w.forum.post_revisions(w.members[1].id, p.id), id="revisions"),
        pytest.param(
            lambda w, p: w.forum.edit_post(w.members[1].id, p.id, body="고침"), id="edit-by-other"
        ),
    ],
)
def test_a_held_post_is_not_there_for_other_members(
    world: World, post: Post, call: Callable[[World, Post], object]
) -> None:
    _set_status(world, post, ContentStatus.HELD)
    exc = assert_unchanged(world.forum, lambda: call(world, post), NotFound)
    assert exc.params["entity"] == "post"


@pytest.mark.parametrize(
    ("call", "error"),
    [
        pytest.param(
            lambda w, p: w.forum.post(w.outsider.id, p.id), NotACommunityMember, id="post-outsider"
        ),
        pytest.param(
            lambda w, p: w.forum.post(w.members[0].id, "pst_nowhere"), NotFound, id="post-unknown"
        ),
        pytest.param(
            lambda w, p: w.forum.post_revisions(w.outsider.id, p.id),
            NotACommunityMember,
            id="revisions-outsider",
        ),
        pytest.param(
            lambda w, p: w.forum.comment_revisions(w.members[0].id, "cmt_nowhere"),
            NotFound,
            id="comment-revisions-unknown",
        ),
        pytest.param(
            lambda w, p: w.forum.popular_feed(w.outsider.id, w.community.id),
            NotACommunityMember,
            id="popular-outsider",
        ),
        pytest.param(
            lambda w, p: w.forum.popular_feed(w.members[0].id, "com_nowhere"),
            NotFound,
            id="popular-unknown",
        ),
    ],
)
def test_reading_threads_and_history_rejects(
    world: World,
    post: Post,
    call: Callable[[World, Post], object],
    error: type[ProforumError],
) -> None:
    assert_unchanged(world.forum, lambda: call(world, post), error)


@pytest.mark.parametrize("limit", [0, 101, True, "20", None])
def test_popular_feed_rejects_bad_limits(world: World, post: Post, limit: object) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.popular_feed(world.members[0].id, world.community.id, limit=limit),  # type: ignore[arg-type]
        InvalidInput,
    )


def _cursor(position: object) -> str:
    raw = json.dumps(position).encode()
    return "p1." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "after",
    [
        pytest.param("junk", id="junk"),
        pytest.param("p1.", id="empty"),
        pytest.param("p1.!!!!", id="not-base64"),
        pytest.param(_cursor([1, "2026-12-01T10:00:00+00:00"]), id="two-parts"),
        pytest.param(_cursor(["1", "2026-12-01T10:00:00+00:00", "pst_x"]), id="score-str"),
        pytest.param(_cursor([True, "2026-12-01T10:00:00+00:00", "pst_x"]), id="score-bool"),
        pytest.param(_cursor([-1, "2026-12-01T10:00:00+00:00", "pst_x"]), id="score-negative"),
        pytest.param(_cursor([2**40, "2026-12-01T10:00:00+00:00", "pst_x"]), id="score-huge"),
        pytest.param(_cursor([1, "2026-12-01T10:00:00", "pst_x"]), id="naive"),
        pytest.param(_cursor([1, "yesterday", "pst_x"]), id="not-a-time"),
        pytest.param(_cursor([1, "2026-12-01T10:00:00+00:00", "pst x"]), id="bad-id"),
        pytest.param("i1." + _cursor([1])[3:], id="inbox-prefix"),
        pytest.param("p1." + "A" * 300, id="too-long"),
        pytest.param(5, id="int"),
        pytest.param((1, T0, "pst_x"), id="tuple"),
    ],
)
def test_popular_feed_rejects_bad_cursors(world: World, post: Post, after: object) -> None:
    assert_unchanged(
        world.forum,
        lambda: world.forum.popular_feed(world.members[0].id, world.community.id, after=after),  # type: ignore[arg-type]
        InvalidCursor,
    )
