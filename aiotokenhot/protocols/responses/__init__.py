"""OpenAI Responses API: ``th.responses.create(...)`` and ``.stream(...)``."""

from . import _events, _types
from ._accumulate import ResponseAccumulator
from ._events import *  # noqa: F403 - its __all__ is part of this package's
from ._params import ResponseCreateParams
from ._parse import ParsedResponse
from ._resource import Responses
from ._stream import ResponseStream
from ._types import *  # noqa: F403 - its __all__ is part of this package's

__all__ = [
    "ParsedResponse",
    "ResponseAccumulator",
    "ResponseStream",
    "Responses",
]
__all__ += _events.__all__
__all__ += _types.__all__
__all__ += ["ResponseCreateParams"]
