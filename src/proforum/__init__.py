"""proforum: professional communities as a library.

Members speak under a real name or a fixed nickname, gather in communities by
job function, publish posts, and run meetups with a verifiable lottery, meeting
links only selected people get, attendance, and anonymous surveys.

Start with :func:`open`::

    import proforum

    forum = proforum.open("memory://")
"""

from __future__ import annotations

from importlib import metadata as _metadata

from proforum import errors
from proforum.bootstrap import open
from proforum.domain.admission import (
    CommunityRequirements,
    JoinPolicy,
    JoinRequest,
    JoinRequestState,
)
from proforum.domain.common import Secret
from proforum.domain.community import JOB_FUNCTIONS, Community, Membership, Role
from proforum.domain.content import (
    AuthorCard,
    Comment,
    FeedEntry,
    FeedPage,
    PolicyViolation,
    Post,
    PostView,
)
from proforum.domain.content_status import ContentKind, ContentStatus
from proforum.domain.employer import (
    EmployerCheck,
    EmployerVerification,
    VerificationPolicy,
    VerificationSent,
)
from proforum.domain.follow_up import ContactConsent, FollowUpInterest, SharedContact
from proforum.domain.identity import Member, Nickname, RealName
from proforum.domain.lottery import (
    Beacon,
    Commitment,
    Constraints,
    Draw,
    Entrant,
    Quota,
    Verification,
)
from proforum.domain.lottery import verify_record as verify_draw
from proforum.domain.meetup import (
    Application,
    ApplicationState,
    MeetingRef,
    Meetup,
    MeetupFormat,
    MeetupState,
)
from proforum.domain.notification import DeliveryStatus, InboxItem, Message, RetryPolicy
from proforum.domain.participation import ParticipationRecord
from proforum.domain.preferences import MANDATORY_KINDS, NotificationPreference
from proforum.domain.reactions import Reaction, ReactionCounts, ReactionKind, ReactionSummary
from proforum.domain.revisions import Revision
from proforum.domain.search import SearchPage
from proforum.domain.seat_rules import SeatRules
from proforum.domain.survey import Survey
from proforum.domain.survey_questions import Choice, Question, QuestionKind
from proforum.domain.survey_result import SurveyResult
from proforum.domain.threads import ThreadEntry
from proforum.plugins import get_plugin_manager, hookimpl
from proforum.ports.clock import (
    ManualClock,
    RandomIds,
    ReplayableSeeds,
    SeededIds,
    SystemClock,
    SystemSeeds,
)
from proforum.ports.video import (
    AttendanceEntry,
    AttendanceEvent,
    MeetingRequest,
    Participant,
    Registration,
    WebhookResult,
)
from proforum.services.attendance import AttendanceImport, AttendanceReport
from proforum.services.base import DeliveryReport
from proforum.services.forum import Forum
from proforum.services.inbox import InboxEntry, InboxPage
from proforum.services.preferences import NotificationSettings
from proforum.services.seats import DeadlineReport
from proforum.weights import FirstTimersAndNoShows

try:
    # Written once, in pyproject.toml; read back from the installed distribution.
    __version__ = _metadata.version("proforum")
except _metadata.PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "JOB_FUNCTIONS",
    "MANDATORY_KINDS",
    "Application",
    "ApplicationState",
    "AttendanceEntry",
    "AttendanceEvent",
    "AttendanceImport",
    "AttendanceReport",
    "AuthorCard",
    "Beacon",
    "Choice",
    "Comment",
    "Commitment",
    "Community",
    "CommunityRequirements",
    "Constraints",
    "ContactConsent",
    "ContentKind",
    "ContentStatus",
    "DeadlineReport",
    "DeliveryReport",
    "DeliveryStatus",
    "Draw",
    "EmployerCheck",
    "EmployerVerification",
    "Entrant",
    "FeedEntry",
    "FeedPage",
    "FirstTimersAndNoShows",
    "FollowUpInterest",
    "Forum",
    "InboxEntry",
    "InboxItem",
    "InboxPage",
    "JoinPolicy",
    "JoinRequest",
    "JoinRequestState",
    "ManualClock",
    "MeetingRef",
    "MeetingRequest",
    "Meetup",
    "MeetupFormat",
    "MeetupState",
    "Member",
    "Membership",
    "Message",
    "Nickname",
    "NotificationPreference",
    "NotificationSettings",
    "Participant",
    "ParticipationRecord",
    "PolicyViolation",
    "Post",
    "PostView",
    "Question",
    "QuestionKind",
    "Quota",
    "RandomIds",
    "Reaction",
    "ReactionCounts",
    "ReactionKind",
    "ReactionSummary",
    "RealName",
    "Registration",
    "ReplayableSeeds",
    "RetryPolicy",
    "Revision",
    "Role",
    "SearchPage",
    "SeatRules",
    "Secret",
    "SeededIds",
    "SharedContact",
    "Survey",
    "SurveyResult",
    "SystemClock",
    "SystemSeeds",
    "ThreadEntry",
    "Verification",
    "VerificationPolicy",
    "VerificationSent",
    "WebhookResult",
    "__version__",
    "errors",
    "get_plugin_manager",
    "hookimpl",
    "open",
    "verify_draw",
]
