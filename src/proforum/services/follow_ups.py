"""After a meetup: asking to continue offline, and swapping contacts by mutual consent."""

from __future__ import annotations

from collections.abc import Sequence

from proforum.domain.common import MeetupId, MemberId
from proforum.domain.follow_up import ContactConsent, FollowUpInterest, SharedContact
from proforum.domain.meetup import ApplicationState, Meetup, MeetupState
from proforum.errors import IllegalTransition, InvalidInput, NotAnAttendee
from proforum.services.base import ForumBase, Tx
from proforum.services.retry import retry_transient


class FollowUpUseCases(ForumBase):
    """Wishes to meet again offline, and contact details shared only both ways."""

    @staticmethod
    def _attended(tx: Tx, meetup_id: MeetupId, member_id: MemberId) -> Meetup:
        """The ended meetup, if ``member_id`` attended it; else raise."""
        meetup = tx.meetup(meetup_id)
        tx.membership(meetup.community_id, member_id)
        if meetup.state is not MeetupState.ENDED:
            raise IllegalTransition(
                meetup_id, entity="meetup", source=meetup.state.value, target="follow_up"
            )
        application = tx.uow.applications.get(meetup_id, member_id)
        if application is None or application.state is not ApplicationState.ATTENDED:
            raise NotAnAttendee(meetup_id)
        return meetup

    @retry_transient
    def want_follow_up(self, actor: MemberId, meetup_id: MeetupId) -> FollowUpInterest:
        """Say that the actor would like to continue offline; attendees only.

        A follow-up proposed from this meetup (:meth:`propose_follow_up`) is
        offered first to those who asked, in the order they asked.  Asking
        again changes nothing and returns the first answer.

        :raises NotAnAttendee: the actor did not attend the meetup.
        :raises IllegalTransition: the meetup has not ended.
        """
        with self._transaction() as tx:
            self._attended(tx, meetup_id, actor)
            interest = FollowUpInterest(meetup_id=meetup_id, member_id=actor, noted_at=tx.now)
            for earlier in tx.uow.interests.for_meetup(meetup_id):
                if earlier.member_id == actor:
                    return earlier
            tx.uow.interests.add(interest)
        return interest

    def follow_up_interest(self, actor: MemberId, meetup_id: MeetupId) -> Sequence[MemberId]:
        """Who asked to continue offline, in the order they asked; host and operators only."""
        with self._transaction() as tx:
            meetup = tx.meetup(meetup_id)
            tx.require_organiser(meetup, actor)
            return [i.member_id for i in tx.uow.interests.for_meetup(meetup_id)]

    @retry_transient
    def share_contact(
        self, actor: MemberId, meetup_id: MeetupId, with_member_id: MemberId
    ) -> ContactConsent:
        """Agree that ``with_member_id`` may see the actor's contact details.

        Nothing is shown until ``with_member_id`` agrees too; until then the
        other person cannot tell that the actor agreed.  Both must have
        attended the meetup.  Agreeing twice changes nothing.

        :raises NotAnAttendee: the actor or the other member did not attend.
        :raises InvalidInput: the actor named themselves.
        """
        with self._transaction() as tx:
            self._attended(tx, meetup_id, actor)
            if with_member_id == actor:
                raise InvalidInput(with_member_id)
            self._attended(tx, meetup_id, with_member_id)
            for earlier in tx.uow.consents.for_meetup(meetup_id):
                # Looked up first: a failed insert would end a PostgreSQL transaction.
                if earlier.member_id == actor and earlier.with_member_id == with_member_id:
                    return earlier
            consent = ContactConsent(
                meetup_id=meetup_id, member_id=actor, with_member_id=with_member_id, given_at=tx.now
            )
            tx.uow.consents.add(consent)
        return consent

    def shared_contacts(self, actor: MemberId, meetup_id: MeetupId) -> Sequence[SharedContact]:
        """The contact details of every attendee who and the actor agreed both ways.

        :raises NotAnAttendee: the actor did not attend the meetup.
        """
        with self._transaction() as tx:
            self._attended(tx, meetup_id, actor)
            consents = tx.uow.consents.for_meetup(meetup_id)
            given = {c.with_member_id for c in consents if c.member_id == actor}
            mutual = sorted(
                c.member_id for c in consents if c.with_member_id == actor and c.member_id in given
            )
            members = tx.uow.members.get_many(mutual)
            return [
                SharedContact(
                    member_id=m,
                    display_name=members[m].display_name,
                    company=members[m].company,
                    email=members[m].email,
                )
                for m in mutual
                if m in members
            ]
