"""The moderation log and queue: what moderators decided, and what waits for them.

Every decision a moderator or operator makes about a post or comment, and
every automatic hold or hide, is a :class:`ModerationLogEntry`: who (``None``
when proforum acted by itself), what (the target and the
:class:`ModerationAction`), why and when.  Entries are never changed or
removed, so the log answers "why did my post disappear?" after the fact.

The queue (:class:`QueueEntry`) is computed, not stored: content awaiting
review, and content with open flags, oldest first.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from fractions import Fraction

import attrs

from proforum.domain.common import CommunityId, MemberId, PostId, check_id, utc_validator
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.flags import FlagReason

#: The longest reason a moderator may give for a decision.
DECISION_REASON_MAX = 500


class ModerationAction(enum.StrEnum):
    """What happened to a post or a comment, and who could have done it."""

    #: Held for review by the content checks when it was published or edited (automatic).
    HOLD = "hold"
    #: Hidden because the weight of its flags reached the threshold (automatic).
    AUTO_HIDE = "auto_hide"
    #: A moderator approved held content: it is shown.
    APPROVE = "approve"
    #: A moderator removed held content: it stays hidden.
    REMOVE = "remove"
    #: A moderator upheld the flags: the content is hidden.
    UPHOLD = "uphold"
    #: A moderator dismissed the flags: the content is shown (again).
    DISMISS = "dismiss"

    @property
    def automatic(self) -> bool:
        """Tell whether proforum takes this action by itself, without a moderator."""
        return self in (ModerationAction.HOLD, ModerationAction.AUTO_HIDE)


@attrs.frozen
class ModerationLogEntry:
    """One moderation action on one post or comment.

    :param actor_id: the moderator or operator; ``None`` for an automatic action.
    :param reason: the moderator's reason, or for an automatic action the
        rules or the weight that caused it.
    """

    id: str = attrs.field(validator=lambda _i, _a, v: check_id("entry_id", v))
    community_id: CommunityId
    target: ContentKind = attrs.field(converter=ContentKind)
    target_id: str = attrs.field(validator=lambda _i, _a, v: check_id("target_id", v))
    action: ModerationAction = attrs.field(converter=ModerationAction)
    actor_id: MemberId | None
    reason: str
    at: datetime = attrs.field(validator=utc_validator)


@attrs.frozen
class QueueEntry:
    """One post or comment waiting for a moderator.

    :param post_id: the post itself, or the post a comment belongs to.
    :param title: the post's title; ``None`` for a comment.
    :param status: ``held`` (awaiting review), ``visible`` or ``hidden``
        (flagged; hidden once the flags' weight reached the threshold).
    :param since: when it started waiting: when it was held, or its oldest open flag.
    :param held_for: the rules that held it (empty if it was not held).
    :param flag_count: how many open flags it has.
    :param flag_weight: their summed weight (see :mod:`proforum.domain.flags`).
    :param flag_reasons: how many open flags give each reason.
    """

    target: ContentKind
    target_id: str
    post_id: PostId
    author_id: MemberId
    status: ContentStatus
    title: str | None
    body: str
    since: datetime
    held_for: tuple[str, ...] = ()
    flag_count: int = 0
    flag_weight: Fraction = Fraction(0)
    flag_reasons: Mapping[FlagReason, int] = attrs.field(factory=dict)
