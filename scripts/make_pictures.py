"""Draw the pictures shown in the README into docs/images (small palette PNGs).

Needs the pulled ``glove-6b-50d`` model and matplotlib; the projector screenshot also needs
selenium and headless Chromium (``apt-get install chromium chromium-driver``) and is
skipped without them.

    .venv/bin/python scripts/make_pictures.py [--out docs/images]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from embedlab.static import WordVectors
from embedlab.viz import analogy_arrows, word_scatter
from embedlab.viz.projection import words_points
from embedlab.viz.projector import write_page

COUNTRIES = {"france": "paris", "germany": "berlin", "italy": "rome", "spain": "madrid",
             "japan": "tokyo", "china": "beijing", "russia": "moscow", "egypt": "cairo",
             "greece": "athens", "poland": "warsaw"}
PAIRS = [("man", "woman"), ("king", "queen"), ("boy", "girl"), ("uncle", "aunt"),
         ("brother", "sister")]


def shrink(path: Path, colors: int = 64) -> None:
    """Rewrite a PNG with an adaptive palette: a fraction of the bytes, same look."""
    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def projector_screenshot(path: Path, wv: WordVectors) -> bool:
    try:
        from selenium import webdriver
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError:
        return False
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        page = write_page(words_points(wv, limit=20000, name="glove-6b-50d"),
                          Path(tmp) / "page.html", dims=(2,), color_by="frequency rank")
        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for arg in ("--headless=new", "--no-sandbox", "--window-size=1100,700",
                    "--use-angle=swiftshader", "--enable-unsafe-swiftshader"):
            options.add_argument(arg)
        browser = webdriver.Chrome(options=options, service=webdriver.ChromeService(driver))
        try:
            browser.get(page.as_uri())
            WebDriverWait(browser, 60).until(
                lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
            browser.find_element(By.ID, "search").send_keys("king", Keys.ENTER)
            browser.execute_script(
                "var p = window.embedlabProjector; p.select(p.state.matches[0]);")
            browser.save_screenshot(str(path))
        finally:
            browser.quit()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parents[1] / "docs" / "images")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    wv = WordVectors.load("glove-6b-50d", limit=50000)
    groups = {c: "country" for c in COUNTRIES} | {c: "capital" for c in COUNTRIES.values()}
    made = []
    path = args.out / "countries-capitals.png"
    word_scatter(wv, list(groups), groups=groups, name="glove-6b-50d", out=path,
                 size=(800, 560))
    made.append(path)
    path = args.out / "analogy-arrows.png"
    analogy_arrows(wv, PAIRS, name="glove-6b-50d", out=path, size=(800, 560))
    made.append(path)
    path = args.out / "projector.png"
    if projector_screenshot(path, wv):
        made.append(path)
    else:
        print("skipped the projector screenshot (needs selenium and chromium)")
    for p in made:
        shrink(p)
        print(f"wrote {p} ({p.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
