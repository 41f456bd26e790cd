"""No secret, URL token, body or link in a repr, an error or a log, whatever happens."""

from __future__ import annotations

import inspect
import logging
import pickle
import re
import string
from typing import TYPE_CHECKING, Any

import proforum_webhook
import pytest
from proforum_webhook import WebhookError, WebhookNotifier, errors, verify

from proforum.errors import PluginError, ProforumError
from proforum.ports.notifier import RenderedMessage
from proforum.testing.contracts import sample_member, sample_message

if TYPE_CHECKING:
    from conftest import MakeNotifier, Receiver, ReservedPort

HANGUL = re.compile("[가-힣]")
LINK = "https://zoom.us/j/81234567890?pwd=secretpasscode"
RENDERED = RenderedMessage("ko", "[참가 링크] 모임", f"아래 링크로 입장해 주세요.\n{LINK}")
CREDENTIAL = "Bearer s3cr3t-api-t0ken"
NEVER_SHOWN = (LINK, "secretpasscode", "81234567890", "입장해 주세요", CREDENTIAL, "T0k3n")


def shown_by(error: BaseException) -> list[str]:
    texts = [str(error), repr(error), repr(error.args)]
    if isinstance(error, ProforumError):
        texts += [repr(dict(error.params)), error.message_ko, error.message_en]
    return texts


def check_safe(
    secret: str, caplog: pytest.LogCaptureFixture, *things: object, url: str = ""
) -> None:
    """Nothing logged (by proforum or this plugin) and nothing shown holds a secret."""
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("proforum"))
    texts = [logged]
    for thing in things:
        texts += shown_by(thing) if isinstance(thing, BaseException) else [repr(thing), str(thing)]
    for text in texts:
        for hidden in (*NEVER_SHOWN, secret, secret.removeprefix("whsec_"), url):
            if hidden:
                assert hidden not in text


def attempt(notifier: WebhookNotifier) -> BaseException:
    with pytest.raises(WebhookError) as caught:
        notifier.deliver(sample_message(1), sample_member(1), RENDERED)
    assert caught.value.__context__ is None
    assert caught.value.__cause__ is None
    return caught.value


@pytest.mark.parametrize("behaviour", [500, 429, 410, 302, "slow", "reset"])
def test_failures_show_no_secret(
    receiver: Receiver,
    make_notifier: MakeNotifier,
    caplog: pytest.LogCaptureFixture,
    behaviour: Any,
) -> None:
    options = receiver.options(timeout=0.3, headers={"Authorization": CREDENTIAL})
    receiver.answer(behaviour)
    with caplog.at_level(logging.DEBUG):
        notifier = make_notifier(options)
        error = attempt(notifier)
    receiver.release.set()
    check_safe(options["secret"], caplog, error, notifier, notifier.settings, url=options["url"])


def test_a_refused_connection_shows_no_secret(
    closed_port: ReservedPort, make_notifier: MakeNotifier, caplog: pytest.LogCaptureFixture
) -> None:
    options = closed_port.options()
    with caplog.at_level(logging.DEBUG):
        error = attempt(make_notifier(options))
    check_safe(options["secret"], caplog, error, url=options["url"])


def test_a_success_logs_ids_only(
    receiver: Receiver, make_notifier: MakeNotifier, caplog: pytest.LogCaptureFixture
) -> None:
    options = receiver.options(headers={"Authorization": CREDENTIAL})
    with caplog.at_level(logging.DEBUG):
        notifier = make_notifier(options)
        notifier.deliver(sample_message(1), sample_member(1), RENDERED)
    assert "msg_0001" in caplog.text
    check_safe(options["secret"], caplog, notifier, notifier.settings, url=options["url"])
    assert [e.body for e in receiver.accepted()] == [RENDERED.body]  # it did go out


def test_verification_errors_show_no_secret_or_body(receiver: Receiver) -> None:
    with pytest.raises(WebhookError) as caught:
        verify(
            {"webhook-id": "msg_1", "webhook-timestamp": "1", "webhook-signature": "v1,x"},
            RENDERED.body.encode(),
            receiver.secrets,
        )
    for text in shown_by(caught.value):
        for hidden in (*NEVER_SHOWN, str(receiver.secrets)):
            assert hidden not in text


# --------------------------------------------------------------------------- error catalogue


ERRORS = sorted(
    (
        obj
        for obj in vars(errors).values()
        if inspect.isclass(obj)
        and issubclass(obj, ProforumError)
        and obj.__module__ == errors.__name__
    ),
    key=lambda cls: cls.__name__,
)
SENTINEL = "VALUE-SENTINEL-5c1d"


def sample_params(cls: type[ProforumError]) -> dict[str, Any]:
    names = {
        name
        for template in (cls.template_ko, cls.template_en)
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    }
    return {name: f"p-{name}" for name in names}


def test_the_catalogue_is_complete() -> None:
    assert {cls.__name__ for cls in ERRORS} == set(errors.__all__)
    assert set(errors.__all__) <= set(proforum_webhook.__all__)
    codes = [cls.code for cls in ERRORS if cls is not errors.WebhookEndpointGone]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_errors_keep_proforum_rules(cls: type[ProforumError]) -> None:
    assert issubclass(cls, PluginError)
    assert issubclass(cls, WebhookError)
    if cls is errors.WebhookEndpointGone:
        # Keeps DeliveryRejected's code, so the relay dead-letters it like any refusal.
        assert cls.code == "delivery.rejected"
    else:
        assert "code" in vars(cls)
        assert re.fullmatch(r"webhook\.[a-z_]+", cls.code)
    assert cls.__doc__
    error = cls(SENTINEL, **sample_params(cls))
    assert HANGUL.search(error.message_ko)
    assert all(" " <= ch <= "~" for ch in error.message_en)
    assert error.message_ko != error.message_en
    for text in (str(error), repr(error), repr(error.args)):
        assert SENTINEL not in text
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.value == SENTINEL
