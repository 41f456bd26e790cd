"""Earlier versions of posts and comments, kept when their author edits them.

An edit replaces the text in place and stores what it replaced as a
:class:`Revision`: who edited, when, and the old title and body.  Revisions of
one post or comment are numbered from 1, oldest first.  Deleting the post or
comment erases its revisions with its text: nothing its author took back stays
readable (PIPA Art. 21: destroyed data must not be recoverable).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from proforum.domain.common import MemberId, check_id, utc_validator
from proforum.domain.content_status import ContentKind
from proforum.errors import InvalidInput


def _positive(_instance: Any, _attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(value)


@attrs.frozen
class Revision:
    """The text a post or a comment had before its ``number``-th edit.

    :param target: whether ``target_id`` names a post or a comment.
    :param number: 1 for the text as first published, 2 for the text after
        the first edit, and so on.
    :param title: the post's title then; ``None`` for a comment.
    :param body: the body then.
    :param editor_id: who made the edit that replaced this text.
    :param replaced_at: when that edit was made.
    """

    target: ContentKind = attrs.field(converter=ContentKind)
    target_id: str = attrs.field(validator=lambda _i, _a, v: check_id("target_id", v))
    number: int = attrs.field(validator=_positive)
    title: str | None
    body: str
    editor_id: MemberId
    replaced_at: datetime = attrs.field(validator=utc_validator)

    def __attrs_post_init__(self) -> None:
        # A post always has a title and a comment never has one.
        if (self.target is ContentKind.POST) != (self.title is not None):
            raise InvalidInput(self.title)
