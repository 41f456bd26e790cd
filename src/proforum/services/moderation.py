"""Use cases of moderation: the content policy, flags, the queue, decisions and the log.

Who may do what:

* operators set the community's content policy; moderators and operators read it;
* members of the community flag visible posts and comments of others, once each;
* moderators and operators read the queue and the log, and decide: approve
  or remove held content, uphold or dismiss flags.  Nobody decides about
  their own content (:class:`~proforum.errors.OwnContent`).

A decision about flags settles every open flag on the content, and its
outcome counts in each flagger's record, hence in the weight of their next
flags (see :mod:`proforum.domain.flags`).  Every decision, and every
automatic hide, is appended to the moderation log in the same transaction,
and the author is told through the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import attrs

from proforum.domain.common import CommentId, CommunityId, MemberId, PostId, clean_text
from proforum.domain.community import Community, Role
from proforum.domain.content import Comment, Post, comment_score_change
from proforum.domain.content_policy import DEFAULT_HIDE_THRESHOLD, ContentPolicy
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.events import CommentPublished, PostPublished
from proforum.domain.flags import (
    FLAG_NOTE_MAX,
    Flag,
    FlaggerRecord,
    FlagReason,
    FlagResolution,
    flag_reason,
    flag_weight,
    reaches,
)
from proforum.domain.moderation import (
    DECISION_REASON_MAX,
    ModerationAction,
    ModerationLogEntry,
    QueueEntry,
)
from proforum.domain.notification import MessageKind
from proforum.errors import (
    AlreadyFlagged,
    ContentDeleted,
    NoOpenFlags,
    NotAwaitingReview,
    OwnContent,
)
from proforum.services.base import ForumBase, Tx
from proforum.services.content_checks import excerpt, log_action, policy_of
from proforum.services.posts import find_comment, find_post, require_open
from proforum.services.reactions import target_of

#: The roles that read the queue and the log and make decisions.
MODERATORS = (Role.MODERATOR, Role.OPERATOR)

Content = Post | Comment


@attrs.frozen
class _Found:
    """A post or comment being moderated, with its post and community."""

    content: Content
    post: Post
    community: Community

    @property
    def kind(self) -> ContentKind:
        return ContentKind.POST if isinstance(self.content, Post) else ContentKind.COMMENT

    @property
    def quoted(self) -> str:
        if isinstance(self.content, Post):
            return excerpt(self.content.title, self.content.body)
        return excerpt(None, self.content.body)


def _find(tx: Tx, target: ContentKind, target_id: str, *, for_update: bool = False) -> _Found:
    if target is ContentKind.POST:
        post = find_post(tx, PostId(target_id), for_update=for_update)
        return _Found(post, post, tx.community(post.community_id))
    comment = find_comment(tx, CommentId(target_id), for_update=for_update)
    post = find_post(tx, comment.post_id)
    return _Found(comment, post, tx.community(post.community_id))


def _set_status(tx: Tx, found: _Found, status: ContentStatus) -> None:
    """Store the content with ``status``; a comment moves its post's score with it."""
    content = found.content
    if content.status is status:
        return
    if isinstance(content, Post):
        tx.uow.posts.update(attrs.evolve(content, status=status))
        return
    tx.uow.comments.update(attrs.evolve(content, status=status))
    change = comment_score_change(content.status, status)
    if change:
        tx.uow.posts.add_to_score(found.post.id, change)


def _tell(tx: Tx, found: _Found, kind: MessageKind, **params: str) -> None:
    tx.notify(
        found.content.author_id,
        kind,
        community_name=found.community.name,
        excerpt=found.quoted,
        target=found.kind.value,
        target_id=found.content.id,
        **params,
    )


class ModerationUseCases(ForumBase):
    """The content policy, flags, the moderation queue, decisions and the log."""

    # -- the policy ---------------------------------------------------------

    def set_content_policy(
        self,
        actor: MemberId,
        community_id: CommunityId,
        *,
        banned_words: Sequence[str] = (),
        banned_word_action: str = "reject",
        max_links: int | None = None,
        hold_first_posts: int = 0,
        hide_threshold: Decimal | int | str = DEFAULT_HIDE_THRESHOLD,
    ) -> ContentPolicy:
        """Set the community's content policy, replacing the whole of it; operators only.

        :param banned_words: words no text may contain (matched ignoring
            case, inside words too), at most 200 of 1 to 50 characters.
        :param banned_word_action: ``"reject"`` refuses such a text,
            ``"hold"`` holds it for review.
        :param max_links: a text with more links is held for review; ``None``
            for no limit, else 0 to 50.
        :param hold_first_posts: how many first posts of each member are held
            for review (0 to 100); moderators and operators are exempt.
        :param hide_threshold: the summed flag weight that hides content
            automatically, 0.5 to 100 with at most two decimals (a ``Decimal``,
            an ``int`` or a string such as ``"2.5"``; floats are refused).
        :return: the policy as stored.
        :raises InvalidContentPolicy: a value is out of range.
        :raises NotFound: no such community or member.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises RoleRequired: the actor is not an operator of the community.
        """
        draft = ContentPolicy(
            community_id=community_id,
            banned_words=banned_words,
            banned_word_action=banned_word_action,
            max_links=max_links,
            hold_first_posts=hold_first_posts,
            hide_threshold=hide_threshold,
        )
        with self._transaction() as tx:
            tx.community(community_id)
            tx.require_role(community_id, actor, Role.OPERATOR)
            policy = attrs.evolve(draft, updated_by=actor, updated_at=tx.now)
            tx.uow.content_policies.put(policy)
        return policy

    def content_policy(self, actor: MemberId, community_id: CommunityId) -> ContentPolicy:
        """The community's content policy (the default if never set); moderators and operators.

        :raises NotFound: no such community or member.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises RoleRequired: the actor is neither a moderator nor an operator.
        """
        with self._transaction() as tx:
            tx.community(community_id)
            tx.require_role(community_id, actor, *MODERATORS)
            return policy_of(tx, community_id)

    # -- flags --------------------------------------------------------------

    def flag(
        self,
        actor: MemberId,
        reason: FlagReason | str,
        *,
        post_id: PostId | None = None,
        comment_id: CommentId | None = None,
        note: str | None = None,
    ) -> Flag:
        """Flag a post or a comment (name exactly one) for the moderators; once per member.

        The flag is open until a moderator decides.  When the summed weight
        of the content's open flags reaches the community's threshold, the
        content is hidden at once (status ``hidden``), the automatic hide is
        logged and the author told (``content_hidden``).  The author never
        learns who flagged.

        :param reason: ``"spam"``, ``"abuse"``, ``"personal_data"``,
            ``"off_topic"`` or ``"other"``.
        :param note: what the flagger adds, up to 500 characters; for the moderators only.
        :raises UnknownFlagReason: ``reason`` is not one of the reasons.
        :raises InvalidText: ``note`` is empty or too long.
        :raises InvalidInput: not exactly one of ``post_id`` and ``comment_id`` is given.
        :raises InvalidIdentifier: the id given is not an id.
        :raises NotFound: no such post or comment, or the actor may not see it.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises ContentDeleted: the target (or the post of a comment) was deleted.
        :raises ContentNotVisible: it awaits review or is hidden already.
        :raises OwnContent: the actor wrote it.
        :raises AlreadyFlagged: the actor flagged it before.
        """
        chosen = flag_reason(reason)
        clean_note = (
            None
            if note is None
            else clean_text("note", note, max_len=FLAG_NOTE_MAX, multiline=True)
        )
        target, target_id = target_of(post_id, comment_id)
        with self._transaction() as tx:
            found = _find(tx, target, target_id)
            role = tx.membership(found.community.id, actor).role
            post = found.post
            require_open(post.status, post.author_id, actor, role, post.id, "post")
            content = found.content
            if content is not post:
                require_open(content.status, content.author_id, actor, role, content.id, "comment")
            if content.author_id == actor:
                raise OwnContent(target_id, entity=target.value)
            if tx.uow.flags.get(target, target_id, actor) is not None:
                raise AlreadyFlagged(target_id, entity=target.value)
            flag = Flag(
                target=target,
                target_id=target_id,
                flagger_id=actor,
                community_id=found.community.id,
                reason=chosen,
                flagged_at=tx.now,
                note=clean_note,
            )
            tx.uow.flags.add(flag)
            self._hide_if_heavy(tx, found)
        return flag

    def _hide_if_heavy(self, tx: Tx, found: _Found) -> None:
        """Hide visible content whose open flags weigh at least the community's threshold."""
        open_flags = tx.uow.flags.open_for_target(found.kind, found.content.id)
        records = tx.uow.flags.records(found.community.id, [f.flagger_id for f in open_flags])
        weight = flag_weight(records[f.flagger_id] for f in open_flags)
        threshold = policy_of(tx, found.community.id).hide_threshold
        if found.content.status is not ContentStatus.VISIBLE or not reaches(weight, threshold):
            return
        _set_status(tx, found, ContentStatus.HIDDEN)
        reason = f"flag weight {float(weight):.2f} reached threshold {threshold}"
        log_action(
            tx,
            found.community.id,
            found.kind,
            found.content.id,
            ModerationAction.AUTO_HIDE,
            None,
            reason,
        )
        _tell(tx, found, MessageKind.CONTENT_HIDDEN)

    # -- decisions ----------------------------------------------------------

    def approve(
        self,
        actor: MemberId,
        reason: str,
        *,
        post_id: PostId | None = None,
        comment_id: CommentId | None = None,
    ) -> ModerationLogEntry:
        """Approve a held post or comment (name exactly one): every member sees it now.

        The author is told (``content_approved``).  A post or comment held
        when it was first published is announced to plugins now
        (``proforum_post_published``, ``proforum_comment_published``).

        :param reason: why, for the log (1 to 500 characters).
        :return: the log entry of the decision.
        :raises InvalidText: ``reason`` is empty or too long.
        :raises NotAwaitingReview: the content is not held.
        :raises RoleRequired: the actor is neither a moderator nor an operator.
        :raises OwnContent: the actor wrote it.
        (and the lookup errors of :meth:`flag`).
        """
        return self._decide(actor, reason, post_id, comment_id, ModerationAction.APPROVE)

    def remove(
        self,
        actor: MemberId,
        reason: str,
        *,
        post_id: PostId | None = None,
        comment_id: CommentId | None = None,
    ) -> ModerationLogEntry:
        """Remove a held post or comment (name exactly one): it stays hidden.

        Its author still sees it, and is told why (``content_removed``).

        :param reason: why, for the log and the author (1 to 500 characters).
        :return: the log entry of the decision.
        :raises InvalidText: ``reason`` is empty or too long.
        :raises NotAwaitingReview: the content is not held.
        :raises RoleRequired: the actor is neither a moderator nor an operator.
        :raises OwnContent: the actor wrote it.
        """
        return self._decide(actor, reason, post_id, comment_id, ModerationAction.REMOVE)

    def uphold_flags(
        self,
        actor: MemberId,
        reason: str,
        *,
        post_id: PostId | None = None,
        comment_id: CommentId | None = None,
    ) -> ModerationLogEntry:
        """Uphold the open flags on a post or comment (name exactly one): it is hidden.

        Each flag counts as upheld in its flagger's record.  The author is
        told why (``content_removed``).

        :param reason: why, for the log and the author (1 to 500 characters).
        :return: the log entry of the decision.
        :raises InvalidText: ``reason`` is empty or too long.
        :raises NoOpenFlags: the content has no open flags.
        :raises RoleRequired: the actor is neither a moderator nor an operator.
        :raises OwnContent: the actor wrote it.
        """
        return self._decide(actor, reason, post_id, comment_id, ModerationAction.UPHOLD)

    def dismiss_flags(
        self,
        actor: MemberId,
        reason: str,
        *,
        post_id: PostId | None = None,
        comment_id: CommentId | None = None,
    ) -> ModerationLogEntry:
        """Dismiss the open flags on a post or comment (name exactly one).

        Each flag counts as dismissed in its flagger's record.  Content the
        flags hid is shown again and its author told (``content_restored``);
        content held by the content checks stays held.

        :param reason: why, for the log (1 to 500 characters).
        :return: the log entry of the decision.
        :raises InvalidText: ``reason`` is empty or too long.
        :raises NoOpenFlags: the content has no open flags.
        :raises RoleRequired: the actor is neither a moderator nor an operator.
        :raises OwnContent: the actor wrote it.
        """
        return self._decide(actor, reason, post_id, comment_id, ModerationAction.DISMISS)

    def _decide(
        self,
        actor: MemberId,
        reason: str,
        post_id: PostId | None,
        comment_id: CommentId | None,
        action: ModerationAction,
    ) -> ModerationLogEntry:
        why = clean_text("reason", reason, max_len=DECISION_REASON_MAX, multiline=True)
        target, target_id = target_of(post_id, comment_id)
        with self._transaction() as tx:
            # Locked: a decision and an edit (or two decisions) take turns.
            found = _find(tx, target, target_id, for_update=True)
            tx.require_role(found.community.id, actor, *MODERATORS)
            content = found.content
            if content.author_id == actor:
                raise OwnContent(target_id, entity=target.value)
            if content.status is ContentStatus.DELETED:
                raise ContentDeleted(target_id, entity=target.value)
            if action in (ModerationAction.APPROVE, ModerationAction.REMOVE):
                if content.status is not ContentStatus.HELD:
                    raise NotAwaitingReview(target_id, entity=target.value)
            elif not tx.uow.flags.open_for_target(target, target_id):
                raise NoOpenFlags(target_id, entity=target.value)
            # Read before this decision is logged: it is not an earlier approval.
            first_showing = self._held_at_publication(tx, found)
            entry = log_action(tx, found.community.id, target, target_id, action, actor, why)
            if action is ModerationAction.APPROVE:
                _set_status(tx, found, ContentStatus.VISIBLE)
                _tell(tx, found, MessageKind.CONTENT_APPROVED)
                if first_showing:
                    self._announce_late(tx, found)
            elif action is ModerationAction.REMOVE:
                _set_status(tx, found, ContentStatus.HIDDEN)
                _tell(tx, found, MessageKind.CONTENT_REMOVED, reason=why)
            elif action is ModerationAction.UPHOLD:
                tx.uow.flags.resolve(target, target_id, FlagResolution.UPHELD, tx.now)
                _set_status(tx, found, ContentStatus.HIDDEN)
                _tell(tx, found, MessageKind.CONTENT_REMOVED, reason=why)
            else:
                tx.uow.flags.resolve(target, target_id, FlagResolution.DISMISSED, tx.now)
                if content.status is ContentStatus.HIDDEN:
                    _set_status(tx, found, ContentStatus.VISIBLE)
                    _tell(tx, found, MessageKind.CONTENT_RESTORED)
        return entry

    @staticmethod
    def _held_at_publication(tx: Tx, found: _Found) -> bool:
        """Tell whether the content was held when first published and never shown since."""
        content = found.content
        mine = [
            e
            for e in tx.uow.moderation_log.for_community(found.community.id)
            if e.target is found.kind and e.target_id == content.id
        ]
        holds = [e for e in mine if e.action is ModerationAction.HOLD]
        shown = any(e.action is ModerationAction.APPROVE for e in mine)
        return bool(holds) and holds[0].at == content.published_at and not shown

    @staticmethod
    def _announce_late(tx: Tx, found: _Found) -> None:
        """Announce approved content to plugins as published, now that members see it."""
        content = found.content
        if isinstance(content, Post):
            shown_post = attrs.evolve(content, status=ContentStatus.VISIBLE)
            tx.events.append(PostPublished(shown_post, found.community))
        else:
            shown = attrs.evolve(content, status=ContentStatus.VISIBLE)
            tx.events.append(CommentPublished(shown, found.post))

    # -- the queue and the log ------------------------------------------------

    def moderation_queue(self, actor: MemberId, community_id: CommunityId) -> list[QueueEntry]:
        """What waits for a moderator in the community, oldest first; moderators and operators.

        Held posts and comments, and posts and comments with open flags
        (visible, or hidden by their flags' weight), each once, with the
        rules that held it, how many open flags it has, their summed weight
        and how many give each reason.  Deleted content is left out.

        :raises NotFound: no such community or member.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises RoleRequired: the actor is neither a moderator nor an operator.
        """
        with self._transaction() as tx:
            tx.community(community_id)
            tx.require_role(community_id, actor, *MODERATORS)
            held: dict[tuple[ContentKind, str], Content] = {}
            for post in tx.uow.posts.in_review(community_id):
                held[(ContentKind.POST, post.id)] = post
            for comment in tx.uow.comments.in_review(community_id):
                held[(ContentKind.COMMENT, comment.id)] = comment
            flags: dict[tuple[ContentKind, str], list[Flag]] = {}
            for flag in tx.uow.flags.open_in_community(community_id):
                flags.setdefault((flag.target, flag.target_id), []).append(flag)
            records = tx.uow.flags.records(
                community_id, {f.flagger_id for fs in flags.values() for f in fs}
            )
            held_since: dict[tuple[ContentKind, str], datetime] = {}
            held_for: dict[tuple[ContentKind, str], tuple[str, ...]] = {}
            for entry in tx.uow.moderation_log.for_community(community_id):
                if entry.action is ModerationAction.HOLD:
                    # The latest hold is the one the content waits under.
                    key = (entry.target, entry.target_id)
                    held_since[key] = entry.at
                    held_for[key] = tuple(r.strip() for r in entry.reason.split(","))
            found: dict[tuple[ContentKind, str], Content] = dict(held)
            for kind, target_id in flags.keys() - held.keys():
                content: Content | None
                if kind is ContentKind.POST:
                    content = tx.uow.posts.get(PostId(target_id))
                else:
                    content = tx.uow.comments.get(CommentId(target_id))
                if content is not None and content.status is not ContentStatus.DELETED:
                    found[(kind, target_id)] = content
        queue = [
            _queue_entry(key, content, flags.get(key, []), records, held_since, held_for)
            for key, content in found.items()
        ]
        queue.sort(key=lambda e: (e.since, e.target.value, e.target_id))
        return queue

    def moderation_log(
        self, actor: MemberId, community_id: CommunityId
    ) -> Sequence[ModerationLogEntry]:
        """Every moderation action in the community, oldest first; moderators and operators.

        :raises NotFound: no such community or member.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises RoleRequired: the actor is neither a moderator nor an operator.
        """
        with self._transaction() as tx:
            tx.community(community_id)
            tx.require_role(community_id, actor, *MODERATORS)
            return tx.uow.moderation_log.for_community(community_id)


def _queue_entry(
    key: tuple[ContentKind, str],
    content: Content,
    open_flags: Sequence[Flag],
    records: Mapping[MemberId, FlaggerRecord],
    held_since: Mapping[tuple[ContentKind, str], datetime],
    held_for: Mapping[tuple[ContentKind, str], tuple[str, ...]],
) -> QueueEntry:
    """One queue entry: since the hold or the oldest open flag, whichever came first."""
    starts = [f.flagged_at for f in open_flags]
    is_held = content.status is ContentStatus.HELD
    if is_held:
        starts.append(held_since.get(key, content.published_at))
    reasons: dict[FlagReason, int] = {}
    for flag in open_flags:
        reasons[flag.reason] = reasons.get(flag.reason, 0) + 1
    if isinstance(content, Post):
        post_id, title = content.id, content.title
    else:
        post_id, title = content.post_id, None
    return QueueEntry(
        target=key[0],
        target_id=key[1],
        post_id=post_id,
        author_id=content.author_id,
        status=content.status,
        title=title,
        body=content.body,
        since=min(starts),
        held_for=held_for.get(key, ()) if is_held else (),
        flag_count=len(open_flags),
        flag_weight=flag_weight(records.get(f.flagger_id, FlaggerRecord()) for f in open_flags),
        flag_reasons=reasons,
    )
