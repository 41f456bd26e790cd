"""What the SMTP notifier reports, as proforum errors with a stable code.

Like every proforum error, these keep the offending value on ``.value`` and
never put it into ``str()`` or ``repr()``.  Their message parameters hold only
option names, stage names, exception type names and SMTP reply codes: never a
password, an e-mail address, a server's reply text or a message's text.
"""

from __future__ import annotations

from proforum.errors import DeliveryRejected, PluginError

__all__ = [
    "EmailAddressInvalid",
    "EmailAddressMissing",
    "SmtpDeliveryFailed",
    "SmtpError",
    "SmtpNotConfigured",
    "SmtpOptionInvalid",
    "SmtpRecipientRefused",
]


class SmtpError(PluginError):
    """Base class of the SMTP notifier's errors."""

    code = "smtp.error"
    template_ko = "SMTP 알림 오류가 발생했습니다."
    template_en = "An SMTP notifier error occurred."


class SmtpOptionInvalid(SmtpError):
    """An entry of ``notifier_options["smtp"]`` is missing, unknown or malformed."""

    code = "smtp.option_invalid"
    template_ko = "SMTP 알림 설정 '{option}'이(가) 올바르지 않습니다: {rule_ko}"
    template_en = "SMTP notifier option '{option}' is not valid: {rule_en}"


class SmtpNotConfigured(SmtpError):
    """A message was handed to the ``smtp`` notifier of a forum opened without its options."""

    code = "smtp.not_configured"
    template_ko = (
        "SMTP 알림이 설정되지 않았습니다. proforum.open()의 "
        "notifier_options={{'smtp': {{...}}}}로 설정을 넘겨 주세요."
    )
    template_en = (
        "The SMTP notifier is not configured. Pass its settings to proforum.open() "
        "as notifier_options={{'smtp': {{...}}}}."
    )


class EmailAddressMissing(SmtpError, DeliveryRejected):
    """There is no e-mail address for the recipient (``address_of`` returned ``None``).

    A :class:`~proforum.errors.DeliveryRejected`: retrying cannot conjure an
    address, so the relay dead-letters the message at once.
    """

    code = "smtp.address_missing"
    template_ko = "회원 {member_id}의 이메일 주소가 없어 알림 {message_id}을(를) 보낼 수 없습니다."
    template_en = "Member {member_id} has no e-mail address; message {message_id} was not sent."


class EmailAddressInvalid(SmtpError, DeliveryRejected):
    """``address_of`` returned something that is not a plain ASCII ``user@domain`` address.

    Dead-lettered at once, like :class:`EmailAddressMissing`.
    """

    code = "smtp.address_invalid"
    template_ko = (
        "회원 {member_id}의 이메일 주소 형식이 올바르지 않아 알림 {message_id}을(를) "
        "보낼 수 없습니다 (user@example.com 형태의 ASCII 주소여야 합니다)."
    )
    template_en = (
        "The e-mail address of member {member_id} is malformed; message {message_id} "
        "was not sent (expected an ASCII address such as user@example.com)."
    )


class SmtpDeliveryFailed(SmtpError):
    """The mail server could not be reached, hung up, timed out or refused the message.

    ``params`` holds ``stage`` (``connect``, ``starttls``, ``login`` or ``send``),
    ``reason`` (the underlying exception's type name), ``reply_code`` (the
    server's numeric reply, or ``"-"`` when there was none) and ``message_id``.
    The server's reply text is left out on purpose: it may quote addresses.
    """

    code = "smtp.delivery_failed"
    template_ko = (
        "메일 서버로 알림 {message_id}을(를) 보내지 못했습니다 "
        "(단계: {stage}, 원인: {reason}, 응답 코드: {reply_code})."
    )
    template_en = (
        "Message {message_id} could not be handed to the mail server "
        "(stage: {stage}, cause: {reason}, reply code: {reply_code})."
    )

    @property
    def permanent(self) -> bool:
        """Whether the server answered with a 5xx code, which retrying will not fix."""
        reply = self.params.get("reply_code")
        return isinstance(reply, int) and 500 <= reply <= 599


class SmtpRecipientRefused(SmtpDeliveryFailed, DeliveryRejected):
    """The server refused the recipient for good (a 5xx reply to ``RCPT``).

    A :class:`~proforum.errors.DeliveryRejected`: the relay dead-letters the
    message at once instead of asking again about an address that does not exist.
    """

    code = "smtp.recipient_refused"
