"""A tiny app to test: answers a question, and says something useful when the gateway cannot."""

from __future__ import annotations

from aiotokenhot import AsyncTokenHot, IncompleteStreamError, NotFoundError, RateLimitError


async def answer(th: AsyncTokenHot, question: str, model: str = "gpt-5.4") -> str:
    """The model's answer, or a sentence for the user when the model is gone or busy."""
    try:
        reply = await th.chat.completions.create(
            model=model, messages=[{"role": "user", "content": question}])
    except NotFoundError:
        return f"The model {model} is not available any more."
    except RateLimitError:
        return "Busy right now: try again in a minute."
    return reply.choices[0].message.content or ""


async def stream_answer(th: AsyncTokenHot, question: str, model: str = "gpt-5.4") -> str:
    """The streamed answer; a cut stream keeps what arrived, marked as cut."""
    pieces: list[str] = []
    try:
        async for event in th.stream(model=model, messages=[{"role": "user", "content": question}]):
            text = getattr(event, "text", None)
            if isinstance(text, str):
                pieces.append(text)
    except IncompleteStreamError:
        return "".join(pieces) + " [cut short]"
    return "".join(pieces)
