"""The built-in content policy: no exposing people's contact or identity numbers.

The story's community is for work talk, not accusations (고발성 글) about
people.  The one rule that can be checked mechanically and without judgement
is that nobody publishes another person's phone number, e-mail address or
resident registration number (주민등록번호).  Host applications add their own
rules through the same ``proforum_check_post`` hook.
"""

from __future__ import annotations

import re

from proforum.domain.community import Community
from proforum.domain.content import PolicyViolation
from proforum.domain.identity import Member
from proforum.plugins import hookimpl

_PATTERNS = (
    (
        "phone_number",
        re.compile(r"(?<!\d)01[016789][-. ]?\d{3,4}[-. ]?\d{4}(?!\d)"),
        "전화번호를 게시할 수 없습니다",
        "phone numbers may not be published",
    ),
    (
        "resident_number",
        re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])-?[1-8]\d{6}(?!\d)"),
        "주민등록번호를 게시할 수 없습니다",
        "resident registration numbers may not be published",
    ),
    (
        "email_address",
        re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
        "이메일 주소를 게시할 수 없습니다",
        "e-mail addresses may not be published",
    ),
)


def find_personal_data(text: str) -> list[PolicyViolation]:
    """Return one violation per kind of personal data found in ``text``."""
    return [
        PolicyViolation(rule=rule, message_ko=ko, message_en=en)
        for rule, pattern, ko, en in _PATTERNS
        if pattern.search(text)
    ]


@hookimpl
def proforum_check_post(
    community: Community, author: Member, title: str | None, body: str
) -> list[PolicyViolation] | None:
    """Refuse posts and comments that expose contact or identity numbers."""
    return find_personal_data(f"{title or ''}\n{body}")
