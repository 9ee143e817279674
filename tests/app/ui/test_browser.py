"""The UI in a real browser (Debian's chromium driven by Playwright): open the tutorial sample,
click a node in the graph, see its properties, submit, watch the run complete.

Screenshots of each step go to test-artifacts/browser/ (git-ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from app.settings import Settings
from app.supervisor import ui_options
from tests.conftest import ROOT, free_port

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DATASET_FILL = (0xE3, 0xF2, 0xFD)  # app.ui.graph.COLOURS["dataset"] background

# The centre of the pixels of one fill colour in the graph's canvas, in CSS pixels.
FIND_FILL = """(canvas, [r, g, b]) => {
  if (!canvas.width) return null;
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let sx = 0, sy = 0, n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.abs(data[i] - r) < 3 && Math.abs(data[i + 1] - g) < 3 &&
        Math.abs(data[i + 2] - b) < 3) {
      const p = i / 4; sx += p % canvas.width; sy += Math.floor(p / canvas.width); n++;
    }
  }
  if (n < 50) return null;
  const scale = canvas.width / canvas.clientWidth;
  return {x: sx / n / scale, y: sy / n / scale};
}"""


@pytest.fixture(scope="module")
def ui_url(stack):
    """`streamlit run app/ui/main.py` against the session's control plane."""
    port = free_port()
    env = {**stack.env, "PYTHONPATH": str(ROOT)}
    log = open(stack.home / "ui.log", "ab")  # the child process writes to it
    # The options `flowbench up` gives: XSRF on, only the local host names allowed.
    options = ui_options(Settings(home=stack.home, redis_url=None, ui_port=port))
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app/ui/main.py", *options],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"streamlit did not start: {(stack.home / 'ui.log').read_text()[-2000:]}")
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright; fails (never skips) when it is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package "
                    "(apt-get install -y chromium; .ci/run does).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("The playwright package is missing: pip install -r requirements.txt.")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS,
                                              headless=True)
        yield launched
        launched.close()


def graph_canvas(page):
    """The canvas of the agraph component, inside its iframe."""
    canvas = page.frame_locator("iframe[title='streamlit_agraph.agraph']").locator("canvas")
    canvas.first.wait_for()
    return canvas.first


def click_fill(canvas, colour: tuple[int, int, int]) -> None:
    """Click the node drawn in `colour` (waits for the canvas to be painted)."""
    deadline = time.monotonic() + 30
    while (spot := canvas.evaluate(FIND_FILL, list(colour))) is None:
        assert time.monotonic() < deadline, "no node of that colour was drawn"
        time.sleep(0.3)
    canvas.click(position=spot)


def log_in(page, secret: str) -> None:
    """Fill the login form and submit it."""
    page.get_by_label("Password", exact=True).fill(secret)
    page.get_by_role("button", name="Log in").click()


def websocket_status(url: str, host: str, origin: str) -> str:
    """The status line Streamlit answers to a WebSocket upgrade with these Host and Origin."""
    port = int(url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall((f"GET /_stcore/stream HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n"
                      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        return sock.recv(1024).decode("latin-1").split("\r\n", 1)[0]


def test_a_foreign_host_cannot_open_the_ui(ui_url):
    """The DNS-rebinding shape (Host and Origin both the attacker's name) is refused; the
    local names are accepted."""
    port = ui_url.rsplit(":", 1)[1]
    assert " 101 " in websocket_status(ui_url, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}")
    assert " 101 " in websocket_status(ui_url, f"localhost:{port}", f"http://localhost:{port}")
    refused = websocket_status(ui_url, f"evil.example:{port}", f"http://evil.example:{port}")
    assert refused.startswith("HTTP/1.1 4"), refused


def test_the_ui_asks_who_you_are(ui_url, browser, stack):
    """Without logging in, no page shows; a wrong password is refused; the UI password made at
    first start lets you in."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.set_default_timeout(60_000)
    page.goto(ui_url)
    page.get_by_role("button", name="Log in").wait_for()
    page.screenshot(path=str(ARTIFACTS / "00-login.png"))
    assert "Latest runs" not in page.inner_text("body")
    log_in(page, "not-the-password")
    page.get_by_text("Wrong password.").wait_for()
    assert "Latest runs" not in page.inner_text("body")
    password = (stack.home / "ui-password").read_text().strip()
    log_in(page, password)
    page.get_by_text("Latest runs").wait_for()
    page.screenshot(path=str(ARTIFACTS / "00-logged-in.png"))
    page.close()


def test_tutorial_in_browser(ui_url, browser, stack):
    """Open the tutorial sample, click its dataset node, see its properties, submit, watch the
    run complete; a screenshot per step."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(60_000)

    def shot(name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    page.goto(ui_url)
    log_in(page, stack.token)
    page.get_by_text("Latest runs").wait_for()
    shot("01-home")
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Designer").click()
    page.get_by_text("Sample pipelines").wait_for()
    shot("02-designer-start")
    page.get_by_role("button", name="Open as new draft").click()
    page.get_by_text("Palette").wait_for()
    canvas = graph_canvas(page)
    time.sleep(1.0)  # vis-network draws after the iframe loads
    shot("03-sample-opened")

    click_fill(canvas, DATASET_FILL)
    page.get_by_text("Version", exact=True).wait_for()
    page.get_by_text("Comment", exact=True).wait_for()
    time.sleep(1.0)
    shot("04-node-properties")

    page.get_by_role("button", name="Submit").first.click()
    page.get_by_test_id("stPopoverBody").get_by_role("textbox", name="Experiment").fill("browser")
    page.get_by_test_id("stPopoverBody").get_by_role("button", name="Submit").click()
    page.get_by_text("steps ended").wait_for()
    time.sleep(1.0)
    shot("05-run-started")
    page.wait_for_function(
        "() => /completed · (\\d+) of \\1 steps ended/.test(document.body.innerText)",
        timeout=180_000)
    assert "completed" in page.inner_text("body")
    time.sleep(1.5)
    shot("06-run-completed")

    page.get_by_test_id("stSelectbox").filter(has_text="Step").locator("input").click()
    page.get_by_role("option", name="evaluate — Evaluate Model").click()
    time.sleep(2.0)
    shot("07-step-selected")
    page.get_by_role("tab", name="Visualize").click()
    page.locator("[data-testid='stVegaLiteChart']").first.wait_for()
    time.sleep(2.0)
    shot("08-evaluate-charts")
