"""Images: ``th.images.generate(...)`` / ``th.images.edit(...)`` with one normalised result."""

from ._params import ImageEditParams, ImageGenerateParams
from ._resource import Images
from ._types import Image, ImagesResponse

__all__ = ["Image", "Images", "ImagesResponse"]
__all__ += ["ImageEditParams", "ImageGenerateParams"]
