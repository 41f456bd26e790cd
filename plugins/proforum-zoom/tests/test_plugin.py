"""The installed distribution is found through its entry point, with nothing else to set up."""

from __future__ import annotations

import inspect
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import proforum_zoom
import proforum_zoom.testing
from proforum_zoom import ZoomProviderFactory

import proforum
from proforum.ports.video import (
    AttendanceReporting,
    MeetingUpdates,
    Registrations,
    VideoProvider,
    VideoProviderFactory,
    WebhookVerification,
)

if TYPE_CHECKING:
    from conftest import MakeProvider


def test_the_entry_point_is_declared() -> None:
    (point,) = [ep for ep in entry_points(group="proforum") if ep.name == "zoom"]
    assert point.value == "proforum_zoom"
    assert point.dist is not None
    assert point.dist.name == "proforum-zoom"
    assert point.load() is proforum_zoom


def test_the_default_plugin_manager_loads_it() -> None:
    pm = proforum.get_plugin_manager()
    assert pm.get_plugin("zoom") is proforum_zoom
    factories = [f for batch in pm.hook.proforum_register_video_providers() for f in batch]
    assert {f.name for f in factories} >= {"manual", "zoom"}
    assert [f for f in factories if isinstance(f, ZoomProviderFactory)] == [ZoomProviderFactory()]


def test_the_factory_and_provider_keep_every_port(make_provider: MakeProvider) -> None:
    # Checked by mypy when the tests are type-checked; and at run time by name.
    factory: VideoProviderFactory = ZoomProviderFactory()
    provider = make_provider()
    ports: list[object] = [VideoProvider, MeetingUpdates, Registrations, AttendanceReporting]
    ports.append(WebhookVerification)
    as_video: VideoProvider = provider
    as_updates: MeetingUpdates = provider
    as_registrations: Registrations = provider
    as_reports: AttendanceReporting = provider
    as_webhooks: WebhookVerification = provider
    assert factory.name == as_video.name == "zoom"
    for port in ports:
        for name, _ in inspect.getmembers(port, inspect.isfunction):
            if not name.startswith("_"):
                assert callable(getattr(provider, name)), name
    assert {as_updates, as_registrations, as_reports, as_webhooks} == {provider}


def test_the_version_comes_from_the_distribution() -> None:
    assert proforum_zoom.__version__ == "0.1.0.dev0"


def test_every_public_name_is_documented() -> None:
    for module in (proforum_zoom, proforum_zoom.testing):
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj):
                assert obj.__doc__, name
