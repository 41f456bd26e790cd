"""The inbox and the message relay reject bad input with the specific error and change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import proforum
from forum_world import LINK, World, assert_unchanged
from proforum import ManualClock, SeededIds
from proforum.domain.notification import DeliveryStatus, MessageKind
from proforum.errors import InvalidInput, NotFound, NotOwner


def message_of(world: World, member_id: str, kind: MessageKind) -> str:
    return next(e.item.message_id for e in world.forum.inbox(member_id) if e.item.kind is kind)


# --------------------------------------------------------------------------- mark_read


def test_nobody_marks_someone_elses_message(world: World) -> None:
    world.open_meetup()
    owner, other = world.members[0].id, world.members[1].id
    message_id = message_of(world, owner, MessageKind.MEETUP_ANNOUNCED)
    exc = assert_unchanged(world.forum, lambda: world.forum.mark_read(other, message_id), NotOwner)
    assert exc.value == message_id
    unread = [e.item.message_id for e in world.forum.inbox(owner, unread_only=True)]
    assert message_id in unread
    # The owner still can.
    assert world.forum.mark_read(owner, message_id).read_at == world.clock.now()


@pytest.mark.parametrize("reader", ["waitlisted", "outsider", "host", "operator"])
def test_nobody_reads_someone_elses_meeting_link(world: World, reader: str) -> None:
    meetup = world.linked_meetup(capacity=3)
    holder = world.seat_holders(meetup)[0]
    message_id = message_of(world, holder, MessageKind.MEETING_LINK)
    actor = {
        "waitlisted": next(
            a.member_id
            for a in world.forum.applications(world.host.id, meetup.id)
            if a.state == "waitlisted"
        ),
        "outsider": world.outsider.id,
        "host": world.host.id,
        "operator": world.operator.id,
    }[reader]
    exc = assert_unchanged(world.forum, lambda: world.forum.mark_read(actor, message_id), NotOwner)
    assert LINK not in repr(exc.__dict__)
    assert LINK not in "".join(e.text.body for e in world.forum.inbox(actor))


@pytest.mark.parametrize(
    ("actor", "message", "entity"),
    [
        pytest.param("member", "msg_nowhere", "message", id="unknown-message"),
        pytest.param("mem_nobody", "own", "member", id="unknown-member"),
    ],
)
def test_mark_read_of_unknown_things(world: World, actor: str, message: str, entity: str) -> None:
    world.open_meetup()
    member = world.members[0].id
    message_id = (
        message_of(world, member, MessageKind.MEETUP_ANNOUNCED) if message == "own" else message
    )
    actor_id = member if actor == "member" else actor
    exc = assert_unchanged(
        world.forum, lambda: world.forum.mark_read(actor_id, message_id), NotFound
    )
    assert exc.params["entity"] == entity


def test_inbox_of_an_unknown_member(world: World) -> None:
    exc = assert_unchanged(world.forum, lambda: world.forum.inbox("mem_nobody"), NotFound)
    assert exc.params["entity"] == "member"


# --------------------------------------------------------------------------- manual delivery


@pytest.fixture
def manual(clock: ManualClock) -> Iterator[World]:
    """A world whose forum leaves messages in the outbox until deliver_pending."""
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(
        "memory://", clock=clock, ids=SeededIds("manual"), plugin_manager=pm, deliver="manual"
    ) as forum:
        operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
        community = forum.create_community(
            operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
        )
        members = []
        for i in range(3):
            member = forum.register_member(nickname=f"수동{i}", job_function="marketing-pr")
            forum.join_community(member.id, community.id)
            members.append(member)
        outsider = forum.register_member(nickname="외부인", job_function="development")
        world = World(forum, clock, operator, operator, members, outsider, community)
        world.open_meetup()
        yield world


def test_a_pending_message_is_not_in_any_inbox_yet(manual: World) -> None:
    pending = [m for m in manual.forum.outbox() if m.status is DeliveryStatus.PENDING]
    assert pending
    message = pending[0]
    exc = assert_unchanged(
        manual.forum,
        lambda: manual.forum.mark_read(message.recipient_id, message.id),
        NotFound,
    )
    assert exc.params["entity"] == "message"


@pytest.mark.parametrize(
    "limit",
    [
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param("10", id="str"),
        pytest.param(1.5, id="float"),
        pytest.param(None, id="none"),
    ],
)
def test_deliver_pending_rejects_bad_limits(manual: World, limit: object) -> None:
    pending = [m.id for m in manual.forum.outbox() if m.status is DeliveryStatus.PENDING]
    exc = assert_unchanged(
        manual.forum,
        lambda: manual.forum.deliver_pending(limit=limit),  # type: ignore[arg-type]
        InvalidInput,
    )
    assert exc.value == limit
    assert [m.id for m in manual.forum.outbox() if m.status is DeliveryStatus.PENDING] == pending
    assert all(manual.forum.inbox(m.id) == [] for m in manual.members)


def test_the_relay_still_works_after_a_refused_call(manual: World) -> None:
    with pytest.raises(InvalidInput):
        manual.forum.deliver_pending(limit=0)
    report = manual.forum.deliver_pending(limit=1)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
