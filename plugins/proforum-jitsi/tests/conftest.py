"""Fixtures: a manual clock, a test key pair, and provider options for both modes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from proforum_jitsi import JitsiProvider, JitsiProviderFactory
from proforum_jitsi.testing import KeyPair, generate_key_pair

import proforum
from proforum.adapters.memory import MemoryStorage
from proforum.ports.context import AdapterContext

# With --import-mode=importlib the test folder is not on sys.path, and the
# root configuration puts the core's tests/ there (whose conftest would shadow
# ours): the shared helpers live in a uniquely named module found from here.
sys.path.insert(0, str(Path(__file__).parent))

from jitsi_support import APP_ID, BASE, JAAS_APP, JAAS_KEY, SECRET, T0


@pytest.fixture(scope="session")
def keys() -> KeyPair:
    return generate_key_pair()


@pytest.fixture
def clock() -> proforum.ManualClock:
    return proforum.ManualClock(T0)


@pytest.fixture
def self_hosted() -> dict[str, Any]:
    """Options of a self-hosted deployment signing with HS256."""
    return {"mode": "self-hosted", "base_url": BASE, "app_id": APP_ID, "secret": SECRET}


@pytest.fixture
def jaas(keys: KeyPair) -> dict[str, Any]:
    """Options of an 8x8 JaaS app."""
    return {
        "mode": "jaas",
        "app_id": JAAS_APP,
        "api_key_id": JAAS_KEY,
        "private_key": keys.private_pem,
    }


MakeProvider = Callable[[dict[str, Any]], JitsiProvider]


@pytest.fixture
def make_provider(clock: proforum.ManualClock) -> MakeProvider:
    """Build a provider from options, as a forum would on first use."""

    def make(options: dict[str, Any]) -> JitsiProvider:
        return JitsiProviderFactory().create(AdapterContext(MemoryStorage(), clock), options)

    return make
