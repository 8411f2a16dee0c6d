"""Draw the app icons the manifest names (static/img/icon-*.png) from the logo's shapes.

    python tools/make_icons.py

The PNGs are committed; run this again only when the logo changes. "maskable" icons keep
the mark inside the central 80% safe zone and fill the whole square with the theme colour.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
TEAL = (15, 118, 110, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int, maskable: bool) -> Image.Image:
    """The logo (a speech bubble with a cross) on a 48-unit grid, scaled to `size`."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    if maskable:
        pen.rectangle((0, 0, size, size), fill=TEAL)
        unit, offset = size * 0.7 / 48, size * 0.15
    else:
        unit, offset = size / 48, 0.0
        pen.rounded_rectangle((0, 0, size - 1, size - 1), radius=round(12 * unit), fill=TEAL)

    def at(x: float, y: float) -> tuple[float, float]:
        return (offset + x * unit, offset + y * unit)

    # The bubble: a rounded body (11..37 x 11..32) and a tail down to (15, 38).
    pen.rounded_rectangle((*at(11, 11), *at(37, 32)), radius=round(4 * unit), fill=WHITE)
    pen.polygon([at(15, 31), at(22, 31), at(15, 38)], fill=WHITE)
    # The cross, in teal.
    pen.rectangle((*at(21, 15.5), *at(27, 29.5)), fill=TEAL)
    pen.rectangle((*at(17, 19.5), *at(31, 25.5)), fill=TEAL)
    return image


def main() -> None:
    folder = ROOT / "static" / "img"
    for name, size, maskable in (
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("icon-maskable-512.png", 512, True),
        ("badge-96.png", 96, False),
    ):
        draw(size, maskable).save(folder / name, optimize=True)
        print(folder / name)


if __name__ == "__main__":
    main()
