"""The examples in examples/ run and say what they should."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
