"""Search on every backend: Korean from one syllable, visible content only, the same answers.

Memory scans, SQLite asks its FTS5 trigram index (kept by triggers), and
PostgreSQL its pg_trgm indexes; queries of one or two characters are scanned
for on the SQL backends too.  Hypothesis properties check that every backend
returns exactly what :func:`proforum.domain.search.matches` says, page by
page, and that no text is ever read as query syntax.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import URL

import proforum
from forum_world import T0, World, build_world
from proforum import ManualClock, Role, SeededIds
from proforum.adapters.sql.storage import SqlStorage
from proforum.domain.common import CommentId, CommunityId, MemberId, PostId, clean_text
from proforum.domain.community import Community, Membership
from proforum.domain.content import Comment, Post
from proforum.domain.content_status import ContentStatus
from proforum.domain.search import QUERY_MAX, SearchPage, contains, matches
from proforum.errors import InvalidText
from sql_support import count_statements, postgres_database, postgres_schema, sqlite_url


def _titles(page: SearchPage) -> list[str]:
    return [entry.post.title for entry in page.entries]


def _set_status(forum: proforum.Forum, item: PostId | CommentId, status: ContentStatus) -> None:
    """What moderation will do: change a post's or comment's status in storage."""
    with forum.storage.unit_of_work() as uow:
        post = uow.posts.get(PostId(item))
        if post is not None:
            uow.posts.update(attrs.evolve(post, status=status))
        else:
            comment = uow.comments.get(CommentId(item))
            assert comment is not None
            uow.comments.update(attrs.evolve(comment, status=status))
        uow.commit()


@pytest.fixture
def posts(backend_world: World) -> dict[str, Post]:
    """Four posts, a minute apart, and comments under two of them."""
    w = backend_world
    texts = {
        "연봉": ("연봉 협상 어떻게 하셨어요?", "팀장님께 연봉 이야기를 꺼내기가 어렵네요."),
        "이직": ("이직 준비 중입니다", "포트폴리오를 다시 정리하고 있어요."),
        "ROAS": ("ROAS가 무너진 날", "입찰가를 세 배로 올렸습니다. Google Ads 이야기"),
        "회고": ("분기 회고", "KPI OR OKR, 무엇으로 정리할까요"),
    }
    made = {}
    for n, (key, (title, body)) in enumerate(texts.items()):
        w.clock.advance(timedelta(minutes=1))
        made[key] = w.forum.publish_post(w.members[n].id, w.community.id, title=title, body=body)
    w.forum.comment(w.members[4].id, made["회고"].id, "저도 이직했어요. 연봉은 10% 올랐습니다.")
    w.forum.comment(w.members[5].id, made["회고"].id, "이직 축하드려요!")
    w.forum.comment(w.members[5].id, made["ROAS"].id, "roas 계산은 어떻게 하세요?")
    return made


def _search(w: World, query: str, **kwargs: object) -> list[str]:
    return _titles(w.forum.search(w.members[5].id, w.community.id, query, **kwargs))  # type: ignore[arg-type]


def test_korean_from_one_syllable_up_newest_first(
    backend_world: World, posts: dict[str, Post]
) -> None:
    w = backend_world
    # Two syllables (the short-query scan), and three or more (the trigram index).
    assert _search(w, "연봉") == ["분기 회고", "연봉 협상 어떻게 하셨어요?"]
    assert _search(w, "이직") == ["분기 회고", "이직 준비 중입니다"]
    assert _search(w, "연봉 협상") == ["연봉 협상 어떻게 하셨어요?"]
    assert _search(w, "이직했어요") == ["분기 회고"]
    # One syllable, in the middle of a word; particles stuck to nouns are found too.
    assert _search(w, "봉") == ["분기 회고", "연봉 협상 어떻게 하셨어요?"]
    assert _search(w, "연봉은") == ["분기 회고"]
    assert _search(w, "없는 말") == []


def test_a_post_found_through_several_comments_comes_once(
    backend_world: World, posts: dict[str, Post]
) -> None:
    w = backend_world
    # 분기 회고 has two comments with 이직; 이직 준비 also matches by its own title.
    page = w.forum.search(w.members[5].id, w.community.id, "이직", limit=100)
    assert [e.post.id for e in page.entries] == [posts["회고"].id, posts["이직"].id]
    assert page.next_cursor is None
    (entry, _) = page.entries
    assert entry.comment_count == 2
    assert entry.author.display_name == w.members[3].display_name


def test_latin_letters_match_either_case_and_symbols_are_text(
    backend_world: World, posts: dict[str, Post]
) -> None:
    w = backend_world
    # In the title, and in a comment in lower case.
    assert _search(w, "roas") == ["ROAS가 무너진 날"]
    assert _search(w, "GOOGLE ads") == ["ROAS가 무너진 날"]
    assert _search(w, "kpi or okr") == ["분기 회고"]
    assert _search(w, "10%") == ["분기 회고"]
    assert _search(w, "%") == ["분기 회고"]
    assert _search(w, "_") == []
    assert _search(w, '"') == []
    assert _search(w, "OR") == ["분기 회고"]  # the word, not the operator
    assert _search(w, "KPI OKR") == []
    assert _search(w, "NEAR(연봉 이직)") == []


def test_hidden_held_and_deleted_content_is_never_found(
    backend_world: World, posts: dict[str, Post]
) -> None:
    """Indexed first, then taken out of sight: no reader finds it, by either path."""
    w = backend_world
    readers = [w.members[5], w.members[0], w.operator]
    for query in ("연봉", "연봉 협상", "이직", "이직했어요"):
        assert _search(w, query)
    _set_status(w.forum, posts["연봉"].id, ContentStatus.HIDDEN)
    _set_status(w.forum, posts["이직"].id, ContentStatus.HELD)
    comments = list(w.forum.comments(w.members[4].id, posts["회고"].id))
    first = comments[0].id
    _set_status(w.forum, first, ContentStatus.HIDDEN)
    w.forum.delete_comment(w.members[5].id, CommentId(comments[1].id))
    for reader in readers:
        for query in ("연봉", "연봉 협상", "이직", "이직했어요", "축하"):
            page = w.forum.search(reader.id, w.community.id, query)
            assert page.entries == (), (reader.display_name, query)
    # Shown again, found again: status is read from the rows, not the index.
    _set_status(w.forum, posts["연봉"].id, ContentStatus.VISIBLE)
    _set_status(w.forum, first, ContentStatus.VISIBLE)
    assert _search(w, "연봉 협상") == ["연봉 협상 어떻게 하셨어요?"]
    assert _search(w, "이직했어요") == ["분기 회고"]
    # A post deleted after indexing: gone, and so is what its comments matched.
    w.forum.delete_post(posts["회고"].author_id, posts["회고"].id)
    assert _search(w, "이직했어요") == []
    assert _search(w, "연봉") == ["연봉 협상 어떻게 하셨어요?"]


def test_a_hidden_post_hides_the_matches_of_its_visible_comments(
    backend_world: World, posts: dict[str, Post]
) -> None:
    w = backend_world
    assert _search(w, "roas 계산") == ["ROAS가 무너진 날"]
    _set_status(w.forum, posts["ROAS"].id, ContentStatus.HIDDEN)
    assert _search(w, "roas 계산") == []
    assert _search(w, "계산") == []


def test_edits_replace_what_is_found(backend_world: World, posts: dict[str, Post]) -> None:
    w = backend_world
    author = posts["이직"].author_id
    w.forum.edit_post(author, posts["이직"].id, title="전직 준비 중입니다")
    assert _search(w, "이직 준비") == []
    assert _search(w, "전직 준비") == ["전직 준비 중입니다"]
    assert _search(w, "전직") == ["전직 준비 중입니다"]
    comment = w.forum.comment(w.members[0].id, posts["연봉"].id, "인상률은 얼마였나요?")
    assert _search(w, "인상률") == ["연봉 협상 어떻게 하셨어요?"]
    w.forum.edit_comment(w.members[0].id, comment.id, "고맙습니다")
    assert _search(w, "인상률") == []
    assert _search(w, "고맙습니다") == ["연봉 협상 어떻게 하셨어요?"]


def test_results_page_by_cursor(backend_world: World, posts: dict[str, Post]) -> None:
    w = backend_world
    for n in range(5):
        w.clock.advance(timedelta(minutes=1))
        w.forum.publish_post(w.members[0].id, w.community.id, title=f"연봉 {n}", body="본문")
    seen: list[str] = []
    after = None
    while True:
        page = w.forum.search(w.members[5].id, w.community.id, "연봉", limit=3, after=after)
        seen.extend(_titles(page))
        after = page.next_cursor
        if after is None:
            break
        assert len(page.entries) == 3
    assert seen == [
        "연봉 4",
        "연봉 3",
        "연봉 2",
        "연봉 1",
        "연봉 0",
        "분기 회고",
        "연봉 협상 어떻게 하셨어요?",
    ]


def test_other_communities_are_not_searched(backend_world: World, posts: dict[str, Post]) -> None:
    w = backend_world
    other = w.forum.create_community(
        w.operator.id, slug="dev", name="개발", job_function="development"
    )
    w.forum.join_community(w.members[5].id, other.id)
    w.forum.publish_post(w.operator.id, other.id, title="연봉 이야기", body="개발자 연봉")
    assert _search(w, "연봉") == ["분기 회고", "연봉 협상 어떻게 하셨어요?"]
    page = w.forum.search(w.members[5].id, other.id, "연봉")
    assert _titles(page) == ["연봉 이야기"]


# --------------------------------------------------------------------------- properties

#: Korean, Latin in both cases, accented and Greek capitals (which do not
#: fold), digits, spaces and every character FTS5 or LIKE could read as syntax.
ALPHABET = "연봉이직협상팀장가나 abcxyzABCXYZéÉσΣς019 \"'*:-^()%_\\.,!?{}[]+"
_texts = st.text(ALPHABET, min_size=1, max_size=30)
_statuses = st.sampled_from([ContentStatus.VISIBLE] * 3 + list(ContentStatus))


def _post(
    n: int,
    i: int,
    community: CommunityId,
    text: tuple[str, str],
    status: ContentStatus,
    at: datetime,
) -> Post:
    gone = status is ContentStatus.DELETED
    return Post(
        PostId(f"pst_{n:04d}_{i:03d}"),
        community,
        MemberId("mem_author"),
        "" if gone else text[0],
        "" if gone else text[1],
        at,
        status=status,
    )


def test_every_backend_finds_what_the_reference_finds(backend_url: str) -> None:
    """Random posts and comments (any status), random queries, any page size.

    Each example fills a new community of one storage; the reference is
    :func:`matches` over the rows written.  Queries are often cut from the
    texts so that there is something to find, and are as short as one
    character, so both the index and the scan are exercised.
    """
    reader = MemberId("mem_reader")
    counter = itertools.count(1)
    at = datetime(2026, 12, 1, tzinfo=UTC)
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(backend_url, clock=ManualClock(at), plugin_manager=pm) as forum:

        @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(
            layout=st.lists(
                st.tuples(
                    st.tuples(_texts, _texts),
                    _statuses,
                    st.integers(0, 3),
                    st.lists(st.tuples(_texts, _statuses), max_size=3),
                ),
                max_size=10,
            ),
            cut=st.tuples(st.integers(0, 60), st.integers(1, 6)),
            own=_texts,
            use_own=st.booleans(),
            case=st.sampled_from(["as written", "upper", "lower", "swapped"]),
            size=st.integers(1, 4),
        )
        def compare(
            layout: list[
                tuple[tuple[str, str], ContentStatus, int, list[tuple[str, ContentStatus]]]
            ],
            cut: tuple[int, int],
            own: str,
            use_own: bool,
            case: str,
            size: int,
        ) -> None:
            n = next(counter)
            community = CommunityId(f"com_{n:04d}")
            posts: list[Post] = []
            comments: list[Comment] = []
            for i, (text, status, minute, under) in enumerate(layout):
                post = _post(n, i, community, text, status, at + timedelta(minutes=minute))
                posts.append(post)
                for j, (body, comment_status) in enumerate(under):
                    gone = comment_status is ContentStatus.DELETED
                    comments.append(
                        Comment(
                            CommentId(f"cmt_{n:04d}_{i:03d}_{j}"),
                            post.id,
                            MemberId("mem_commenter"),
                            "" if gone else body,
                            at,
                            status=comment_status,
                        )
                    )
            corpus = "".join(p.title + p.body for p in posts) + "".join(c.body for c in comments)
            start, length = cut
            raw = own if use_own or not corpus else corpus[start % len(corpus) :][:length]
            # Python changes the case of every letter: only A-Z may still match then.
            changes = {"upper": str.upper, "lower": str.lower, "swapped": str.swapcase}
            raw = changes.get(case, str)(raw)
            try:
                query = clean_text("query", raw, max_len=QUERY_MAX)
            except InvalidText:
                assume(False)
                raise
            with forum.storage.unit_of_work() as uow:
                uow.communities.add(
                    Community(community, f"community-{n}", "마케팅/PR", "marketing-pr", at)
                )
                uow.memberships.add(Membership(community, reader, Role.MEMBER, at))
                for post in posts:
                    uow.posts.add(post)
                for comment in comments:
                    uow.comments.add(comment)
                uow.commit()

            expected = sorted(
                (p for p in posts if matches(p, comments, query)),
                key=lambda p: (p.published_at, p.id),
                reverse=True,
            )
            seen: list[Post] = []
            after: str | None = None
            while True:
                page = forum.search(reader, community, raw, limit=size, after=after)
                assert len(page.entries) <= size
                seen.extend(page.posts)
                after = page.next_cursor
                if after is None:
                    break
            assert [p.id for p in seen] == [p.id for p in expected], query

        compare()


#: Text FTS5 (and LIKE) would read as syntax if it were not quoted.
SYNTAX = st.sampled_from(
    [
        '"',
        '""',
        '"연봉',
        "NEAR(연봉 이직)",
        "NEAR",
        "연봉 OR 이직",
        "연봉 AND",
        "NOT 이직",
        "이직*",
        "*",
        "title:연봉",
        "body : x",
        "-연봉",
        "^연봉",
        "{title body}: 연봉",
        "(연봉)",
        "+",
        "%",
        "_",
        "\\",
        "\\%",
        "'; DROP TABLE posts; --",
        "a\u3000b",
    ]
)


def test_no_query_is_read_as_syntax(backend_url: str) -> None:
    """Arbitrary text: refused as bad text, or searched for as written; never an error else.

    Every post returned really contains the query (ASCII letters folded),
    in its own text or in a visible comment's.
    """
    clock = ManualClock(T0)
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(backend_url, clock=clock, ids=SeededIds("syntax"), plugin_manager=pm) as f:
        w = build_world(f, clock)
        made = []
        for n, body in enumerate(
            ['연봉 "NEAR(이직)" title:x -y ^z', "100% _under_ \\back\\slash", "OR AND NOT * + {}"]
        ):
            w.clock.advance(timedelta(minutes=1))
            made.append(f.publish_post(w.members[n].id, w.community.id, title=f"글 {n}", body=body))
        f.comment(w.members[4].id, made[0].id, "댓글: '작은따옴표' (괄호) a\u3000b")

        @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(query=st.one_of(st.text(max_size=QUERY_MAX + 5), SYNTAX, st.text(ALPHABET)))
        def search_anything(query: str) -> None:
            try:
                cleaned = clean_text("query", query, max_len=QUERY_MAX)
            except InvalidText:
                with pytest.raises(InvalidText):
                    f.search(w.members[5].id, w.community.id, query)
                return
            page = f.search(w.members[5].id, w.community.id, query, limit=100)
            for entry in page.entries:
                comments = f.comments(w.members[5].id, entry.post.id)
                assert (
                    contains(entry.post.title, cleaned)
                    or contains(entry.post.body, cleaned)
                    or any(c.body is not None and contains(c.body, cleaned) for c in comments)
                )

        search_anything()
        for query, found in [
            ('"NEAR(이직)"', ["글 0"]),
            ("title:x -y", ["글 0"]),
            ("100% _under_", ["글 1"]),
            ("\\back\\", ["글 1"]),
            ("OR AND NOT * +", ["글 2"]),
            ("'작은따옴표' (괄호)", ["글 0"]),
            ("a\u3000b", ["글 0"]),
        ]:
            assert _titles(f.search(w.members[5].id, w.community.id, query)) == found, query


# --------------------------------------------------------------------------- cost, import


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    """The cast on an SQL backend, SQLite or PostgreSQL."""
    clock = ManualClock(T0)
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "forum.db")
        with proforum.open(url, clock=clock, ids=SeededIds("cost"), plugin_manager=pm) as f:
            yield build_world(f, clock)
        return
    database = request.getfixturevalue("pg_database")
    with (
        postgres_schema(database) as url,
        proforum.open(url, clock=clock, ids=SeededIds("cost"), plugin_manager=pm) as f,
    ):
        yield build_world(f, clock)


def test_a_search_page_costs_the_same_statements_for_3_or_60_posts(sql_world: World) -> None:
    """No N+1: one search statement, then authors, counts and reactions in one query each."""
    w = sql_world
    costs: dict[str, list[int]] = {"연봉": [], "연봉 협상": []}
    for size in (3, 60):
        community = w.forum.create_community(
            w.operator.id, slug=f"size-{size}", name="마케팅/PR", job_function="marketing-pr"
        )
        for i in range(size):
            author = w.members[i % 6]
            if size == 3 or i < 6:
                w.forum.join_community(author.id, community.id)
            # Half the posts match by their own text, the other half by a comment.
            own = i % 2 == 0
            post = w.forum.publish_post(
                author.id,
                community.id,
                title=f"글 {i}",
                body="연봉 협상 후기" if own else "본문",
            )
            w.forum.comment(author.id, post.id, "댓글" if own else "저도 연봉 협상 했어요")
            if i % 3:
                w.forum.react(w.operator.id, "like", post_id=post.id)
        storage = w.forum.storage
        assert isinstance(storage, SqlStorage)
        for query, cost in costs.items():

            def search(c: CommunityId = community.id, n: int = size, q: str = query) -> None:
                page = w.forum.search(w.operator.id, c, q, limit=100)
                assert len(page.entries) == n
                assert all(e.comment_count == 1 for e in page.entries)

            cost.append(count_statements(storage.engine, search))
    assert costs["연봉"][0] == costs["연봉"][1] <= 8
    assert costs["연봉 협상"] == costs["연봉"]


def test_an_imported_forum_is_searchable_on_sqlite(tmp_path: Path) -> None:
    """Search indexes are not exported: importing rebuilds them from the posts."""
    clock = ManualClock(T0)
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open("memory://", clock=clock, ids=SeededIds("i"), plugin_manager=pm) as source:
        w = build_world(source, clock)
        post = source.publish_post(
            w.members[0].id, w.community.id, title="연봉 협상", body="팀장님과 이야기"
        )
        other = source.publish_post(w.members[1].id, w.community.id, title="잡담", body="본문")
        source.comment(w.members[2].id, other.id, "이직했어요")
        document = source.export_data()
    assert not any("search" in table for table in document["tables"])
    url = sqlite_url(tmp_path / "imported.db")
    with proforum.open(url, clock=clock, plugin_manager=pm) as target:
        target.import_data(document)
        reader = w.members[3].id
        for query, found in [("연봉 협상", post), ("이직했어요", other), ("팀장님", post)]:
            assert [p.id for p in target.search(reader, w.community.id, query).posts] == [
                found.id
            ], query
