"""A tool the model may call: its name, description, argument schema and the code that runs it.

The JSON schema is pydantic's: for a plain function, of a model made from its signature
(``create_model``: type hints, defaults, ``Annotated[..., Field(description=...)]``); for a
pydantic model plus a handler, of that model. The same model validates the arguments the model
sends before the function runs.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping
from typing import Any, Union

import anyio.to_thread
import pydantic
import pydantic_core

from .._exceptions import InvalidRequestError

__all__ = ["Tool", "ToolLike", "as_tool", "output_text"]

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Tool:
    """A function the model may call.

    ``Tool(get_weather)``: arguments, their types and defaults come from the signature, the
    description from the docstring. ``Tool(handler, args=WeatherQuery)``: the schema is the
    pydantic model's, and ``handler`` gets the validated model instance. Plain functions passed
    in ``tools=[...]`` are wrapped like the first form.

    Handlers may be coroutine functions (awaited on the event loop) or plain functions (run in a
    worker thread, so a blocking call does not stall the loop; a timed-out thread is abandoned,
    not stopped). ``name`` defaults to the function's name, ``description`` to the docstring
    (of the function, else of ``args``); ``timeout`` (seconds) overrides the loop's
    ``tool_timeout`` for this tool. Raises :class:`InvalidRequestError` for a signature that
    cannot become a schema (``*args``/``**kwargs``, unresolvable hints).
    """

    __slots__ = ("_args", "_handler", "_is_async", "_positional", "_takes_model", "description",
                 "name", "parameters", "timeout")

    def __init__(
        self,
        handler: Callable[..., Any],
        *,
        args: type[pydantic.BaseModel] | None = None,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> None:
        if not callable(handler):
            raise InvalidRequestError(f"a tool needs a function to run, got {handler!r}")
        self.name: str = name or getattr(handler, "__name__", "") or ""
        if not _NAME.fullmatch(self.name):
            raise InvalidRequestError(
                f"tool name {self.name!r} must be 1 to 64 ASCII letters, digits, '_' or '-' "
                "(pass name=...)"
            )
        if timeout is not None and (isinstance(timeout, bool) or timeout <= 0):
            raise InvalidRequestError("a tool's timeout must be a positive number of seconds")
        self.timeout = timeout
        self._handler = handler
        # a coroutine function, or an object whose __call__ is one
        self._is_async = inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
            type(handler).__call__
        )
        self._takes_model = args is not None
        self._positional: list[str] = []
        if args is not None:
            if not (isinstance(args, type) and issubclass(args, pydantic.BaseModel)):
                raise InvalidRequestError("args must be a pydantic model class")
            self._args: type[pydantic.BaseModel] = args
        else:
            self._args = self._model_of(handler)
        doc = inspect.getdoc(handler) or (inspect.getdoc(args) if args is not None else None)
        self.description: str = description if description is not None else (doc or "")
        self.parameters: dict[str, Any] = _inline(self._args.model_json_schema())

    def _model_of(self, fn: Callable[..., Any]) -> type[pydantic.BaseModel]:
        """A pydantic model of ``fn``'s parameters (aliased, so any parameter name is allowed)."""
        try:
            signature = inspect.signature(fn, eval_str=True)
        except (NameError, TypeError, ValueError) as exc:
            raise InvalidRequestError(
                f"tool {self.name!r}: cannot read the signature's type hints ({exc})"
            ) from None
        fields: dict[str, Any] = {}
        for i, param in enumerate(signature.parameters.values()):
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                raise InvalidRequestError(
                    f"tool {self.name!r}: *args and **kwargs cannot be described to a model"
                )
            if param.kind is param.POSITIONAL_ONLY:
                self._positional.append(param.name)
            annotation = Any if param.annotation is param.empty else param.annotation
            field = (pydantic.Field(alias=param.name) if param.default is param.empty
                     else pydantic.Field(param.default, alias=param.name))
            fields[f"arg{i}"] = (annotation, field)
        try:
            return pydantic.create_model(f"{self.name}_arguments", **fields)
        except (pydantic.PydanticSchemaGenerationError, pydantic.PydanticUserError) as exc:
            raise InvalidRequestError(f"tool {self.name!r}: {exc}") from None

    def to_openai(self) -> dict[str, Any]:
        """The tool in the OpenAI chat shape the unified calls take in ``tools=[...]``."""
        function: dict[str, Any] = {"name": self.name, "parameters": self.parameters}
        if self.description:
            function["description"] = self.description
        return {"type": "function", "function": function}

    def bind(self, arguments: Any) -> Callable[[], Any]:
        """The call with ``arguments`` (the model's JSON object) validated; raises
        ``pydantic.ValidationError`` when they do not fit the schema."""
        values = self._args.model_validate(arguments)
        if self._takes_model:
            return functools.partial(self._handler, values)
        data = {info.alias or field: getattr(values, field)
                for field, info in type(values).model_fields.items()}
        positional = [data.pop(name) for name in self._positional]
        return functools.partial(self._handler, *positional, **data)

    async def invoke(self, call: Callable[[], Any]) -> Any:
        """Run a bound call: awaited when async, in a worker thread otherwise."""
        if self._is_async:
            return await call()
        result = await anyio.to_thread.run_sync(call, abandon_on_cancel=True)
        if inspect.isawaitable(result):  # a plain function that returned a coroutine
            return await result
        return result

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r})"


ToolLike = Union[Tool, Callable[..., Any]]  # noqa: UP007 (runtime alias on 3.10)


def as_tool(value: ToolLike) -> Tool:
    """A :class:`Tool` as is; a function wrapped as one."""
    return value if isinstance(value, Tool) else Tool(value)


def output_text(value: Any) -> str:
    """A tool's return value as the text sent back to the model: a string as is, anything
    else as JSON (pydantic models, dataclasses, dates... included), else its ``str()``."""
    if isinstance(value, str):
        return value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump_json()
    try:
        return pydantic_core.to_json(value).decode()
    except pydantic_core.PydanticSerializationError:
        return str(value)


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """pydantic's schema made plain for every protocol: nested models inlined in place of
    ``$ref`` (Gemini's schema dialect has no references) and ``title`` labels dropped. A
    recursive model keeps its references (and ``$defs``)."""
    defs: Mapping[str, Any] = schema.get("$defs", {})
    kept_refs: list[str] = []

    def walk(node: Any, seen: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [walk(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            if name in defs and name not in seen:
                merged = {**defs[name], **{k: v for k, v in node.items() if k != "$ref"}}
                return walk(merged, seen | {name})
            kept_refs.append(ref)
        return {k: walk(v, seen) for k, v in node.items()
                if k != "$defs" and not (k == "title" and isinstance(v, str))}

    out: dict[str, Any] = walk(schema, frozenset())
    if kept_refs:
        out["$defs"] = defs
    return out
