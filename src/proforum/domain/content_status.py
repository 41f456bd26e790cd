"""Where a post or a comment stands, and which kind of content a row is about.

:class:`ContentStatus` is one plain column on posts and comments.  Only
``visible`` content appears in feeds and in counts; moderation (holding and
hiding) and search filter on the same column, so it stays a plain, indexed
value rather than something derived.
"""

from __future__ import annotations

import enum


class ContentStatus(enum.StrEnum):
    """The status of a post or a comment."""

    #: Published and shown to every member of the community.
    VISIBLE = "visible"
    #: Awaiting review: shown only to its author and the community's moderators.
    HELD = "held"
    #: Hidden by moderation: shown only to its author and the community's moderators.
    HIDDEN = "hidden"
    #: Deleted by its author or a moderator: a tombstone whose text is erased.
    DELETED = "deleted"

    @property
    def label_ko(self) -> str:
        """The status in Korean."""
        return _STATUS_LABELS[self][0]

    @property
    def label_en(self) -> str:
        """The status in English."""
        return _STATUS_LABELS[self][1]


_STATUS_LABELS = {
    ContentStatus.VISIBLE: ("공개", "visible"),
    ContentStatus.HELD: ("검토 중", "awaiting review"),
    ContentStatus.HIDDEN: ("숨김", "hidden"),
    ContentStatus.DELETED: ("삭제됨", "deleted"),
}


class ContentKind(enum.StrEnum):
    """What a reaction or an earlier version belongs to: a post or a comment."""

    POST = "post"
    COMMENT = "comment"
