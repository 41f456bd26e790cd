"""What the Zoom provider reports, as proforum errors.

Operations that fail raise proforum's own video errors, so that the core and
applications handle every provider alike:

* :class:`proforum.errors.VideoProviderError` — Zoom refused the call (a
  ``4xx``) or answered with something unreadable;
* :class:`proforum.errors.VideoProviderUnavailable` — Zoom could not be
  reached, timed out, kept answering ``5xx`` or asked to wait longer than
  allowed, after every retry;
* :class:`proforum.errors.WebhookRejected` — an incoming webhook did not check out.

Settings that do not check out raise :class:`ZoomOptionInvalid`.  Message
parameters hold only option names, operation names, HTTP statuses and Zoom's
numeric error codes: never a secret, a token, a link, an e-mail address or
the text of Zoom's answer (which may quote any of them).
"""

from __future__ import annotations

from proforum.errors import PluginError, VideoProviderError, VideoProviderUnavailable

__all__ = ["PROVIDER", "ZoomError", "ZoomOptionInvalid", "refused", "unavailable"]

#: The name the provider is registered and reported under.
PROVIDER = "zoom"


class ZoomError(PluginError):
    """Base class of the Zoom plugin's own errors."""

    code = "zoom.error"
    template_ko = "Zoom 화상회의 제공자 오류가 발생했습니다."
    template_en = "A Zoom video provider error occurred."


class ZoomOptionInvalid(ZoomError):
    """An entry of ``video_options["zoom"]`` is missing, unknown or malformed.

    ``params["option"]`` names it (``client_secret``, ``timeout``...);
    ``rule_ko`` and ``rule_en`` say what is expected.  The value itself is
    never quoted: it may be a credential.
    """

    code = "zoom.option_invalid"
    template_ko = "Zoom 설정 '{option}'이(가) 올바르지 않습니다: {rule_ko}"
    template_en = "Zoom option '{option}' is not valid: {rule_en}"


def refused(
    operation: str, reason: str, *, status: int | None = None, zoom_code: int | None = None
) -> VideoProviderError:
    """A :class:`VideoProviderError` for ``operation``; ``reason`` is a short stable phrase.

    ``status`` and ``zoom_code`` (Zoom's numeric ``code``) are kept in
    ``params`` for programs; both are harmless numbers.
    """
    return VideoProviderError(
        None,
        provider=PROVIDER,
        operation=operation,
        reason=reason,
        status=status,
        zoom_code=zoom_code,
    )


def unavailable(operation: str, reason: str) -> VideoProviderUnavailable:
    """A :class:`VideoProviderUnavailable` for ``operation`` (``reason`` kept in ``params``)."""
    return VideoProviderUnavailable(None, provider=PROVIDER, operation=operation, reason=reason)
