"""Use cases about posts and comments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from proforum.domain.common import (
    CommentId,
    CommunityId,
    MemberId,
    PostId,
    clean_text,
    require_aware,
)
from proforum.domain.community import Community
from proforum.domain.content import (
    BODY_MAX,
    COMMENT_MAX,
    TITLE_MAX,
    AuthorCard,
    Comment,
    FeedEntry,
    FeedPage,
    Post,
)
from proforum.domain.employer import EmployerVerification
from proforum.domain.events import CommentPublished, PostPublished
from proforum.domain.identity import Member
from proforum.errors import ContentRejected, InvalidInput, NotFound
from proforum.services.admission import check_requirements
from proforum.services.base import ForumBase

FEED_PAGE_MAX = 100


class PostUseCases(ForumBase):
    """Publishing posts and comments under the community's content policy."""

    def _check_content(
        self, community: Community, author: Member, title: str | None, body: str
    ) -> None:
        results = self._pm.hook.proforum_check_post(
            community=community, author=author, title=title, body=body
        )
        violations = [v for result in results for v in (result or ())]
        if violations:
            raise ContentRejected(
                [v.rule for v in violations],
                reasons_ko="; ".join(v.message_ko for v in violations),
                reasons_en="; ".join(v.message_en for v in violations),
            )

    def publish_post(
        self, actor: MemberId, community_id: CommunityId, *, title: str, body: str
    ) -> Post:
        """Publish a post in a community, signed with the actor's name or nickname.

        :raises NotACommunityMember: the actor is not a member of the community.
        :raises InvalidText: the title or body is empty or too long.
        :raises RealNameRequired: the community asks for a real name to post.
        :raises VerifiedEmployerRequired: the community asks for a verified employer to post.
        :raises ContentRejected: a content-policy plugin refused it.
        """
        clean_title = clean_text("title", title, max_len=TITLE_MAX)
        clean_body = clean_text("body", body, max_len=BODY_MAX, multiline=True)
        with self._transaction() as tx:
            community = tx.community(community_id)
            tx.membership(community_id, actor)
            author = tx.member(actor)
            check_requirements(tx, community, author, "post")
            self._check_content(community, author, clean_title, clean_body)
            post = Post(
                id=PostId(tx.ids.new("pst")),
                community_id=community_id,
                author_id=actor,
                title=clean_title,
                body=clean_body,
                published_at=tx.now,
            )
            tx.uow.posts.add(post)
            tx.events.append(PostPublished(post, community))
        return post

    def comment(self, actor: MemberId, post_id: PostId, body: str) -> Comment:
        """Reply to a post; members of the post's community only.

        :raises NotFound: no such post.
        :raises NotACommunityMember: the actor is not a member of the community.
        :raises RealNameRequired: the community asks for a real name to post.
        :raises VerifiedEmployerRequired: the community asks for a verified employer to post.
        :raises ContentRejected: a content-policy plugin refused it.
        """
        clean_body = clean_text("body", body, max_len=COMMENT_MAX, multiline=True)
        with self._transaction() as tx:
            post = tx.uow.posts.get(post_id)
            if post is None:
                raise NotFound(post_id, entity="post")
            community = tx.community(post.community_id)
            tx.membership(post.community_id, actor)
            author = tx.member(actor)
            check_requirements(tx, community, author, "post")
            self._check_content(community, author, None, clean_body)
            comment = Comment(
                id=CommentId(tx.ids.new("cmt")),
                post_id=post_id,
                author_id=actor,
                body=clean_body,
                published_at=tx.now,
            )
            tx.uow.comments.add(comment)
            tx.events.append(CommentPublished(comment, post))
        return comment

    def feed(
        self,
        actor: MemberId,
        community_id: CommunityId,
        *,
        limit: int = 20,
        before: tuple[datetime, PostId] | None = None,
    ) -> FeedPage:
        """Return a page of a community's posts, newest first, with authors and comment counts.

        Each author is shown with their verified employer when they have one
        (``entry.author.company_verified``), else with the company they
        stated.  Pass the page's ``next_before`` as ``before`` to get the next
        page (keyset pagination: a deep page costs the same as the first).  A
        page takes the same small number of queries whatever its size.

        :raises NotACommunityMember: the actor is not a member of the community.
        :raises InvalidInput: ``limit`` is not 1 to 100, or ``before`` is not a
            ``(datetime, post id)`` pair.
        :raises InvalidSchedule: the datetime in ``before`` is naive.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= FEED_PAGE_MAX:
            raise InvalidInput(limit)
        if before is not None:
            if not (isinstance(before, tuple) and len(before) == 2 and isinstance(before[1], str)):
                raise InvalidInput(before)
            before = (require_aware("before", before[0]), before[1])
        with self._transaction() as tx:
            tx.community(community_id)
            tx.membership(community_id, actor)
            # One more than asked tells whether another page follows.
            posts = list(tx.uow.posts.feed(community_id, limit=limit + 1, before=before))
            more = len(posts) > limit
            posts = posts[:limit]
            author_ids = {p.author_id for p in posts}
            authors = tx.uow.members.get_many(author_ids)
            verified = tx.uow.verifications.get_many(author_ids)
            counts = tx.uow.comments.count_for_posts([p.id for p in posts])
        entries = tuple(
            FeedEntry(
                post,
                _author_card(
                    post.author_id, authors.get(post.author_id), verified.get(post.author_id)
                ),
                counts[post.id],
            )
            for post in posts
        )
        last = posts[-1] if more else None
        return FeedPage(entries, (last.published_at, last.id) if last is not None else None)

    def comments(self, actor: MemberId, post_id: PostId) -> Sequence[Comment]:
        """Return the comments of a post, oldest first; members of its community only."""
        with self._transaction() as tx:
            post = tx.uow.posts.get(post_id)
            if post is None:
                raise NotFound(post_id, entity="post")
            tx.membership(post.community_id, actor)
            return tx.uow.comments.for_post(post_id)


def _author_card(
    member_id: MemberId, member: Member | None, verification: EmployerVerification | None
) -> AuthorCard:
    """How ``member`` is shown next to a post: the verified company when there is one.

    Without a verification the card shows the company the member stated,
    with ``company_verified=False``.
    """
    if member is None:  # an author whose account no longer exists
        return AuthorCard(member_id, "탈퇴한 회원", "former", "-")
    return AuthorCard(
        member_id=member.id,
        display_name=member.display_name,
        identity_kind=member.identity.kind,
        job_function=member.job_function,
        company=member.company if verification is None else verification.company,
        years_of_experience=member.years_of_experience,
        company_verified=verification is not None,
        verification_method=None if verification is None else verification.method,
    )
