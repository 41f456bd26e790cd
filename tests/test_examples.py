"""The examples in examples/ run and say what they should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_story_example_runs_the_whole_story() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "story.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    out = done.stdout
    assert "waitlisted members cannot read the link: permission.link_not_granted" in out
    assert "20 selected, 10 waitlisted, 20 links sent" in out
    assert "attended 18, no-shows 2, survey mean 4.06 from 18 answers" in out
    assert "follow-up proposed: 퍼포먼스 마케터 오프라인 모임 (offline)" in out


def test_the_readme_tour_runs() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    (block,) = [b.split("\n", 1)[1] for b in readme.split("```")[1::2] if b.startswith("python")]
    namespace: dict[str, Any] = {}
    exec(compile(block, "README.md", "exec"), namespace)
    forum, me, meetup = namespace["forum"], namespace["me"], namespace["meetup"]
    assert forum.application(me.id, meetup.id).state == "applied"
