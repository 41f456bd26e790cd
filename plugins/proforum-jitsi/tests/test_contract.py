"""proforum's own contract for video providers, run against both modes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from proforum.testing.contracts import VideoProviderContract

if TYPE_CHECKING:
    from conftest import MakeProvider


class TestSelfHosted(VideoProviderContract):
    @pytest.fixture
    def provider(self, make_provider: MakeProvider, self_hosted: dict[str, Any]) -> Any:
        return make_provider(self_hosted)


class TestJaas(VideoProviderContract):
    @pytest.fixture
    def provider(self, make_provider: MakeProvider, jaas: dict[str, Any]) -> Any:
        return make_provider(jaas)
