"""Reading exports written by earlier versions of proforum.

An export document says its ``version``; :func:`upgrade` rewrites an older
one into the current shape, step by step, the way the database migrations
rewrite the tables:

* Version 1 (proforum before multi-question surveys) stored one rating
  question per survey and one rating per response.  As migration ``0003``
  does, the question becomes the required 1-to-scale rating question
  ``"q1"``, each rating the answer to it, the audience the meetup's attendees.
* Version 2 (before notification preferences) had no
  ``notification_preferences`` table, no member ``email`` and no message
  ``subject``.  As migration ``0005`` does, the table starts empty (every
  kind of message on) and members and messages get ``None``.
* Version 3 (before lottery constraints, offers and follow-ups) listed a
  commitment's and a draw's ``applicants`` as member ids, and had no seat
  rules, offers, attendance seconds or follow-up tables.  As migration
  ``0006`` does, each applicant becomes an entrant of weight 1, meetups get
  the default seat rules and no constraints, and the new tables start empty.
* Version 4 (before personal video links) had no ``video_registrations``
  table; as migration ``0007`` does, it starts empty.
* Version 5 (before nickname changes by operators, verified employers,
  joining by approval, threads, reactions and edit history) had no
  ``nickname_history``, ``employer_verifications``, ``employer_challenges``,
  ``join_requests``, ``reactions`` or ``revisions`` table; communities had no
  ``join_policy`` or ``requirements``; posts and comments were flat and
  always visible.  As migrations ``0008`` to ``0010`` do, the tables start
  empty, every community is open and requires nothing, every post and
  comment becomes visible and never edited, every comment top-level, and
  each post's score is 2 per comment it has (:data:`V5_SCORE_PER_COMMENT`).
  Nickname keys are not part of a document: the import derives them with
  today's look-alike rule; so do
  ``content_policies``, ``flags`` and ``moderation_log`` (version 6 is not
  released yet, and gained them while it was being written, as migration
  ``0012`` does).
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Mapping
from typing import Any, Final

#: The version :func:`proforum.serialization.export_storage` writes.
CURRENT: Final = 6
#: The versions :func:`upgrade` reads.
READABLE: Final = frozenset({1, 2, 3, 4, 5, 6})
#: Tables each version added: a document of an earlier version has none of them.
TABLES_ADDED: Final[Mapping[int, frozenset[str]]] = {
    3: frozenset({"notification_preferences"}),
    4: frozenset({"follow_up_interests", "contact_consents"}),
    5: frozenset({"video_registrations"}),
    6: frozenset(
        {
            "nickname_history",
            "employer_verifications",
            "employer_challenges",
            "join_requests",
            "reactions",
            "revisions",
            "content_policies",
            "flags",
            "moderation_log",
        }
    ),
}
#: Seat rules a version-3 meetup gets, as migration 0006 gives them.
V3_SEAT_RULES: Final = {"offer_ttl": 86_400, "confirm_by": None, "min_attended_minutes": 10}
#: What a community written before version 6 requires: nothing, as migration 0009 gives.
V5_REQUIREMENTS: Final = {
    "real_name_to_post": False,
    "verified_employer_to_post": False,
    "real_name_to_apply": False,
    "verified_employer_to_apply": False,
}
#: The question id a version-1 survey's single question gets.
V1_QUESTION_ID: Final = "q1"
#: Free-text threshold a version-1 survey gets (it had no free text).
V1_MIN_TEXT_RESPONSES: Final = 10
#: What each comment adds to a version-5 post's score, as migration 0008
#: gives it (:data:`proforum.domain.content.SCORE_PER_COMMENT`).
V5_SCORE_PER_COMMENT: Final = 2


def tables_of(version: int, current: Collection[str]) -> frozenset[str]:
    """The tables a document of ``version`` has, given the ``current`` version's tables."""
    later = (names for added, names in TABLES_ADDED.items() if added > version)
    return frozenset(current).difference(*later)


def upgrade(version: int, tables: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of ``tables`` in the current shape.

    Rows that are not shaped as the old version wrote them are left as they
    are, for the import to refuse with a precise reason.
    """
    upgraded = copy.deepcopy(dict(tables))
    if version == 1:
        _surveys_v1(upgraded)
    if version <= 2:
        _preferences_v2(upgraded)
    if version <= 3:
        _lottery_v3(upgraded)
    if version <= 4:
        upgraded.setdefault("video_registrations", [])
    if version <= 5:
        upgraded.setdefault("nickname_history", [])
        _admission_v5(upgraded)
        _threads_v5(upgraded)
    return upgraded


def _admission_v5(tables: dict[str, Any]) -> None:
    for name in TABLES_ADDED[6]:
        tables.setdefault(name, [])
    for community in _dict_rows(tables, "communities"):
        community.setdefault("join_policy", "open")
        community.setdefault("requirements", dict(V5_REQUIREMENTS))


def _threads_v5(tables: dict[str, Any]) -> None:
    tables.setdefault("reactions", [])
    tables.setdefault("revisions", [])
    for name in ("content_policies", "flags", "moderation_log"):
        tables.setdefault(name, [])
    comments = _dict_rows(tables, "comments")
    per_post: dict[str, int] = {}
    for comment in comments:
        post_id = comment.get("post_id")
        if isinstance(post_id, str):  # anything else is refused on import anyway
            per_post[post_id] = per_post.get(post_id, 0) + 1
        comment.setdefault("parent_id", None)
        comment.setdefault("depth", 0)
        comment.setdefault("status", "visible")
        comment.setdefault("edited_at", None)
    for post in _dict_rows(tables, "posts"):
        post.setdefault("status", "visible")
        post.setdefault("edited_at", None)
        post_id = post.get("id")
        comments_of_post = per_post.get(post_id, 0) if isinstance(post_id, str) else 0
        post.setdefault("score", V5_SCORE_PER_COMMENT * comments_of_post)


def _dict_rows(tables: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    rows = tables.get(name)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _lottery_v3(tables: dict[str, Any]) -> None:
    tables.setdefault("follow_up_interests", [])
    tables.setdefault("contact_consents", [])
    for meetup in _dict_rows(tables, "meetups"):
        meetup.setdefault("lottery", None)
        meetup.setdefault("seat_rules", dict(V3_SEAT_RULES))
    for application in _dict_rows(tables, "applications"):
        application.setdefault("offer_expires_at", None)
        application.setdefault("attended_seconds", None)
    for name in ("commitments", "draws"):
        for row in _dict_rows(tables, name):
            if "applicants" in row and "entrants" not in row:
                # Bare ids: the entrant type reads them as weight 1, no company.
                row["entrants"] = row.pop("applicants")
            row.setdefault("constraints", None)
            row.setdefault("beacon", None)
            if name == "draws":
                row.setdefault("beacon_randomness", None)
                row.setdefault("shortfalls", [])


def _preferences_v2(tables: dict[str, Any]) -> None:
    tables.setdefault("notification_preferences", [])
    for name, field in (("members", "email"), ("messages", "subject")):
        rows = tables.get(name)
        if isinstance(rows, list):
            for row in rows:
                if isinstance(row, dict):
                    row.setdefault(field, None)


def _surveys_v1(tables: dict[str, Any]) -> None:
    meetups = tables.get("meetups")
    communities: dict[object, object] = {}
    if isinstance(meetups, list):
        communities = {
            m.get("id"): m.get("community_id") for m in meetups if isinstance(m, Mapping)
        }
    surveys = tables.get("surveys")
    if isinstance(surveys, list):
        tables["surveys"] = [_survey_v1(s, communities) for s in surveys]
    responses = tables.get("responses")
    if isinstance(responses, list):
        tables["responses"] = [_response_v1(r) for r in responses]


def _survey_v1(row: Any, communities: Mapping[object, object]) -> Any:
    if not isinstance(row, dict) or not isinstance(row.get("question"), Mapping):
        return row
    question = row.pop("question")
    minimum = row.get("min_responses")
    row["community_id"] = communities.get(row.get("meetup_id"))
    row["questions"] = [
        {
            "id": V1_QUESTION_ID,
            "kind": "rating",
            "text_ko": question.get("text_ko"),
            "text_en": question.get("text_en"),
            "required": True,
            "scale": question.get("scale"),
            "choices": [],
        }
    ]
    row["audience"] = "attendees"
    row["min_text_responses"] = (
        max(V1_MIN_TEXT_RESPONSES, minimum)
        if isinstance(minimum, int) and not isinstance(minimum, bool)
        else minimum
    )
    row["breakdown"] = None
    return row


def _response_v1(row: Any) -> Any:
    if not isinstance(row, dict) or "rating" not in row:
        return row
    rating = row.pop("rating")
    row["answers"] = [
        {"question_id": V1_QUESTION_ID, "value": rating, "choice": None, "text": None}
    ]
    row["band"] = None
    return row
