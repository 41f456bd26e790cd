"""Communities by job function (직무), their members and roles."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from proforum.domain.admission import CommunityRequirements, JoinPolicy
from proforum.domain.common import CommunityId, MemberId, check_id, check_slug, utc_validator


@attrs.frozen
class JobFunction:
    """A job function members gather around, with its names in Korean and English."""

    code: str = attrs.field(validator=lambda _i, _a, v: check_slug(v))
    name_ko: str
    name_en: str


#: The built-in job functions; applications may add their own codes.
JOB_FUNCTIONS: tuple[JobFunction, ...] = (
    JobFunction("marketing-pr", "마케팅/PR", "Marketing/PR"),
    JobFunction("development", "개발", "Software development"),
    JobFunction("design", "디자인", "Design"),
    JobFunction("sales", "영업", "Sales"),
    JobFunction("hr", "인사", "Human resources"),
    JobFunction("finance", "재무", "Finance"),
    JobFunction("planning", "기획", "Product planning"),
)


class Role(enum.StrEnum):
    """What a member may do in a community, from least to most trusted."""

    MEMBER = "member"
    HOST = "host"
    MODERATOR = "moderator"
    OPERATOR = "operator"

    @property
    def label_ko(self) -> str:
        """The role's Korean name."""
        return _ROLE_KO[self]


_ROLE_KO = {
    Role.MEMBER: "회원",
    Role.HOST: "사회자",
    Role.MODERATOR: "관리자",
    Role.OPERATOR: "운영자",
}

#: Roles that may organise meetups (create them, run the draw, take attendance).
ORGANISER_ROLES = frozenset({Role.HOST, Role.OPERATOR})


#: Roles that decide on requests to join a community that joins by approval.
GATEKEEPER_ROLES = frozenset({Role.MODERATOR, Role.OPERATOR})


@attrs.frozen
class Community:
    """A community for one job function, such as 마케팅/PR.

    ``join_policy`` says whether joining is immediate or asks a moderator;
    ``requirements`` what members need to post and to apply to meetups.
    """

    id: CommunityId = attrs.field(validator=lambda _i, _a, v: check_id("community_id", v))
    slug: str = attrs.field(validator=lambda _i, _a, v: check_slug(v))
    name: str
    job_function: str = attrs.field(validator=lambda _i, _a, v: check_slug(v))
    created_at: datetime = attrs.field(validator=utc_validator)
    rules: str = ""
    time_zone: str = "Asia/Seoul"
    join_policy: JoinPolicy = attrs.field(default=JoinPolicy.OPEN, converter=JoinPolicy)
    requirements: CommunityRequirements = attrs.field(
        factory=CommunityRequirements,
        validator=attrs.validators.instance_of(CommunityRequirements),
    )


@attrs.frozen
class Membership:
    """That a member belongs to a community, and with which role."""

    community_id: CommunityId
    member_id: MemberId
    role: Role = attrs.field(converter=Role)
    joined_at: datetime = attrs.field(validator=utc_validator)

    def may_organise(self) -> bool:
        """Tell whether this member may organise meetups in the community."""
        return self.role in ORGANISER_ROLES
