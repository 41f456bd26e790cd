"""Moderation refuses bad input with the specific error and changes nothing.

Flagging twice, flagging one's own post, flagging as a non-member, an
unknown reason; deciding as a plain member, without a reason, about one's
own content, about content not held or without open flags; policy values
out of range.  Every refusal leaves the export and the outbox as they were
(:func:`forum_world.assert_unchanged`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forum_world import World, assert_unchanged
from proforum import Role
from proforum.domain.content import Post
from proforum.domain.content_policy import ContentPolicy
from proforum.domain.flags import FlaggerRecord, flag_weight, reaches
from proforum.errors import (
    AlreadyFlagged,
    InvalidContentPolicy,
    InvalidInput,
    InvalidText,
    NoOpenFlags,
    NotACommunityMember,
    NotAwaitingReview,
    OwnContent,
    RoleRequired,
    UnknownFlagReason,
)


@pytest.fixture
def mw(world: World) -> World:
    world.forum.assign_role(
        world.operator.id, world.community.id, world.members[5].id, Role.MODERATOR
    )
    return world


@pytest.fixture
def post(mw: World) -> Post:
    return mw.forum.publish_post(mw.members[0].id, mw.community.id, title="회고", body="본문")


def test_flagging_twice_is_refused(mw: World, post: Post) -> None:
    mw.forum.flag(mw.members[1].id, "spam", post_id=post.id)
    error = assert_unchanged(
        mw.forum, lambda: mw.forum.flag(mw.members[1].id, "abuse", post_id=post.id), AlreadyFlagged
    )
    assert error.params["entity"] == "post"


def test_flagging_ones_own_post_is_refused(mw: World, post: Post) -> None:
    assert_unchanged(
        mw.forum, lambda: mw.forum.flag(mw.members[0].id, "spam", post_id=post.id), OwnContent
    )


def test_flagging_as_a_non_member_is_refused(mw: World, post: Post) -> None:
    assert_unchanged(
        mw.forum,
        lambda: mw.forum.flag(mw.outsider.id, "spam", post_id=post.id),
        NotACommunityMember,
    )


@pytest.mark.parametrize("reason", ["rude", "", "SPAM", None, 3])
def test_an_unknown_flag_reason_is_refused(mw: World, post: Post, reason: Any) -> None:
    error = assert_unchanged(
        mw.forum,
        lambda: mw.forum.flag(mw.members[1].id, reason, post_id=post.id),
        UnknownFlagReason,
    )
    assert "personal_data" in error.message_en


def test_a_flag_names_exactly_one_target_and_a_short_note(mw: World, post: Post) -> None:
    f = mw.forum
    assert_unchanged(f, lambda: f.flag(mw.members[1].id, "spam"), InvalidInput)
    assert_unchanged(
        f, lambda: f.flag(mw.members[1].id, "spam", post_id=post.id, note="x" * 501), InvalidText
    )


def _decisions(w: World, post: Post) -> dict[str, Callable[[str, str], object]]:
    return {
        "approve": lambda actor, why: w.forum.approve(actor, why, post_id=post.id),
        "remove": lambda actor, why: w.forum.remove(actor, why, post_id=post.id),
        "uphold": lambda actor, why: w.forum.uphold_flags(actor, why, post_id=post.id),
        "dismiss": lambda actor, why: w.forum.dismiss_flags(actor, why, post_id=post.id),
    }


@pytest.mark.parametrize("decision", ["approve", "remove", "uphold", "dismiss"])
def test_deciding_as_a_plain_member_is_refused(mw: World, decision: str) -> None:
    mw.forum.set_content_policy(mw.operator.id, mw.community.id, hold_first_posts=1)
    held = mw.forum.publish_post(mw.members[0].id, mw.community.id, title="첫 글", body="본문")
    decide = _decisions(mw, held)[decision]
    assert_unchanged(mw.forum, lambda: decide(mw.members[1].id, "이유"), RoleRequired)
    assert_unchanged(mw.forum, lambda: decide(mw.host.id, "이유"), RoleRequired)


@pytest.mark.parametrize("decision", ["approve", "remove", "uphold", "dismiss"])
@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_decision_needs_a_reason(mw: World, decision: str, reason: str) -> None:
    mw.forum.set_content_policy(mw.operator.id, mw.community.id, hold_first_posts=1)
    held = mw.forum.publish_post(mw.members[0].id, mw.community.id, title="첫 글", body="본문")
    decide = _decisions(mw, held)[decision]
    error = assert_unchanged(mw.forum, lambda: decide(mw.members[5].id, reason), InvalidText)
    assert error.params["field"] == "reason"


def test_decisions_need_the_right_state_and_someone_elses_content(mw: World, post: Post) -> None:
    f, moderator = mw.forum, mw.members[5].id
    decide = _decisions(mw, post)
    assert_unchanged(f, lambda: decide["approve"](moderator, "이유"), NotAwaitingReview)
    assert_unchanged(f, lambda: decide["remove"](moderator, "이유"), NotAwaitingReview)
    assert_unchanged(f, lambda: decide["uphold"](moderator, "이유"), NoOpenFlags)
    assert_unchanged(f, lambda: decide["dismiss"](moderator, "이유"), NoOpenFlags)
    own = f.publish_post(moderator, mw.community.id, title="운영 글", body="본문")
    f.flag(mw.members[1].id, "other", post_id=own.id)
    assert_unchanged(f, lambda: f.uphold_flags(moderator, "이유", post_id=own.id), OwnContent)


def test_only_operators_set_the_policy_and_moderators_read_it(mw: World) -> None:
    f, cid = mw.forum, mw.community.id
    assert_unchanged(f, lambda: f.set_content_policy(mw.members[5].id, cid), RoleRequired)
    assert_unchanged(f, lambda: f.content_policy(mw.members[1].id, cid), RoleRequired)
    assert_unchanged(f, lambda: f.moderation_queue(mw.members[1].id, cid), RoleRequired)
    assert_unchanged(f, lambda: f.moderation_log(mw.host.id, cid), RoleRequired)
    assert_unchanged(f, lambda: f.moderation_log(mw.outsider.id, cid), NotACommunityMember)
    assert f.content_policy(mw.members[5].id, cid) == ContentPolicy.default(cid)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("banned_words", "바보"),
        ("banned_words", [""]),
        ("banned_words", ["x" * 51]),
        ("banned_words", ["줄\n바꿈"]),
        ("banned_words", [f"w{i}" for i in range(201)]),
        ("banned_words", [3]),
        ("banned_word_action", "delete"),
        ("max_links", -1),
        ("max_links", 51),
        ("max_links", True),
        ("hold_first_posts", -1),
        ("hold_first_posts", 101),
        ("hold_first_posts", 1.0),
        ("hide_threshold", Decimal("0.49")),
        ("hide_threshold", 101),
        ("hide_threshold", "2.005"),
        ("hide_threshold", 2.5),
        ("hide_threshold", "NaN"),
        ("hide_threshold", "two"),
    ],
)
def test_policy_values_out_of_range_are_refused(mw: World, field: str, value: Any) -> None:
    f = mw.forum
    error = assert_unchanged(
        f,
        lambda: f.set_content_policy(mw.operator.id, mw.community.id, **{field: value}),
        InvalidContentPolicy,
    )
    assert error.params["field"] == field


# --------------------------------------------------------------------------- the hide rule

_records = st.builds(
    FlaggerRecord, st.integers(min_value=0, max_value=30), st.integers(min_value=0, max_value=30)
)
_thresholds = st.decimals(min_value=Decimal("0.5"), max_value=Decimal("10"), places=2)


@settings(max_examples=200, deadline=None)
@given(st.lists(_records, max_size=12), _records, _thresholds)
def test_hiding_is_monotone_in_the_number_of_flags(
    records: list[FlaggerRecord], extra: FlaggerRecord, threshold: Decimal
) -> None:
    """One more flag never un-hides content."""
    if reaches(flag_weight(records), threshold):
        assert reaches(flag_weight([*records, extra]), threshold)


@settings(max_examples=200, deadline=None)
@given(st.lists(_records, min_size=1, max_size=12), st.data(), _thresholds)
def test_hiding_is_monotone_in_flagger_accuracy(
    records: list[FlaggerRecord], data: st.DataObject, threshold: Decimal
) -> None:
    """A flagger who was right once more, or wrong once less, never un-hides content."""
    i = data.draw(st.integers(min_value=0, max_value=len(records) - 1))
    r = records[i]
    better = [FlaggerRecord(r.upheld + 1, r.dismissed)]
    if r.dismissed:
        better.append(FlaggerRecord(r.upheld, r.dismissed - 1))
    for improved in better:
        assert improved.weight > r.weight
        if reaches(flag_weight(records), threshold):
            assert reaches(flag_weight([*records[:i], improved, *records[i + 1 :]]), threshold)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=50))
def test_a_flaggers_weight_is_laplace_smoothed(upheld: int, dismissed: int) -> None:
    weight = FlaggerRecord(upheld, dismissed).weight
    assert weight == Fraction(upheld + 1, upheld + dismissed + 2)
    assert 0 < weight < 1
    assert FlaggerRecord().weight == Fraction(1, 2)
