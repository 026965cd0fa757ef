"""What a call cost: model prices, the per-protocol token counts they apply to, and the result.

Prices are USD as :class:`~decimal.Decimal`: per million tokens for text models, per image, per
second of video and per minute of audio for models priced that way. A cost is computed only from
an exact price-table entry for the model that answered (or, failing that, the model asked for)
and only when every kind of token the answer used has a price: otherwise it is ``None``, never a
guess.

The client attaches the figure to results after parsing (results are built without client
context): ``usage.cost`` reads it back through :class:`Costed`; unified results carry it as
``Completion.cost``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

from ._exceptions import InvalidRequestError

__all__ = ["Costed", "ModelPrice", "PriceTable", "TokenCounts", "attach_cost"]

MILLION = Decimal(1_000_000)
#: xAI's ``/v1/language-models`` prices are in 1/100 US cents per million tokens.
XAI_PRICE_UNIT = Decimal("0.0001")
_COST_ATTR = "_th_cost"


def _to_decimal(name: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, float, str)):
        raise InvalidRequestError(f"ModelPrice.{name} must be a Decimal, int or str, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidRequestError(f"ModelPrice.{name} must be finite, got {value!r}")
    try:
        # a float goes through its shortest repr, so 0.1 stays 0.1 and not 0.1000000000000000055...
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise InvalidRequestError(f"ModelPrice.{name} is not a number: {value!r}") from None
    if not number.is_finite() or number < 0:
        raise InvalidRequestError(f"ModelPrice.{name} must be a finite price >= 0, got {value!r}")
    return number


@dataclass(frozen=True)
class ModelPrice:
    """One model's prices in USD. Token prices are per **million** tokens.

    - ``input``: prompt tokens not read from a cache.
    - ``output``: completion tokens, reasoning/thinking tokens included.
    - ``cached_input``: prompt tokens read from the provider's cache (OpenAI ``cached_tokens``,
      Anthropic ``cache_read_input_tokens``, Gemini ``cachedContentTokenCount``).
    - ``cache_write``: prompt tokens written to the cache (Anthropic ``cache_creation_input_tokens``).
    - ``per_image``: USD per generated image; ``per_video_second``: USD per second of video;
      ``per_audio_minute``: USD per minute of audio.

    Values may be given as ``Decimal``, ``int`` or ``str`` (a ``float`` is read through its repr).
    A price left ``None`` is unknown: a call that used that kind of token has no cost.

    Raises:
        InvalidRequestError: a value that is not a finite number >= 0.
    """

    input: Decimal | None = None
    output: Decimal | None = None
    cached_input: Decimal | None = None
    cache_write: Decimal | None = None
    per_image: Decimal | None = None
    per_video_second: Decimal | None = None
    per_audio_minute: Decimal | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _to_decimal(f.name, getattr(self, f.name)))

    def tokens_cost(self, counts: TokenCounts) -> Decimal | None:
        """USD for ``counts`` at these prices; None if a kind of token used has no price."""
        total = Decimal(0)
        for used, price in (
            (counts.input, self.input),
            (counts.cached_input, self.cached_input),
            (counts.cache_write, self.cache_write),
            (counts.output, self.output),
        ):
            if used:
                if price is None:
                    return None
                total += used * price
        return total / MILLION

    def media_cost(
        self, *, images: int = 0, video_seconds: float = 0, audio_minutes: float = 0
    ) -> Decimal | None:
        """USD for generated media at these prices; None if a kind of media used has no price."""
        total = Decimal(0)
        for used, price in (
            (images, self.per_image),
            (video_seconds, self.per_video_second),
            (audio_minutes, self.per_audio_minute),
        ):
            if used:
                if price is None:
                    return None
                total += Decimal(repr(used)) * price
        return total


class TokenCounts(NamedTuple):
    """Billable tokens of one answer, split by price: the four kinds never overlap."""

    input: int = 0
    cached_input: int = 0
    cache_write: int = 0
    output: int = 0


class PriceTable(Mapping[str, ModelPrice]):
    """Model id → :class:`ModelPrice`. Lookups are exact: no prefix or family matching."""

    def __init__(self, prices: Mapping[str, ModelPrice] | None = None) -> None:
        self._prices: dict[str, ModelPrice] = {}
        if prices:
            self.update(prices)

    def update(self, prices: Mapping[str, ModelPrice]) -> None:
        """Add or replace entries.

        Raises:
            InvalidRequestError: a key that is not a model id or a value that is not a ModelPrice.
        """
        for model, price in prices.items():
            if not isinstance(model, str) or not model:
                raise InvalidRequestError(f"price table keys are model ids, got {model!r}")
            if not isinstance(price, ModelPrice):
                raise InvalidRequestError(
                    f"the price of {model!r} must be an aiotokenhot.ModelPrice, got {type(price).__name__}"
                )
            self._prices[model] = price

    def __getitem__(self, model: str) -> ModelPrice:
        return self._prices[model]

    def __iter__(self) -> Iterator[str]:
        return iter(self._prices)

    def __len__(self) -> int:
        return len(self._prices)

    def __repr__(self) -> str:
        return f"PriceTable({self._prices!r})"

    def lookup(self, *models: str | None) -> ModelPrice | None:
        """The first model among ``models`` with an entry (answering model first, then asked)."""
        for model in models:
            if model:
                price = self._prices.get(model)
                if price is None and model.startswith("models/"):  # Gemini's resource names
                    price = self._prices.get(model[7:])
                if price is not None:
                    return price
        return None

    def load_language_models(self, models: Iterable[Any]) -> int:
        """Add prices from xAI-style ``/v1/language-models`` entries (their aliases too).

        xAI states prices as integers in 1/100 US cents per million tokens; they are converted
        to USD per million tokens. Returns how many entries were added.
        """
        added: dict[str, ModelPrice] = {}
        for model in models:
            def unit(name: str, m: Any = model) -> Decimal | None:
                raw = m.get(name) if isinstance(m, Mapping) else getattr(m, name, None)
                return None if raw is None else Decimal(raw) * XAI_PRICE_UNIT

            model_id = model.get("id") if isinstance(model, Mapping) else getattr(model, "id", None)
            if not model_id or unit("prompt_text_token_price") is None:
                continue
            price = ModelPrice(
                input=unit("prompt_text_token_price"),
                output=unit("completion_text_token_price"),
                cached_input=unit("cached_prompt_text_token_price"),
            )
            aliases = (model.get("aliases") if isinstance(model, Mapping)
                       else getattr(model, "aliases", None)) or []
            for name in (model_id, *aliases):
                added[name] = price
        self.update(added)
        return len(added)


class Costed:
    """Mixin of the usage types (and of image, video and transcription results): ``cost`` is what
    the call cost in USD, when the client knows it."""

    __slots__ = ()

    @property
    def cost(self) -> Decimal | None:
        """USD (``Decimal``) from the client's price table; None when the price is unknown."""
        state = getattr(self, "__dict__", None)
        return None if state is None else state.get(_COST_ATTR)


def attach_cost(result: Any, cost: Decimal | None) -> None:
    """Record ``cost`` on a parsed result: its usage object (``usage.cost``) and, for unified
    results, ``Completion.cost``; a :class:`Costed` result (images, video, transcription) itself.
    Results are built by parsers with no client context, so the
    client layer fills this in once the figure is known."""
    if cost is None or result is None:
        return
    if isinstance(result, Costed):  # a media result: the cost is the result's own
        object.__setattr__(result, _COST_ATTR, cost)
        return
    if hasattr(result, "cost") and not isinstance(getattr(type(result), "cost", None), property):
        result.cost = cost  # the unified Completion: a plain field
    usage = getattr(result, "usage", None)
    if usage is None:
        usage = getattr(result, "usage_metadata", None)
    if usage is None:
        return
    if isinstance(usage, Costed):
        object.__setattr__(usage, _COST_ATTR, cost)
    elif hasattr(usage, "cost"):
        usage.cost = cost
