"""Makes the README's pictures from the demo programme: `python -m tests.readme_pictures`.

Loads the demo into a throwaway SQLite database, draws its charts with
`app.py charts`, makes its evidence pack as PDF with `app.py evidence` and
draws two of its pages with poppler's pdftoppm, then writes small palette
PNGs to docs/images/. Run it again after changing a chart.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
WIDTH = 640  # README pictures: small to commit, sharp enough on GitHub


def small(image: Image.Image, width: int = WIDTH, colours: int = 64) -> Image.Image:
    image = image.convert("RGB")
    height = round(image.height * width / image.width)
    return image.resize((width, height), Image.LANCZOS).quantize(colors=colours)


def stack(paths: list[Path]) -> Image.Image:
    images = [Image.open(p).convert("RGB") for p in paths]
    out = Image.new("RGB", (max(i.width for i in images), sum(i.height for i in images)), "white")
    y = 0
    for image in images:
        out.paste(image, (0, y))
        y += image.height
    return out


def side_by_side(paths: list[Path], gap: int = 16) -> Image.Image:
    images = [Image.open(p).convert("RGB") for p in paths]
    width = sum(i.width for i in images) + gap * (len(images) + 1)
    height = max(i.height for i in images) + 2 * gap
    out = Image.new("RGB", (width, height), "#d8dde2")
    x = gap
    for image in images:
        out.paste(image, (x, gap))
        x += image.width + gap
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'demo.db'}"}

        def app(*words: str) -> str:
            return subprocess.run(
                [sys.executable, str(ROOT / "app.py"), *words],
                env=env,
                cwd=work,
                check=True,
                capture_output=True,
                text=True,
            ).stdout

        app("demo")
        name = "Demo CCG co-commissioning"
        app("charts", "--programme", name, "--out", str(work))
        app("evidence", "--programme", name, "--format", "pdf", "--out", str(work / "pack.pdf"))
        subprocess.run(
            ["pdftoppm", "-r", "60", "-png", str(work / "pack.pdf"), str(work / "page")], check=True
        )
        pages = sorted(work.glob("page-*.png"))

        small(stack([work / "coverage-30-days.png", work / "positions.png"])).save(
            args.out / "digest-charts.png", optimize=True
        )
        small(stack([work / "weekly.png", work / "turnout-1.png"])).save(
            args.out / "pack-charts.png", optimize=True
        )
        small(Image.open(work / "stakeholder-map.png"), colours=256).save(
            args.out / "stakeholder-map.png", optimize=True
        )
        # The pack's first page and the page with the practices' positions chart.
        positions_page = next(
            p
            for n, p in enumerate(pages, start=1)
            if "Member practices by position"
            in subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), str(work / "pack.pdf"), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        small(side_by_side([pages[0], positions_page]), width=720, colours=256).save(
            args.out / "evidence-pack-pdf.png", optimize=True
        )
    for path in sorted(args.out.glob("*.png")):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
