"""The installed distribution is found through its entry point, with nothing else to set up."""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import TYPE_CHECKING

import proforum_webhook
from proforum_webhook import WebhookNotifierFactory

import proforum
from proforum.ports.notifier import Notifier, NotifierFactory

if TYPE_CHECKING:
    from conftest import MakeNotifier, Receiver


def test_the_entry_point_is_declared() -> None:
    (point,) = [ep for ep in entry_points(group="proforum") if ep.name == "webhook"]
    assert point.value == "proforum_webhook"
    assert point.dist is not None
    assert point.dist.name == "proforum-webhook"
    assert point.load() is proforum_webhook


def test_the_default_plugin_manager_loads_it() -> None:
    pm = proforum.get_plugin_manager()
    assert pm.get_plugin("webhook") is proforum_webhook
    factories = [f for batch in pm.hook.proforum_register_notifiers() for f in batch]
    assert {f.name for f in factories} >= {"inbox", "webhook"}
    mine = [f for f in factories if isinstance(f, WebhookNotifierFactory)]
    assert mine == [WebhookNotifierFactory()]


def test_the_factory_and_notifier_keep_the_ports(
    receiver: Receiver, make_notifier: MakeNotifier
) -> None:
    # Checked by mypy: both match proforum's protocols.
    factory: NotifierFactory = WebhookNotifierFactory()
    notifier: Notifier = make_notifier(receiver.options())
    assert factory.name == notifier.name == "webhook"


def test_built_in_only_managers_do_not_load_it() -> None:
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    assert pm.get_plugin("webhook") is None


def test_the_version_comes_from_the_distribution() -> None:
    assert proforum_webhook.__version__ == "0.1.0.dev0"


def test_every_public_name_is_documented() -> None:
    for name in proforum_webhook.__all__:
        obj = getattr(proforum_webhook, name)
        if callable(obj):
            assert obj.__doc__, name
