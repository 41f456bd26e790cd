"""What the Jitsi provider reports when its settings are wrong, as proforum errors.

Operational refusals (a meeting of another provider, a meeting that is over)
are :class:`proforum.errors.VideoProviderError` with ``provider="jitsi"``.
Message parameters hold only option names and rules: never a secret, a key,
a token, a room name or a link.  Like every proforum error, ``.value`` is left
``None`` for anything secret.
"""

from __future__ import annotations

from typing import Any

from proforum.errors import PluginError

__all__ = ["JitsiError", "JitsiNotConfigured", "JitsiOptionInvalid"]


class JitsiError(PluginError):
    """Base class of the Jitsi plugin's own errors."""

    code = "jitsi.error"
    template_ko = "Jitsi 화상회의 플러그인 오류가 발생했습니다."
    template_en = "A Jitsi video provider error occurred."


class JitsiOptionInvalid(JitsiError):
    """An entry of ``video_options["jitsi"]`` is missing, unknown or malformed.

    ``params["option"]`` names it; ``rule_ko`` and ``rule_en`` say what is expected.
    """

    code = "jitsi.option_invalid"
    template_ko = "Jitsi 설정 '{option}'이(가) 올바르지 않습니다: {rule_ko}"
    template_en = "Jitsi option '{option}' is not valid: {rule_en}"


class JitsiNotConfigured(JitsiOptionInvalid):
    """The ``jitsi`` provider was used without any settings."""

    code = "jitsi.not_configured"
    template_ko = (
        "Jitsi 화상회의 설정이 비어 있습니다. proforum.open()에 "
        "video_options={{'jitsi': {{'mode': ..., ...}}}}를 넘겨 주세요."
    )
    template_en = (
        "The Jitsi video provider has no settings. Pass them to proforum.open() as "
        "video_options={{'jitsi': {{'mode': ..., ...}}}}."
    )

    def __init__(self, value: object = None, **params: Any) -> None:
        params.setdefault("option", "jitsi")
        super().__init__(value, **params)
