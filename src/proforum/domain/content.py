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
class AuthorCard:
    """How an author is shown next to a post: the name they speak under and their work.

    When ``company_verified`` is true, ``company`` is the employer a
    verification proved, and ``verification_method`` says how
    (``company_email``, ``reviewed`` or a verifier plugin's method).
    Otherwise ``company`` is what the member stated, unverified, and must be
    shown as such.  ``years_of_experience`` is always as stated.
    """

    member_id: MemberId
    display_name: str
    identity_kind: str
    job_function: str
    company: str | None = attrs.field(default=None, repr=False)
    years_of_experience: int | None = None
    company_verified: bool = False
    verification_method: str | None = None


@attrs.frozen
class FeedEntry:
    """One post of a feed page with its author and how many comments it has."""

    post: Post
    author: AuthorCard
    comment_count: int


@attrs.frozen
class FeedPage:
    """A page of a community feed, newest first.

    ``next_before`` is the keyset position to pass as ``before`` for the next
    page, or ``None`` when this page is the last.
    """

    entries: tuple[FeedEntry, ...]
    next_before: tuple[datetime, PostId] | None

    @property
    def posts(self) -> tuple[Post, ...]:
        """The posts of the page, without authors and counts."""
        return tuple(entry.post for entry in self.entries)


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
