"""The keywords of the account methods that take more than the per-call options."""

from __future__ import annotations

from typing_extensions import Required

from ...transport._options import RequestOptionsParams

__all__ = ["TokenizeParams"]


class TokenizeParams(RequestOptionsParams, total=False):
    """The keywords of ``th.tokenize``: the text and the model whose tokenizer to use."""

    text: Required[str]
    model: Required[str]
