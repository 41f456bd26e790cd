"""The command line: the demo story, the draw verifier, export and import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from proforum.cli import main


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run_demo(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, ["demo", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_demo_tells_the_whole_story_in_korean(runner: CliRunner, tmp_path: Path) -> None:
    output = run_demo(runner, "--seed", "42", "--out", str(tmp_path))
    for expected in (
        "마케팅/PR",
        "퍼포먼스 마케터끼리 만나요!",
        "퍼포먼스 마케팅, 나는 이렇게 망해봤다!",
        "오후 7시",
        "20명 당첨",
        "ZOOM 링크를 선정된 20명에게만 발송",
        "리마인더",
        "노쇼",
        "익명 설문",
        "오프라인 후속 모임",
        "유효함",
    ):
        assert expected in output
    # The meeting link itself is never printed.
    assert "zoom.us/j/" not in output
    draw = json.loads((tmp_path / "draw.json").read_text(encoding="utf-8"))
    survey = json.loads((tmp_path / "survey.json").read_text(encoding="utf-8"))
    assert len(draw["selected"]) == 20
    assert len(draw["applicants"]) == 20 + len(draw["waitlist"])
    assert survey["responses"] >= 15
    satisfaction, offline = survey["questions"]
    assert 3.5 <= satisfaction["mean"] <= 4.5
    low, high = satisfaction["confidence_interval"]
    assert low <= satisfaction["mean"] <= high
    assert offline["kind"] == "yes_no"
    assert offline["choices"]["yes"] + offline["choices"]["no"] == survey["responses"]
    assert [band["band"] for band in survey["bands"]] == ["0-2", "3-5", "6-10", "11+"]
    assert "오프라인 후속 모임에 참여하겠다: 예" in output
    assert "설문 리마인더" in output


def test_demo_in_english(runner: CliRunner) -> None:
    output = run_demo(runner, "--lang", "en", "--seed", "42")
    assert "Draw done: 20 selected" in output
    assert "7:00 PM (Asia/Seoul)" in output
    assert "Anonymous survey" in output


def test_demo_with_a_seed_is_reproducible(runner: CliRunner, tmp_path: Path) -> None:
    run_demo(runner, "--seed", "7", "--out", str(tmp_path / "a"))
    run_demo(runner, "--seed", "7", "--out", str(tmp_path / "b"))
    run_demo(runner, "--seed", "8", "--out", str(tmp_path / "c"))
    a, b, c = ((tmp_path / d / "draw.json").read_text(encoding="utf-8") for d in "abc")
    assert a == b
    assert json.loads(c)["selected"] != json.loads(a)["selected"]


def test_lottery_verify_accepts_the_demo_record(runner: CliRunner, tmp_path: Path) -> None:
    run_demo(runner, "--seed", "1", "--out", str(tmp_path))
    result = runner.invoke(main, ["lottery", "verify", str(tmp_path / "draw.json")])
    assert result.exit_code == 0
    assert result.output.strip() == "valid"


@pytest.mark.parametrize(
    ("field", "tamper"),
    [
        ("applicants", lambda r: r["applicants"].append("mem_intruder")),
        ("seed", lambda r: r.update(seed="00" * 32)),
        ("selected", lambda r: r["selected"].reverse()),
        ("waitlist", lambda r: r["waitlist"].insert(0, r["waitlist"].pop())),
        ("seats", lambda r: r.update(seats=r["seats"] + 1)),
        ("swap", lambda r: r.update(selected=[r["waitlist"][0], *r["selected"][1:]])),
    ],
)
def test_lottery_verify_reports_the_first_discrepancy(
    runner: CliRunner, tmp_path: Path, field: str, tamper: object
) -> None:
    run_demo(runner, "--seed", "1", "--out", str(tmp_path))
    path = tmp_path / "draw.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    tamper(record)  # type: ignore[operator]
    path.write_text(json.dumps(record), encoding="utf-8")
    result = runner.invoke(main, ["lottery", "verify", str(path)])
    assert result.exit_code == 1
    assert "invalid:" in result.output


def test_lottery_verify_refuses_non_json(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "draw.json"
    path.write_text("not json", encoding="utf-8")
    result = runner.invoke(main, ["lottery", "verify", str(path)])
    assert result.exit_code != 0
    assert "not a JSON draw record" in result.output


def test_import_refuses_a_malformed_document(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "forum.json"
    path.write_text(json.dumps({"format": "something-else"}), encoding="utf-8")
    result = runner.invoke(main, ["import", "--db", "memory://", str(path)])
    assert result.exit_code != 0
    assert "input.document" in result.output


def test_unknown_storage_scheme_is_a_clear_error(runner: CliRunner) -> None:
    for command in (["export", "--db", "nosuch://x"], ["demo", "--db", "nosuch://x"]):
        result = runner.invoke(main, command)
        assert result.exit_code == 1
        assert "plugin.unknown_adapter" in result.output
        assert "Traceback" not in result.output


def test_demo_refuses_a_database_that_already_holds_a_forum(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'forum.db'}"
    run_demo(runner, "--seed", "1", "--db", db)
    again = runner.invoke(main, ["demo", "--seed", "1", "--db", db])
    assert again.exit_code == 1
    assert "conflict.exists" in again.output


def test_an_export_file_is_readable_by_its_owner_only(runner: CliRunner, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'forum.db'}"
    run_demo(runner, "--seed", "1", "--db", db)
    target = tmp_path / "forum.json"
    assert runner.invoke(main, ["export", "--db", db, str(target)]).exit_code == 0
    assert target.stat().st_mode & 0o777 == 0o600
