"""Show covers and club images: an upload made safe (square 1400 px, or a 3:1 banner; RGB
JPEG, no metadata), or a cover drawn from the show's title. CPU work on bytes; callers run
it in a thread."""

from __future__ import annotations

import colorsys
import io

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from roomcast.domain.avatars import HUES, hue, initials
from roomcast.errors import BadRequest

ARTWORK_SIZE = 1400  # Apple's minimum; square
MIN_ARTWORK_SIDE = 256
# Refused from the header, before decoding: a small PNG can stand for a huge bitmap (a 35 KB
# 6000 x 6000 one took ~345 MB). 25 MP takes camera photos (6000 x 4000); JPEGs decode at
# a reduced scale (draft mode) anyway.
MAX_ARTWORK_PIXELS = 25_000_000


BANNER = (1500, 500)  # a club's cover: 3:1, like the social sites' headers


def _upload(data: bytes, side: int) -> Image.Image:
    """An uploaded image, validated (format, size) and decoded to RGB; `side` is the
    smallest output side (JPEGs decode at the smallest scale still above it)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG", "WEBP"):
                raise BadRequest("Images must be JPEG, PNG or WebP.", code="bad_image")
            if img.width * img.height > MAX_ARTWORK_PIXELS:
                raise BadRequest(
                    f"Images may be at most {MAX_ARTWORK_PIXELS // 1_000_000} megapixels; "
                    f"this one is {img.width} x {img.height}.",
                    code="image_too_large",
                )
            if min(img.size) < MIN_ARTWORK_SIDE:
                raise BadRequest(
                    f"Images must be at least {MIN_ARTWORK_SIDE} px on each side.",
                    code="bad_image",
                )
            if img.format == "JPEG":
                img.draft("RGB", (side, side))
            img.load()
            return img.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as e:
        raise BadRequest("That file is not an image we can read.", code="bad_image") from e


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    return out.getvalue()


def _cropped(rgb: Image.Image, width: int, height: int) -> Image.Image:
    """The largest centred crop of the ratio width:height, resized to width x height."""
    scale = min(rgb.width / width, rgb.height / height)
    w, h = round(width * scale), round(height * scale)
    left, top = (rgb.width - w) // 2, (rgb.height - h) // 2
    return rgb.crop((left, top, left + w, top + h)).resize(
        (width, height), Image.Resampling.LANCZOS
    )


def square_jpeg(data: bytes) -> bytes:
    """Validate an uploaded image and re-encode it: square, ARTWORK_SIZE px, RGB JPEG,
    no metadata (EXIF, locations) carried over."""
    return _jpeg(_cropped(_upload(data, ARTWORK_SIZE), ARTWORK_SIZE, ARTWORK_SIZE))


def banner_jpeg(data: bytes) -> bytes:
    """As square_jpeg, for a wide cover: BANNER px."""
    return _jpeg(_cropped(_upload(data, BANNER[1]), *BANNER))


def generated(title: str) -> bytes:
    """A default cover: the show's initials on its own colour, like the avatars."""
    h = hue(title) / HUES
    img = Image.new("RGB", (ARTWORK_SIZE, ARTWORK_SIZE))
    draw = ImageDraw.Draw(img)
    for y in range(0, ARTWORK_SIZE, 4):  # a soft vertical gradient
        r, g, b = colorsys.hls_to_rgb(h, 0.42 - 0.16 * y / ARTWORK_SIZE, 0.55)
        draw.rectangle((0, y, ARTWORK_SIZE, y + 4), fill=(int(r * 255), int(g * 255), int(b * 255)))
    font = ImageFont.load_default(size=520)
    draw.text(
        (ARTWORK_SIZE / 2, ARTWORK_SIZE * 0.46),
        initials(title),
        fill="white",
        font=font,
        anchor="mm",
    )
    small = ImageFont.load_default(size=64)
    draw.text(
        (ARTWORK_SIZE / 2, ARTWORK_SIZE * 0.86),
        "ROOMCAST",
        fill=(255, 255, 255),
        font=small,
        anchor="mm",
    )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=88)
    return out.getvalue()
