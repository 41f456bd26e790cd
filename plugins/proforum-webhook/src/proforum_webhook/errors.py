"""What the webhook notifier and the receiver helper report, as proforum errors.

Every class has a stable ``code`` and a Korean and an English message.  Like
every proforum error, the offending value may sit on ``.value`` but never
reaches ``str()`` or ``repr()``.  Message parameters hold only option names,
header names, HTTP status codes, exception type names, tolerances and message
ids: never a secret, a URL, a header value, a request body or a link.
"""

from __future__ import annotations

from typing import Any

from proforum.errors import DeliveryRejected, PluginError, RetryLater

__all__ = [
    "WebhookDeliveryFailed",
    "WebhookEndpointGone",
    "WebhookError",
    "WebhookHeaderInvalid",
    "WebhookHeaderMissing",
    "WebhookNotConfigured",
    "WebhookOptionInvalid",
    "WebhookPayloadInvalid",
    "WebhookReplayed",
    "WebhookRetryLater",
    "WebhookSignatureMismatch",
    "WebhookTimestampOutOfRange",
    "WebhookTimestampTooNew",
    "WebhookTimestampTooOld",
    "WebhookVerificationFailed",
]


class WebhookError(PluginError):
    """Base class of the webhook plugin's errors."""

    code = "webhook.error"
    template_ko = "웹훅 알림 오류가 발생했습니다."
    template_en = "A webhook notifier error occurred."


# --------------------------------------------------------------------------- settings


class WebhookOptionInvalid(WebhookError):
    """An entry of ``notifier_options["webhook"]`` (or an argument of ``verify``) is not valid.

    ``params["option"]`` names it, e.g. ``url``, ``secret[1]`` or
    ``headers[Authorization]``; ``rule_ko`` and ``rule_en`` say what is expected.
    """

    code = "webhook.option_invalid"
    template_ko = "웹훅 설정 '{option}'이(가) 올바르지 않습니다: {rule_ko}"
    template_en = "Webhook option '{option}' is not valid: {rule_en}"


class WebhookNotConfigured(WebhookOptionInvalid):
    """The ``webhook`` notifier was chosen, or named by a message, without any settings."""

    code = "webhook.not_configured"
    template_ko = (
        "웹훅 알림 설정이 비어 있습니다. proforum.open()에 "
        "notifier_options={{'webhook': {{'url': ..., 'secret': ...}}}}를 넘겨 주세요."
    )
    template_en = (
        "The webhook notifier has no settings. Pass them to proforum.open() as "
        "notifier_options={{'webhook': {{'url': ..., 'secret': ...}}}}."
    )

    def __init__(self, value: object = None, **params: Any) -> None:
        params.setdefault("option", "webhook")
        super().__init__(value, **params)


# --------------------------------------------------------------------------- delivery


class WebhookDeliveryFailed(WebhookError):
    """The endpoint could not be reached, timed out, hung up or answered other than 2xx.

    proforum keeps the message pending and retries it with backoff.
    ``params["status"]`` is the HTTP status code, or ``"-"`` when no answer
    came; ``params["reason"]`` is the underlying exception's type name (e.g.
    ``TimeoutError``, ``ConnectionRefusedError``), or ``"status"`` when the
    endpoint answered with a status that is not a success.
    """

    code = "webhook.delivery_failed"
    template_ko = (
        "웹훅 엔드포인트에 알림을 전달하지 못했습니다 (원인: {reason}, 응답 코드: {status})."
    )
    template_en = (
        "The webhook endpoint did not accept the message (cause: {reason}, status: {status})."
    )

    @property
    def status(self) -> int | None:
        """The HTTP status the endpoint answered with, or ``None`` when it did not answer."""
        status = self.params.get("status")
        return status if isinstance(status, int) else None


class WebhookEndpointGone(DeliveryRejected, WebhookError):
    """The endpoint answered ``410 Gone``, now or earlier, and is disabled.

    A :class:`proforum.errors.DeliveryRejected`: the relay marks the message
    ``failed`` at once.  Its ``code`` stays ``delivery.rejected``, so a
    dead-lettered message reads ``delivery.rejected: endpoint_gone`` in the
    outbox whichever notifier refused it.  Re-enable the endpoint with
    :meth:`proforum_webhook.WebhookNotifier.enable` or
    :func:`proforum_webhook.enable_endpoint`.
    """

    template_ko = (
        "웹훅 엔드포인트가 더 이상 알림을 받지 않아(410 Gone) 비활성화되었습니다: {reason}. "
        "다시 받으려면 엔드포인트를 다시 활성화해 주세요."
    )
    template_en = (
        "The webhook endpoint no longer accepts messages (410 Gone) and is disabled: "
        "{reason}. Re-enable the endpoint to deliver to it again."
    )

    def __init__(
        self, value: object = None, *, reason: str = "endpoint_gone", **params: Any
    ) -> None:
        super().__init__(value, reason=reason, **params)


# --------------------------------------------------------------------------- receiving


class WebhookVerificationFailed(WebhookError):
    """Base class of the reasons :func:`proforum_webhook.verify` refuses a request.

    Answer such a request with ``400`` or ``401`` and do not act on it.
    """

    code = "webhook.verification_failed"
    template_ko = "웹훅 요청을 검증하지 못했습니다."
    template_en = "The webhook request could not be verified."


class WebhookHeaderMissing(WebhookVerificationFailed):
    """A Standard Webhooks header (``params["header"]``) is missing or empty."""

    code = "webhook.header_missing"
    template_ko = "웹훅 요청에 '{header}' 헤더가 없습니다."
    template_en = "The webhook request has no '{header}' header."


class WebhookHeaderInvalid(WebhookVerificationFailed):
    """A header (``params["header"]``) is malformed or given more than once."""

    code = "webhook.header_invalid"
    template_ko = "웹훅 요청의 '{header}' 헤더 형식이 올바르지 않거나 두 번 이상 들어 있습니다."
    template_en = "The '{header}' header of the webhook request is malformed or repeated."


class WebhookTimestampOutOfRange(WebhookVerificationFailed):
    """The ``webhook-timestamp`` is further than the tolerance from the receiver's clock."""

    code = "webhook.timestamp_out_of_range"
    template_ko = "웹훅 요청의 시각이 허용 범위(±{tolerance}초)를 벗어났습니다."
    template_en = (
        "The webhook request's timestamp is outside the allowed window (+/-{tolerance} s)."
    )


class WebhookTimestampTooOld(WebhookTimestampOutOfRange):
    """The request was signed longer ago than the tolerance: possibly a replay."""

    code = "webhook.timestamp_too_old"
    template_ko = (
        "웹훅 요청이 너무 오래되었습니다 (허용 범위: {tolerance}초). 재전송 공격일 수 있습니다."
    )
    template_en = "The webhook request is too old (allowed: {tolerance} s); it may be a replay."


class WebhookTimestampTooNew(WebhookTimestampOutOfRange):
    """The request claims a time further in the future than the tolerance."""

    code = "webhook.timestamp_too_new"
    template_ko = "웹훅 요청의 시각이 미래입니다 (허용 범위: {tolerance}초). 시계를 확인해 주세요."
    template_en = (
        "The webhook request's timestamp is in the future (allowed: {tolerance} s); "
        "check the clocks."
    )


class WebhookSignatureMismatch(WebhookVerificationFailed):
    """No ``v1`` signature of the request matches the body under any of the secrets."""

    code = "webhook.signature_mismatch"
    template_ko = "웹훅 서명이 일치하지 않습니다. 본문이 바뀌었거나 비밀 키가 다릅니다."
    template_en = "The webhook signature does not match: the body changed or the secret differs."


class WebhookReplayed(WebhookVerificationFailed):
    """A request with this ``webhook-id`` was already accepted within the tolerance window.

    A sender retrying after a lost answer does this too: the message was
    already handled, so answer it with a ``2xx`` and do nothing.
    """

    code = "webhook.replayed"
    template_ko = "이미 받은 웹훅 요청입니다 (알림 {message_id})."
    template_en = "This webhook request was already received (message {message_id})."


class WebhookPayloadInvalid(WebhookVerificationFailed):
    """The signed body is not the JSON proforum sends; ``params["field"]`` names the problem."""

    code = "webhook.payload_invalid"
    template_ko = "웹훅 본문이 proforum 알림 형식이 아닙니다 (항목: {field})."
    template_en = "The webhook body is not a proforum message (field: {field})."


class WebhookRetryLater(WebhookDeliveryFailed, RetryLater):
    """The endpoint answered ``429`` or ``503`` with ``Retry-After``: busy, come back later.

    A :class:`WebhookDeliveryFailed` and a :class:`proforum.errors.RetryLater`:
    the relay waits at least ``params["seconds"]`` before the next attempt.
    """

    code = "webhook.retry_later"
