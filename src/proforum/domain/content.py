"""Posts and comments, always signed by a member."""

from __future__ import annotations

from datetime import datetime

import attrs

from proforum.domain.common import CommentId, CommunityId, MemberId, PostId, utc_validator

TITLE_MAX = 100
BODY_MAX = 20_000
COMMENT_MAX = 5_000


@attrs.frozen
class Post:
    """A post in a community; ``author_id`` is never empty, nobody posts anonymously."""

    id: PostId
    community_id: CommunityId
    author_id: MemberId
    title: str
    body: str
    published_at: datetime = attrs.field(validator=utc_validator)


@attrs.frozen
class Comment:
    """A reply to a post."""

    id: CommentId
    post_id: PostId
    author_id: MemberId
    body: str
    published_at: datetime = attrs.field(validator=utc_validator)


@attrs.frozen
class PolicyViolation:
    """One reason a content-policy plugin gives for refusing a text.

    :param rule: a stable machine-readable rule name, e.g. ``"accusation"``.
    :param message_ko: what the author is told, in Korean.
    :param message_en: what the author is told, in English.
    """

    rule: str
    message_ko: str
    message_en: str
