"""The :class:`Forum`: every use case of the story behind one object."""

from __future__ import annotations

from typing import Any

from proforum.services.admission import AdmissionUseCases
from proforum.services.attendance import AttendanceUseCases
from proforum.services.employers import EmployerUseCases
from proforum.services.feeds import FeedUseCases
from proforum.services.follow_ups import FollowUpUseCases
from proforum.services.inbox import InboxUseCases
from proforum.services.lottery import LotteryUseCases
from proforum.services.meetups import MeetupUseCases
from proforum.services.members import MemberUseCases
from proforum.services.moderation import ModerationUseCases
from proforum.services.outbox import OutboxUseCases
from proforum.services.personal_data import PersonalDataUseCases
from proforum.services.posts import PostUseCases
from proforum.services.preferences import PreferenceUseCases
from proforum.services.reactions import ReactionUseCases
from proforum.services.search import SearchUseCases
from proforum.services.surveys import SurveyUseCases


class Forum(
    MemberUseCases,
    AdmissionUseCases,
    EmployerUseCases,
    PostUseCases,
    ReactionUseCases,
    ModerationUseCases,
    FeedUseCases,
    SearchUseCases,
    MeetupUseCases,
    LotteryUseCases,
    AttendanceUseCases,
    FollowUpUseCases,
    SurveyUseCases,
    InboxUseCases,
    OutboxUseCases,
    PreferenceUseCases,
    PersonalDataUseCases,
):
    """A professional community forum wired to storage, plugins and a clock.

    Build one with :func:`proforum.open`.  Every public method is one use case
    and one transaction; those that act on behalf of a member take the acting
    member's id first and check what that member may do.
    """

    def export_data(self) -> dict[str, Any]:
        """Return the whole forum as a JSON-ready document (see :mod:`proforum.serialization`)."""
        from proforum.serialization import export_storage

        return export_storage(self._storage)

    def import_data(self, document: Any) -> None:
        """Load a document made by :meth:`export_data` into this (empty) forum.

        Each table of ``document["tables"]`` may be any iterable of rows, e.g.
        a generator reading a file: it is loaded in chunks, so memory does not
        grow with the number of rows (see
        :func:`proforum.serialization.import_storage`).  The import is one
        transaction.

        :raises InvalidDocument: the document is malformed or the forum is not empty;
            nothing is written then.
        """
        from proforum.serialization import import_storage

        import_storage(self._storage, document)

    def close(self) -> None:
        """Release the storage's connections and files."""
        self._storage.close()

    def __enter__(self) -> Forum:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        notifiers = ",".join(self._channels)
        return f"<Forum storage={self._storage.name!r} notifier={notifiers!r}>"
