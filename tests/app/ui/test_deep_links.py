"""A deep link opened while signed out survives the login, in a real browser: the page and its
selection (the router runs before the login form; the menu stays hidden until signed in)."""

from __future__ import annotations

from tests.app.ui.test_browser import ARTIFACTS, browser, log_in, ui_url  # noqa: F401 (fixtures)

MENU = "[data-testid='stSidebarNav']"


def test_a_run_link_survives_the_login(ui_url, browser, stack, finished_run):  # noqa: F811
    # A second run, so that a lost selection cannot land on the right run by being the only one.
    other = stack.client().submit(finished_run.run.spec, experiment="ui-deep-link")
    run_id = finished_run.run.id
    assert other.id != run_id
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{ui_url}/run?run={run_id}")
        page.get_by_label("Password", exact=True).wait_for()
        assert page.locator(MENU).count() == 0, "the menu shows before signing in"
        assert run_id not in page.inner_text("body"), "the run shows before signing in"
        log_in(page, stack.token)
        page.get_by_text(f"{run_id} · experiment").wait_for()
        page.locator(MENU).wait_for()
        assert page.url.startswith(f"{ui_url}/run?") and f"run={run_id}" in page.url, page.url
        assert other.id not in page.inner_text("main")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "deep-link-run.png"), full_page=True)
    finally:
        page.close()
