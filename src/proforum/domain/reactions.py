"""Reactions: a member marks a post or a comment as liked, helpful or insightful.

The kinds are a small fixed set, named in Korean and English.  A member
reacts at most once per target and kind; reacting again changes nothing
(see :meth:`proforum.Forum.react`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

import attrs

from proforum.domain.common import MemberId, check_id, utc_validator
from proforum.domain.content_status import ContentKind
from proforum.errors import UnknownReaction


class ReactionKind(enum.StrEnum):
    """How a member reacts to a post or a comment."""

    LIKE = "like"
    HELPFUL = "helpful"
    INSIGHTFUL = "insightful"

    @property
    def label_ko(self) -> str:
        """The reaction as a Korean reader sees it on a button."""
        return _LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The reaction as an English reader sees it on a button."""
        return _LABELS[self][1]


_LABELS = {
    ReactionKind.LIKE: ("좋아요", "Like"),
    ReactionKind.HELPFUL: ("도움돼요", "Helpful"),
    ReactionKind.INSIGHTFUL: ("인사이트 있어요", "Insightful"),
}


def reaction_kind(value: object) -> ReactionKind:
    """Return ``value`` as a :class:`ReactionKind`.

    :raises UnknownReaction: ``value`` is not one of the kinds' values.
    """
    # Only strings: StrEnum would also look up e.g. a member of another enum by value.
    if isinstance(value, str):
        try:
            return ReactionKind(value)
        except ValueError:
            pass
    raise UnknownReaction(
        value,
        kinds_ko=", ".join(f"{k.label_ko}({k.value})" for k in ReactionKind),
        kinds_en=", ".join(k.value for k in ReactionKind),
    )


@attrs.frozen
class Reaction:
    """That ``member_id`` reacted to a post or a comment with ``kind``.

    :param target: whether ``target_id`` names a post or a comment.
    """

    target: ContentKind = attrs.field(converter=ContentKind)
    target_id: str = attrs.field(validator=lambda _i, _a, v: check_id("target_id", v))
    member_id: MemberId
    kind: ReactionKind = attrs.field(converter=ReactionKind)
    reacted_at: datetime = attrs.field(validator=utc_validator)


@attrs.frozen
class ReactionCounts:
    """How many members reacted with each kind; every kind is there, zero included."""

    like: int = 0
    helpful: int = 0
    insightful: int = 0

    def __getitem__(self, kind: ReactionKind | str) -> int:
        """The count of ``kind``."""
        count: int = getattr(self, reaction_kind(kind).value)
        return count

    @property
    def total(self) -> int:
        """How many reactions of every kind together."""
        return self.like + self.helpful + self.insightful

    def items(self) -> tuple[tuple[ReactionKind, int], ...]:
        """Each kind with its count, in the kinds' order."""
        return tuple((kind, self[kind]) for kind in ReactionKind)

    @classmethod
    def of(cls, counts: Mapping[ReactionKind, int]) -> ReactionCounts:
        """The counts in ``counts``; a kind it leaves out counts zero."""
        return cls(**{kind.value: counts.get(kind, 0) for kind in ReactionKind})


@attrs.frozen
class ReactionSummary:
    """The reactions to one target as one reader sees them.

    :param counts: how many members reacted with each kind.
    :param mine: the kinds the reader reacted with.
    """

    counts: ReactionCounts = attrs.field(factory=ReactionCounts)
    mine: frozenset[ReactionKind] = frozenset()
