"""The README tells the truth: its Quick start commands exist and its fake-gateway snippets run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)
RUNNABLE = [b for b in BLOCKS if "asyncio.run(" in b and "FakeTokenHot" in b]


def test_quick_start_holds_the_two_commands_and_the_makefile_has_them() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick and "make test" in quick
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_there_are_runnable_snippets() -> None:
    assert len(RUNNABLE) >= 10


@pytest.mark.parametrize("snippet", RUNNABLE, ids=[f"snippet{i}" for i in range(len(RUNNABLE))])
def test_readme_snippet_runs_against_the_fake_gateway(snippet: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENHOT_")}
    done = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_snippets_use_only_public_names() -> None:
    private = [line for block in BLOCKS for line in block.splitlines()
               if re.search(r"\baiotokenhot(\.\w+)*\._\w", line)]
    assert not private, private


def test_runnable_snippets_pass_mypy_strict_when_copied_into_a_typed_project(tmp_path: Path) -> None:
    for i, snippet in enumerate(RUNNABLE):
        (tmp_path / f"snippet{i}.py").write_text(snippet, encoding="utf-8")
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental",
                           "--cache-dir", os.devnull, str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
