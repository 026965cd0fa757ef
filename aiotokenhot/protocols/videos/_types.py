"""One normalised video task over every vendor's vocabulary (catalog §0.7, questions 11–12)."""

from __future__ import annotations

import datetime as dt
import math
from enum import Enum
from typing import Any

import pydantic

from ..._exceptions import ResponseValidationError, TokenHotError
from ..._models import APIModel
from ..._pricing import Costed

__all__ = ["VideoError", "VideoStatus", "VideoTask", "VideoTaskError", "normalize_status",
           "parse_progress", "parse_task"]


class VideoStatus(str, Enum):
    """Where a task stands, whatever words its vendor uses."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"

    @property
    def terminal(self) -> bool:
        """Finished one way or another. ``unknown`` is not: an unheard-of word keeps polling."""
        return self in _TERMINAL

    def __str__(self) -> str:
        return self.value


_TERMINAL = frozenset({VideoStatus.SUCCEEDED, VideoStatus.FAILED, VideoStatus.CANCELLED,
                       VideoStatus.EXPIRED})

# every word seen in the gateway DTOs and upstream APIs, lower-cased
_STATUS_WORDS: dict[str, VideoStatus] = {
    # gateway OpenAI-video object / Sora
    "queued": VideoStatus.QUEUED, "in_progress": VideoStatus.RUNNING,
    "completed": VideoStatus.SUCCEEDED, "failed": VideoStatus.FAILED,
    # gateway generic task DTO
    "not_start": VideoStatus.QUEUED, "submitted": VideoStatus.QUEUED,
    "success": VideoStatus.SUCCEEDED, "failure": VideoStatus.FAILED,
    # Volcengine Ark (Seedance)
    "pending": VideoStatus.QUEUED, "running": VideoStatus.RUNNING,
    "succeeded": VideoStatus.SUCCEEDED, "cancelled": VideoStatus.CANCELLED,
    "expired": VideoStatus.EXPIRED,
    # MiniMax Hailuo
    "preparing": VideoStatus.QUEUED, "queueing": VideoStatus.QUEUED,
    "processing": VideoStatus.RUNNING, "fail": VideoStatus.FAILED,
    # Alibaba DashScope (HappyHorse, Wan); its UNKNOWN (under task_status) is read in parse_task
    "canceled": VideoStatus.CANCELLED,
    # Kling (task_status) and Vidu (state)
    "succeed": VideoStatus.SUCCEEDED, "created": VideoStatus.QUEUED,
    "queuing": VideoStatus.QUEUED,
    "unknown": VideoStatus.UNKNOWN,
}


def normalize_status(word: Any) -> VideoStatus:
    """``NOT_START`` → queued, ``Processing`` → running, ``SUCCESS`` → succeeded... else unknown."""
    if isinstance(word, VideoStatus):
        return word
    if not isinstance(word, str):
        return VideoStatus.UNKNOWN
    key = word.strip().lower().replace("-", "_").replace(" ", "_")
    return _STATUS_WORDS.get(key, VideoStatus.UNKNOWN)


def parse_progress(value: Any) -> float | None:
    """0–100 from ``42``, ``0.5``-free numbers, ``"50%"`` or ``"50"``; None when absent or junk."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        text = value.strip().rstrip("%").strip()
        try:
            number = float(text)
        except ValueError:
            return None
    elif isinstance(value, (int, float)):
        number = float(value)
    else:
        return None
    return min(100.0, max(0.0, number))


class VideoError(APIModel):
    """Why a task failed, in the vendor's words."""

    message: str
    code: str | None = None


class VideoTask(Costed, APIModel):
    """A video task as any gateway or vendor described it; ``raw`` keeps the body as sent.

    ``cost``: USD for a succeeded task from the client's price table
    (``ModelPrice.per_video_second`` × ``seconds``), None when the price or the length is unknown.
    """

    id: str
    model: str | None = None
    status: VideoStatus = VideoStatus.UNKNOWN
    #: the vendor's own status word (``NOT_START``, ``Processing``...)
    raw_status: str | None = None
    #: 0–100
    progress: float | None = None
    result_url: str | None = None
    error: VideoError | None = None
    created_at: int | None = None
    completed_at: int | None = None
    #: the video's length in seconds as the answer states it (Sora ``seconds``, else ``duration``)
    seconds: float | None = None
    raw: dict[str, Any] = pydantic.Field(default_factory=dict, repr=False)

    @property
    def done(self) -> bool:
        return self.status.terminal

    @property
    def succeeded(self) -> bool:
        return self.status is VideoStatus.SUCCEEDED


class VideoTaskError(TokenHotError):
    """A video task ended failed, cancelled or expired; ``task`` holds its last state."""

    def __init__(self, task: VideoTask) -> None:
        reason = task.error.message if task.error else "no reason given"
        super().__init__(f"video task {task.id} {task.status.value}: {reason}")
        self.task = task
        self.status = task.status
        self.message = reason
        self.error_code = task.error.code if task.error else None


# Q12: where the result URL may sit, in the catalog's order, then rarer vendor spots
_URL_PATHS: tuple[tuple[str | int, ...], ...] = (
    ("metadata", "url"),
    ("result_url",),
    ("data", "content", "video_url"),
    ("content", "video_url"),
    ("url",),
    ("video_url",),
    ("output", "video_url"),
    ("data", "video_url"),
    ("file", "download_url"),
    ("metadata", "urls", 0),  # gateway "video.generation" objects
    ("task_result", "videos", 0, "url"),  # Kling
    ("creations", 0, "url"),  # Vidu
)


def parse_task(body: Any, *, fallback_id: str | None = None) -> VideoTask:
    """Read a task from the OpenAI-video object, the gateway DTO or an upstream vendor body."""
    if not isinstance(body, dict):
        raise ResponseValidationError("a video task answer must be a JSON object", body=body)
    inner = body
    data = body.get("data")
    if isinstance(data, dict) and ("code" in body or "task_id" in data or "status" in data):
        inner = data  # gateway DTO {"code","message","data":{...}}
    layers = [inner] if inner is body else [inner, body]
    output = inner.get("output")
    if isinstance(output, dict):
        layers.append(output)  # DashScope {"output":{"task_id","task_status","video_url"}}
    nested = inner.get("data")
    if isinstance(nested, dict):
        layers.append(nested)  # raw upstream object inside the DTO
    # the gateway's id comes before an upstream one (Ark's "cgt-..." inside the DTO)
    task_id = next((v for layer in layers for v in (layer.get("id"), layer.get("task_id"))
                    if isinstance(v, str) and v), fallback_id)
    if not isinstance(task_id, str) or not task_id:
        raise ResponseValidationError("the video task answer carries no id", body=body)
    word = _first(layers, ("status",), ("task_status",), ("state",))
    status = normalize_status(word)
    if isinstance(word, str) and word.upper() == "UNKNOWN" and word == _first(layers, ("task_status",)):
        status = VideoStatus.FAILED  # DashScope: the task expired or never existed; it will not end

    progress = parse_progress(_first(layers, ("progress",)))
    if progress is None and status is VideoStatus.SUCCEEDED:
        progress = 100.0
    url = None
    for path in _URL_PATHS:
        found = _first(layers, path)
        if isinstance(found, str) and found:
            url = found
            break
    model = _first(layers, ("model",))
    seconds = _seconds(_first(layers, ("seconds",), ("duration",)))
    created = _epoch(_first(layers, ("created_at",), ("submit_time",)))
    completed = _epoch(_first(layers, ("completed_at",), ("finish_time",)))
    return VideoTask(
        id=task_id,
        model=model if isinstance(model, str) else None,
        status=status,
        raw_status=word if isinstance(word, str) else None,
        progress=progress,
        result_url=url,
        error=_error(layers, status),
        created_at=created if isinstance(created, int) else None,
        completed_at=completed if isinstance(completed, int) and completed else None,
        seconds=seconds,
        raw=body,
    )


def _seconds(value: Any) -> float | None:
    """A positive length in seconds from a number or a numeric string (Sora's ``"8"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and math.isfinite(value) and value > 0:
        return float(value)
    return None


def _epoch(value: Any) -> int | None:
    """Unix seconds from an int or an RFC 3339 timestamp (``2025-01-01T00:00:00Z``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value:
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return int(moment.timestamp())
    return None


def _dig(obj: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        if isinstance(key, int):
            if not isinstance(obj, list) or len(obj) <= key:
                return None
            obj = obj[key]
        elif not isinstance(obj, dict):
            return None
        else:
            obj = obj.get(key)
    return obj


def _first(layers: list[dict[str, Any]], *paths: tuple[str | int, ...]) -> Any:
    for path in paths:
        for layer in layers:
            value = _dig(layer, path)
            if value not in (None, ""):
                return value
    return None


def _error(layers: list[dict[str, Any]], status: VideoStatus) -> VideoError | None:
    for layer in layers:
        err = layer.get("error")
        if isinstance(err, dict) and err.get("message"):
            code = err.get("code")
            return VideoError(message=str(err["message"]), code=str(code) if code else None)
        if isinstance(err, str) and err:
            return VideoError(message=err)
        reason = layer.get("fail_reason")
        if isinstance(reason, str) and reason:
            return VideoError(message=reason)
    if status in (VideoStatus.FAILED, VideoStatus.CANCELLED, VideoStatus.EXPIRED):
        message = _first(layers, ("task_status_msg",), ("message",), ("base_resp", "status_msg"))
        code = _first(layers, ("err_code",), ("code",))
        return VideoError(message=str(message) if message else f"task {status.value}",
                          code=str(code) if code and code != "success" else None)
    return None
