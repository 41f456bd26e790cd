"""Domain events: facts recorded by use cases and announced to plugins after commit."""

from __future__ import annotations

import attrs

from proforum.domain.community import Community
from proforum.domain.content import Comment, Post
from proforum.domain.identity import Member
from proforum.domain.lottery import Draw
from proforum.domain.meetup import Application, Meetup
from proforum.domain.survey import Survey, SurveyResult


@attrs.frozen
class MemberRegistered:
    """A new member joined the forum."""

    member: Member


@attrs.frozen
class MemberErased:
    """A member's personal data was erased; ``member`` is the pseudonymous record left."""

    member: Member


@attrs.frozen
class PostPublished:
    """A post passed the content checks and was published."""

    post: Post
    community: Community


@attrs.frozen
class CommentPublished:
    """A comment passed the content checks and was published."""

    comment: Comment
    post: Post


@attrs.frozen
class ApplicationMade:
    """A member applied to a meetup."""

    application: Application
    meetup: Meetup


@attrs.frozen
class DrawDone:
    """The lottery of a meetup was drawn."""

    meetup: Meetup
    draw: Draw


@attrs.frozen
class MeetupEnded:
    """A meetup ended; attendance and no-shows are final."""

    meetup: Meetup
    attended: int
    no_shows: int


@attrs.frozen
class SurveyClosed:
    """A survey stopped accepting answers; its result is final."""

    survey: Survey
    result: SurveyResult


DomainEvent = (
    MemberRegistered
    | MemberErased
    | PostPublished
    | CommentPublished
    | ApplicationMade
    | DrawDone
    | MeetupEnded
    | SurveyClosed
)
