"""Generated seal images: a red round official seal (公章) as a transparent PNG.

Layout after the common form of Chinese official seals: a thick red ring, a five-pointed star in
the centre, the unit's name along the upper arc (characters upright towards the centre, slightly
condensed), optionally a short line under the star. Drawn at twice the size and scaled down, so
the edges are smooth. Real seals are produced by licensed engravers and registered with the
police; uploaded images replace the generated one (``seal_upload``).
"""

import io
import logging
import math
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

logger = logging.getLogger(__name__)

SEAL_RED = (220, 22, 28, 255)
OUTPUT_PX = 600  # 42 mm (the usual diameter of a government seal) at about 360 dpi
_SCALE = 2

# Song-style (serif) CJK faces first: official seals use 宋体 lettering. (file, TTC face index)
_FONT_CANDIDATES: list[tuple[str, int]] = [
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
]


@lru_cache(maxsize=1)
def seal_font_path() -> tuple[str, int] | None:
    """The font used for seal lettering, or None when no CJK font is installed."""
    configured = getattr(settings, "ZHENGWU_SIGNING_SEAL_FONT", "")
    candidates = ([(configured, 0)] if configured else []) + _FONT_CANDIDATES
    for path, index in candidates:
        if Path(path).is_file():
            try:
                ImageFont.truetype(path, 20, index=index)
            except OSError:
                try:
                    ImageFont.truetype(path, 20)
                    return path, 0
                except OSError:
                    continue
            return path, index
    logger.warning("No CJK font found for seal images; generated seals will have no lettering.")
    return None


def _font(size: int) -> ImageFont.FreeTypeFont | None:
    found = seal_font_path()
    if found is None:
        return None
    return ImageFont.truetype(found[0], size, index=found[1])


def _star(draw: ImageDraw.ImageDraw, cx: float, cy: float, radius: float) -> None:
    inner = radius * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else inner
        angle = math.radians(-90 + i * 36)
        points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    draw.polygon(points, fill=SEAL_RED)


def _glyph(char: str, font: ImageFont.FreeTypeFont, size: int, condense: float) -> Image.Image:
    """One character on a transparent tile, narrowed like engraved seal lettering."""
    side = round(size * 1.3)
    tile = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    ImageDraw.Draw(tile).text((side / 2, side / 2), char, font=font, fill=SEAL_RED, anchor="mm")
    return tile.resize((max(1, round(side * condense)), side), Image.Resampling.LANCZOS)


def render_seal_png(text: str, *, bottom_text: str = "", size: int = OUTPUT_PX) -> bytes:
    """The seal as PNG bytes with a transparent background."""
    n = size * _SCALE
    image = Image.new("RGBA", (n, n), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    c = n / 2
    ring = n * 0.04
    outer = n / 2 - n * 0.01
    draw.ellipse((c - outer, c - outer, c + outer, c + outer), outline=SEAL_RED, width=round(ring))
    _star(draw, c, c, n * 0.15)

    text = "".join(text.split())
    font_size = 0
    if text:
        span = min(270.0, max(120.0, 24.0 * len(text)))  # degrees of arc used by the name
        text_radius_guess = outer - ring - n * 0.11
        per_char = math.radians(span) * text_radius_guess / max(len(text), 1)
        font_size = int(min(n * 0.15, per_char * 1.05))
        text_radius = outer - ring - n * 0.012 - font_size * 0.55
        font = _font(font_size)
        if font is not None:
            step = span / len(text)
            for i, char in enumerate(text):
                angle = -span / 2 + step * (i + 0.5)  # 0 = top, clockwise
                glyph = _glyph(char, font, font_size, condense=0.78).rotate(
                    -angle, expand=True, resample=Image.Resampling.BICUBIC
                )
                x = c + text_radius * math.sin(math.radians(angle))
                y = c - text_radius * math.cos(math.radians(angle))
                image.alpha_composite(
                    glyph, (round(x - glyph.width / 2), round(y - glyph.height / 2))
                )
    if bottom_text:
        font = _font(int(n * 0.075))
        if font is not None:
            draw.text((c, c + n * 0.27), bottom_text, font=font, fill=SEAL_RED, anchor="mm")
    out = image.resize((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    out.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
