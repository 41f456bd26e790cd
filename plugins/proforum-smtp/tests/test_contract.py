"""The notifier contract every proforum notifier keeps, over a real SMTP server."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from proforum_smtp import SmtpNotifier

from proforum.testing.contracts import NotifierContract


class TestSmtpNotifier(NotifierContract):
    """Runs once per kind of connection: clear text, STARTTLS and implicit TLS."""

    @pytest.fixture(params=["none", "starttls", "tls"])
    def notifier(
        self,
        request: pytest.FixtureRequest,
        start_server: Callable[..., Any],
        certificates: Any,
        make_notifier: Callable[[dict[str, Any]], SmtpNotifier],
    ) -> SmtpNotifier:
        self.server = start_server(request.param)
        return make_notifier(self.server.options(certificates))

    def received(self, notifier: Any) -> list[tuple[str, str]]:
        assert notifier.settings.port == self.server.port
        return list(self.server.mailbox.received())
