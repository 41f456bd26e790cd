"""Property tests for surveys (trust-practices §4, S1-S5).

Figures are exact and hidden below the threshold, with the reason; subgroups
never give away a group smaller than the threshold, alone or by subtraction;
stored anonymous responses hold no member id and are not kept in the order
they were given; nothing switches a survey's anonymity, and nothing changes
its thresholds once someone has answered.
"""

from __future__ import annotations

import inspect
import json
import math
import statistics as pystats
from collections import Counter
from datetime import timedelta
from fractions import Fraction

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import proforum
from forum_world import T0
from proforum import ManualClock, Role, SeededIds
from proforum.domain.common import CommunityId, MeetupId, ResponseId, SurveyId
from proforum.domain.identity import Member
from proforum.domain.meetup import Meetup
from proforum.domain.statistics import (
    mean_interval,
    median_of_counts,
    net_promoter_score,
    t_quantile,
)
from proforum.domain.survey import (
    DEFAULT_MIN_RESPONSES,
    LOWEST_MIN_RESPONSES,
    Answer,
    Breakdown,
    Choice,
    ExperienceBand,
    HiddenReason,
    Question,
    QuestionKind,
    Response,
    ResponseStatistics,
    Survey,
    SurveyResult,
)
from proforum.domain.survey_result import shown_groups
from proforum.errors import InvalidThreshold, ThresholdsFrozen
from proforum.testing import strategies

START = T0 + timedelta(days=10)
BANDS = list(ExperienceBand)


def make_survey(
    *,
    min_responses: int = DEFAULT_MIN_RESPONSES,
    scale: int = 5,
    questions: list[Question] | None = None,
    breakdown: Breakdown | None = None,
) -> Survey:
    return Survey.create(
        id=SurveyId("srv_1"),
        community_id=CommunityId("com_1"),
        meetup_id=MeetupId("mtp_1"),
        title="모임 후기",
        questions=questions
        or [Question.rating("q1", "만족하셨나요?", "Were you satisfied?", scale=scale)],
        opens_at=START,
        closes_at=START + timedelta(days=7),
        created_at=START,
        min_responses=min_responses,
        breakdown=breakdown,
    )


def result_of(
    survey: Survey, ratings: list[int], bands: list[ExperienceBand | None] | None = None
) -> SurveyResult:
    """The result of ``survey`` (one rating question) when ``ratings`` were given."""
    responses = [
        Response(
            ResponseId(f"rsp_{n:04d}"),
            survey.id,
            (Answer("q1", value=r),),
            None if bands is None else bands[n],
        )
        for n, r in enumerate(ratings)
    ]
    stats = ResponseStatistics.of(survey.id, responses)
    return SurveyResult.build(survey, stats, eligible=len(ratings) + 3)


@st.composite
def survey_and_ratings(draw: st.DrawFn) -> tuple[Survey, list[int]]:
    scale = draw(st.integers(2, 10), label="scale")
    threshold = draw(st.integers(LOWEST_MIN_RESPONSES, 12), label="min_responses")
    ratings = draw(st.lists(st.integers(1, scale), max_size=60), label="ratings")
    return make_survey(min_responses=threshold, scale=scale), ratings


# --------------------------------------------------------------------------- figures


@settings(max_examples=400, deadline=None)
@given(survey_and_ratings())
# 43/40 = 1.075 exactly; the float nearest to 1.075 lies below it, so rounding the
# float (instead of the exact fraction) would give 1.07.
@example((make_survey(min_responses=3), [1] * 37 + [2] * 3))
@example((make_survey(min_responses=3), [1] * 39 + [2]))  # 1.025 -> 1.02 (half to even)
def test_figures_are_exact_and_appear_only_at_the_threshold(
    case: tuple[Survey, list[int]],
) -> None:
    survey, ratings = case
    result = result_of(survey, ratings)
    assert result.responses == len(ratings)
    assert result.min_responses == survey.min_responses
    assert result.scale == survey.question.scale
    assert result.response_rate == round(len(ratings) / (len(ratings) + 3), 4)
    (question,) = result.questions
    if len(ratings) < survey.min_responses:
        assert result.mean is None
        assert result.distribution is None
        assert not result.sufficient
        assert question.hidden is HiddenReason.TOO_FEW_ANSWERS
        assert (question.confidence_interval, question.median) == (None, None)
        assert question.hidden_message("ko")
        return
    assert result.sufficient
    assert question.hidden is None
    # The mean is the exact mean, rounded once to two decimal places.
    exact = Fraction(sum(ratings), len(ratings))
    assert result.mean == float(round(exact, 2))
    assert abs(Fraction(str(result.mean)) - exact) <= Fraction(1, 200)
    assert result.distribution is not None
    assert len(result.distribution) == survey.question.scale
    assert sum(result.distribution) == len(ratings)
    counts = Counter(ratings)
    assert result.distribution == tuple(counts[r] for r in range(1, survey.question.scale + 1))
    assert question.median == pystats.median(ratings)
    # The 95 % interval: t quantile times the standard error, around the mean.
    low, high = question.confidence_interval or (None, None)
    assert low is not None
    assert high is not None
    half = t_quantile(len(ratings) - 1) * pystats.stdev(ratings) / math.sqrt(len(ratings))
    assert low == pytest.approx(max(1.0, pystats.fmean(ratings) - half), abs=0.0051)
    assert high == pytest.approx(
        min(survey.question.scale, pystats.fmean(ratings) + half), abs=0.0051
    )
    assert 1 <= low <= float(exact) + 0.005
    assert float(exact) - 0.005 <= high <= survey.question.scale


@settings(max_examples=100, deadline=None)
@given(st.integers(LOWEST_MIN_RESPONSES, 30), st.integers(1, 5))
def test_threshold_boundary(threshold: int, rating: int) -> None:
    survey = make_survey(min_responses=threshold)
    below = result_of(survey, [rating] * (threshold - 1))
    at = result_of(survey, [rating] * threshold)
    assert (below.mean, below.distribution) == (None, None)
    assert at.mean == rating
    assert at.questions[0].confidence_interval == (rating, rating)
    assert at.distribution is not None
    assert at.distribution[rating - 1] == threshold


# Student's t, 97.5th percentile, from published tables (NIST/SEMATECH e-Handbook 1.3.6.7.2).
T_TABLE = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    9: 2.262,
    10: 2.228,
    15: 2.131,
    20: 2.086,
    29: 2.045,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    100: 1.984,
}


@pytest.mark.parametrize(("df", "quantile"), sorted(T_TABLE.items()))
def test_t_quantile_matches_the_table(df: int, quantile: float) -> None:
    assert round(t_quantile(df), 3) == quantile


def test_t_quantile_tends_to_the_normal_quantile() -> None:
    assert t_quantile(100_000) == pytest.approx(1.959964, abs=1e-4)
    assert all(t_quantile(df) > t_quantile(df + 1) for df in range(1, 200))
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile(0)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 10), st.integers(1, 30), min_size=1))
def test_median_and_nps_from_counts(counts: dict[int, int]) -> None:
    values = sorted(v for v, n in counts.items() for _ in range(n))
    assert median_of_counts(counts) == pystats.median(values)
    promoters = sum(1 for v in values if v >= 9) / len(values)
    detractors = sum(1 for v in values if v <= 6) / len(values)
    assert net_promoter_score(counts) == pytest.approx(100 * (promoters - detractors), abs=0.051)
    assert -100 <= net_promoter_score(counts) <= 100


def test_interval_from_sums_needs_two_values() -> None:
    with pytest.raises(ValueError, match="at least two values"):
        mean_interval(1, 4, 16)
    assert mean_interval(2, 8, 32) == (4.0, 4.0)


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.integers(max_value=LOWEST_MIN_RESPONSES - 1),
        st.booleans(),
        st.floats(allow_nan=True),
        st.text(max_size=3),
        st.none(),
    )
)
def test_threshold_below_three_is_never_allowed(min_responses: object) -> None:
    with pytest.raises(InvalidThreshold):
        make_survey(min_responses=min_responses)  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(st.integers(LOWEST_MIN_RESPONSES, 1000))
def test_threshold_of_three_or_more_is_kept(min_responses: int) -> None:
    survey = make_survey(min_responses=min_responses)
    assert survey.min_responses == min_responses
    assert survey.min_text_responses == max(10, min_responses)


# --------------------------------------------------------------------------- every kind of question


KINDS = [
    Question.rating("rate", "만족?", "Satisfied?", required=False),
    Question.nps("nps", "추천?", "Recommend?", required=False),
    Question.single_choice(
        "one",
        "하나?",
        "One?",
        [Choice("a", "가", "A"), Choice("b", "나", "B")],
        required=False,
    ),
    Question.multiple_choice(
        "many",
        "여럿?",
        "Many?",
        [Choice("a", "가", "A"), Choice("b", "나", "B"), Choice("c", "다", "C")],
        required=False,
    ),
    Question.yes_no("yes", "예?", "Yes?"),
    Question.text("text", "한마디", "Say something"),
]


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, object]:
    """What one respondent sends to a survey with every kind of question."""
    given: dict[str, object] = {"yes": draw(st.booleans())}
    if draw(st.booleans()):
        given["rate"] = draw(st.integers(1, 5))
    if draw(st.booleans()):
        given["nps"] = draw(st.integers(0, 10))
    if draw(st.booleans()):
        given["one"] = draw(st.sampled_from(["a", "b"]))
    if draw(st.booleans()):
        given["many"] = draw(st.lists(st.sampled_from("abc"), min_size=1, unique=True))
    if draw(st.booleans()):
        given["text"] = draw(st.sampled_from(["좋았어요", "Great", "또 와요"]))
    return given


@st.composite
def answered_surveys(draw: st.DrawFn) -> tuple[Survey, list[dict[str, object]], SurveyResult]:
    """A survey with every kind of question and a breakdown, its answers, and its result."""
    k = draw(st.integers(LOWEST_MIN_RESPONSES, 6), label="k")
    survey = Survey.create(
        id=SurveyId("srv_1"),
        community_id=CommunityId("com_1"),
        meetup_id=None,
        title="커뮤니티 설문",
        questions=KINDS,
        opens_at=START,
        closes_at=START + timedelta(days=7),
        created_at=START,
        min_responses=k,
        min_text_responses=draw(st.integers(k, 12), label="k_text"),
        breakdown=Breakdown.EXPERIENCE,
    )
    sent = draw(st.lists(answer_sets(), max_size=40), label="answers")
    bands = draw(
        st.lists(st.none() | st.sampled_from(BANDS), min_size=len(sent), max_size=len(sent)),
        label="bands",
    )
    responses = [
        Response(ResponseId(f"rsp_{n:04d}"), survey.id, survey.check_answers(given), band)
        for n, (given, band) in enumerate(zip(sent, bands, strict=True))
    ]
    stats = ResponseStatistics.of(survey.id, responses)
    texts = {
        qid: sorted(a.text for r in responses for a in r.answers if a.question_id == qid and a.text)
        for qid in SurveyResult.texts_to_show(survey, stats)
    }
    return survey, sent, SurveyResult.build(survey, stats, eligible=50, texts=texts)


FIGURES = ("mean", "confidence_interval", "median", "distribution", "nps", "choices", "texts")


@settings(max_examples=300, deadline=None)
@given(answered_surveys())
def test_every_figure_comes_from_a_group_of_at_least_k(
    case: tuple[Survey, list[dict[str, object]], SurveyResult],
) -> None:
    """S3: a shown figure has at least its threshold behind it; a hidden one says why."""
    survey, sent, result = case
    everyone = [result.questions, *(band.questions for band in result.bands)]
    for questions in everyone:
        for q in questions:
            if q.hidden is None:
                assert q.answered is not None
                assert q.answered >= q.threshold
                assert q.threshold == (
                    survey.min_text_responses
                    if q.kind is QuestionKind.TEXT
                    else survey.min_responses
                )
            else:
                assert all(getattr(q, name) is None for name in FIGURES), q
                assert q.hidden_message("ko")
                assert q.hidden_message("en")
    # The figures are the answers' own.
    by_id = {q.question_id: q for q in result.questions}
    answered = Counter(key for given in sent for key, value in given.items() if value is not None)
    for qid, q in by_id.items():
        assert q.answered == answered[qid]
    yes = by_id["yes"]
    if yes.shown:
        assert yes.choices == {
            "yes": sum(bool(g["yes"]) for g in sent),
            "no": sum(not g["yes"] for g in sent),
        }
    many = by_id["many"]
    if many.shown and many.choices is not None:
        for choice in "abc":
            assert many.choices[choice] == sum(choice in g.get("many", ()) for g in sent)  # type: ignore[operator]
    text = by_id["text"]
    if text.shown:
        assert text.texts == tuple(sorted(str(g["text"]) for g in sent if g.get("text")))


@settings(max_examples=300, deadline=None)
@given(answered_surveys())
def test_subgroups_never_give_away_a_small_group(
    case: tuple[Survey, list[dict[str, object]], SurveyResult],
) -> None:
    """S4: a shown band and the rest both have k; what subtraction reveals is none or >= k."""
    survey, _sent, result = case
    k = survey.min_responses
    assert [b.band for b in result.bands] == BANDS
    shown_bands = [b for b in result.bands if b.hidden is None]
    total = result.responses
    for band in result.bands:
        if band.hidden is None:
            assert band.respondents is not None
            assert band.respondents >= k
            assert total - band.respondents >= k
        else:
            assert band.respondents is None
    # With nothing shown the rest is the whole group, which has its own threshold.
    rest = total - sum(b.respondents or 0 for b in shown_bands)
    assert not shown_bands or rest == 0 or rest >= k
    for index, question in enumerate(survey.questions):
        overall = result.questions[index].answered or 0
        shown = [b.questions[index] for b in result.bands if b.questions[index].shown]
        if question.kind is QuestionKind.TEXT:
            assert not shown
            continue
        for q in shown:
            assert q.answered is not None
            assert q.answered >= k
            assert overall - q.answered >= k
        left = overall - sum(q.answered or 0 for q in shown)
        assert not shown or left == 0 or left >= k


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(BANDS), st.integers(0, 15)),
    st.integers(0, 10),
    st.integers(LOWEST_MIN_RESPONSES, 8),
)
def test_shown_groups_keep_every_complement_and_remainder_at_k(
    sizes: dict[ExperienceBand, int], unknown: int, k: int
) -> None:
    total = sum(sizes.values()) + unknown
    decided = shown_groups(sizes, total, k, BANDS)
    shown = [b for b, why in decided.items() if why is None]
    assert all(sizes[b] >= k and total - sizes[b] >= k for b in shown)
    rest = total - sum(sizes[b] for b in shown)
    assert not shown or rest == 0 or rest >= k
    for band, why in decided.items():
        if why is HiddenReason.TOO_FEW_ANSWERS:
            assert sizes.get(band, 0) < k
        elif why is HiddenReason.REST_TOO_SMALL:
            assert sizes[band] >= k
    # Hiding is not overdone: if every band with k could be shown safely, it is.
    big = [b for b in BANDS if sizes.get(b, 0) >= k]
    left = total - sum(sizes[b] for b in big)
    if big and (left >= k or (left == 0 and len(big) >= 2)):
        assert shown == big


# --------------------------------------------------------------------------- anonymity and thresholds fixed


def test_no_forum_method_but_creation_takes_anonymity() -> None:
    """S5: whether a survey is anonymous is an argument of creating it, and of nothing else."""
    takers = {
        name
        for name, method in inspect.getmembers(proforum.Forum, inspect.isfunction)
        if not name.startswith("_") and "anonymous" in inspect.signature(method).parameters
    }
    assert takers == {"create_survey", "create_community_survey"}
    thresholds = {
        name
        for name, method in inspect.getmembers(proforum.Forum, inspect.isfunction)
        if not name.startswith("_")
        and {"min_responses", "min_text_responses"} & set(inspect.signature(method).parameters)
    }
    assert thresholds == {"create_survey", "create_community_survey", "change_survey_thresholds"}


@settings(max_examples=100, deadline=None)
@given(strategies.surveys(), st.integers(1, 100), st.integers(LOWEST_MIN_RESPONSES, 20))
def test_no_survey_method_switches_anonymity_or_unfreezes_thresholds(
    survey: Survey, answered: int, k: int
) -> None:
    changers = [
        name
        for name, member in inspect.getmembers(Survey, inspect.isfunction)
        if not name.startswith("_") and inspect.signature(member).return_annotation == "Self"
    ]
    assert sorted(changers) == ["close", "with_thresholds"]
    if survey.state == "open":
        assert survey.close().anonymous is survey.anonymous
    with pytest.raises(ThresholdsFrozen):
        survey.with_thresholds(min_responses=k, min_text_responses=None, answered=answered)
    before = survey.with_thresholds(min_responses=k, min_text_responses=None, answered=0)
    assert before.anonymous is survey.anonymous
    assert (
        attrs.evolve(
            before, min_responses=survey.min_responses, min_text_responses=survey.min_text_responses
        )
        == survey
    )


# --------------------------------------------------------------------------- through the forum


def _ended_meetup(
    label: str, attendees: int
) -> tuple[proforum.Forum, ManualClock, Member, Meetup, list[Member]]:
    """A forum whose meetup took place with ``attendees`` people, all checked in."""
    clock = ManualClock(T0)
    forum = proforum.open(
        "memory://",
        clock=clock,
        ids=SeededIds(label),
        plugin_manager=proforum.get_plugin_manager(load_entrypoints=False),
        deliver="manual",
    )
    operator = forum.register_member(real_name="김운영", job_function="marketing-pr")
    host = forum.register_member(real_name="박성과", job_function="marketing-pr")
    community = forum.create_community(
        operator.id, slug="marketing-pr", name="마케팅/PR", job_function="marketing-pr"
    )
    forum.join_community(host.id, community.id)
    forum.assign_role(operator.id, community.id, host.id, Role.HOST)
    members = []
    for i in range(attendees):
        member = forum.register_member(nickname=f"참가자{i:02d}", job_function="marketing-pr")
        forum.join_community(member.id, community.id)
        members.append(member)
    starts = T0 + timedelta(days=9)
    meetup = forum.create_meetup(
        host.id,
        community.id,
        title="후기 설문 모임",
        topic="설문",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=attendees,
        applications_open_at=T0,
        applications_close_at=T0 + timedelta(days=6),
    )
    forum.announce_meetup(host.id, meetup.id)
    for member in members:
        forum.apply(member.id, meetup.id)
    clock.set(meetup.applications_close_at + timedelta(hours=1))
    forum.close_applications(host.id, meetup.id)
    forum.draw(host.id, meetup.id)
    clock.set(meetup.starts_at)
    for member in members:
        forum.check_in(member.id, meetup.id)
    clock.set(meetup.ends_at + timedelta(minutes=30))
    forum.end_meetup(host.id, meetup.id)
    return forum, clock, host, meetup, members


N = 30
#: Answer order: the first six rate 1, the next six 2, ..., the last six 5.
RATINGS_IN_ANSWER_ORDER = [1 + i // 6 for i in range(N)]


def _answer_anonymous_survey(run: int) -> tuple[list[dict[str, object]], list[Member], dict]:
    forum, clock, host, meetup, members = _ended_meetup(f"survey-order-{run}", N)
    survey = forum.create_survey(
        host.id,
        meetup.id,
        title="모임 후기",
        question_ko="만족하셨나요?",
        question_en="Were you satisfied?",
        closes_at=clock.now() + timedelta(days=7),
    )
    assert survey.anonymous
    for answered, (member, rating) in enumerate(
        zip(members, RATINGS_IN_ANSWER_ORDER, strict=True), 1
    ):
        clock.advance(timedelta(minutes=3))  # answers arrive at distinct, known times
        forum.answer_survey(member.id, survey.id, {"q1": rating})
        if answered in (survey.min_responses - 1, survey.min_responses):
            shown = forum.survey_result(host.id, survey.id)
            assert shown.sufficient == (answered >= survey.min_responses)
    document = forum.export_data()
    rows = [r for r in document["tables"]["responses"] if r["survey_id"] == survey.id]
    return rows, members, document


def test_anonymous_responses_hold_no_member_id_and_no_answer_order() -> None:
    runs = 4
    order_matches: list[int] = []
    participation_matches: list[int] = []
    for run in range(runs):
        rows, members, document = _answer_anonymous_survey(run)
        assert len(rows) == N
        member_ids = {m.id for m in members} | {m["id"] for m in document["tables"]["members"]}
        for row in rows:
            # S1: a response is its random id, the survey and the answers; nothing else
            # (no band either: this survey does not break its results down).
            assert set(row) == {"id", "survey_id", "answers", "band"}
            assert row["band"] is None
            assert [set(a) for a in row["answers"]] == [{"question_id", "value", "choice", "text"}]
            text = json.dumps(row, ensure_ascii=False)
            assert not any(member_id in text for member_id in member_ids)
        # The participation table says who answered, and nothing about what.
        participations = document["tables"]["participations"]
        assert {p["member_id"] for p in participations} == {m.id for m in members}
        assert all(set(p) <= {"survey_id", "member_id", "response_id"} for p in participations)
        assert all(p.get("response_id") is None for p in participations)
        response_ids = {r["id"] for r in rows}
        assert not any(rid in json.dumps(p) for p in participations for rid in response_ids)

        # S2: an adversary with the dump guesses that row i is the i-th answer, or the
        # answer of the i-th participation row.  Count how often the rating matches.
        ratings = [r["answers"][0]["value"] for r in rows]
        order_matches.append(
            sum(a == b for a, b in zip(ratings, RATINGS_IN_ANSWER_ORDER, strict=True))
        )
        rating_of = dict(zip((m.id for m in members), RATINGS_IN_ANSWER_ORDER, strict=True))
        by_participation = [rating_of[p["member_id"]] for p in participations]
        participation_matches.append(
            sum(a == b for a, b in zip(ratings, by_participation, strict=True))
        )
        assert Counter(ratings) == Counter(RATINGS_IN_ANSWER_ORDER)

    # With five ratings in groups of six, a guess matches 6 of 30 rows on average by
    # chance (SD about 2.2 per run); stored in answer order it would match all 30.
    # The bound of 15 per run on average is far from both, so the check is not flaky.
    assert sum(order_matches) / runs < 15, order_matches
    assert sum(participation_matches) / runs < 15, participation_matches
    # And no single run kept the answers in order.
    assert max(order_matches) < N, order_matches


def test_identified_survey_does_record_the_respondent() -> None:
    """The contrast that keeps the anonymity test honest: the participation's link
    to the response is filled when, and only when, the survey was created as identified."""
    forum, clock, host, meetup, members = _ended_meetup("identified", 3)
    survey = forum.create_survey(
        host.id,
        meetup.id,
        title="기명 설문",
        question_ko="만족하셨나요?",
        question_en="Were you satisfied?",
        closes_at=clock.now() + timedelta(days=7),
        anonymous=False,
        min_responses=3,
    )
    for member in members:
        forum.answer_survey(member.id, survey.id, 4)
    tables = forum.export_data()["tables"]
    response_ids = {r["id"] for r in tables["responses"]}
    links = {p["member_id"]: p["response_id"] for p in tables["participations"]}
    assert set(links) == {m.id for m in members}
    assert set(links.values()) == response_ids
    assert len(response_ids) == len(members)
    result = forum.close_survey(host.id, survey.id)
    assert (result.mean, result.distribution) == (4.0, (0, 0, 0, 3, 0))


def test_forum_refuses_a_threshold_below_three() -> None:
    forum, clock, host, meetup, _ = _ended_meetup("threshold", 3)
    before = forum.export_data()
    for bad in (2, 1, 0, -5, True):
        with pytest.raises(InvalidThreshold):
            forum.create_survey(
                host.id,
                meetup.id,
                title="설문",
                question_ko="만족하셨나요?",
                question_en="Were you satisfied?",
                closes_at=clock.now() + timedelta(days=7),
                min_responses=bad,
            )
    assert forum.export_data() == before
