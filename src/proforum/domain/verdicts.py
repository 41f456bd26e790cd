"""What the pre-publish checks decide about a text: allow, hold for review, or reject.

Every check (the community's own :class:`~proforum.domain.content_policy.ContentPolicy`,
plugins implementing ``proforum_moderate_content``, and the older
``proforum_check_post`` whose violations mean *reject*) returns a
:class:`Verdict`; :func:`strictest` combines them.  The strictest action wins
(reject over hold over allow) and carries the reasons of every check that
chose it, so the author reads all of them at once rather than one per try.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs

from proforum.domain.content import PolicyViolation


class VerdictAction(enum.StrEnum):
    """What happens to a text, from the most lenient to the strictest."""

    #: Published as it is.
    ALLOW = "allow"
    #: Stored, but shown only to its author and the moderators until one approves it.
    HOLD = "hold"
    #: Refused: nothing is stored and the author is told why.
    REJECT = "reject"

    @property
    def severity(self) -> int:
        """0 for allow, 1 for hold, 2 for reject: the order :func:`strictest` follows."""
        return _SEVERITY[self]


_SEVERITY = {VerdictAction.ALLOW: 0, VerdictAction.HOLD: 1, VerdictAction.REJECT: 2}


def _reasons(value: Iterable[PolicyViolation]) -> tuple[PolicyViolation, ...]:
    return tuple(value)


@attrs.frozen
class Verdict:
    """One check's decision about a text, and why.

    :param action: allow, hold or reject.
    :param reasons: what the author (and, for a hold, the moderators) are told,
        in Korean and English; empty for *allow*.
    """

    action: VerdictAction = attrs.field(converter=VerdictAction)
    reasons: tuple[PolicyViolation, ...] = attrs.field(default=(), converter=_reasons)

    @classmethod
    def allow(cls) -> Verdict:
        """Let the text through."""
        return cls(VerdictAction.ALLOW)

    @classmethod
    def hold(cls, *reasons: PolicyViolation) -> Verdict:
        """Keep the text for a moderator to review, for ``reasons``."""
        return cls(VerdictAction.HOLD, reasons)

    @classmethod
    def reject(cls, *reasons: PolicyViolation) -> Verdict:
        """Refuse the text, for ``reasons``."""
        return cls(VerdictAction.REJECT, reasons)

    @property
    def rules(self) -> tuple[str, ...]:
        """The machine-readable names of the reasons, in order."""
        return tuple(r.rule for r in self.reasons)


def strictest(verdicts: Iterable[Verdict]) -> Verdict:
    """Combine verdicts: the strictest action, with the reasons of every verdict that chose it.

    No verdicts at all means *allow*.
    """
    chosen = list(verdicts)
    if not chosen:
        return Verdict.allow()
    action = max((v.action for v in chosen), key=lambda a: a.severity)
    reasons = [r for v in chosen if v.action is action for r in v.reasons]
    return Verdict(action, reasons)
