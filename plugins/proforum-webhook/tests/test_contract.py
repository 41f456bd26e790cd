"""The notifier contract every proforum notifier keeps, over a real HTTP receiver."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from proforum_webhook import WebhookNotifier

from proforum.testing.contracts import NotifierContract

if TYPE_CHECKING:
    from conftest import Certificates, MakeNotifier, Receiver, StartReceiver


class TestWebhookNotifier(NotifierContract):
    """Runs once over plain HTTP and once over HTTPS (a trusted test CA)."""

    receiver: Receiver

    @pytest.fixture(params=["http", "https"])
    def notifier(
        self,
        request: pytest.FixtureRequest,
        start_receiver: StartReceiver,
        certificates: Certificates,
        make_notifier: MakeNotifier,
    ) -> WebhookNotifier:
        tls = request.param == "https"
        self.receiver = start_receiver(tls=tls)
        context = certificates.client() if tls else None
        return make_notifier(self.receiver.options(ssl_context=context))

    def received(self, notifier: Any) -> list[tuple[str, str]]:
        assert notifier.settings.port == self.receiver.port
        # Every request reached the receiver signed and verifiable.
        assert [r.error for r in self.receiver.requests] == [None] * len(self.receiver.requests)
        return self.receiver.received()
