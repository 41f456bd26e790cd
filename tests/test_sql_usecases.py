"""Use cases on the SQL backend: the whole demo story, and N+1 checks by statement count."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlalchemy.engine import URL

import proforum
from proforum import ManualClock, ReplayableSeeds, SeededIds
from proforum.adapters.sql.storage import SqlStorage
from proforum.cli import main
from proforum.demo import StoryResult, run_story, story_start, summary_rows
from proforum.domain.common import CommentId, CommunityId, MeetupId, MemberId, PostId
from proforum.domain.community import Membership, Role
from proforum.domain.content import Comment, Post
from proforum.testing.contracts import (
    T0,
    sample_application,
    sample_community,
    sample_meetup,
    sample_member,
)
from sql_support import postgres_database, postgres_schema, sqlite_url

SEED = "sql-backend"


def run_demo(url: str, seed: str = SEED) -> StoryResult:
    """Run the story exactly as ``proforum demo --seed`` does, on ``url``."""
    clock = ManualClock(story_start())
    ids = SeededIds(f"proforum-demo:{seed}")
    seeds = ReplayableSeeds(f"proforum-demo-lottery:{seed}")
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(url, clock=clock, ids=ids, seeds=seeds, plugin_manager=pm) as forum:
        return run_story(forum, clock, seed=seed, narrate=lambda _: None)


@pytest.fixture(scope="module")
def on_memory() -> StoryResult:
    return run_demo("memory://")


@pytest.fixture(scope="module")
def pg_database() -> Iterator[URL]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def sql_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "forum.db")
    else:
        with postgres_schema(request.getfixturevalue("pg_database")) as url:
            yield url


def test_the_story_ends_the_same_as_on_memory(sql_url: str, on_memory: StoryResult) -> None:
    result = run_demo(sql_url)
    assert summary_rows(result) == summary_rows(on_memory)
    assert result.selected == on_memory.selected
    assert result.waitlist == on_memory.waitlist
    assert result.link_recipients == on_memory.link_recipients
    assert result.attendance == on_memory.attendance
    assert result.survey == on_memory.survey
    assert result.draw_record == on_memory.draw_record
    assert result.draw_valid


def test_the_demo_command_prints_the_same_story_on_sqlite(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["demo", "--seed", "7", "--lang", "en"]
    on_memory = runner.invoke(main, [*args, "--db", "memory://"])
    on_sqlite = runner.invoke(main, [*args, "--db", sqlite_url(tmp_path / "demo.db")])
    by_default = runner.invoke(main, args)
    for result in (on_memory, on_sqlite, by_default):
        assert result.exit_code == 0, result.output
    story = on_memory.output.rsplit("→ stored in:", 1)[0]
    assert on_sqlite.output.rsplit("→ stored in:", 1)[0] == story
    assert by_default.output.rsplit("→ stored in:", 1)[0] == story
    # The embedded default is a new SQLite file, which can be exported afterwards.
    default_url = by_default.output.rsplit("→ stored in:", 1)[1].splitlines()[0].strip()
    assert default_url.startswith("sqlite:///")
    exported = runner.invoke(main, ["export", "--db", default_url])
    assert exported.exit_code == 0, exported.output
    assert '"proforum-export"' in exported.output
    # The last line is a command that reports the story's survey from that file.
    command = by_default.output.rsplit("→ proforum ", 1)[1].split()
    assert command[:2] == ["survey", "report"]
    report = runner.invoke(main, [part.strip("'") for part in command])
    assert report.exit_code == 0, report.output
    assert "satisfaction" in report.output
    assert "→ proforum survey report" not in on_memory.output


# --------------------------------------------------------------------------- statement counts

OPERATOR = MemberId("mem_0001")
#: Meetup / community number → how many applications / posts it has.
SIZES = {1: 3, 2: 60}


@pytest.fixture
def forum(sql_url: str) -> Iterator[proforum.Forum]:
    """Two communities and two meetups, small and large, run by one operator."""
    pm = proforum.get_plugin_manager(load_entrypoints=False)
    with proforum.open(sql_url, plugin_manager=pm, clock=ManualClock(T0)) as forum:
        storage = forum.storage
        assert isinstance(storage, SqlStorage)
        with storage.unit_of_work() as uow:
            uow.members.add(sample_member(1))
            for n, size in SIZES.items():
                community = CommunityId(f"com_{n:04d}")
                uow.communities.add(sample_community(n))
                uow.memberships.add(Membership(community, OPERATOR, Role.OPERATOR, T0))
                uow.meetups.add(sample_meetup(n, community=n))
                for i in range(size):
                    uow.applications.add(sample_application(n, 100 + i, minute=i))
                    author = sample_member(1000 * n + i)
                    uow.members.add(author)
                    post = PostId(f"pst_{n}_{i:04d}")
                    uow.posts.add(Post(post, community, author.id, "제목", "본문", T0))
                    for k in range(i % 3):  # every post has its own author and 0-2 comments
                        uow.comments.add(
                            Comment(CommentId(f"cmt_{post}_{k}"), post, OPERATOR, "댓글", T0)
                        )
            uow.commit()
        yield forum


def _statements(forum: proforum.Forum, action: Callable[[], int]) -> tuple[int, int]:
    """Run ``action``; return what it returned and how many SQL statements it issued."""
    storage = forum.storage
    assert isinstance(storage, SqlStorage)
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    sa.event.listen(storage.engine, "before_cursor_execute", count)
    try:
        result = action()
    finally:
        sa.event.remove(storage.engine, "before_cursor_execute", count)
    return result, len(seen)


def test_listing_applications_costs_the_same_for_3_or_60(forum: proforum.Forum) -> None:
    counted = [
        _statements(forum, lambda n=n: len(forum.applications(OPERATOR, MeetupId(f"mtp_{n:04d}"))))
        for n in SIZES
    ]
    assert [rows for rows, _ in counted] == list(SIZES.values())
    assert counted[0][1] == counted[1][1] <= 8


def test_a_feed_page_costs_the_same_for_3_or_60_posts(forum: proforum.Forum) -> None:
    counted = [
        _statements(
            forum,
            lambda n=n: len(forum.feed(OPERATOR, CommunityId(f"com_{n:04d}"), limit=100).entries),
        )
        for n in SIZES
    ]
    assert [rows for rows, _ in counted] == list(SIZES.values())
    assert counted[0][1] == counted[1][1] <= 8


def test_publishing_reads_the_author_and_community_once(
    forum: proforum.Forum, sql_url: str
) -> None:
    """Publishing costs three statements whatever the community.

    The membership with its community and author in one read, the community's
    content policy, the insert; commenting adds the post and its score.
    """
    community = CommunityId("com_0001")
    post, published = _statements(
        forum, lambda: forum.publish_post(OPERATOR, community, title="제목", body="본문")
    )
    _, commented = _statements(forum, lambda: forum.comment(OPERATOR, post.id, "댓글"))
    immediate = 1 if sql_url.startswith("sqlite") else 0  # BEGIN IMMEDIATE
    assert published == 3 + immediate
    assert commented <= 5 + immediate


def test_a_feed_page_shows_every_author_and_comment_count(forum: proforum.Forum) -> None:
    page = forum.feed(OPERATOR, CommunityId("com_0002"), limit=100)
    for entry in page.entries:
        i = int(entry.post.id.rsplit("_", 1)[1])
        assert entry.author.member_id == entry.post.author_id
        assert entry.author.display_name == sample_member(2000 + i).display_name
        assert entry.comment_count == i % 3


def test_deep_feed_pages_use_keyset_positions_not_offset(forum: proforum.Forum) -> None:
    storage = forum.storage
    assert isinstance(storage, SqlStorage)
    seen: list[tuple[str, Any]] = []
    sa.event.listen(storage.engine, "before_cursor_execute", lambda *a: seen.append(a[2:4]))
    community = CommunityId("com_0002")
    pages, before = [], None
    while True:
        page = forum.feed(OPERATOR, community, limit=7, before=before)
        pages.append(page)
        if page.next_before is None:
            break
        before = page.next_before
    posts = [p for page in pages for p in page.posts]
    assert len(posts) == len({p.id for p in posts}) == SIZES[2]
    # SQLite's dialect always writes "LIMIT ? OFFSET ?": the offset must stay 0,
    # every page is found from its keyset position instead.
    for statement, parameters in seen:
        if "OFFSET" in statement.upper():
            assert list(parameters)[-1] == 0, statement


def test_export_then_import_copies_a_whole_forum_between_databases(tmp_path: Path) -> None:
    runner = CliRunner()
    source = sqlite_url(tmp_path / "source.db")
    copy = sqlite_url(tmp_path / "copy.db")
    assert runner.invoke(main, ["demo", "--seed", "3", "--db", source]).exit_code == 0
    dump = tmp_path / "forum.json"
    assert runner.invoke(main, ["export", "--db", source, str(dump)]).exit_code == 0
    imported = runner.invoke(main, ["import", "--db", copy, str(dump)])
    assert imported.exit_code == 0, imported.output
    assert "members=46" in imported.output
    again = runner.invoke(main, ["export", "--db", copy])
    assert again.output == dump.read_text(encoding="utf-8")
    # Importing twice is refused: the target must be empty.
    twice = runner.invoke(main, ["import", "--db", copy, str(dump)])
    assert twice.exit_code != 0
    assert "not empty" in twice.output
