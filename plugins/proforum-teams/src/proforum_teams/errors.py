"""The plugin's own error: a bad option.  Everything else is a core proforum error.

Failures of the remote API are :class:`proforum.errors.VideoProviderError`
(a refusal, a malformed answer) and
:class:`proforum.errors.VideoProviderUnavailable` (still failing after the
retries); refused change notifications are
:class:`proforum.errors.WebhookRejected`.  Their ``reason`` is always one of
the short texts this package writes itself, never the body Graph sent back:
Graph's messages quote application and user ids.
"""

from __future__ import annotations

from typing import Any

from proforum.errors import VideoProviderError

#: The name every error and log line of this package gives the provider.
PROVIDER = "teams"


class TeamsOptionInvalid(VideoProviderError):
    """An option of the ``teams`` provider is missing, unknown or malformed.

    ``params["option"]`` names it; the message never quotes its value, which
    may be a client secret.
    """

    code = "teams.option_invalid"
    template_ko = "Teams 설정 '{option}'이(가) 올바르지 않습니다: {rule_ko}"
    template_en = "The Teams option '{option}' is not valid: {rule_en}"

    def __init__(self, value: object = None, *, option: str, rule_en: str, rule_ko: str) -> None:
        super().__init__(
            value,
            provider=PROVIDER,
            operation="configure",
            reason=rule_en,
            option=option,
            rule_en=rule_en,
            rule_ko=rule_ko,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        params = dict(self.params)
        return (
            _rebuild,
            (self.value, params["option"], params["rule_en"], params["rule_ko"]),
        )


def _rebuild(value: object, option: str, rule_en: str, rule_ko: str) -> TeamsOptionInvalid:
    return TeamsOptionInvalid(value, option=option, rule_en=rule_en, rule_ko=rule_ko)


__all__ = ["PROVIDER", "TeamsOptionInvalid"]
