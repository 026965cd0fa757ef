"""The unified entry points have real signatures: a type checker rejects wrong arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[1]

SNIPPET = '''
from aiotokenhot import AsyncTokenHot

async def main(th: AsyncTokenHot) -> None:
    await th.complete(model="gpt-5.4", messages=[{"role": "user", "content": "hi"}])
    th.stream(model="gpt-5.4", messages=[{"role": "user", "content": "hi"}], max_tokens=5)
    await th.complete(model=5, messages="x")
    th.stream(model="gpt-5.4", messages=[], temprature=1)
'''


def test_mypy_strict_rejects_wrong_types_and_unknown_arguments(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    snippet = tmp_path / "usage.py"
    snippet.write_text(SNIPPET)
    monkeypatch.setenv("MYPYPATH", str(ROOT))
    out, _, status = mypy_api.run([
        "--strict", "--follow-imports=silent", "--cache-dir", str(tmp_path / "cache"), str(snippet),
    ])
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1
    assert {int(line.split(":")[1]) for line in errors} == {7, 8}  # the good calls pass
    assert any('"model"' in line and '"int"' in line for line in errors)
    assert any('"messages"' in line and '"str"' in line for line in errors)
    assert any('"temprature"' in line for line in errors)
