"""Every public method says what it takes, what it returns and what it raises."""

from __future__ import annotations

import inspect
import re

import pytest

from aiotokenhot import AsyncTokenHot
from tests._public_api import METHODS, resolve

TH = AsyncTokenHot(api_key="sk-test")


@pytest.mark.parametrize("label", METHODS)
def test_docstring_names_returns_and_raises(label: str) -> None:
    method = resolve(TH, label)
    doc = inspect.getdoc(method) or ""
    assert len(doc.splitlines()) >= 3, label
    assert re.search(r"\bReturns?\b|\breturns?\b", doc), f"{label}: what does it return?"
    assert re.search(r"\bRaises?\b|\braises?\b", doc), f"{label}: what does it raise?"


@pytest.mark.parametrize("label", METHODS)
def test_docstring_mentions_each_required_parameter(label: str) -> None:
    method = resolve(TH, label)
    doc = inspect.getdoc(method) or ""
    if "same keywords as" in doc or "keywords of" in doc:
        return  # the method points to the one that documents them
    required = [p.name for p in inspect.signature(method).parameters.values()
                if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
                and p.name not in ("video", "video_id", "model_id", "path")]
    missing = [name for name in required if f"``{name}``" not in doc]
    assert not missing, f"{label} does not document {missing}"
