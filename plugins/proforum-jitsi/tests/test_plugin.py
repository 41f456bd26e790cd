"""The installed distribution is found through its entry point and keeps proforum's ports."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

import proforum_jitsi
from proforum_jitsi import JitsiProviderFactory, testing

import proforum
from proforum.ports.video import MeetingUpdates, Registrations, VideoProvider, VideoProviderFactory

if TYPE_CHECKING:
    from conftest import MakeProvider


def test_the_entry_point_is_declared() -> None:
    (point,) = [ep for ep in entry_points(group="proforum") if ep.name == "jitsi"]
    assert point.value == "proforum_jitsi"
    assert point.dist is not None
    assert point.dist.name == "proforum-jitsi"
    assert point.load() is proforum_jitsi


def test_the_default_plugin_manager_loads_it() -> None:
    pm = proforum.get_plugin_manager()
    assert pm.get_plugin("jitsi") is proforum_jitsi
    factories = [f for batch in pm.hook.proforum_register_video_providers() for f in batch]
    assert {f.name for f in factories} >= {"manual", "jitsi"}
    assert [f for f in factories if isinstance(f, JitsiProviderFactory)] == [JitsiProviderFactory()]


def test_built_in_only_managers_do_not_load_it() -> None:
    assert proforum.get_plugin_manager(load_entrypoints=False).get_plugin("jitsi") is None


def test_the_provider_keeps_the_ports(
    make_provider: MakeProvider, self_hosted: dict[str, Any]
) -> None:
    # Checked by mypy where it reads tests; checked here by getattr like the core does.
    factory: VideoProviderFactory = JitsiProviderFactory()
    provider = make_provider(self_hosted)
    port: VideoProvider = provider
    updates: MeetingUpdates = provider
    registrations: Registrations = provider
    assert factory.name == port.name == "jitsi"
    for method in ("update_meeting", "cancel_meeting"):
        assert callable(getattr(updates, method))
    for method in ("register", "revoke"):
        assert callable(getattr(registrations, method))
    # No attendance report and no webhooks: Jitsi has neither API (see the README).
    assert not hasattr(provider, "attendance")
    assert not hasattr(provider, "verify_webhook")


def test_the_version_comes_from_the_distribution() -> None:
    assert proforum_jitsi.__version__ == "0.1.0.dev0"


def test_every_public_name_is_documented() -> None:
    for module in (proforum_jitsi, testing):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj):
                assert obj.__doc__, name
