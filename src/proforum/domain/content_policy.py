"""A community's own content policy: banned words, links, and new members' first posts.

Operators set it (:meth:`proforum.Forum.set_content_policy`); it is checked
before every post, comment and edit in the community, next to the plugins'
checks (see :mod:`proforum.domain.verdicts`).  A community without one gets
:meth:`ContentPolicy.default`: nothing banned, any number of links, nobody's
posts held, and flags hide content at a summed weight of 2.

Banned words are matched case-insensitively inside the text (no word
boundaries: Korean attaches particles to words, so "금지어가" must match
"금지어").  The reasons given to the author name the rule, never the word,
so the list is not spelled out to whoever probes it.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from proforum.domain.common import CommunityId, MemberId, optional_utc_validator
from proforum.domain.content import PolicyViolation
from proforum.domain.content_status import ContentKind
from proforum.domain.verdicts import Verdict, VerdictAction, strictest
from proforum.errors import InvalidContentPolicy

#: The most banned words a community may list, and the longest one.
MAX_BANNED_WORDS = 200
BANNED_WORD_MAX = 50
#: The most links a policy may allow (``None`` allows any number).
MAX_LINKS_LIMIT = 50
#: The most first posts of a new member a policy may hold.
MAX_HOLD_FIRST_POSTS = 100
#: The range of the flag weight that hides content, and its precision.
MIN_HIDE_THRESHOLD = Decimal("0.5")
MAX_HIDE_THRESHOLD = Decimal("100")
HIDE_THRESHOLD_PLACES = 2
#: The threshold of a community without a policy: four new members, or two
#: whose flags were always upheld.
DEFAULT_HIDE_THRESHOLD = Decimal("2")

#: What counts as a link: a URL with a scheme, or a bare ``www.`` address.
_LINK = re.compile(r"https?://|(?<![\w.])www\.", re.IGNORECASE)


class BannedWordAction(enum.StrEnum):
    """What a banned word does to a text."""

    #: The text is refused.
    REJECT = "reject"
    #: The text is held for a moderator to review.
    HOLD = "hold"


def _problem(field: str, value: object, ko: str, en: str) -> InvalidContentPolicy:
    return InvalidContentPolicy(value, field=field, rule_ko=ko, rule_en=en)


def normalise_word(word: object) -> str:
    """A banned word as it is matched: NFC, case-folded, outer spaces removed.

    :raises InvalidContentPolicy: not a string, empty, too long or multi-line.
    """
    if not isinstance(word, str):
        raise _problem("banned_words", word, "금지어는 글자여야 합니다", "each word must be text")
    cleaned = unicodedata.normalize("NFC", word).strip().casefold()
    if not cleaned or len(cleaned) > BANNED_WORD_MAX or not cleaned.isprintable():
        raise _problem(
            "banned_words",
            word,
            f"금지어는 1자 이상 {BANNED_WORD_MAX}자 이하의 한 줄이어야 합니다",
            f"each word must be 1 to {BANNED_WORD_MAX} characters on one line",
        )
    return cleaned


def _words(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise _problem(
            "banned_words", value, "금지어는 목록으로 주세요", "give the words as a list"
        )
    words = sorted({normalise_word(w) for w in value})
    if len(words) > MAX_BANNED_WORDS:
        raise _problem(
            "banned_words",
            None,
            f"금지어는 {MAX_BANNED_WORDS}개까지 둘 수 있습니다",
            f"at most {MAX_BANNED_WORDS} words",
        )
    return tuple(words)


def _action(value: object) -> BannedWordAction:
    if isinstance(value, str):
        try:
            return BannedWordAction(value)
        except ValueError:
            pass
    raise _problem(
        "banned_word_action", value, "reject 또는 hold 여야 합니다", "must be reject or hold"
    )


def _count(field: str, value: object, limit: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise _problem(
            field,
            value,
            f"0 이상 {limit} 이하의 정수여야 합니다",
            f"must be a whole number from 0 to {limit}",
        )


def _max_links(_instance: Any, _attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _count("max_links", value, MAX_LINKS_LIMIT)


def _hold_first(_instance: Any, _attribute: attrs.Attribute[Any], value: object) -> None:
    _count("hold_first_posts", value, MAX_HOLD_FIRST_POSTS)


def hide_threshold(value: object) -> Decimal:
    """``value`` (a ``Decimal``, ``int`` or decimal string) as a hide threshold.

    Floats are refused: ``2.1`` is not exactly 2.1, and the threshold is
    compared exactly with sums of weights.

    :raises InvalidContentPolicy: not such a number, out of range, or too precise.
    """
    number: Decimal | None = None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
    if (
        number is None
        or not number.is_finite()
        or not MIN_HIDE_THRESHOLD <= number <= MAX_HIDE_THRESHOLD
        or number != number.quantize(Decimal(1).scaleb(-HIDE_THRESHOLD_PLACES))
    ):
        raise _problem(
            "hide_threshold",
            value,
            f"{MIN_HIDE_THRESHOLD} 이상 {MAX_HIDE_THRESHOLD} 이하의 수"
            f"(소수점 아래 {HIDE_THRESHOLD_PLACES}자리까지)여야 합니다",
            f"must be a number from {MIN_HIDE_THRESHOLD} to {MAX_HIDE_THRESHOLD} "
            f"with at most {HIDE_THRESHOLD_PLACES} decimal places",
        )
    # One spelling per value, so equal policies compare and export equal.
    return number.quantize(Decimal(1).scaleb(-HIDE_THRESHOLD_PLACES))


def count_links(text: str) -> int:
    """How many links ``text`` holds (``http://``, ``https://`` and ``www.`` addresses)."""
    return len(_LINK.findall(text))


@attrs.frozen
class ContentPolicy:
    """The content policy of one community.

    :param banned_words: words no post or comment may contain, normalised
        (:func:`normalise_word`) and sorted.
    :param banned_word_action: whether a banned word rejects the text or holds it.
    :param max_links: the most links a text may hold before it is held for
        review; ``None`` for no limit.
    :param hold_first_posts: how many of a member's first posts in the
        community are held for review (0: none).  Moderators and operators
        are never held by this rule.
    :param hide_threshold: the summed weight of open flags that hides content
        until a moderator decides.
    :param updated_by: the operator who set it; ``None`` for the default.
    :param updated_at: when; ``None`` for the default.
    """

    community_id: CommunityId
    banned_words: tuple[str, ...] = attrs.field(default=(), converter=_words)
    banned_word_action: BannedWordAction = attrs.field(
        default=BannedWordAction.REJECT, converter=_action
    )
    max_links: int | None = attrs.field(default=None, validator=_max_links)
    hold_first_posts: int = attrs.field(default=0, validator=_hold_first)
    hide_threshold: Decimal = attrs.field(default=DEFAULT_HIDE_THRESHOLD, converter=hide_threshold)
    updated_by: MemberId | None = None
    updated_at: datetime | None = attrs.field(default=None, validator=optional_utc_validator)

    @classmethod
    def default(cls, community_id: CommunityId) -> ContentPolicy:
        """The policy of a community whose operators never set one."""
        return cls(community_id)

    def verdict(
        self,
        kind: ContentKind,
        title: str | None,
        body: str,
        *,
        earlier_posts: int | None = None,
    ) -> Verdict:
        """Check one text against this policy.

        :param kind: a post or a comment.
        :param earlier_posts: for a new post, how many posts its author
            published in the community before; ``None`` for comments, edits and
            authors exempt from the new-member rule.
        """
        text = f"{title or ''}\n{body}"
        verdicts = []
        folded = unicodedata.normalize("NFC", text).casefold()
        if any(word in folded for word in self.banned_words):
            reason = PolicyViolation(
                "banned_word",
                "커뮤니티에서 쓰지 않기로 한 표현이 들어 있습니다",
                "it contains an expression this community does not allow",
            )
            action = VerdictAction(self.banned_word_action.value)
            verdicts.append(Verdict(action, (reason,)))
        if self.max_links is not None and count_links(text) > self.max_links:
            verdicts.append(
                Verdict.hold(
                    PolicyViolation(
                        "too_many_links",
                        f"링크가 {self.max_links}개보다 많아 운영진이 확인한 뒤 공개됩니다",
                        f"it holds more than {self.max_links} links; "
                        "a moderator will check it before it is shown",
                    )
                )
            )
        if (
            kind is ContentKind.POST
            and earlier_posts is not None
            and earlier_posts < self.hold_first_posts
        ):
            verdicts.append(
                Verdict.hold(
                    PolicyViolation(
                        "new_member",
                        f"새 회원의 첫 {self.hold_first_posts}개 글은 운영진이 확인한 뒤 공개됩니다",
                        f"a new member's first {self.hold_first_posts} posts are shown "
                        "once a moderator has checked them",
                    )
                )
            )
        return strictest(verdicts)
