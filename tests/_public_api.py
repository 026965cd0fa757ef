"""The SDK's public methods, listed once for the tests that check them all."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from aiotokenhot import AsyncTokenHot

__all__ = ["METHODS", "public_methods", "resolve"]


def public_methods(th: AsyncTokenHot) -> list[tuple[str, Callable[..., Any]]]:
    """Every public method of every namespace, as ``("th.chat.completions.create", bound)``."""
    namespaces = {
        "chat.completions": th.chat.completions, "responses": th.responses,
        "completions": th.completions, "messages": th.messages, "gemini": th.gemini,
        "models": th.models, "images": th.images, "videos": th.videos, "audio": th.audio,
        "audio.transcriptions": th.audio.transcriptions, "audio.translations": th.audio.translations,
        "embeddings": th.embeddings, "language_models": th.language_models, "api_key": th.api_key,
        "billing": th.billing,
    }
    found = []
    for path, resource in namespaces.items():
        for name, member in inspect.getmembers(type(resource)):
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            found.append((f"th.{path}.{name}", getattr(resource, name)))
    return found


METHODS = [label for label, _ in public_methods(AsyncTokenHot(api_key="sk-test"))]


def resolve(th: AsyncTokenHot, label: str) -> Callable[..., Any]:
    target: Any = th
    for part in label.split(".")[1:]:
        target = getattr(target, part)
    return target  # type: ignore[no-any-return]
