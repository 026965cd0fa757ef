"""The batch results file: only results go in, one writer at a time, a full disk loses nothing."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiotokenhot import InvalidRequestError
from aiotokenhot.batch import BatchOutputError, BatchResult, ResultLog, run_batch
from aiotokenhot.batch._output import is_result, scan_output
from aiotokenhot.cli import main
from aiotokenhot.testing import FakeTokenHot

ROOT = Path(__file__).resolve().parent.parent


def request(i: int) -> dict[str, Any]:
    return {"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": "gpt-5.4", "messages": [{"role": "user", "content": f"item {i}"}]}}


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def result_ids(path: Path) -> list[str]:
    return [json.loads(line)["custom_id"] for line in path.read_text().splitlines()]


@pytest.fixture(autouse=True)
def no_real_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOKENHOT_API_KEY", raising=False)
    monkeypatch.delenv("TOKENHOT_BASE_URL", raising=False)


# -- what a result line is ---------------------------------------------------------------------

ids = st.text(min_size=1, max_size=20)
bodies = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=10),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)


@given(cid=ids, status=st.integers(100, 599), body=bodies,
       error=st.none() | st.builds(lambda m: {"type": "APIStatusError", "message": m}, st.text()))
@settings(max_examples=200, deadline=None)
def test_every_line_the_runner_writes_is_a_result(cid: str, status: int, body: Any,
                                                  error: dict[str, Any] | None) -> None:
    line = BatchResult(cid, 1, status, body, error, 1, 0.1).to_line()
    assert is_result(json.loads(line))
    assert line.startswith(b'{"custom_id":')  # how a torn tail is recognised


@given(cid=ids, drop=st.sampled_from(["custom_id", "response", "error"]))
def test_a_line_missing_any_part_of_the_shape_is_not_a_result(cid: str, drop: str) -> None:
    line = {"custom_id": cid, "response": {"status_code": 200, "body": {}}, "error": None}
    del line[drop]
    assert not is_result(line)


@pytest.mark.parametrize("obj", [
    {"custom_id": "a"},
    request(0),  # a request line: its custom_id is a string, yet it is no result
    {"custom_id": "a", "response": None, "error": None},
    {"custom_id": "a", "response": {"status_code": "200", "body": {}}, "error": None},
    {"custom_id": "a", "response": {"status_code": True, "body": {}}, "error": None},
    {"custom_id": "a", "response": None, "error": "boom"},
    {"custom_id": "", "response": None, "error": {"message": "x"}},
    {"custom_id": "a", "response": None, "error": {"message": "x"}, "note": "extra"},
    ["custom_id", "a"],
])
def test_shapes_that_are_not_results(obj: Any) -> None:
    assert not is_result(obj)


def test_openai_batch_output_lines_are_results() -> None:
    assert is_result({"id": "batch_req_1", "custom_id": "a",
                      "response": {"status_code": 200, "request_id": "r", "body": {}},
                      "error": None})


# -- refusing what is not ours -------------------------------------------------------------------

NOT_RESULTS = {
    "a user's notes": b"shopping list\nmilk\n",
    "one line of text with no newline": b"hello",
    "requests": json.dumps(request(0)).encode() + b"\n",
    "results then a request": (b'{"custom_id":"a","response":null,"error":{"message":"x"}}\n'
                               + json.dumps(request(1)).encode() + b"\n"),
    "a result with a broken line after it": (b'{"custom_id":"a","response":null,"error":'
                                             b'{"message":"x"}}\n{"custom_id": "b\n'),
    "a JSON array": b'[{"custom_id": "a"}]\n',
}


@pytest.mark.parametrize("content", list(NOT_RESULTS.values()), ids=list(NOT_RESULTS))
async def test_an_output_that_is_not_a_results_file_is_refused_and_untouched(
    tmp_path: Path, content: bytes
) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(content)
    before = out.stat()
    async with FakeTokenHot() as fake, fake.client() as th:
        with pytest.raises(InvalidRequestError, match="not a batch result line"):
            await run_batch(th, [request(0)], output=out)
        assert fake.requests == []
    assert out.read_bytes() == content
    assert out.stat().st_mtime_ns == before.st_mtime_ns


def test_cli_refuses_such_a_file_with_one_line_and_no_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(3)])
    out = tmp_path / "notes.txt"
    out.write_text("my notes\n")
    assert main(["batch", "--fake", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("aiotokenhot: error: ")
    assert "notes.txt line 1 is not a batch result line" in err[0]
    assert out.read_text() == "my notes\n"


@pytest.mark.parametrize("same", ["same path", "hard link", "symlink"])
def test_input_and_output_the_same_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, same: str
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(3)])
    out = src
    if same == "hard link":
        out = tmp_path / "linked.jsonl"
        os.link(src, out)
    elif same == "symlink":
        out = tmp_path / "sym.jsonl"
        out.symlink_to(src)
    before = src.read_bytes()
    assert main(["batch", "--fake", str(src), "-o", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"aiotokenhot: error: input and output are the same file ({src}); "
                   "results go to a separate file"]
    assert src.read_bytes() == before


def test_a_missing_input_is_a_set_up_error_before_the_output_is_created(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    assert main(["batch", "--fake", str(tmp_path / "nope.jsonl"), "-o", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "nope.jsonl: no such file" in err[0]
    assert not out.exists()


def test_a_repaired_torn_line_is_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(3)])
    out = tmp_path / "out.jsonl"
    assert main(["batch", "--fake", str(src), "-o", str(out)]) == 0
    capsys.readouterr()
    with out.open("ab") as handle:
        handle.write(b'{"custom_id":"req-9","response":{"stat')  # a run killed mid-write
    assert main(["batch", "--fake", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "repaired a torn last line (38 bytes cut)" in err
    assert sorted(result_ids(out)) == ["req-0", "req-1", "req-2"]


# -- one writer ----------------------------------------------------------------------------------

HOLD_LOCK = """
import sys
from aiotokenhot.batch import ResultLog
log = ResultLog(sys.argv[1]); log.open()
print("locked", flush=True)
sys.stdin.read()
"""


async def test_a_second_run_on_the_same_output_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    first = ResultLog(str(out))
    first.open()
    try:
        async with FakeTokenHot() as fake, fake.client() as th:
            with pytest.raises(BatchOutputError, match="in use by another batch run"):
                await run_batch(th, [request(0)], output=out)
            assert fake.requests == []
    finally:
        first.close()
    async with FakeTokenHot() as fake, fake.client() as th:
        summary = await run_batch(th, [request(0)], output=out)
    assert summary.ok == 1


def test_another_process_holding_the_output_makes_the_cli_fail_clearly(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(3)])
    out = tmp_path / "out.jsonl"
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(out)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        assert main(["batch", "--fake", str(src), "-o", str(out)]) == 1
    finally:
        holder.communicate("")
    err = capsys.readouterr().err.splitlines()
    assert err == [f"aiotokenhot: error: BatchOutputError: {out} is in use by another batch run "
                   "(one writer per output file); wait for it to finish or choose another output"]
    assert out.read_bytes() == b""
    assert main(["batch", "--fake", str(src), "-o", str(out)]) == 0  # the lock died with it


async def test_resume_reports_duplicates_it_finds(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    line = BatchResult("req-0", 1, 200, {"ok": True}, None, 1, 0.1).to_line()
    out.write_bytes(line + line)  # as two writers at once once left it
    async with FakeTokenHot() as fake, fake.client() as th:
        summary = await run_batch(th, [request(0), request(1)], output=out)
    assert (summary.duplicates, summary.skipped, summary.ok) == (1, 1, 1)
    assert "the output holds 1 duplicate result lines" in summary.format()


# -- a full disk -----------------------------------------------------------------------------------


async def test_a_full_disk_stops_the_run_with_a_typed_error_and_a_clean_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.jsonl"
    log_fds: set[int] = set()
    real_open, real_write = os.open, os.write
    writes = {"n": 0}

    def tracking_open(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        fd = real_open(path, flags, mode, **kw)
        if os.fspath(path) == str(out):
            log_fds.add(fd)
        return fd

    def filling_write(fd: int, data: Any) -> int:
        if fd not in log_fds:
            return real_write(fd, data)
        writes["n"] += 1
        if writes["n"] == 6:
            return real_write(fd, bytes(data[:10]))  # the disk fills up mid-line
        if writes["n"] > 6:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "open", tracking_open)
    monkeypatch.setattr(os, "write", filling_write)
    async with FakeTokenHot() as fake, fake.client() as th:
        with pytest.raises(BatchOutputError) as caught:
            await run_batch(th, [request(i) for i in range(20)], output=out, concurrency=2)
    monkeypatch.undo()
    assert caught.value.errno == errno.ENOSPC
    assert str(caught.value) == (f"cannot write to {out}: the disk is full; the results so far "
                                 "are kept, rerun the same command to resume")
    assert len(result_ids(out)) == 5  # whole lines only: the torn sixth was cut away
    async with FakeTokenHot() as fake, fake.client() as th:
        summary = await run_batch(th, [request(i) for i in range(20)], output=out)
    assert (summary.skipped, summary.ok, summary.repaired_bytes) == (5, 15, 0)
    assert sorted(result_ids(out)) == sorted(f"req-{i}" for i in range(20))


def test_a_torn_line_that_cannot_be_cut_at_once_is_repaired_by_the_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.jsonl"
    log = ResultLog(str(out))
    log.open()
    log.append(BatchResult("a", 1, 200, {}, None, 1, 0.1).to_line())
    real_write = os.write

    def half_then_full(fd: int, data: Any) -> int:
        monkeypatch.setattr(os, "write", lambda *_: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
        return real_write(fd, bytes(data[:7]))

    monkeypatch.setattr(os, "write", half_then_full)
    monkeypatch.setattr(os, "ftruncate", lambda *_: (_ for _ in ()).throw(OSError(errno.EIO, "io")))
    with pytest.raises(BatchOutputError, match="the disk is full"):
        log.append(BatchResult("b", 2, 200, {}, None, 1, 0.1).to_line())
    monkeypatch.undo()
    log.close()
    assert out.read_bytes().endswith(b'\n{"custo')  # torn, as a crash would leave it
    again = ResultLog(str(out))
    assert again.open() == {"a"} and again.repaired_bytes == 7
    again.close()


def _mount_small_tmpfs(where: Path) -> str | None:
    """Mount a 64 KiB tmpfs at ``where``; the reason it cannot be done, else None."""
    if sys.platform != "linux" or shutil.which("mount") is None:
        return "needs Linux with mount(8)"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root (CAP_SYS_ADMIN)"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)
    return None if done.returncode == 0 else f"mount failed: {done.stderr.strip()}"


def test_a_really_full_disk_gives_one_error_line_and_a_resumable_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    small = tmp_path / "small"
    reason = _mount_small_tmpfs(small)
    if reason is not None:
        pytest.skip(reason)
    try:
        src = write_jsonl(tmp_path / "in.jsonl", [request(i) for i in range(300)])
        out = small / "out.jsonl"
        assert main(["batch", "--fake", str(src), "-o", str(out), "-c", "8"]) == 1
        err = capsys.readouterr().err.splitlines()
        errors = [line for line in err if line.startswith("aiotokenhot: error: ")]
        assert errors == [f"aiotokenhot: error: BatchOutputError: cannot write to {out}: the disk "
                          "is full; the results so far are kept, rerun the same command to resume"]
        assert not any("Traceback" in line for line in err)
        scan = scan_output(str(out))  # whole result lines only: nothing to repair
        assert scan.torn == b"" and 0 < len(scan.done) < 300
        moved = tmp_path / "out.jsonl"
        shutil.copyfile(out, moved)
    finally:
        subprocess.run(["umount", str(small)], check=False)
    assert main(["batch", "--fake", str(src), "-o", str(moved)]) == 0
    assert f"{len(scan.done)} already done" in capsys.readouterr().err
    assert sorted(result_ids(moved)) == sorted(f"req-{i}" for i in range(300))


# -- reporting -------------------------------------------------------------------------------------


def test_bad_line_reports_are_capped_and_hint_at_swapped_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    results = tmp_path / "results.jsonl"
    results.write_bytes(b"".join(BatchResult(f"req-{i}", i, 200, {}, None, 1, 0.1).to_line()
                                 for i in range(50)))
    assert main(["batch", "--fake", str(results), "-o", str(tmp_path / "new.jsonl")]) == 1
    err = capsys.readouterr().err.splitlines()
    shown = [line for line in err if line.startswith("line ")]
    assert len(shown) == 20
    assert shown[0] == "line 1: this is a result line, not a request (are input and output swapped?)"
    assert "... and 30 more bad lines (not shown)" in err
    assert "hint: the input holds result lines: are input and output swapped?" in err
    assert any("0 ok, 0 failed, 50 bad lines" in line for line in err)


def test_dash_reads_requests_from_standard_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = "".join(json.dumps(request(i)) + "\n" for i in range(5)) + "{oops\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    out = tmp_path / "out.jsonl"
    assert main(["batch", "--fake", "-", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "line 6: not valid JSON" in err and "5 ok, 0 failed, 1 bad lines" in err
    assert sorted(result_ids(out)) == [f"req-{i}" for i in range(5)]
