"""Factories that put members, communities and meetups into a forum, with sensible defaults.

Each factory is bound to one forum and goes through its public use cases, so
what it builds is exactly what an application would have built.  The pytest
fixtures ``proforum_make_member``, ``proforum_make_community`` and
``proforum_make_meetup`` are instances of these classes; they work just as well
without pytest::

    forum = proforum.open("memory://", clock=ManualClock(START))
    make_meetup = MeetupFactory(forum)
    meetup = make_meetup(applicants=3)  # open for applications, three applied

This module does not need pytest or Hypothesis.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from proforum.domain.common import CommunityId
from proforum.domain.community import Community, Role
from proforum.domain.identity import Locale, Member
from proforum.domain.meetup import Meetup, MeetupFormat
from proforum.services.forum import Forum

#: The fixed time the ``proforum_clock`` fixture starts at: 10:00 in Seoul.
START = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Seoul"))

#: The job function factories use unless told otherwise.
DEFAULT_JOB_FUNCTION = "marketing-pr"


@attrs.frozen
class MadeCommunity:
    """A community built by :class:`CommunityFactory`, with the people it was built with."""

    community: Community
    #: The member who created it: its operator.
    operator: Member
    #: A member with the ``host`` role, who may organise meetups.
    host: Member
    #: Further ordinary members, in the order they joined.
    members: tuple[Member, ...] = ()

    @property
    def id(self) -> CommunityId:
        """The community's id."""
        return self.community.id


class MemberFactory:
    """``make_member(**profile)``: register a member, optionally joining a community.

    Without an identity the member gets a fresh nickname (``테스트회원1``,
    ``테스트회원2``...); pass ``real_name=`` or ``nickname=`` to choose one.
    """

    def __init__(self, forum: Forum, *, nickname_prefix: str = "테스트회원") -> None:
        self.forum = forum
        self.nickname_prefix = nickname_prefix
        self._numbers = itertools.count(1)

    def __call__(
        self,
        *,
        real_name: str | None = None,
        nickname: str | None = None,
        job_function: str = DEFAULT_JOB_FUNCTION,
        company: str | None = None,
        years_of_experience: int | None = None,
        locale: Locale = "ko",
        time_zone: str = "Asia/Seoul",
        email: str | None = None,
        community: MadeCommunity | Community | None = None,
        role: Role = Role.MEMBER,
    ) -> Member:
        """Register the member; join ``community`` with ``role`` when one is given.

        A role other than ``member`` is assigned by the community's operator, so
        it needs a :class:`MadeCommunity`.  ``email`` is where e-mail notifiers
        write to; members have none unless given.
        """
        if real_name is None and nickname is None:
            nickname = f"{self.nickname_prefix}{next(self._numbers)}"
        member = self.forum.register_member(
            job_function=job_function,
            real_name=real_name,
            nickname=nickname,
            company=company,
            years_of_experience=years_of_experience,
            locale=locale,
            time_zone=time_zone,
            email=email,
        )
        if community is not None:
            self.forum.join_community(member.id, community.id)
            if role is not Role.MEMBER:
                if not isinstance(community, MadeCommunity):
                    raise TypeError(
                        "assigning a role needs a MadeCommunity (it knows the operator)"
                    )
                self.forum.assign_role(community.operator.id, community.id, member.id, role)
        elif role is not Role.MEMBER:
            raise TypeError("a role needs a community")
        return member


class CommunityFactory:
    """``make_community(...)``: a community with an operator, a host and ``members`` more."""

    def __init__(self, forum: Forum, members: MemberFactory | None = None) -> None:
        self.forum = forum
        self.make_member = members or MemberFactory(forum)
        self._numbers = itertools.count(1)

    def __call__(
        self,
        *,
        slug: str | None = None,
        name: str = "마케팅/PR",
        job_function: str = DEFAULT_JOB_FUNCTION,
        rules: str = "",
        time_zone: str = "Asia/Seoul",
        members: int = 0,
        operator: Member | None = None,
        host: Member | None = None,
    ) -> MadeCommunity:
        """Create the community; new members are made for any role not given.

        :param slug: defaults to ``community-1``, ``community-2``...
        :param members: how many ordinary members to add besides the operator and host.
        :param operator: who creates the community (and so becomes its operator).
        :param host: who gets the ``host`` role; joins the community first.
        """
        operator = operator or self.make_member(job_function=job_function)
        community = self.forum.create_community(
            operator.id,
            slug=slug or f"community-{next(self._numbers)}",
            name=name,
            job_function=job_function,
            rules=rules,
            time_zone=time_zone,
        )
        host = host or self.make_member(job_function=job_function)
        self.forum.join_community(host.id, community.id)
        self.forum.assign_role(operator.id, community.id, host.id, Role.HOST)
        made = MadeCommunity(community, operator, host)
        extra = tuple(
            self.make_member(job_function=job_function, community=made) for _ in range(members)
        )
        return attrs.evolve(made, members=extra)


class MeetupFactory:
    """``make_meetup(...)``: a meetup whose application window is open now.

    By default the meetup starts nine days after the forum's clock, applications
    are open from now until six days from now, it has 20 seats and is announced.
    """

    def __init__(self, forum: Forum, communities: CommunityFactory | None = None) -> None:
        self.forum = forum
        self.make_community = communities or CommunityFactory(forum)

    def __call__(
        self,
        community: MadeCommunity | None = None,
        *,
        title: str = "퍼포먼스 마케터끼리 만나요!",
        topic: str = "퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
        capacity: int = 20,
        starts_at: datetime | None = None,
        duration: timedelta = timedelta(hours=2),
        applications_open_at: datetime | None = None,
        applications_close_at: datetime | None = None,
        format: MeetupFormat | str = MeetupFormat.ONLINE,
        venue: str | None = None,
        announce: bool = True,
        applicants: int | Iterable[Member] = 0,
        **options: Any,
    ) -> Meetup:
        """Plan the meetup as the community's host and, unless told not to, announce it.

        :param community: where; a new :class:`MadeCommunity` by default.
        :param starts_at: defaults to 9 days after the clock's time.
        :param applications_open_at: defaults to the clock's time.
        :param applications_close_at: defaults to two thirds of the way from the
            opening to the start.
        :param announce: open applications (state ``open``); ``False`` leaves a draft.
        :param applicants: members who apply right away, or how many new members
            of the community to make for that.  Needs ``announce``.
        :param options: further keyword arguments for ``Forum.create_meetup``
            (``time_zone``, ``host_id``).
        :return: the meetup as it is after the announcement.
        """
        community = community or self.make_community()
        now = self.forum.clock.now()
        starts = starts_at or now + timedelta(days=9)
        opens = applications_open_at or now
        closes = applications_close_at or opens + (starts - opens) * 2 / 3
        meetup = self.forum.create_meetup(
            community.host.id,
            community.id,
            title=title,
            topic=topic,
            starts_at=starts,
            ends_at=starts + duration,
            capacity=capacity,
            applications_open_at=opens,
            applications_close_at=closes,
            format=format,
            venue=venue,
            **options,
        )
        if announce:
            meetup = self.forum.announce_meetup(community.host.id, meetup.id)
        people: Iterable[Member]
        if isinstance(applicants, int):
            make_member = self.make_community.make_member
            people = [make_member(community=community) for _ in range(applicants)]
        else:
            people = applicants
        for member in people:
            self.forum.apply(member.id, meetup.id)
        return meetup
