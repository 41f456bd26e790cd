"""Content policy and moderation on every backend.

A community's policy holds or rejects texts before they are stored; held
content is seen by its author and the moderators only, is in no feed, and
waits in the queue.  Flags are weighted by each flagger's past accuracy and
hide content at the community's threshold; moderators' decisions show or
hide content, update the flaggers' records, tell the author and are logged.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

import proforum
from forum_world import World, build_world
from proforum import ManualClock, Role, SeededIds
from proforum.domain.content import Post
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.flags import FlaggerRecord, FlagReason, FlagResolution
from proforum.domain.moderation import ModerationAction
from proforum.domain.notification import MessageKind
from proforum.errors import ContentRejected, NotFound


def _moderated(w: World) -> World:
    """The world with members[5] made a moderator."""
    w.forum.assign_role(w.operator.id, w.community.id, w.members[5].id, Role.MODERATOR)
    return w


@pytest.fixture
def mw(backend_world: World) -> World:
    return _moderated(backend_world)


def _kinds(w: World, recipient: str) -> list[MessageKind]:
    """The kinds of message ``recipient`` got, sorted (the outbox is ordered by id)."""
    return sorted(m.kind for m in w.forum.outbox() if m.recipient_id == recipient)


def _later(w: World) -> None:
    w.clock.set(w.clock.now() + timedelta(minutes=1))


def _status(w: World, post: Post) -> ContentStatus:
    return w.forum.post(w.operator.id, post.id).post.status


def test_the_policy_rejects_or_holds_banned_words(mw: World) -> None:
    w, author = mw, mw.members[0].id
    policy = w.forum.set_content_policy(
        w.operator.id, w.community.id, banned_words=["  바보 ", "SCAM"], hide_threshold="2.5"
    )
    assert policy.banned_words == ("scam", "바보")
    assert policy.hide_threshold == Decimal("2.50")
    assert w.forum.content_policy(w.members[5].id, w.community.id) == policy

    with pytest.raises(ContentRejected) as caught:
        w.forum.publish_post(author, w.community.id, title="제목", body="이건 Scam 입니다")
    assert caught.value.value == ["banned_word"]
    assert "does not allow" in caught.value.message_en
    assert "Scam" not in caught.value.message_en  # the word is not spelled out
    assert w.forum.feed(author, w.community.id).posts == ()

    w.forum.set_content_policy(
        w.operator.id, w.community.id, banned_words=["바보"], banned_word_action="hold"
    )
    post = w.forum.publish_post(author, w.community.id, title="제목", body="바보같은 실수 회고")
    assert post.status is ContentStatus.HELD
    # Seen by its author and the moderators, by nobody else, in no feed.
    assert w.forum.post(author, post.id).post.status is ContentStatus.HELD
    assert w.forum.post(w.members[5].id, post.id).post.id == post.id
    with pytest.raises(NotFound):
        w.forum.post(w.members[1].id, post.id)
    assert w.forum.feed(w.members[5].id, w.community.id).posts == ()
    # It waits in the queue, with the rule that held it.
    (entry,) = w.forum.moderation_queue(w.members[5].id, w.community.id)
    assert (entry.target, entry.target_id, entry.held_for) == (
        ContentKind.POST,
        post.id,
        ("banned_word",),
    )
    assert entry.flag_count == 0
    assert _kinds(w, author) == [MessageKind.CONTENT_HELD]
    (logged,) = w.forum.moderation_log(w.operator.id, w.community.id)
    assert (logged.action, logged.actor_id) == (ModerationAction.HOLD, None)


def test_links_and_first_posts_are_held_and_comments_and_edits_checked(mw: World) -> None:
    w, author = mw, mw.members[0].id
    w.forum.set_content_policy(w.operator.id, w.community.id, max_links=1, hold_first_posts=1)
    first = w.forum.publish_post(author, w.community.id, title="첫 글", body="안녕하세요")
    assert first.status is ContentStatus.HELD
    _later(w)
    second = w.forum.publish_post(author, w.community.id, title="둘째", body="https://a.example")
    assert second.status is ContentStatus.VISIBLE
    # Moderators and operators are not new members.
    assert w.forum.publish_post(w.operator.id, w.community.id, title="공지", body="환영").is_visible

    links = "https://a.example www.b.example"
    comment = w.forum.comment(w.members[1].id, second.id, links)
    assert comment.status is ContentStatus.HELD
    _later(w)
    assert w.forum.post(author, second.id).comment_count == 0
    # An edit that adds links holds a visible post.
    edited = w.forum.edit_post(author, second.id, body=links)
    assert edited.status is ContentStatus.HELD
    assert w.forum.feed(w.members[2].id, w.community.id).posts == (
        w.forum.feed(w.operator.id, w.community.id).posts
    )
    queue = w.forum.moderation_queue(w.members[5].id, w.community.id)
    assert [(e.target_id, e.held_for) for e in queue] == [
        (first.id, ("new_member",)),
        (comment.id, ("too_many_links",)),
        (second.id, ("too_many_links",)),
    ]


def test_approve_and_remove_held_content(mw: World) -> None:
    w, author, moderator = mw, mw.members[0].id, mw.members[5].id
    w.forum.set_content_policy(w.operator.id, w.community.id, hold_first_posts=2)
    kept = w.forum.publish_post(author, w.community.id, title="하나", body="첫 글")
    dropped = w.forum.publish_post(author, w.community.id, title="둘", body="둘째 글")
    _later(w)
    entry = w.forum.approve(moderator, "업무 이야기입니다", post_id=kept.id)
    assert (entry.action, entry.actor_id, entry.reason) == (
        ModerationAction.APPROVE,
        moderator,
        "업무 이야기입니다",
    )
    assert w.forum.feed(w.members[1].id, w.community.id).posts[0].id == kept.id
    _later(w)
    w.forum.remove(w.operator.id, "홍보성 글", post_id=dropped.id)
    assert _status(w, dropped) is ContentStatus.HIDDEN
    assert w.forum.moderation_queue(moderator, w.community.id) == []
    removed = [m for m in w.forum.outbox() if m.kind is MessageKind.CONTENT_REMOVED]
    assert [(m.recipient_id, m.params["reason"]) for m in removed] == [(author, "홍보성 글")]
    assert _kinds(w, author) == sorted(
        [
            MessageKind.CONTENT_HELD,
            MessageKind.CONTENT_HELD,
            MessageKind.CONTENT_APPROVED,
            MessageKind.CONTENT_REMOVED,
        ]
    )
    log = w.forum.moderation_log(moderator, w.community.id)
    assert [e.action for e in log] == ["hold", "hold", "approve", "remove"]


def test_three_accurate_flaggers_hide_a_post(mw: World) -> None:
    w, moderator = mw, mw.members[5].id
    flaggers = [w.members[1].id, w.members[2].id, w.members[3].id]
    # Each flagger was right twice before: weight 3/4 each, 9/4 together.
    for n in range(2):
        earlier = w.forum.publish_post(w.host.id, w.community.id, title=f"광고{n}", body="광고")
        for flagger in flaggers:
            w.forum.flag(flagger, "spam", post_id=earlier.id)
        w.forum.uphold_flags(moderator, "광고입니다", post_id=earlier.id)
    _later(w)
    post = w.forum.publish_post(w.members[0].id, w.community.id, title="또 광고", body="광고")
    w.forum.flag(flaggers[0], "spam", post_id=post.id)
    w.forum.flag(flaggers[1], "spam", post_id=post.id, note="같은 광고가 반복됩니다")
    assert _status(w, post) is ContentStatus.VISIBLE  # 3/2 < 2
    _later(w)
    w.forum.flag(flaggers[2], FlagReason.ABUSE, post_id=post.id)
    assert _status(w, post) is ContentStatus.HIDDEN
    assert w.forum.feed(w.members[4].id, w.community.id).posts == ()
    assert _kinds(w, w.members[0].id) == [MessageKind.CONTENT_HIDDEN]
    auto = w.forum.moderation_log(moderator, w.community.id)[-1]
    assert (auto.action, auto.actor_id, auto.target_id) == ("auto_hide", None, post.id)
    (entry,) = w.forum.moderation_queue(moderator, w.community.id)
    assert entry.status is ContentStatus.HIDDEN
    assert (entry.flag_count, entry.flag_weight) == (3, Fraction(9, 4))
    assert entry.flag_reasons == {FlagReason.SPAM: 2, FlagReason.ABUSE: 1}
    # A hidden post takes no more flags: other members do not see it at all.
    with pytest.raises(NotFound):
        w.forum.flag(w.members[4].id, "spam", post_id=post.id)


def test_ten_flaggers_whose_flags_were_dismissed_do_not_hide_a_post(
    backend_url: str, clock: ManualClock
) -> None:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(backend_url, clock=clock, ids=SeededIds("t"), plugin_manager=pm) as f:
        w = build_world(f, clock, members=11)
        flaggers = [m.id for m in w.members[:10]]
        moderator = w.members[10].id
        w.forum.assign_role(w.operator.id, w.community.id, moderator, Role.MODERATOR)
        # Every earlier flag of theirs was dismissed, four times over: 1/6 each.
        # (A high threshold meanwhile, or the first four new flaggers would hide it.)
        w.forum.set_content_policy(w.operator.id, w.community.id, hide_threshold=100)
        for n in range(4):
            earlier = w.forum.publish_post(w.host.id, w.community.id, title=f"글{n}", body="본문")
            for flagger in flaggers:
                w.forum.flag(flagger, "off_topic", post_id=earlier.id)
            w.forum.dismiss_flags(moderator, "업무 이야기입니다", post_id=earlier.id)
            assert w.forum.post(moderator, earlier.id).post.is_visible
        w.forum.set_content_policy(w.operator.id, w.community.id)  # back to 2
        post = w.forum.publish_post(w.host.id, w.community.id, title="새 글", body="본문")
        for flagger in flaggers:
            w.forum.flag(flagger, "off_topic", post_id=post.id)
        assert w.forum.post(moderator, post.id).post.is_visible
        (entry,) = w.forum.moderation_queue(moderator, w.community.id)
        assert (entry.flag_count, entry.flag_weight) == (10, Fraction(10, 6))
        # Four new members would have hidden it: 4 × 1/2 = 2.
        assert FlaggerRecord().weight * 4 == 2


def test_dismissing_restores_hidden_content_and_records_accuracy(mw: World) -> None:
    w, moderator, author = mw, mw.members[5].id, mw.members[0].id
    w.forum.set_content_policy(w.operator.id, w.community.id, hide_threshold=1)
    post = w.forum.publish_post(author, w.community.id, title="회고", body="본문")
    comment = w.forum.comment(author, post.id, "댓글")
    w.forum.flag(w.members[1].id, "abuse", comment_id=comment.id)
    w.forum.flag(w.members[2].id, "abuse", comment_id=comment.id)
    assert w.forum.post(author, post.id).comment_count == 0  # hidden: 1/2 + 1/2 reaches 1
    before = w.forum.post(author, post.id).post.score
    _later(w)
    w.forum.dismiss_flags(w.operator.id, "비판이지 비방이 아닙니다", comment_id=comment.id)
    view = w.forum.post(author, post.id)
    assert (view.comment_count, view.post.score) == (1, before + 2)
    assert _kinds(w, author) == sorted([MessageKind.CONTENT_HIDDEN, MessageKind.CONTENT_RESTORED])
    with w.forum.storage.unit_of_work() as uow:
        flags = uow.flags.all()
        records = uow.flags.records(w.community.id, [w.members[1].id, w.members[3].id])
    assert {f.resolution for f in flags} == {FlagResolution.DISMISSED}
    assert records == {w.members[1].id: FlaggerRecord(0, 1), w.members[3].id: FlaggerRecord()}
    assert w.forum.moderation_queue(moderator, w.community.id) == []
    actions = [(e.action, e.target) for e in w.forum.moderation_log(moderator, w.community.id)]
    assert actions == [("auto_hide", "comment"), ("dismiss", "comment")]


def test_approving_announces_content_held_at_publication(mw: World) -> None:
    w = mw
    seen: list[str] = []

    class Listener:
        @proforum.hookimpl
        def proforum_post_published(self, post: Post) -> None:
            seen.append(post.id)

    w.forum.plugin_manager.register(Listener())
    w.forum.set_content_policy(w.operator.id, w.community.id, hold_first_posts=1)
    post = w.forum.publish_post(w.members[0].id, w.community.id, title="첫 글", body="본문")
    assert seen == []
    w.forum.approve(w.members[5].id, "좋은 글", post_id=post.id)
    assert seen == [post.id]
