"""What every use case shares: one transaction, who is acting, and the outbox."""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import attrs
import pluggy

from proforum.domain.common import CommunityId, MeetupId, MemberId, MessageId, SurveyId, check_id
from proforum.domain.community import Community, Membership, Role
from proforum.domain.employer import VerificationPolicy
from proforum.domain.events import (
    ApplicationMade,
    CommentPublished,
    DomainEvent,
    DrawDone,
    MeetupEnded,
    MemberErased,
    MemberRegistered,
    PostPublished,
)
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup
from proforum.domain.notification import (
    MAX_CLAIMER_LENGTH,
    DeliveryStatus,
    Message,
    MessageKind,
    RetryPolicy,
)
from proforum.domain.preferences import MANDATORY_KINDS
from proforum.domain.survey import Survey
from proforum.errors import (
    DeliveryRejected,
    NotACommunityMember,
    NotFound,
    ProforumError,
    RetryLater,
    RoleRequired,
)
from proforum.i18n import render
from proforum.plugins import pick
from proforum.ports.clock import Clock, IdGenerator, SeedSource, SystemSeeds
from proforum.ports.context import AdapterContext
from proforum.ports.notifier import Notifier, NotifierFactory
from proforum.ports.storage import Storage, UnitOfWork
from proforum.ports.video import VideoProvider, VideoProviderFactory
from proforum.services.retry import jitter

log = logging.getLogger("proforum")

#: How long a relay pass holds the messages it claimed before another relay may
#: take them over: longer than delivering a whole pass ever takes.
DEFAULT_LEASE = timedelta(minutes=5)


#: How many just-written messages one immediate relay pass claims by id.
IMMEDIATE_SLICE = 500


def relay_name() -> str:
    """A name to claim messages under, unique to one relay pass: host, process, random part."""
    name = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
    return name[-MAX_CLAIMER_LENGTH:]


@attrs.define
class Tx:
    """One use case's transaction: the unit of work, its clock reading, what it caused."""

    uow: UnitOfWork
    now: datetime
    ids: IdGenerator
    #: The notifiers every message goes through, the forum's first one first.
    channels: tuple[str, ...]
    events: list[DomainEvent] = attrs.field(factory=list)
    messages: list[Message] = attrs.field(factory=list)

    def notify(self, recipient: MemberId, kind: MessageKind, **params: str) -> list[Message]:
        """Write a message to ``recipient`` to the outbox, once per channel they want it on."""
        return self.write_messages([recipient], kind, params)

    def notify_many(
        self, recipients: Sequence[MemberId], kind: MessageKind, **params: str
    ) -> list[Message]:
        """Write the same message to many members in one statement (see :meth:`write_messages`)."""
        return self.write_messages(recipients, kind, params)

    def notify_each(
        self, kind: MessageKind, items: Sequence[tuple[MemberId, Mapping[str, str]]]
    ) -> list[Message]:
        """Write one message of ``kind`` per ``(recipient, params)`` pair in one statement.

        For messages that differ per recipient, such as a waitlist position.
        """
        return self._write(kind, items)

    def write_messages(
        self,
        recipients: Sequence[MemberId],
        kind: MessageKind,
        params: Mapping[str, str],
        *,
        subject: str | None = None,
        not_before: datetime | None = None,
        channels: Sequence[str] | None = None,
    ) -> list[Message]:
        """Write one message per recipient and channel to the outbox; return them.

        Every channel of the forum gets a copy, except those a member switched
        this kind off on (:data:`~proforum.domain.preferences.MANDATORY_KINDS`
        cannot be).  The choices are read in one query whatever the number of
        recipients, and the messages written in one statement, so announcing
        to a whole community costs two statements.

        :param subject: what the messages are about (a meetup id), so they can be withdrawn.
        :param not_before: deliver no earlier than this (a planned reminder).
        :param channels: only these of the forum's channels (a code for a
            company address goes only to notifiers that deliver to addresses).
        """
        return self._write(
            kind,
            [(r, params) for r in recipients],
            subject=subject,
            not_before=not_before,
            channels=channels,
        )

    def _write(
        self,
        kind: MessageKind,
        items: Sequence[tuple[MemberId, Mapping[str, str]]],
        *,
        subject: str | None = None,
        not_before: datetime | None = None,
        channels: Sequence[str] | None = None,
    ) -> list[Message]:
        if not items:
            return []
        through = self.channels if channels is None else tuple(channels)
        off: set[tuple[MemberId, str]] = set()
        if kind not in MANDATORY_KINDS:
            # Few recipients: ask about them only; many: every choice about this
            # kind is fewer rows than the recipients (only opt-outs are stored).
            members = [m for m, _ in items] if len(items) <= 500 else None
            off = self.uow.preferences.switched_off(kind, through, members)
        messages = [
            Message(
                id=MessageId(self.ids.new("msg")),
                recipient_id=recipient,
                kind=kind,
                channel=channel,
                created_at=self.now,
                params=params,
                next_attempt_at=not_before,
                subject=subject,
            )
            for recipient, params in items
            for channel in through
            if (recipient, channel) not in off
        ]
        self.uow.messages.add_many(messages)
        self.messages.extend(messages)
        return messages

    # -- lookups that raise NotFound ----------------------------------------

    def member(self, member_id: MemberId) -> Member:
        """Return the member or raise :class:`NotFound`."""
        check_id("member_id", member_id)
        found = self.uow.members.get(member_id)
        if found is None:
            raise NotFound(member_id, entity="member")
        return found

    def community(self, community_id: CommunityId) -> Community:
        """Return the community or raise :class:`NotFound`."""
        check_id("community_id", community_id)
        found = self.uow.communities.get(community_id)
        if found is None:
            raise NotFound(community_id, entity="community")
        return found

    def meetup(self, meetup_id: MeetupId, *, for_update: bool = False) -> Meetup:
        """Return the meetup or raise :class:`NotFound`.

        :param for_update: lock the meetup until the transaction ends
            (:meth:`~proforum.ports.storage.MeetupRepository.get_for_update`).
            Every use case that changes the meetup, its applications, seats or
            draw passes it, as its *first* read, so that such use cases take
            turns on the meetup and always lock in the same order.
        """
        check_id("meetup_id", meetup_id)
        if for_update:
            found = self.uow.meetups.get_for_update(meetup_id)
        else:
            found = self.uow.meetups.get(meetup_id)
        if found is None:
            raise NotFound(meetup_id, entity="meetup")
        return found

    def survey(self, survey_id: SurveyId, *, for_update: bool = False) -> Survey:
        """Return the survey or raise :class:`NotFound`.

        :param for_update: lock the survey until the transaction ends
            (:meth:`~proforum.ports.storage.SurveyRepository.get_for_update`),
            as answering, closing and changing thresholds do.
        """
        check_id("survey_id", survey_id)
        if for_update:
            found = self.uow.surveys.get_for_update(survey_id)
        else:
            found = self.uow.surveys.get(survey_id)
        if found is None:
            raise NotFound(survey_id, entity="survey")
        return found

    # -- who is acting ------------------------------------------------------

    def membership(self, community_id: CommunityId, actor: MemberId) -> Membership:
        """Return the actor's membership or raise :class:`NotACommunityMember`.

        :raises NotFound: the actor or the community does not exist.
        """
        check_id("member_id", actor)
        check_id("community_id", community_id)
        found = self.uow.memberships.get(community_id, actor)
        if found is not None:
            # A membership names a member and a community that exist: reading
            # them again would cost two statements on every member use case.
            return found
        self.member(actor)
        self.community(community_id)
        raise NotACommunityMember(actor)

    def member_in(
        self, community_id: CommunityId, actor: MemberId
    ) -> tuple[Community, Membership, Member]:
        """Return the community, the actor's membership and the actor, in one read.

        :raises NotFound: the community or the actor does not exist (checked in
            that order, as reading them one by one would).
        :raises NotACommunityMember: the actor is not a member of the community.
        """
        check_id("community_id", community_id)
        check_id("member_id", actor)
        found = self.uow.memberships.with_parties(community_id, actor)
        if found is not None:
            return found
        community = self.community(community_id)
        membership = self.membership(community_id, actor)  # raises for a non-member
        # Found on the second read: the actor joined in between.
        return community, membership, self.member(actor)

    def require_role(self, community_id: CommunityId, actor: MemberId, *roles: Role) -> Membership:
        """Return the actor's membership if it has one of ``roles``, else raise."""
        membership = self.membership(community_id, actor)
        if membership.role not in roles:
            raise RoleRequired(
                actor,
                roles_ko=", ".join(r.label_ko for r in roles),
                roles_en=", ".join(r.value for r in roles),
            )
        return membership

    def require_organiser(self, meetup: Meetup, actor: MemberId) -> None:
        """Allow the meetup's host and the community's operators; refuse everyone else."""
        membership = self.membership(meetup.community_id, actor)
        # Being named host is not enough: a host later demoted to a plain member
        # no longer organises anything.
        hosting = actor == meetup.host_id and membership.may_organise()
        if not hosting and membership.role is not Role.OPERATOR:
            raise RoleRequired(actor, roles_ko="사회자, 운영자", roles_en="host, operator")


class ForumBase:
    """State and plumbing shared by the use-case mixins of :class:`proforum.Forum`."""

    def __init__(
        self,
        *,
        storage: Storage,
        plugin_manager: pluggy.PluginManager,
        clock: Clock,
        ids: IdGenerator,
        context: AdapterContext,
        video_factories: Mapping[str, VideoProviderFactory],
        notifier_factories: Mapping[str, NotifierFactory],
        video_options: Mapping[str, Mapping[str, Any]],
        notifier_options: Mapping[str, Mapping[str, Any]],
        notifiers: Sequence[str],
        deliver_immediately: bool,
        max_delivery_attempts: int,
        retry_policy: RetryPolicy,
        reminder_offsets: Sequence[timedelta] = (),
        seeds: SeedSource | None = None,
        site_operators: Collection[MemberId] = (),
        verification: VerificationPolicy | None = None,
    ) -> None:
        self._storage = storage
        self._pm = plugin_manager
        self._clock = clock
        self._ids = ids
        self._context = context
        self._video_factories = dict(video_factories)
        self._notifier_factories = dict(notifier_factories)
        self._video_options = dict(video_options)
        self._notifier_options = dict(notifier_options)
        # Adapters are built when first needed: an installed plugin that this
        # forum never uses cannot stop it from opening.
        self._video: dict[str, VideoProvider] = {}
        self._notifiers: dict[str, Notifier] = {}
        self._adapter_lock = threading.Lock()
        self._channels = tuple(notifiers)
        self._deliver_immediately = deliver_immediately
        self._max_attempts = max_delivery_attempts
        self._retry = retry_policy
        self._reminder_offsets = tuple(reminder_offsets)
        self._seeds: SeedSource = seeds or SystemSeeds()
        self._site_operators = frozenset(site_operators)
        self._verification = verification or VerificationPolicy()

    @property
    def storage(self) -> Storage:
        """The storage backend this forum runs on."""
        return self._storage

    @property
    def clock(self) -> Clock:
        """The clock every use case reads the time from."""
        return self._clock

    @property
    def plugin_manager(self) -> pluggy.PluginManager:
        """The plugin manager whose hooks this forum calls."""
        return self._pm

    def _require_site_operator(self, actor: MemberId) -> None:
        """Refuse anyone not named in ``site_operators`` when the forum was opened."""
        check_id("member_id", actor)
        if actor not in self._site_operators:
            raise RoleRequired(actor, roles_ko="사이트 운영자", roles_en="site operator")

    @property
    def verification_policy(self) -> VerificationPolicy:
        """How company-e-mail verification behaves in this forum (codes, attempts, limits)."""
        return self._verification

    @contextmanager
    def _transaction(self) -> Iterator[Tx]:
        """Run one use case: commit on success, roll back on any exception.

        Events reach plugins and messages leave the outbox only after the commit,
        so a failed use case announces and sends nothing.
        """
        with self._storage.unit_of_work() as uow:
            tx = Tx(uow=uow, now=self._clock.now(), ids=self._ids, channels=self._channels)
            yield tx
            uow.commit()
        self._announce(tx.events)
        # Planned messages (reminders) wait in the outbox for their time.
        due = [m for m in tx.messages if m.next_attempt_at is None or m.next_attempt_at <= tx.now]
        if due and self._deliver_immediately:
            try:
                # In slices: a claim names its ids, and databases cap a statement's
                # parameters.  A forum announcing to whole large communities is
                # better opened with deliver="manual" and a relay worker.
                for start in range(0, len(due), IMMEDIATE_SLICE):
                    self._relay(due[start : start + IMMEDIATE_SLICE])
            except Exception:
                # The use case is committed and its messages are safe in the
                # outbox; a failure while delivering them must not tell the
                # caller otherwise.  deliver_pending() picks them up later.
                log.exception("delivering %d message(s) failed", len(tx.messages))

    def _announce(self, events: list[DomainEvent]) -> None:
        for event in events:
            name, arguments = _event_call(event)
            kwargs = {"forum": self, **arguments}
            caller = getattr(self._pm.hook, name)
            # Each implementation is called on its own, newest first as pluggy
            # would: one plugin's bug must not keep the event from the others.
            for impl in reversed(caller.get_hookimpls()):
                if impl.hookwrapper or impl.wrapper:
                    log.warning(
                        "plugin %r: event hook %s cannot be a wrapper", impl.plugin_name, name
                    )
                    continue
                try:
                    impl.function(**{a: kwargs[a] for a in impl.argnames if a in kwargs})
                except Exception:
                    # The change is committed: reporting failure to the caller
                    # would make them retry something that already happened.
                    # The plugin's bug is logged with its traceback instead.
                    log.exception("plugin %r failed in %s", impl.plugin_name, name)

    def _relay(
        self,
        batch: list[Message] | None = None,
        limit: int = 1000,
        lease: timedelta = DEFAULT_LEASE,
    ) -> DeliveryReport:
        """Deliver ``batch`` (just written by a use case), or the oldest due messages.

        See :meth:`_relay_pass`; this returns its report only.
        """
        return self._relay_pass(batch, limit, lease)[0]

    def _relay_pass(
        self, batch: list[Message] | None, limit: int, lease: timedelta
    ) -> tuple[DeliveryReport, int]:
        """One pass of the relay; return its report and how many messages it claimed.

        The pass first *claims* its messages in one short transaction
        (:meth:`~proforum.ports.storage.MessageRepository.claim`): the ids in
        ``batch``, or up to ``limit`` of the oldest due messages, each leased
        to this pass for ``lease``, so that no other relay sends them
        meanwhile; the recipients are read in the same transaction, in one
        query.  Each message is then delivered outside any transaction and
        its outcome recorded in its own short one, only if this pass still
        holds the message (:meth:`~proforum.ports.storage.MessageRepository.mark`),
        so a notifier that fails or hangs never rolls back the use case, and
        a relay that was too slow never overwrites another relay's work.  A
        message whose lease ran out before its turn is left to the next pass.

        A failed message stays pending until its next attempt time
        (exponential backoff with full jitter, see :class:`RetryPolicy`) and is
        marked failed after the forum's maximum number of attempts.  If the
        pass stops on an exception, the messages it claimed but did not
        settle are released at once rather than when their lease runs out.
        """
        claimer = relay_name()
        with self._storage.unit_of_work() as uow:
            now = self._clock.now()
            if batch is None:
                claimed = list(uow.messages.claim(limit, now, lease, claimer))
            else:
                ids = [m.id for m in batch]
                claimed = list(uow.messages.claim(len(ids), now, lease, claimer, ids=ids))
            recipients = uow.members.get_many({m.recipient_id for m in claimed})
            uow.commit()
        report = DeliveryReport()
        unsettled = {m.id for m in claimed}
        try:
            for message in claimed:
                until = message.claimed_until
                if until is not None and self._clock.now() >= until:
                    # Another relay may be sending it already: leave it to a later pass.
                    log.warning("message %s: the lease ran out before its turn", message.id)
                    continue
                error, permanent, wait = self._deliver(
                    message, recipients.get(message.recipient_id)
                )
                with self._storage.unit_of_work() as uow:
                    now = self._clock.now()
                    if error is None:
                        outcome = message.sent(now)
                    else:
                        attempts = message.attempts + 1
                        give_up = permanent or attempts >= self._max_attempts
                        # A pause the receiver asked for is a floor under the
                        # backoff, capped like it so no endpoint parks a message.
                        floor = min(wait, self._retry.cap)
                        retry_at = now + max(self._retry.delay(attempts, jitter()), floor)
                        outcome = message.failed(error, give_up=give_up, retry_at=retry_at)
                    recorded = uow.messages.mark(outcome, claimer)
                    if (
                        recorded
                        and outcome.status is not DeliveryStatus.PENDING
                        and outcome.one_time
                        and outcome.subject is not None
                    ):
                        # Delivered or given up: the code and its address are
                        # needed no more, and must not stay readable.
                        uow.messages.erase_secrets(outcome.subject)
                    uow.commit()
                unsettled.discard(message.id)
                if not recorded:
                    log.warning(
                        "message %s: taken over or withdrawn meanwhile; outcome not recorded",
                        message.id,
                    )
                elif outcome.status is DeliveryStatus.SENT:
                    report = attrs.evolve(report, sent=report.sent + 1)
                elif outcome.status is not DeliveryStatus.PENDING:
                    # Failed for good: dead-lettered, or withdrawn for a one-time code.
                    report = attrs.evolve(report, failed=report.failed + 1)
                else:
                    report = attrs.evolve(report, retrying=report.retrying + 1)
        finally:
            if unsettled:
                self._release(unsettled, claimer)
        return report, len(claimed)

    def _deliver(
        self, message: Message, recipient: Member | None
    ) -> tuple[str | None, bool, timedelta]:
        """Hand ``message`` to its notifier.

        :return: the kind of failure (``None``: delivered), whether it is
            permanent (no recipient any more, or the receiver refused for good),
            and the least time to wait before the next attempt (``RetryLater``).
        """
        none = timedelta(0)
        if recipient is None:
            return "recipient no longer exists", True, none
        try:
            notifier = self._notifier(message.channel)
            notifier.deliver(
                message, recipient, render(message, recipient.locale, recipient.time_zone)
            )
        except Exception as exc:
            # Only the kind of failure: the text of an exception may hold
            # the link or an address.
            error = exc.code if isinstance(exc, ProforumError) else type(exc).__name__
            permanent = False
            wait = none
            if isinstance(exc, DeliveryRejected):
                error = f"{error}: {exc.params.get('reason', 'rejected')}"
                permanent = True
            elif isinstance(exc, RetryLater):
                seconds = exc.params.get("seconds")
                if isinstance(seconds, int) and not isinstance(seconds, bool) and seconds > 0:
                    wait = timedelta(seconds=seconds)
            log.warning("delivery of message %s failed: %s", message.id, error)
            return error, permanent, wait
        return None, False, none

    def _release(self, ids: set[MessageId], claimer: str) -> None:
        """Give up the lease on ``ids``; a failure only means they wait for the lease to end."""
        try:
            with self._storage.unit_of_work() as uow:
                uow.messages.release(ids, claimer)
                uow.commit()
        except Exception as exc:
            kind = exc.code if isinstance(exc, ProforumError) else type(exc).__name__
            log.warning("releasing %d claimed message(s) failed: %s", len(ids), kind)

    def _address_channels(self) -> tuple[str, ...]:
        """The channels of this forum whose notifier delivers to an address a message names.

        See :class:`~proforum.ports.notifier.AddressedDelivery`.
        """
        return tuple(
            name
            for name in self._channels
            if getattr(self._notifier(name), "delivers_to_address", False) is True
        )

    def _notifier(self, name: str) -> Notifier:
        """The notifier called ``name``, built on first use."""
        with self._adapter_lock:
            if name not in self._notifiers:
                factory = pick("notifier", self._notifier_factories, name)
                self._notifiers[name] = factory.create(
                    self._context, self._notifier_options.get(name, {})
                )
            return self._notifiers[name]

    def _after_meeting_moved(self, meetup_id: MeetupId) -> None:
        """Called after a meetup with a video meeting moved; personal links may need reissuing."""

    def _video_provider(self, name: str) -> VideoProvider:
        """The video provider called ``name``, built on first use."""
        with self._adapter_lock:
            if name not in self._video:
                factory = pick("video", self._video_factories, name)
                self._video[name] = factory.create(self._context, self._video_options.get(name, {}))
            return self._video[name]


@attrs.frozen
class DeliveryReport:
    """What one pass of the relay did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _event_call(event: DomainEvent) -> tuple[str, dict[str, object]]:
    """The hook that announces ``event``, and its arguments but ``forum``."""
    if isinstance(event, MemberRegistered):
        return "proforum_member_registered", {"member": event.member}
    if isinstance(event, MemberErased):
        return "proforum_member_erased", {"member": event.member}
    if isinstance(event, PostPublished):
        return "proforum_post_published", {"post": event.post, "community": event.community}
    if isinstance(event, CommentPublished):
        return "proforum_comment_published", {"comment": event.comment, "post": event.post}
    if isinstance(event, ApplicationMade):
        return "proforum_application_made", {
            "application": event.application,
            "meetup": event.meetup,
        }
    if isinstance(event, DrawDone):
        return "proforum_draw_done", {"meetup": event.meetup, "draw": event.draw}
    if isinstance(event, MeetupEnded):
        return "proforum_meetup_ended", {
            "meetup": event.meetup,
            "attended": event.attended,
            "no_shows": event.no_shows,
        }
    return "proforum_survey_closed", {"survey": event.survey, "result": event.result}
