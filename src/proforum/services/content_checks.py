"""The pre-publish checks every post, comment and edit goes through, and what a hold records.

:func:`check_content` asks three sources and keeps the strictest verdict
(see :mod:`proforum.domain.verdicts`):

* ``proforum_check_post`` implementations (the built-in personal-data rule
  among them): any violation means *reject*;
* ``proforum_moderate_content`` implementations: a verdict or ``None``;
* the community's :class:`~proforum.domain.content_policy.ContentPolicy`.

A rejection raises :class:`~proforum.errors.ContentRejected` before anything
is written.  A hold is written by the caller with status ``held``; then
:func:`record_hold` logs it (which rules held it) and tells the author.
"""

from __future__ import annotations

import pluggy

from proforum.domain.common import CommunityId, MemberId
from proforum.domain.community import Community
from proforum.domain.content_policy import ContentPolicy
from proforum.domain.content_status import ContentKind
from proforum.domain.identity import Member
from proforum.domain.moderation import ModerationAction, ModerationLogEntry
from proforum.domain.notification import MessageKind
from proforum.domain.verdicts import Verdict, VerdictAction, strictest
from proforum.errors import ContentRejected, InvalidVerdict
from proforum.services.base import Tx

#: How much of a title or comment a moderation message quotes to its author.
EXCERPT_MAX = 40


def excerpt(title: str | None, body: str) -> str:
    """The start of a post's title, or of a comment's body, on one line."""
    text = " ".join((title if title is not None else body).split())
    return text if len(text) <= EXCERPT_MAX else text[: EXCERPT_MAX - 1] + "…"


def policy_of(tx: Tx, community_id: CommunityId) -> ContentPolicy:
    """The community's content policy, or the default one if its operators never set one."""
    return tx.uow.content_policies.get(community_id) or ContentPolicy.default(community_id)


def check_content(
    pm: pluggy.PluginManager,
    tx: Tx,
    community: Community,
    author: Member,
    kind: ContentKind,
    title: str | None,
    body: str,
    *,
    edit: bool,
    earlier_posts: int | None = None,
) -> Verdict:
    """The strictest verdict about a text; raise if it is *reject*.

    :param earlier_posts: for a new post by an author the new-member rule
        applies to, how many posts they published in the community before.
    :raises ContentRejected: a check rejected the text; the reasons of every
        check that rejected it are in the message, in Korean and English.
    :raises InvalidVerdict: a ``proforum_moderate_content`` implementation
        returned something other than a verdict or ``None``.
    """
    results = pm.hook.proforum_check_post(
        community=community, author=author, title=title, body=body
    )
    violations = [v for result in results for v in (result or ())]
    verdicts = [Verdict.reject(*violations)] if violations else []
    arguments = {
        "community": community,
        "author": author,
        "kind": kind,
        "title": title,
        "body": body,
        "edit": edit,
    }
    caller = pm.hook.proforum_moderate_content
    # One implementation at a time, so that a wrong return names its plugin.
    for impl in reversed(caller.get_hookimpls()):
        if impl.hookwrapper or impl.wrapper:
            continue  # a verdict is a value, not something to wrap
        verdict = impl.function(**{a: arguments[a] for a in impl.argnames if a in arguments})
        if verdict is None:
            continue
        if not isinstance(verdict, Verdict):
            raise InvalidVerdict(None, plugin=impl.plugin_name)
        verdicts.append(verdict)
    policy = policy_of(tx, community.id)
    verdicts.append(policy.verdict(kind, title, body, earlier_posts=earlier_posts))
    combined = strictest(verdicts)
    if combined.action is VerdictAction.REJECT:
        raise ContentRejected(
            list(combined.rules),
            reasons_ko="; ".join(r.message_ko for r in combined.reasons),
            reasons_en="; ".join(r.message_en for r in combined.reasons),
        )
    return combined


def log_action(
    tx: Tx,
    community_id: CommunityId,
    target: ContentKind,
    target_id: str,
    action: ModerationAction,
    actor: MemberId | None,
    reason: str,
) -> ModerationLogEntry:
    """Append one entry to the moderation log, in the use case's transaction."""
    entry = ModerationLogEntry(
        id=tx.ids.new("mlg"),
        community_id=community_id,
        target=target,
        target_id=target_id,
        action=action,
        actor_id=actor,
        reason=reason,
        at=tx.now,
    )
    tx.uow.moderation_log.add(entry)
    return entry


def record_hold(
    tx: Tx,
    community: Community,
    target: ContentKind,
    target_id: str,
    author_id: MemberId,
    quoted: str,
    verdict: Verdict,
) -> None:
    """Log that the checks held a text (naming the rules) and tell its author."""
    rules = ", ".join(verdict.rules) or "policy"
    log_action(tx, community.id, target, target_id, ModerationAction.HOLD, None, rules)
    tx.notify(
        author_id,
        MessageKind.CONTENT_HELD,
        community_name=community.name,
        excerpt=quoted,
        target=target.value,
        target_id=target_id,
    )
