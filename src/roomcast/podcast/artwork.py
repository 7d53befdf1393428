"""Show covers: an upload made safe (square, 1400 px, RGB JPEG, no metadata), or one drawn
from the show's title. CPU work on bytes; callers run it in a thread."""

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


def square_jpeg(data: bytes) -> bytes:
    """Validate an uploaded image and re-encode it: square, ARTWORK_SIZE px, RGB JPEG,
    no metadata (EXIF, locations) carried over."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("JPEG", "PNG", "WEBP"):
                raise BadRequest("Artwork must be a JPEG, PNG or WebP image.", code="bad_image")
            if img.width * img.height > MAX_ARTWORK_PIXELS:
                raise BadRequest(
                    f"Covers may be at most {MAX_ARTWORK_PIXELS // 1_000_000} megapixels; "
                    f"this one is {img.width} x {img.height}.",
                    code="image_too_large",
                )
            if min(img.size) < MIN_ARTWORK_SIDE:
                raise BadRequest(
                    f"Artwork must be at least {MIN_ARTWORK_SIDE} px on each side.",
                    code="bad_image",
                )
            if img.format == "JPEG":  # decode at the smallest scale still >= the output
                img.draft("RGB", (ARTWORK_SIZE, ARTWORK_SIZE))
            img.load()
            rgb = img.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as e:
        raise BadRequest("That file is not an image we can read.", code="bad_image") from e
    side = min(rgb.size)
    left, top = (rgb.width - side) // 2, (rgb.height - side) // 2
    square = rgb.crop((left, top, left + side, top + side))
    square = square.resize((ARTWORK_SIZE, ARTWORK_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "JPEG", quality=88, optimize=True, progressive=True)
    return out.getvalue()


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
