"""What a forum hands to the adapters it builds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from proforum.ports.clock import Clock
    from proforum.ports.storage import Storage


@attrs.frozen
class AdapterContext:
    """The forum's storage and clock, for adapters that need them (e.g. the inbox)."""

    storage: Storage
    clock: Clock
