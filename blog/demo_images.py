"""Cover images for the demo blog, drawn with Pillow at seed time (no downloads, no
binary files in the repository): one per topic, the same bytes on every run, so a
second seed reuses them."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

SIZE = (1280, 720)
# Topic -> (from, to) colours of its gradient.
PALETTES = {
    "engineering": ((20, 40, 90), (40, 160, 200)),
    "elixir": ((60, 20, 90), (170, 90, 200)),
    "go": ((0, 90, 110), (0, 190, 200)),
    "ai": ((90, 30, 30), (230, 120, 60)),
    "career": ((30, 80, 40), (150, 200, 90)),
}
DEFAULT = ((50, 50, 60), (160, 160, 170))


def cover(topic: str) -> bytes:
    """A JPEG: a diagonal gradient in the topic's colours with a few bands."""
    start, end = PALETTES.get(topic, DEFAULT)
    width, height = SIZE
    ramp = Image.linear_gradient("L").rotate(45, expand=True).resize(SIZE)
    picture = Image.composite(
        Image.new("RGB", SIZE, end), Image.new("RGB", SIZE, start), ramp
    )
    draw = ImageDraw.Draw(picture, "RGBA")
    for band in range(6):
        x = band * width // 5 - height // 2
        draw.polygon(
            [
                (x, height),
                (x + height // 2, 0),
                (x + height // 2 + 60, 0),
                (x + 60, height),
            ],
            fill=(255, 255, 255, 18 + band * 6),
        )
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


def alt_text(topic_name: str) -> str:
    return f"Abstract diagonal bands over a colour gradient: the {topic_name} cover."
