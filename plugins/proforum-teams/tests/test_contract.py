"""The video-provider contract every proforum provider keeps, against the fake Graph."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from proforum_teams import TeamsProvider

from proforum.testing.contracts import VideoProviderContract

if TYPE_CHECKING:
    from conftest import MakeProvider


class TestTeamsProvider(VideoProviderContract):
    """Registrations are skipped: Teams has no personal links."""

    @pytest.fixture
    def provider(self, make_provider: MakeProvider) -> TeamsProvider:
        return make_provider()
