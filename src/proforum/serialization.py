"""proforum's private cattrs converter, and whole-forum export and import.

The converter is built here once, on cattrs' preconfigured JSON converter, and
never shared with cattrs' global converter: host applications keep theirs.
Plugins that need to serialise their own types get a copy through
:func:`make_converter` and add hooks to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any, Final

import cattrs
from cattrs.preconf.json import make_converter as _json_converter

from proforum import export_versions
from proforum.domain.admission import JoinRequest
from proforum.domain.common import Secret
from proforum.domain.community import Community, Membership
from proforum.domain.content import Comment, Post
from proforum.domain.content_policy import ContentPolicy
from proforum.domain.employer import EmployerChallenge, EmployerVerification
from proforum.domain.flags import Flag
from proforum.domain.follow_up import ContactConsent, FollowUpInterest
from proforum.domain.identity import Identity, Nickname, RealName
from proforum.domain.identity import Member as MemberT
from proforum.domain.lottery import Beacon, Commitment, Constraints, Draw, Entrant
from proforum.domain.meetup import Application, Meetup
from proforum.domain.moderation import ModerationLogEntry
from proforum.domain.nickname_history import NicknameChange
from proforum.domain.notification import InboxItem, Message
from proforum.domain.preferences import NotificationPreference
from proforum.domain.reactions import Reaction
from proforum.domain.revisions import Revision
from proforum.domain.survey import Participation, Response, Survey
from proforum.domain.video_registration import VideoRegistration
from proforum.errors import Conflict, InvalidDocument
from proforum.ports.storage import Storage, UnitOfWork

EXPORT_FORMAT: Final = "proforum-export"
EXPORT_VERSION: Final = export_versions.CURRENT


#: Table name in the export document → (entity type, how to list it).  The
#: order is the order of import: a row's references are loaded before it.
_TABLES: Final[dict[str, tuple[type[Any], Callable[[UnitOfWork], Sequence[Any]]]]] = {
    "members": (MemberT, lambda u: u.members.all()),
    "nickname_history": (NicknameChange, lambda u: u.nickname_history.all()),
    "communities": (Community, lambda u: u.communities.all()),
    "memberships": (Membership, lambda u: u.memberships.all()),
    "employer_verifications": (EmployerVerification, lambda u: u.verifications.all()),
    "employer_challenges": (EmployerChallenge, lambda u: u.challenges.all()),
    "join_requests": (JoinRequest, lambda u: u.join_requests.all()),
    "posts": (Post, lambda u: u.posts.all()),
    "comments": (Comment, lambda u: u.comments.all()),
    "reactions": (Reaction, lambda u: u.reactions.all()),
    "revisions": (Revision, lambda u: u.revisions.all()),
    "content_policies": (ContentPolicy, lambda u: u.content_policies.all()),
    "flags": (Flag, lambda u: u.flags.all()),
    "moderation_log": (ModerationLogEntry, lambda u: u.moderation_log.all()),
    "meetups": (Meetup, lambda u: u.meetups.all()),
    "applications": (Application, lambda u: u.applications.all()),
    "commitments": (Commitment, lambda u: u.commitments.all()),
    "draws": (Draw, lambda u: u.draws.all()),
    "video_registrations": (VideoRegistration, lambda u: u.registrations.all()),
    "follow_up_interests": (FollowUpInterest, lambda u: u.interests.all()),
    "contact_consents": (ContactConsent, lambda u: u.consents.all()),
    "surveys": (Survey, lambda u: u.surveys.all()),
    "responses": (Response, lambda u: u.responses.all()),
    "participations": (Participation, lambda u: u.participations.all()),
    "messages": (Message, lambda u: u.messages.all()),
    "inbox": (InboxItem, lambda u: u.inbox.all()),
    "notification_preferences": (NotificationPreference, lambda u: u.preferences.all()),
}

#: Rows structured and handed to :meth:`~proforum.ports.storage.UnitOfWork.load`
#: at a time: one ``executemany`` each on SQL.  Big enough that the per-statement
#: cost vanishes, small enough that an import's memory does not grow with its size.
IMPORT_CHUNK: Final = 1_000


def _structure_identity(value: Any, _: Any) -> Identity:
    if not isinstance(value, Mapping):
        raise InvalidDocument(None, reason="identity is not an object")
    kind = value.get("kind")
    if kind == "real_name":
        return RealName.parse(value.get("value"))
    if kind == "nickname":
        return Nickname.parse(value.get("value"))
    raise InvalidDocument(None, reason=f"unknown identity kind {kind!r}")


def _exactly(kind: type[Any], *, but_not: type[Any] | None = None) -> Callable[[Any, Any], Any]:
    """A structure hook that accepts only values already of ``kind``.

    cattrs' default for primitives calls the type (``str(value)``, ``int(value)``),
    which would import ``{"a": 1}`` as a title or ``4.7`` as the rating 4.
    """

    def hook(value: Any, _: Any) -> Any:
        if not isinstance(value, kind) or (but_not is not None and isinstance(value, but_not)):
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    return hook


def _structure_public(
    cls: type[Entrant] | type[Constraints] | type[Beacon],
) -> Callable[[Any, Any], Any]:
    """A structure hook through the lottery types' own public form, which checks it."""

    def hook(value: Any, _: Any) -> Any:
        if cls is Constraints and value is None:
            return Constraints()
        return cls.from_public(value)

    return hook


def _structure_seconds(value: Any, _: Any) -> timedelta:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a number of seconds, got {type(value).__name__}")
    return timedelta(seconds=value)


def _structure_decimal(value: Any, _: Any) -> Decimal:
    # Only the string form: a float would bring its binary rounding along.
    return Decimal(_exactly(str)(value, str))


def make_converter() -> cattrs.Converter:
    """Return a new converter that knows every proforum domain type.

    Identities become ``{"kind": "real_name"|"nickname", "value": ...}``;
    secrets are written in clear (an export is as sensitive as the database);
    datetimes are ISO 8601 strings with their offset; decimals exact strings.  Strings, integers and
    booleans are structured only from values of that very type, never coerced.
    """
    converter = _json_converter()
    converter.register_structure_hook(str, _exactly(str))
    converter.register_structure_hook(int, _exactly(int, but_not=bool))
    converter.register_structure_hook(bool, _exactly(bool))
    converter.register_unstructure_hook(Secret, lambda s: s.reveal())
    converter.register_structure_hook(Secret, lambda v, _: Secret(_exactly(str)(v, str)))
    converter.register_unstructure_hook(RealName, lambda n: {"kind": n.kind, "value": n.value})
    converter.register_unstructure_hook(Nickname, lambda n: {"kind": n.kind, "value": n.value})
    converter.register_unstructure_hook(Identity, lambda n: {"kind": n.kind, "value": n.value})
    converter.register_structure_hook(Identity, _structure_identity)
    # The lottery's types have one public JSON form, the one draws are hashed in.
    for public_type in (Entrant, Constraints, Beacon):
        converter.register_unstructure_hook(public_type, lambda v: v.public())
        converter.register_structure_hook(public_type, _structure_public(public_type))
    converter.register_unstructure_hook(timedelta, lambda d: int(d.total_seconds()))
    converter.register_structure_hook(timedelta, _structure_seconds)
    # Decimals (a content policy's hide threshold) as exact strings: "2.00".
    converter.register_unstructure_hook(Decimal, str)
    converter.register_structure_hook(Decimal, _structure_decimal)
    return converter


_converter: Final = make_converter()


def unstructure(value: Any) -> Any:
    """Turn a domain object into JSON-ready primitives with the private converter."""
    return _converter.unstructure(value)


def structure(value: Any, cls: type[Any]) -> Any:
    """Build a ``cls`` from primitives with the private converter."""
    return _converter.structure(value, cls)


def export_storage(storage: Storage) -> dict[str, Any]:
    """Read every table of ``storage`` in one transaction into a JSON-ready document.

    Messages are written as they are, a relay's claim (``claimed_by``,
    ``claimed_until``) included; documents written before claims existed have
    no such fields and import as messages nobody has claimed.  Members'
    notification choices are the table ``notification_preferences``.
    Verification codes are in ``employer_challenges`` as they are stored:
    hashed, never in clear (a pending code's message, though, still holds it
    until it is delivered).
    """
    with storage.unit_of_work() as uow:
        tables = {
            name: [unstructure(row) for row in lister(uow)] for name, (_, lister) in _TABLES.items()
        }
    return {"format": EXPORT_FORMAT, "version": EXPORT_VERSION, "tables": tables}


def _rows(name: str, rows: object) -> Iterable[Any]:
    """The rows of table ``name``: any iterable but a string or a mapping (which iterate keys)."""
    if isinstance(rows, str | bytes | bytearray | Mapping) or not isinstance(rows, Iterable):
        raise InvalidDocument(None, reason=f"table {name} is not a list")
    return rows


def _chunks(name: str, cls: type[Any], rows: Iterable[Any]) -> Iterator[list[Any]]:
    """Structure ``rows`` into ``cls`` entities, :data:`IMPORT_CHUNK` at a time."""
    chunk: list[Any] = []
    for row in rows:
        try:
            chunk.append(structure(row, cls))
        except InvalidDocument:
            raise
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
            # Not chained: the cause's text may quote the row's values.
            raise InvalidDocument(None, reason=f"bad row in {name}: {type(exc).__name__}") from None
        if len(chunk) >= IMPORT_CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_storage(storage: Storage, document: Any) -> None:
    """Load a document from :func:`export_storage` into an empty ``storage``, atomically.

    Each table may be any iterable of rows — a list, or a generator reading a
    file — and is consumed once, in order: rows are structured and written
    :data:`IMPORT_CHUNK` at a time through
    :meth:`~proforum.ports.storage.UnitOfWork.load` (one ``executemany`` per
    chunk on SQL), so an import of a current-version document holds one chunk
    in memory, not the whole document.  Documents of an earlier version are
    read too (see :mod:`proforum.export_versions`); their tables are read
    into memory first, as upgrading them needs rows of several tables.

    :raises InvalidDocument: wrong format or version, malformed rows, or the
        storage already holds data.  Nothing is written in that case: the
        whole import is one transaction.
    """
    if not isinstance(document, Mapping) or document.get("format") != EXPORT_FORMAT:
        raise InvalidDocument(None, reason="not a proforum export")
    version = document.get("version")
    if type(version) is not int or version not in export_versions.READABLE:
        raise InvalidDocument(None, reason=f"unsupported version {version!r}")
    tables = document.get("tables")
    # Every table of the document's version, and no table proforum does not know
    # (an older document may already hold a table added later, e.g. an empty one).
    if (
        not isinstance(tables, Mapping)
        or not set(tables) <= set(_TABLES)
        or not export_versions.tables_of(version, _TABLES) <= set(tables)
    ):
        raise InvalidDocument(None, reason="unknown or missing tables")
    tables = {name: _rows(name, rows) for name, rows in tables.items()}
    if version != EXPORT_VERSION:
        # Upgrading reads across tables (a v1 survey needs its meetup) and edits rows.
        tables = export_versions.upgrade(
            version, {name: list(rows) for name, rows in tables.items()}
        )
    with storage.unit_of_work() as uow:
        if any(lister(uow) for _, lister in _TABLES.values()):
            raise InvalidDocument(None, reason="the target forum is not empty")
        for name, (cls, _) in _TABLES.items():
            for chunk in _chunks(name, cls, _rows(name, tables.get(name, ()))):
                try:
                    uow.load(name, chunk)
                except Conflict as exc:
                    # A duplicate row or a look-alike nickname makes the storage
                    # raise AlreadyExists or NicknameTaken: the document is at
                    # fault.  Storage failures are not caught here.
                    raise InvalidDocument(
                        None, reason=f"bad row in {name}: {type(exc).__name__}"
                    ) from None
        uow.commit()
