"""Every hook proforum calls, in the order a forum calls them.

Plugins implement hooks with :data:`proforum.hookimpl`; they never need to
import pluggy themselves.  Hooks evolve only by gaining arguments, so an
implementation that accepts fewer arguments than the spec keeps working.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from collections.abc import Mapping
    from decimal import Decimal
    from typing import Any

    from proforum.domain.community import Community
    from proforum.domain.content import Comment, PolicyViolation, Post
    from proforum.domain.content_status import ContentKind
    from proforum.domain.employer import EmployerCheck
    from proforum.domain.identity import Member
    from proforum.domain.lottery import Draw
    from proforum.domain.meetup import Application, Meetup
    from proforum.domain.participation import ParticipationRecord
    from proforum.domain.survey import Survey, SurveyResult
    from proforum.domain.verdicts import Verdict
    from proforum.ports.notifier import NotifierFactory
    from proforum.ports.storage import StorageFactory
    from proforum.ports.video import VideoProviderFactory
    from proforum.services.forum import Forum

PROJECT = "proforum"

hookspec = pluggy.HookspecMarker(PROJECT)

# --------------------------------------------------------------------------- registration


@hookspec
def proforum_register_storage() -> list[StorageFactory]:
    """Register storage backends.

    Called once when a forum is opened.  Each factory has a ``name`` and the URL
    ``schemes`` it opens; :func:`proforum.open` picks the factory whose scheme
    matches the URL.  Two factories claiming one scheme is an error, so load
    order never decides.

    :return: a list of storage factories (may be empty).  Results of all plugins
        are concatenated.

    .. versionadded:: 0.1
    """
    raise NotImplementedError


@hookspec
def proforum_register_video_providers() -> list[VideoProviderFactory]:
    """Register video-conferencing providers.

    Called once when a forum is opened.  Each factory has a unique ``name``
    (``"manual"``, ``"zoom"``...) which use cases refer to.

    :return: a list of video-provider factories.  Results of all plugins are
        concatenated; duplicate names are an error.

    .. versionadded:: 0.1
    """
    raise NotImplementedError


@hookspec
def proforum_register_notifiers() -> list[NotifierFactory]:
    """Register notifiers (delivery channels for messages to members).

    Called once when a forum is opened.  The forum's ``notifier`` setting picks
    one by ``name`` (``"inbox"`` by default).

    :return: a list of notifier factories.  Results of all plugins are
        concatenated; duplicate names are an error.

    .. versionadded:: 0.1
    """
    raise NotImplementedError


# --------------------------------------------------------------------------- content


@hookspec
def proforum_check_post(
    community: Community, author: Member, title: str | None, body: str
) -> list[PolicyViolation] | None:
    """Check a post or comment before it is published, and each edit of one.

    Called inside the publishing (or editing) transaction, before anything is
    written.  A non-empty result refuses the text with
    :class:`proforum.errors.ContentRejected` and nothing is stored.

    :param community: the community the text is published in.
    :param author: the member publishing it.
    :param title: the post title (on an edit, the title the post would have),
        or ``None`` for a comment.
    :param body: the text, already NFC-normalised; on an edit, the whole new body.
    :return: the rule violations found, or ``None``/``[]`` to let it through.
        Violations from all plugins are combined.

    .. versionadded:: 0.1
    """
    raise NotImplementedError


@hookspec
def proforum_moderate_content(
    community: Community,
    author: Member,
    kind: ContentKind,
    title: str | None,
    body: str,
    edit: bool,
) -> Verdict | None:
    """Decide whether a post or comment is published, held for review or rejected.

    Called inside the publishing (or editing) transaction, before anything is
    written, next to :func:`proforum_check_post` and the community's own
    content policy.  The strictest verdict of all wins (reject over hold over
    allow) and carries the reasons of every check that chose it.  *Reject*
    refuses the text with :class:`proforum.errors.ContentRejected`, showing
    the reasons to the author in Korean and English, and nothing is stored.
    *Hold* stores it with status ``held``: only its author and the
    community's moderators and operators see it, it is in no feed, and it
    waits in :meth:`proforum.Forum.moderation_queue` until a moderator
    approves or removes it.

    :param community: the community the text is published in.
    :param author: the member publishing it.
    :param kind: :attr:`~proforum.domain.content_status.ContentKind.POST` or
        :attr:`~proforum.domain.content_status.ContentKind.COMMENT`.
    :param title: the post title (on an edit, the title the post would have),
        or ``None`` for a comment.
    :param body: the text, already NFC-normalised; on an edit, the whole new body.
    :param edit: ``True`` when an existing post or comment is being edited.
    :return: a :class:`~proforum.domain.verdicts.Verdict`, or ``None`` for no
        opinion.  Anything else refuses the text with
        :class:`~proforum.errors.InvalidVerdict`, and nothing changes.

    .. versionadded:: 0.2
    """
    raise NotImplementedError


@hookspec
def proforum_lottery_weight(
    meetup: Meetup, member: Member, record: ParticipationRecord
) -> Decimal | float | int | str | None:
    """Weigh one applicant in a meetup's lottery, when applications close.

    Called once per applicant inside the transaction that commits the
    lottery.  The weights of all implementations are multiplied (``None``
    counts as 1), rounded to six decimal places and published with the
    commitment, so anyone can check the draw with the weights it used.

    :param meetup: the meetup whose lottery is being committed.
    :param member: the applicant.
    :param record: the applicant's record across meetups, this one included
        (see :class:`~proforum.domain.participation.ParticipationRecord`).
    :return: a weight above 0 and at most 1000 (for example ``2`` for a
        first-timer, ``0.5`` after a recent no-show), or ``None`` for no opinion.
        Anything else refuses to close applications with
        :class:`~proforum.errors.InvalidWeight`, and nothing changes.

    .. versionadded:: 0.2
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def proforum_verify_employer(
    member: Member, method: str, company: str | None, evidence: Mapping[str, Any]
) -> EmployerCheck | None:
    """Vouch for where a member works, from evidence only this plugin can check.

    Called by ``Forum.verify_employer_with`` *outside* any transaction (a
    verifier may ask an identity provider over the network), after the
    member was read.  Plugins are called newest first and the hook stops at
    the first non-None result, which is used: a plugin answers only for the
    ``method`` names it handles and returns ``None`` for the others.
    Exceptions reach the caller, and nothing is recorded.

    :param member: the member asking to be verified.
    :param method: the verification method the member chose, e.g.
        ``"business_card"`` or ``"okta"``; never ``company_email`` or
        ``reviewed``, which proforum records itself.
    :param company: the company the member says they work at, or ``None``
        to let the verifier say which.
    :param evidence: whatever the host application collected for ``method``
        (a token, a reference to a scanned card...).  It may hold secrets:
        proforum neither stores nor logs it, and neither should the plugin.
    :return: a :class:`~proforum.domain.employer.EmployerCheck` naming the
        company it vouches for (and its mail domain, if known), or ``None``
        when the method is not this plugin's or the evidence does not
        convince it.  When no plugin vouches, the use case raises
        :class:`~proforum.errors.VerificationRefused`.

    .. versionadded:: 0.2
    """
    raise NotImplementedError


# --------------------------------------------------------------------------- events


@hookspec
def proforum_member_registered(forum: Forum, member: Member) -> None:
    """React to a new member, after the registration was committed.

    :param forum: the forum the member registered in.
    :param member: the new member.
    :return: nothing; return values are ignored.

    .. versionadded:: 0.1
    """


@hookspec
def proforum_member_erased(forum: Forum, member: Member) -> None:
    """Erase what a plugin keeps about a member, after proforum erased its own copy.

    Storage, outbox and inbox are already clean when this runs; a plugin that
    copied personal data elsewhere (a mailing list, a CRM, a search index)
    removes it here.  ``member`` is the pseudonymous record left behind: its
    id is the one the plugin knew.

    :param forum: the forum the member was erased from.
    :param member: the member as they are now, under a pseudonym.
    :return: nothing; return values are ignored.

    .. versionadded:: 0.1
    """


@hookspec
def proforum_post_published(forum: Forum, post: Post, community: Community) -> None:
    """React to a published post, after it was committed.

    :param forum: the forum.
    :param post: the new post.
    :param community: the community it was published in.
    :return: nothing; return values are ignored.

    .. versionadded:: 0.1
    """


@hookspec
def proforum_comment_published(forum: Forum, comment: Comment, post: Post) -> None:
    """React to a published comment, after it was committed.

    :param forum: the forum.
    :param comment: the new comment.
    :param post: the post it replies to.
    :return: nothing; return values are ignored.

    .. versionadded:: 0.1
    """


@hookspec
def proforum_application_made(forum: Forum, application: Application, meetup: Meetup) -> None:
    """React to an application to a meetup, after it was committed.

    :param forum: the forum.
    :param application: the new application, in state ``applied``.
    :param meetup: the meetup applied to.
    :return: nothing; return values are ignored.

    .. versionadded:: 0.1
    """


@hookspec
def proforum_draw_done(forum: Forum, meetup: Meetup, draw: Draw) -> None:
    """React to a lottery draw, after it was committed.

    :param forum: the forum.
    :param meetup: the meetup, now in state ``drawn``.
    :param draw: the result, with the revealed seed and the full order.
    :return: nothing; return values are ignored.

    .. versionadded:: 0.1
    """


@hookspec
def proforum_meetup_ended(forum: Forum, meetup: Meetup, attended: int, no_shows: int) -> None:
    """React to the end of a meetup, after attendance was committed.

    :param forum: the forum.
    :param meetup: the meetup, now in state ``ended``.
    :param attended: how many selected participants attended.
    :param no_shows: how many selected participants did not come.
    :return: nothing; return values are ignored.

    .. versionadded:: 0.1
    """


@hookspec
def proforum_survey_closed(forum: Forum, survey: Survey, result: SurveyResult) -> None:
    """React to a survey closing, after it was committed.

    :param forum: the forum.
    :param survey: the survey, now closed.
    :param result: its final result (figures hidden below the threshold).
    :return: nothing; return values are ignored.

    .. versionadded:: 0.1
    """
