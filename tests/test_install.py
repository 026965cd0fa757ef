"""The README's install, seen by a type checker: `pip install -e .` then `mypy --strict` on a user script.

The test copies the project (pyproject, README, package) to a temporary folder, makes a fresh virtualenv
there, installs the copy with `pip install -e .` and runs `mypy --strict` on a small script that uses the
SDK the way the README shows. It needs no network: the new virtualenv sees the test environment's
packages (aiohttp, pydantic, setuptools) through one `.pth` line, pip builds without isolation and
without dependencies. It takes 10 s on an idle laptop, up to 40 s on a busy machine (2 s of pip, the
rest is mypy's first, cache-less look at the package and its dependencies), so it runs in CI like
every other test.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent

USER_SCRIPT = '''
from __future__ import annotations

import asyncio

from aiotokenhot import AsyncTokenHot, RawResponse
from aiotokenhot.protocols.chat import ChatCompletion, ChatCompletionStream
from aiotokenhot.protocols.messages import Message, MessageStream
from aiotokenhot.protocols.responses import ResponseStream


async def ask(th: AsyncTokenHot, question: str) -> str:
    reply: ChatCompletion = await th.chat.completions.create(
        model="gpt-5.4", messages=[{"role": "user", "content": question}], temperature=0.2,
    )
    rid: str | None = reply.request_id
    print(rid)
    return reply.choices[0].message.content or ""


async def stream(th: AsyncTokenHot) -> str:
    pieces: list[str] = []
    chunks: ChatCompletionStream = await th.chat.completions.create(
        model="gpt-5.4", messages=[{"role": "user", "content": "hi"}], stream=True,
    )
    async with chunks:
        async for piece in chunks.text():
            pieces.append(piece)
    return "".join(pieces)


async def other_protocols(th: AsyncTokenHot) -> str:
    events: ResponseStream = await th.responses.create(model="gpt-5.4", input="hi", stream=True)
    await events.aclose()
    message: Message = await th.messages.create(
        model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "hi"}],
    )
    blocks: MessageStream = await th.messages.create(
        model="claude-sonnet-4-5", max_tokens=64, messages=[{"role": "user", "content": "hi"}],
        stream=True,
    )
    await blocks.aclose()
    return message.text


async def raw(th: AsyncTokenHot) -> int:
    answer: RawResponse[ChatCompletion] = await th.chat.completions.with_raw_response.create(
        model="gpt-5.4", messages=[{"role": "user", "content": "hi"}],
    )
    completion: ChatCompletion = answer.parse()
    print(completion.id, answer.headers.get("content-type"))
    return answer.status_code


async def main() -> None:
    async with AsyncTokenHot(api_key="sk-demo") as th:
        fast = th.with_options(timeout=5.0, max_retries=1, default_headers={"X-App": "demo"})
        print(await ask(fast, "hello"), await stream(th), await raw(th), await other_protocols(th))


asyncio.run(main())
'''

# The same script with one mistake per line: mypy must see each (so it really reads the package).
BROKEN_SCRIPT = '''
from aiotokenhot import AsyncTokenHot


async def main(th: AsyncTokenHot) -> None:
    await th.chat.completions.create(model="gpt-5.4", messages=[], temprature=0.2)
    await th.chat.completions.create(model=5, messages=[])
    reply = await th.chat.completions.create(model="gpt-5.4", messages=[])
    reply.no_such_field.upper()
'''


def _copy_project(dest: Path) -> Path:
    project = dest / "project"
    project.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "aiotokenhot", project / "aiotokenhot",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return project


def _fresh_venv(dest: Path) -> Path:
    """A new virtualenv whose only extra path entry is this environment's site-packages."""
    env_dir = dest / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "_test_environment.pth").write_text("\n".join(ours) + "\n")
    return python


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(python of the fresh venv, a folder outside the project for user scripts)."""
    tmp = tmp_path_factory.mktemp("install")
    project = _copy_project(tmp)
    python = _fresh_venv(tmp)
    pip = _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                "--no-deps", "--no-build-isolation", "-e", "."], cwd=project)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    user = tmp / "user"
    user.mkdir()
    return python, user


def _mypy(python: Path, user: Path, script: str) -> subprocess.CompletedProcess[str]:
    (user / "app.py").write_text(script)
    mypy = Path(sys.executable).with_name("mypy")
    command = [str(mypy)] if mypy.exists() else [sys.executable, "-m", "mypy"]
    return _run([*command, "--strict", "--python-executable", str(python),
                 "--cache-dir", str(user / ".mypy_cache"), "app.py"], cwd=user)


def test_editable_install_is_a_plain_path_entry(installed: tuple[Path, Path]) -> None:
    python, user = installed
    purelib = Path(sysconfig.get_paths(vars={"base": str(python.parent.parent)})["purelib"])
    found = _run([str(python), "-c", "import aiotokenhot, sys; print(aiotokenhot.__file__); "
                  "print(any('__editable__' in type(f).__module__ for f in sys.meta_path))"], cwd=user)
    assert found.returncode == 0, found.stderr
    location, hook = found.stdout.split()
    assert Path(location).parent.parent.name == "project"
    assert hook == "False"  # no import hook that type checkers could not follow
    assert not list(purelib.glob("__editable__*finder*.py"))


def test_mypy_strict_accepts_a_user_script(installed: tuple[Path, Path]) -> None:
    python, user = installed
    result = _mypy(python, user, USER_SCRIPT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


def test_mypy_strict_sees_the_package_types(installed: tuple[Path, Path]) -> None:
    python, user = installed
    result = _mypy(python, user, BROKEN_SCRIPT)
    assert result.returncode == 1
    out = result.stdout
    assert "import-not-found" not in out, out
    assert '"temprature"' in out, out  # the typo, by name
    assert 'argument types "int"' in out, out  # model=5
    assert "no_such_field" in out, out
