"""The projector page: self-contained, holds the vectors, served with on-demand projections;
and, in headless Chromium, search 'king', click it, see 'queen' among its neighbours."""

from __future__ import annotations

import base64
import json
import re
import shutil
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import _missing
from embedlab.viz.projection import Points, ProjectionError, words_points
from embedlab.viz.projector import Projector, ProjectorError, build_page, make_server, write_page
from embedlab.viz.tensorboard import export_tensorboard


def _toy_points(n: int = 60, d: int = 8) -> Points:
    rng = np.random.default_rng(0)
    return Points(rng.normal(size=(n, d)).astype(np.float32), [f"w{i}" for i in range(n)],
                  {"kind": ["even" if i % 2 == 0 else "odd" for i in range(n)],
                   "rank": list(range(n))}, source="toy, 60 points")


def _page_data(html: str) -> dict[str, Any]:
    m = re.search(r'<script id="projector-data" type="application/json">(.*?)</script>', html,
                  re.S)
    assert m
    return json.loads(m.group(1))


def test_page_is_self_contained_and_holds_the_vectors() -> None:
    pts = _toy_points()
    html = build_page(pts, dims=(2, 3), color_by="kind")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "https://" not in html and "http://" not in html
    data = _page_data(html)
    assert data["labels"] == pts.labels and data["dim"] == 8
    vectors = np.frombuffer(base64.b64decode(data["vectors"]), "<f4").reshape(60, 8)
    np.testing.assert_array_equal(vectors, pts.vectors)
    assert set(data["projections"]) == {"pca-2", "pca-3"}
    coords = np.frombuffer(base64.b64decode(data["projections"]["pca-3"]["coords"]), "<f4")
    assert coords.shape == (180,)
    assert data["fields"]["kind"][:2] == ["even", "odd"] and data["colorBy"] == "kind"
    assert data["projections"]["pca-2"]["description"].startswith("PCA (2-D, ")


def test_labels_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    pts = Points(np.eye(4, dtype=np.float32), ["</script><b>x", "<!--", "a&b", "ok"])
    html = write_page(pts, tmp_path / "p.html").read_text(encoding="utf-8")
    assert _page_data(html)["labels"][0] == "</script><b>x"


def test_bad_inputs_are_clear(tmp_path: Path) -> None:
    pts = _toy_points(20)
    with pytest.raises(ProjectionError, match="t-SNE needs at least 32 points here, got 20"):
        build_page(pts, methods=["tsne"])
    with pytest.raises(ProjectionError, match="no metadata field 'colour'"):
        build_page(pts, color_by="colour")
    with pytest.raises(ProjectorError, match=r"\.html"):
        write_page(pts, tmp_path / "p.png")
    with pytest.raises(ProjectionError, match="at least 3 points"):
        build_page(Points(np.eye(2, dtype=np.float32), ["a", "b"]))


def test_empty_collection_is_a_clear_error(tmp_path: Path) -> None:
    from embedlab.store import Collection
    from embedlab.viz.projection import collection_points

    Collection.create(tmp_path / "c", metric="cosine").close()
    with pytest.raises(ProjectionError, match="empty"):
        collection_points(tmp_path / "c")


def test_collection_points_keep_texts_and_metadata(tmp_path: Path) -> None:
    from embedlab.store import Collection
    from embedlab.viz.projection import collection_points

    col = Collection.create(tmp_path / "c", metric="cosine")
    col.add(vectors=np.eye(4, dtype=np.float32), ids=list("abcd"),
            texts=["one", "two", "three", "four"],
            metadatas=[{"lang": "en"}, {"lang": "fr"}, {"lang": "en"}, {"lang": "de"}])
    col.close()
    pts = collection_points(tmp_path / "c")
    assert sorted(pts.labels) == ["four", "one", "three", "two"]
    assert sorted(pts.metadata["lang"]) == ["de", "en", "en", "fr"]


def test_tensorboard_pair(tmp_path: Path) -> None:
    pts = _toy_points(5, 3)
    v, m = export_tensorboard(pts, tmp_path)
    rows = [line.split("\t") for line in v.read_text().splitlines()]
    np.testing.assert_allclose(np.array(rows, float), pts.vectors, rtol=1e-5)
    meta = m.read_text().splitlines()
    assert meta[0] == "label\tkind\trank" and meta[1] == "w0\teven\t0" and len(meta) == 6


@pytest.fixture
def served() -> Iterator[tuple[str, Projector]]:
    proj = Projector(_toy_points(60))
    server = make_server(proj, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", proj
    finally:
        server.shutdown()
        server.server_close()


def test_server_computes_projections_on_demand(served) -> None:
    url, _ = served
    html = urllib.request.urlopen(url, timeout=10).read().decode()
    assert _page_data(html)["served"] is True
    deadline = time.time() + 120
    while True:
        res = json.loads(urllib.request.urlopen(url + "api/project?method=tsne&dim=2",
                                                timeout=10).read())
        assert res["state"] in ("running", "done"), res
        if res["state"] == "done":
            break
        assert 0 <= res["fraction"] <= 1
        assert time.time() < deadline
        time.sleep(0.2)
    coords = np.frombuffer(base64.b64decode(res["coords"]), "<f4")
    assert coords.shape == (120,) and "t-SNE" in res["description"]


def test_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ProjectorError, match=f"port {port} .* already in use.*--port"):
            make_server(Projector(_toy_points()), port)


# ---------------------------------------------------------------------------- browser


def _browser() -> Any:
    """Headless Chromium through Selenium (Debian's chromium and chromium-driver)."""
    try:
        from selenium import webdriver
    except ImportError:
        _missing("selenium is not installed; pip install selenium")
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not binary or not driver:
        _missing("headless Chromium is not installed; apt-get install -y chromium "
                 "chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--use-angle=swiftshader",
                "--enable-unsafe-swiftshader"):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=webdriver.ChromeService(driver))


@pytest.fixture(scope="module")
def glove_points(glove_dir) -> Points:
    from embedlab.static import WordVectors

    wv = WordVectors.load("glove-6b-50d", limit=20000)
    return words_points(wv, limit=20000, name="glove-6b-50d")


def _king_queen(url: str, shot: Path) -> list[str]:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    browser = _browser()
    try:
        browser.get(url)
        WebDriverWait(browser, 60).until(
            lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        browser.find_element(By.ID, "search").send_keys("king", Keys.ENTER)
        first = "var m = document.querySelector('#matches li.match'); return m && m.textContent;"
        WebDriverWait(browser, 20).until(lambda b: b.execute_script(first))
        assert browser.execute_script(first) == "king"
        # the search centres the view on 'king': click the canvas there
        canvas = browser.find_element(By.ID, "gl")
        ActionChains(browser).move_to_element(canvas).click().perform()
        WebDriverWait(browser, 30).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, "#neighbors li"))
        assert "king" in browser.find_element(By.ID, "selected").text
        neighbours = browser.execute_script(
            "return Array.from(document.querySelectorAll('#neighbors li .label'))"
            ".map(function (e) { return e.textContent; });")
        browser.save_screenshot(str(shot))
    finally:
        browser.quit()
    assert shot.stat().st_size > 10_000
    return neighbours


def test_browser_served_projector_finds_queen_near_king(glove_points, tmp_path) -> None:
    proj = Projector(glove_points)
    proj.compute("pca", 2)
    server = make_server(proj, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        neighbours = _king_queen(f"http://127.0.0.1:{server.server_address[1]}/",
                                 tmp_path / "served.png")
    finally:
        server.shutdown()
        server.server_close()
    assert "queen" in neighbours, neighbours


def test_browser_standalone_page_finds_queen_near_king(glove_points, tmp_path) -> None:
    page = write_page(glove_points, tmp_path / "glove.html", dims=(2, 3))
    neighbours = _king_queen(page.as_uri(), tmp_path / "standalone.png")
    assert "queen" in neighbours, neighbours


@pytest.mark.slow
def test_browser_switches_projection_with_progress_and_3d(tmp_path) -> None:
    """Served page: t-SNE is computed on request behind a progress bar; 3-D rotates; no
    script errors."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    proj = Projector(_toy_points(80))
    server = make_server(proj, 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    browser = _browser()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/")
        WebDriverWait(browser, 60).until(
            lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "1")
        options = [o.get_attribute("value") for o in
                   Select(browser.find_element(By.ID, "method")).options]
        assert options[:2] == ["pca", "tsne"]
        Select(browser.find_element(By.ID, "method")).select_by_value("tsne")
        WebDriverWait(browser, 120).until(
            lambda b: "t-SNE (2-D" in b.find_element(By.ID, "subtitle").text)
        assert not browser.find_element(By.ID, "progress-box").is_displayed()
        browser.find_element(By.ID, "dim3").click()
        WebDriverWait(browser, 120).until(
            lambda b: "t-SNE (3-D" in b.find_element(By.ID, "subtitle").text)
        before = browser.execute_script("return window.embedlabProjector.toScreen(0)")
        canvas = browser.find_element(By.ID, "gl")
        ActionChains(browser).move_to_element(canvas).click_and_hold().move_by_offset(
            60, 20).release().perform()
        after = browser.execute_script("return window.embedlabProjector.toScreen(0)")
        assert before != after  # the drag rotated the cloud
        Select(browser.find_element(By.ID, "colorby")).select_by_value("kind")
        legend = browser.find_element(By.ID, "legend").text
        assert "even (40)" in legend and "odd (40)" in legend
        errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        browser.save_screenshot(str(tmp_path / "tsne3d.png"))
    finally:
        browser.quit()
        server.shutdown()
        server.server_close()
