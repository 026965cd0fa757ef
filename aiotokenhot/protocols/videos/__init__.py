"""Asynchronous video tasks: ``th.videos.create / retrieve / wait / download / remix``."""

from ._params import VideoCreateParams, VideoRemixParams
from ._resource import ProgressCallback, Videos
from ._types import VideoError, VideoStatus, VideoTask, VideoTaskError, normalize_status

__all__ = ["ProgressCallback", "VideoError", "VideoStatus", "VideoTask", "VideoTaskError", "Videos",
           "normalize_status"]
__all__ += ["VideoCreateParams", "VideoRemixParams"]
