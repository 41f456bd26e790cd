"""The testing kit's provider with every optional capability keeps ``VideoProviderContract``.

The ``manual`` provider runs the suite in ``test_builtin_adapters.py`` and the
plain fake in ``test_testing_kit.py``; each plugin runs it in its own tests.
"""

from __future__ import annotations

import pytest

from proforum.adapters.manual_video import ManualVideoProvider
from proforum.testing.contracts import VideoProviderContract
from proforum.testing.fakes import RegisteringFakeVideoProvider


class TestRegisteringFakeProvider(VideoProviderContract):
    """The fake with registrants, moves, deletes, attendance and signed webhooks."""

    @pytest.fixture
    def provider(self) -> RegisteringFakeVideoProvider:
        return RegisteringFakeVideoProvider()


def test_the_suite_skips_what_a_provider_cannot_do() -> None:
    """A provider without ``register`` is not asked to register (skipped, not failed)."""
    with pytest.raises(pytest.skip.Exception):
        VideoProviderContract().test_each_participant_gets_their_own_link(
            ManualVideoProvider(), {"join_url": "https://zoom.us/j/1"}
        )
