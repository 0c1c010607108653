"""The web UI in a real browser: Debian's Chromium driven by Playwright, against the real server.

Each screen is used as a person would: choose, type, click, expand, download.
Downloads are compared byte for byte with the console script's output for the
same options. Bad input must show one visible line and never a traceback.
With ``WILDCARDS_GEN_UI_SCREENSHOTS=DIR`` the tests save a PNG of each screen
there (``docs/ui`` for the documentation).

Chromium comes from the system (scripts/setup-browser installs Debian's); no
browser is downloaded. Without one the tests skip, except under ``CI=true``,
where they fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from ui_support import UIServer, cli_output

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # root in CI: Chromium's sandbox refuses to start as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no connections to the outside (refused here anyway)
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 120_000  # a loaded 2-core machine; no test asserts speed
STYLES = ["baroque", "cubism", "Paris", "London", "Berlin", "Tokyo", "impressionism", "surrealism"]
STYLES += ["cyberpunk", "steampunk", "vaporwave", "art nouveau", "minimalism", "Rome"]


def chromium() -> str | None:
    for candidate in (os.environ.get("WILDCARDS_GEN_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable(why: str):
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must run the browser tests (scripts/setup-browser installs Chromium)")
    pytest.skip(why)


def expect(locator):
    """Playwright's assertions, which wait (the page's CSP forbids the string evaluation that
    ``wait_for_function`` needs)."""
    from playwright.sync_api import expect as playwright_expect

    playwright_expect.set_options(timeout=TIMEOUT_MS)
    return playwright_expect(locator)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (scripts/bootstrap --test installs it)")
    executable = chromium()
    if executable is None:
        unavailable("no Chromium found (scripts/setup-browser installs Debian's)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server():
    started = UIServer()
    yield started
    started.stop()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server.url)
    page.wait_for_selector("#g-dataset option", state="attached")
    yield page
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def screenshot(page, name: str) -> None:
    """A PNG of the screen for the docs, when asked for (``WILDCARDS_GEN_UI_SCREENSHOTS=docs/ui``)."""
    folder = os.environ.get("WILDCARDS_GEN_UI_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.locator("header").scroll_into_view_if_needed()
        page.screenshot(path=str(Path(folder) / f"{name}.png"))


def no_traceback(page) -> None:
    text = page.inner_text("body")
    assert "Traceback" not in text and 'File "' not in text


def visible_message(page, screen: str) -> str:
    box = page.locator(f"#{screen}-message")
    box.wait_for(state="visible")
    text = box.inner_text().strip()
    assert text and "\n" not in text
    no_traceback(page)
    return text


def download(page, selector: str, tmp_path: Path) -> bytes:
    with page.expect_download() as info:
        page.click(selector)
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path.read_bytes()


def test_tencent_balanced_preview_tree_and_download(page, shared_data, tmp_path):
    hierarchy = str(shared_data / "tencent" / "dictionary_and_semantic_hierarchy.txt")
    page.uncheck("#g-live")  # one run, on the click below
    page.select_option("#g-dataset", "tencent")
    page.fill("#g-opt-hierarchy_file", hierarchy)
    page.check("#g-smart")
    page.select_option("#g-preset", "balanced")
    page.click("#g-run")
    page.wait_for_selector("#generate-tree details")
    counts = page.inner_text("#generate-counts")
    assert "categories" in counts and "items" in counts and "collisions" in counts
    args = ["dataset", "tencent", "--smart", "--preset", "balanced", "--hierarchy-file", hierarchy]
    assert page.inner_text("#generate-cli") == f"wildcards-gen {' '.join(args)} -o tencent.yaml"
    animal = page.locator('#generate-tree > details[data-key="animal"]')
    animal.locator(":scope > summary").click()
    vertebrate = animal.locator(':scope > details[data-key="vertebrate"]')
    vertebrate.wait_for(state="visible")
    assert "animals having a bony or cartilaginous skeleton" in vertebrate.locator(":scope > summary").inner_text()
    screenshot(page, "generate")
    expected = cli_output(args, tmp_path / "cli.yaml")
    assert download(page, "#generate-download-yaml", tmp_path) == expected


def test_imagenet_dogs_found_by_search_updates_live_and_downloads(page, tmp_path):
    if page.input_value("#g-dataset") != "imagenet":  # as a person would: no change, no run
        page.select_option("#g-dataset", "imagenet")
    assert page.is_checked("#g-smart")
    page.fill("#g-opt-root", "dog")
    page.click('#g-opt-root ~ .suggestions li[data-wnid="n02084071"]')  # picking it starts the preview
    assert page.input_value("#g-opt-root") == "n02084071"
    page.wait_for_selector('#generate-tree > details[data-key="dog"]')
    page.locator('#generate-tree > details[data-key="dog"] > summary').click()
    page.wait_for_selector('#generate-tree > details[data-key="dog"] > details')
    first_cli = page.inner_text("#generate-cli")
    page.select_option("#g-key-style", "kebab")  # the preview follows the change
    expect(page.locator("#generate-cli")).not_to_have_text(first_cli)
    page.wait_for_selector("#generate-status", state="hidden")
    args = ["dataset", "imagenet", "--smart", "--preset", "balanced", "--key-style", "kebab", "--root", "n02084071"]
    assert page.inner_text("#generate-cli") == f"wildcards-gen {' '.join(args)} -o imagenet.yaml"
    assert download(page, "#generate-download-yaml", tmp_path) == cli_output(args, tmp_path / "cli.yaml")


def test_arrange_a_pasted_list(page, tmp_path):
    page.click("#tab-arrange")
    page.fill("#a-text", "\n".join(STYLES))
    page.fill("#a-name", "styles")
    page.select_option("#a-embedder", "wordnet")
    page.click("#a-run")
    page.wait_for_selector('#arrange-tree > details[data-key="styles"] > details')
    assert (
        page.inner_text("#arrange-cli") == "wildcards-gen arrange styles.txt --embedder wordnet -o styles-arranged.yaml"
    )
    screenshot(page, "arrange")
    (tmp_path / "styles.txt").write_text("".join(f"{t}\n" for t in STYLES))
    expected = cli_output(["arrange", "styles.txt", "--embedder", "wordnet"], tmp_path / "out.yaml", cwd=tmp_path)
    assert download(page, "#arrange-download-yaml", tmp_path) == expected


def test_check_shows_a_known_problem_per_reader_with_its_line(page, tmp_path):
    pets = tmp_path / "pets.yaml"
    pets.write_text("animals: # instruction: creatures\n  dogs: [yes, beagle]\n  cats: [tabby, 'a # b']\n")
    page.click("#tab-check")
    page.set_input_files("#c-file", str(pets))
    page.wait_for_selector("#check-readers section")
    row = page.locator('section[data-reader="dynamicprompts"] tr[data-code="coerced-item"]')
    assert row.locator("td.where").inner_text() == "pets.yaml:2:10"
    assert "read as a boolean" in row.inner_text()
    assert page.locator('section[data-reader="impact"] tr[data-code="coerced-item"]').count() == 1
    assert page.locator('section[data-reader="dynamicprompts"] tr[data-code="item-char"]').count() == 1
    screenshot(page, "check")


def test_an_unknown_root_is_a_visible_line(page):
    page.fill("#g-opt-root", "dgo")
    page.press("#g-opt-root", "Enter")  # submits the form
    said = visible_message(page, "generate")
    assert said == "'dgo' is not a WordNet noun; did you mean: dog, dago, do, dg, dingo?"
    screenshot(page, "error")


def test_bad_uploads_are_visible_lines(page, tmp_path):
    page.click("#tab-check")
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.write(b"a: [b]\n" * (50 * 1024 * 1024 // 7))
    page.set_input_files("#c-file", str(big))
    assert "more than the 32 MB this UI accepts" in visible_message(page, "check")
    binary = tmp_path / "photo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    page.set_input_files("#c-file", str(binary))
    expect(page.locator("#check-message")).to_contain_text("photo.png")
    assert (
        visible_message(page, "check")
        == "photo.png is a binary file, not a wildcard file (.yaml, .txt) or a .zip of them"
    )
    malformed = tmp_path / "broken.yaml"
    malformed.write_text("animals:\n  dogs: [beagle\n")
    page.set_input_files("#c-file", str(malformed))
    row = page.locator('tr[data-code="yaml-error"]').first
    row.wait_for()
    assert row.locator("td.where").inner_text().startswith("broken.yaml:3:")
    no_traceback(page)
    page.click("#tab-arrange")
    page.set_input_files("#a-file", str(malformed))
    page.click("#a-run")
    assert visible_message(page, "arrange").startswith("broken.yaml:3:1: the wildcard file is not valid YAML")
