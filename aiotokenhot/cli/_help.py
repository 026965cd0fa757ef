"""How the command line explains itself: examples under every ``--help``, one-line usage errors."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from ._progress import red

__all__ = ["EXAMPLES", "Formatter", "Parser", "add_examples", "stderr_error"]

EXAMPLES: dict[str, str] = {
    "": """\
examples:
  aiotokenhot demo                                   a 30-second tour, no key needed
  aiotokenhot chat --fake -m gpt-5.4 "Hello"         try any command on the built-in fake gateway
  export TOKENHOT_API_KEY=sk-...                     then, for real:
  aiotokenhot chat -m claude-opus-4-6 "Explain HTTP keep-alive"
  aiotokenhot batch requests.jsonl -o results.jsonl -c 32 --rpm 3000
  aiotokenhot video doubao-seedance-2.0 "a paper boat on a rainy street" -o boat.mp4
  aiotokenhot <command> --help                       every option of one command

exit codes: 0 ok, 1 failed (API error, failed batch items), 2 usage or set-up, 130 interrupted.
Colour only on a terminal; set NO_COLOR=1 to turn it off.""",
    "chat": """\
examples:
  aiotokenhot chat -m gpt-5.4 "Why do async clients reuse connections?"
  aiotokenhot chat -m claude-opus-4-6 --system "Answer in one line" "What is SSE?"
  echo "Summarise this" | aiotokenhot chat -m gemini-2.5-flash
  aiotokenhot chat --fake -m grok-4.1 --protocol responses --json "hi"   raw stream events""",
    "batch": """\
examples:
  aiotokenhot batch requests.jsonl -o results.jsonl
  aiotokenhot batch requests.jsonl -o results.jsonl -c 64 --rpm 6000 --tpm 2000000
  aiotokenhot batch requests.jsonl -o results.jsonl --progress lines 2> progress.log
  aiotokenhot batch --fake requests.jsonl -o results.jsonl --quiet

  An input line: {"custom_id": "doc-1", "method": "POST", "url": "/v1/chat/completions",
                  "body": {"model": "gpt-5.4", "messages": [{"role": "user", "content": "Hi"}]}}
  Stopped (Ctrl-C, a crash)? Run the same command again: only the missing ids are sent.""",
    "models": """\
examples:
  aiotokenhot models
  aiotokenhot models --json | jq '.data[].id'""",
    "video": """\
examples:
  aiotokenhot video doubao-seedance-2.0 "a paper boat on a rainy street" -o boat.mp4
  aiotokenhot video sora-2 "sunrise over the sea" --seconds 8 --size 1280x720 -o sea.mp4
  aiotokenhot video status TASK_ID
  aiotokenhot video download TASK_ID -o boat.mp4       resume a task started elsewhere""",
    "fake-server": """\
examples:
  aiotokenhot fake-server                     on 127.0.0.1:8787
  aiotokenhot fake-server --port 0            any free port (printed)
  aiotokenhot fake-server --unknown-model gpt-9 --chunk-delay 0.05
  then, in another shell, point any client at it with the two exports it prints.""",
    "demo": """\
examples:
  aiotokenhot demo                            (what `make demo` runs)
  aiotokenhot demo --out /tmp/th-demo --batch-size 500""",
}


class Formatter(argparse.HelpFormatter):
    """Wraps one-paragraph descriptions; keeps multi-line text (the examples) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line (exit code 2), not usage + error."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        self.exit(2, red(f"{self.prog}: error: {message}{hint}") + "\n")


def add_examples(parser: argparse.ArgumentParser, sub: argparse._SubParsersAction[Parser]) -> None:
    """Put each command's examples in its epilog and use :class:`Formatter` everywhere."""
    parser.epilog = EXAMPLES[""]
    parser.formatter_class = Formatter
    for name, command in sub.choices.items():
        command.formatter_class = Formatter
        if name in EXAMPLES:
            command.epilog = EXAMPLES[name]


def stderr_error(message: str) -> None:
    """One ``aiotokenhot: error: ...`` line on stderr (red on a terminal)."""
    print(red(f"aiotokenhot: error: {message}", sys.stderr), file=sys.stderr)
