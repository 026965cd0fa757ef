"""Stream events that are checked in Rust at once but built into pydantic models on first touch.

Building a nested pydantic model per stream chunk (instances, ``extra`` dicts, defaults) costs
more than parsing the chunk. A stream validates each chunk with a *shadow* validator — the
model's own core schema with every model turned into a dict — so a chunk of the wrong shape
still fails inside the stream, and reads what it needs for ``.text()`` and ``.final()`` from
those dicts. The event it yields is a real instance of the public class (``isinstance``,
``type(e) is``, attribute access, ``model_dump()``, ``==``, pickling all behave), holding the
checked dict until something reads it; then the ordinary validator builds it in place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import pydantic
import pydantic_core
from pydantic_core import SchemaValidator

__all__ = [
    "LazyModel", "TemplateLearner", "TextTemplate", "discard", "lazy_instance", "shadow_validator",
]

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)

#: the key under which a not-yet-built instance keeps its checked dict (never a field name)
_PENDING = "\x00pending"
_dict_slot = pydantic.BaseModel.__dict__["__dict__"]
_get_dict: Callable[[Any], dict[str, Any]] = _dict_slot.__get__
_set_dict: Callable[[Any, dict[str, Any]], None] = _dict_slot.__set__
_setattr = object.__setattr__
_new = object.__new__


def _build(self: pydantic.BaseModel, pending: dict[str, Any]) -> None:
    """Validate the pending input with the class's own validator and take over the result."""
    source = pending[_PENDING]
    validator = self.__class__.__pydantic_validator__
    if source.__class__ is bytes:
        built = validator.validate_json(source)
    else:
        built = validator.validate_python(source)
    _set_dict(self, _get_dict(built))
    _setattr(self, "__pydantic_fields_set__", built.__pydantic_fields_set__)
    _setattr(self, "__pydantic_extra__", built.__pydantic_extra__)
    _setattr(self, "__pydantic_private__", built.__pydantic_private__)


class LazyModel:
    """Mixin (before the pydantic base) for a model whose instances may be built on first touch.

    A pending instance has only ``{_PENDING: checked_dict}`` in its ``__dict__`` and none of
    pydantic's slots set, so every way in — a field or extra attribute, the ``__dict__`` that
    pydantic's serializer, ``==``, ``copy`` and ``pickle`` read, ``model_fields_set`` — lands
    in one of the two hooks below and builds it first. Instances made the ordinary way pay
    one dict lookup when their ``__dict__`` is read as an attribute (``model_dump`` and such).
    """

    __slots__ = ()

    if not TYPE_CHECKING:  # hidden from type checkers: they would accept any attribute

        @property
        def __dict__(self) -> dict[str, Any]:
            d = _get_dict(self)
            if _PENDING in d:
                _build(self, d)
                d = _get_dict(self)
            return d

        @__dict__.setter
        def __dict__(self, value: dict[str, Any]) -> None:
            _set_dict(self, value)

        def __getattr__(self, name: str) -> Any:
            d = _get_dict(self)
            if _PENDING in d:
                _build(self, d)
                return getattr(self, name)
            return super().__getattr__(name)


def lazy_instance(cls: type[ModelT], checked: dict[str, Any] | bytes) -> ModelT:
    """An instance of ``cls`` (a :class:`LazyModel`) built from ``checked`` when first read.

    ``checked`` is a dict from :func:`shadow_validator` of ``cls``, or JSON bytes known to
    validate (:class:`TextTemplate`): building it then cannot fail.
    """
    inst = _new(cls)
    _set_dict(inst, {_PENDING: checked})
    return inst


def shadow_validator(model: type[pydantic.BaseModel]) -> SchemaValidator:
    """A validator accepting exactly what ``model``'s accepts, returning plain dicts.

    Models become typed dicts with the same fields, aliases and ``extra`` behaviour; field
    defaults are left out (absent keys stay absent, so building the model later fills them
    and ``model_fields_set`` is what direct validation gives). Field keys are the field names.
    """
    return SchemaValidator(_shadow(model.__pydantic_core_schema__))


_UNSHADOWABLE = ("function-before", "function-after", "function-wrap", "function-plain")


def _shadow(node: Any) -> Any:
    if isinstance(node, list):
        return [_shadow(item) for item in node]
    if not isinstance(node, dict):
        return node
    kind = node.get("type")
    if kind in _UNSHADOWABLE:
        # a Python validator would run twice (once here, once when the model is built)
        raise TypeError(f"cannot shadow a schema with a {kind} validator")
    if kind == "model":
        return _shadow_model(node)
    if kind == "definition-ref":
        return {**node, "schema_ref": node["schema_ref"] + ":shadow"}
    out = {key: _shadow(value) for key, value in node.items() if key not in ("cls", "ref")}
    if "ref" in node:
        out["ref"] = node["ref"] + ":shadow"
    return out


def _shadow_model(node: dict[str, Any]) -> dict[str, Any]:
    inner = node["schema"]
    if inner.get("type") != "model-fields" or node.get("root_model") or node.get("custom_init"):
        raise TypeError(f"cannot shadow the model schema of {node.get('cls')!r}")
    if inner.get("computed_fields") or inner.get("extras_schema"):
        raise TypeError(f"cannot shadow the model schema of {node.get('cls')!r}")
    config = node.get("config") or {}
    fields: dict[str, Any] = {}
    for name, field in inner["fields"].items():
        schema = field["schema"]
        required = schema.get("type") != "default"
        if not required:
            schema = schema["schema"]
        shadow_field: dict[str, Any] = {
            "type": "typed-dict-field", "schema": _shadow(schema), "required": required,
        }
        if field.get("validation_alias") is not None:
            shadow_field["validation_alias"] = field["validation_alias"]
        fields[name] = shadow_field
    out: dict[str, Any] = {
        "type": "typed-dict",
        "fields": fields,
        "extra_behavior": config.get("extra_fields_behavior", "ignore"),
        "config": config,
    }
    if "ref" in node:
        out["ref"] = node["ref"] + ":shadow"
    return out


#: bytes that a JSON string's raw text may not hold as is (or that end it): controls, ``"``, ``\``
_NOT_PLAIN = bytes(range(0x20)) + b'"\\'
_from_json = pydantic_core.from_json


class TextTemplate:
    """A checked event's JSON with one string value cut out: its siblings match in two compares.

    Most events of a stream are byte for byte the same but for one text piece
    (``..."delta":{"content":"`` *piece* ``"}}]}``). An event that starts with the template's
    prefix, ends with its suffix and has one well-formed JSON string between them has the
    same structure as the checked event the template came from, so it is valid too; only the
    piece needs decoding. Anything else misses and takes the full path.
    """

    __slots__ = ("match",)

    def __init__(self, prefix: bytes, suffix: bytes) -> None:
        #: ``match(data)``: the slot's text when ``data`` is the template's JSON with another
        #: string in the slot, else None (a closure: this runs once per event)
        self.match = _matcher(prefix, suffix)

    @classmethod
    def find(cls, data: bytes, key: str, value: str,
             check: Callable[[bytes], Any], expect: Callable[[Any, str], bool]) -> TextTemplate | None:
        """A template with its slot at ``data``'s one ``"key":`` string, whose text is ``value``.

        ``check`` validates JSON bytes (raising ``ValueError``); ``expect(checked, probe)``
        must say that a probe text put in the slot landed in the field the caller reads, so
        a key spelled with escapes or also used in some other object cannot fool it.
        """
        marker = b'"' + key.encode() + b'":"'
        if data.count(marker) != 1:
            return None
        start = data.index(marker) + len(marker)
        end = start
        while True:
            end = data.find(b'"', end)
            if end < 0:
                return None
            backslashes = len(data[start:end]) - len(data[start:end].rstrip(b"\\"))
            if backslashes % 2 == 0:
                break
            end += 1
        template = cls(data[:start], data[end:])
        probe = "\x01probe\x02"
        try:
            probed = check(data[:start] + b"\\u0001probe\\u0002" + data[end:])
        except ValueError:
            return None
        if template.match(data) != value or not expect(probed, probe):
            return None
        return template


def _matcher(prefix: bytes, suffix: bytes) -> Callable[[bytes], str | None]:
    head, cut, least = len(prefix), -len(suffix), len(prefix) + len(suffix)
    if not suffix:
        raise ValueError("a template's suffix starts with the slot's closing quote")

    def match(data: bytes) -> str | None:
        if not (data.startswith(prefix) and data.endswith(suffix) and len(data) >= least):
            return None
        piece = data[head:cut]
        try:
            if len(piece.translate(None, _NOT_PLAIN)) == len(piece):
                return piece.decode()
            text = _from_json(b'"' + piece + b'"')  # escapes; a stray quote fails to parse
        except ValueError:  # UnicodeDecodeError too
            return None
        return text if text.__class__ is str else None

    return match


class TemplateLearner:
    """Decides when a stream tries to build a template, so a stream whose events never repeat
    (a per-event nonce, a running counter) stops paying for templates that serve nothing."""

    __slots__ = ("_budget", "_built_at")

    _BUDGET = 4  # templates in a row that may serve nothing before the stream stops trying

    def __init__(self) -> None:
        self._budget = self._BUDGET
        self._built_at = -1  # the event the live template was built at; -1: none built

    def learn(self, seen: int, data: bytes, key: str, value: str,
              check: Callable[[bytes], Any], expect: Callable[[Any, str], bool]) -> TextTemplate | None:
        """A template from event number ``seen`` (see :meth:`TextTemplate.find`), or None.

        The stream calls this on events that missed the template, so the previous template
        served ``seen - built_at - 1`` events.
        """
        if self._built_at >= 0 and seen - self._built_at > 2:
            self._budget = self._BUDGET
        self._built_at = -1
        if self._budget <= 0:
            return None
        self._budget -= 1
        template = TextTemplate.find(data, key, value, check, expect)
        if template is not None:
            self._built_at = seen
        return template


def discard(piece: object) -> None:
    """Where a stream's template pieces go while it has no template (never called then)."""
