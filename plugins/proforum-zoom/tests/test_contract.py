"""The core's contract for video providers, run against the fake Zoom."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from proforum_zoom import ZoomProvider

from proforum.testing.contracts import VideoProviderContract

if TYPE_CHECKING:
    from conftest import MakeProvider


class TestZoomProvider(VideoProviderContract):
    @pytest.fixture
    def provider(self, make_provider: MakeProvider) -> ZoomProvider:
        return make_provider()
