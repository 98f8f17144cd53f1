"""End to end in a real headless Chromium: ``python -m bot.simulator`` as its own process,
the page driven with Selenium like a trainer would click through it.

A new mother joins with the group link, a reminder arrives and she answers it, the meeting
opens, she checks in with the code shown in the facilitator's chat and, after the window,
the module summary arrives.

Skipped, with the reason, where Selenium, Chromium or chromedriver is not installed
(Debian: ``apt-get install chromium chromium-driver``; ``pip install selenium``).
"""

from __future__ import annotations

import contextlib
import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
WAIT = 15.0
START_WAIT = 40.0


def _find(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _find("chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = _find("chromedriver")

try:
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support.ui import Select, WebDriverWait

    HAVE_SELENIUM = True
except ImportError:  # pragma: no cover - depends on the machine
    HAVE_SELENIUM = False

pytestmark = [
    pytest.mark.skipif(
        not HAVE_SELENIUM, reason="selenium is not installed (pip install selenium)"
    ),
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="chromium/chromedriver not found (apt-get install chromium chromium-driver)",
    ),
]

CHROME_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1500,1000",
)


# ----------------------------------------------------------------------- fixtures


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[str]:
    """``python -m bot.simulator --port 0`` in a child process; yields the page's URL."""
    log_path = tmp_path / "simulator.log"
    with (
        log_path.open("wb") as log_file,
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.simulator",
                "--port",
                "0",
                "--workdir",
                str(tmp_path / "work"),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=log_file,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        ) as process,
    ):
        try:
            assert process.stdout is not None
            url = _read_url(process, process.stdout, log_path)
            yield url
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # Ctrl-C: a clean stop
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert process.returncode == 0, log[-3000:]
    assert "Traceback" not in log, log[-3000:]


def _read_url(process: subprocess.Popen[bytes], stdout: Any, log_path: Path) -> str:
    deadline = time.monotonic() + START_WAIT
    buffer = b""
    with selectors.DefaultSelector() as selector:
        selector.register(stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=0.2):
                chunk = os.read(stdout.fileno(), 4096)
                if not chunk:
                    break
                buffer += chunk
                match = re.search(rb"http://127\.0\.0\.1:\d+/", buffer)
                if match:
                    return match.group(0).decode()
            if process.poll() is not None:
                break
    log = log_path.read_text(encoding="utf-8", errors="replace")
    raise AssertionError(f"the simulator did not start:\n{buffer.decode()}\n{log[-3000:]}")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    options = Options()
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium-profile'}")
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        driver.set_page_load_timeout(WAIT)
        yield driver
    finally:
        driver.quit()


# ------------------------------------------------------------------------ helpers


class Page:
    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    def until(self, predicate: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(
                lambda _d: predicate()
            )
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what}") from None

    def panel(self, name: str) -> WebElement:
        """The chat panel of the person called ``name``."""

        def find() -> WebElement | None:
            for panel in self.driver.find_elements(By.CSS_SELECTOR, "section.chat"):
                if panel.find_element(By.CSS_SELECTOR, ".name").text == name:
                    return panel
            return None

        found: WebElement = self.until(find, f"the chat of {name}")
        return found

    def bot_texts(self, panel: WebElement) -> list[str]:
        texts: list[str] = self.driver.execute_script(
            "return [...arguments[0].querySelectorAll('.msg.bot')].map(m => m.innerText);",
            panel,
        )
        return texts

    def wait_bot_text(self, name: str, text: str, *, after: int = 0) -> str:
        """The first bot message in her chat, after the first ``after``, containing ``text``."""
        panel = self.panel(name)

        def find() -> str | None:
            return next((t for t in self.bot_texts(panel)[after:] if text in t), None)

        found: str = self.until(find, f"{text!r} in the chat of {name}")
        return found

    def count(self, name: str) -> int:
        return len(self.bot_texts(self.panel(name)))

    def type(self, name: str, text: str) -> None:
        field = self.panel(name).find_element(By.CSS_SELECTOR, ".composer input")
        field.send_keys(text)
        self.panel(name).find_element(By.CSS_SELECTOR, ".composer button").click()

    def press(self, name: str, label: str) -> None:
        """Press the newest inline button whose label contains ``label``."""
        panel = self.panel(name)

        def find() -> WebElement | None:
            buttons = panel.find_elements(By.CSS_SELECTOR, ".msg.bot .inline-btn")
            matching = [b for b in buttons if label in b.text]
            return matching[-1] if matching else None

        button: WebElement = self.until(find, f"a button {label!r} for {name}")
        button.click()

    def clock(self, action: str) -> str:
        before = self.driver.find_element(By.ID, "clock-label").text
        self.driver.find_element(By.CSS_SELECTOR, f'button[data-action="{action}"]').click()
        label: str = self.until(
            lambda: (t := self.driver.find_element(By.ID, "clock-label").text) != before and t,
            f"the clock to move ({action})",
        )
        return label

    def commands(self, name: str) -> list[str]:
        """Her ``/`` menu as the page shows it (from the fake's setMyCommands)."""
        commands: list[str] = self.driver.execute_script(
            "return [...arguments[0].querySelectorAll('.commands button')]"
            ".map(b => b.textContent);",
            self.panel(name),
        )
        return commands


# -------------------------------------------------------------------------- the walk


def test_a_new_mother_walks_through_a_p2k2_month(
    simulator: str, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    page = Page(browser)
    browser.get(simulator)
    page.wait_bot_text("Rina Wati", "Selamat datang kembali")
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.chat")) == 5
    assert "WIB" in browser.find_element(By.ID, "clock-label").text

    # a stranger opens the Melati join link (the "new person" form) and joins
    browser.find_element(By.ID, "new-name").send_keys("Lilis")
    Select(browser.find_element(By.ID, "new-start")).select_by_visible_text(
        "Tautan gabung kelompok Melati"
    )
    browser.find_element(By.CSS_SELECTOR, "#new-person button[type=submit]").click()
    page.wait_bot_text("Lilis", "Selamat datang di kelompok")
    page.type("Lilis", "Lilis Suryani")
    share = page.until(
        lambda: page.panel("Lilis").find_elements(By.CSS_SELECTOR, ".reply-keyboard button"),
        "the reply keyboard",
    )
    assert any(b.get_attribute("data-contact") == "1" for b in share)
    next(b for b in share if b.get_attribute("data-contact") == "1").click()
    page.wait_bot_text("Lilis", "Mohon periksa")
    page.press("Lilis", "daftarkan")
    page.wait_bot_text("Lilis Suryani", "Ibu sekarang anggota kelompok")
    page.wait_bot_text("Rina Wati", "Anggota baru: Ibu Lilis Suryani")

    # the next reminder: she answers that she will come
    seen = page.count("Lilis Suryani")
    page.clock("next_reminder")
    page.wait_bot_text("Lilis Suryani", "3 hari lagi", after=seen)
    seen = page.count("Lilis Suryani")
    page.press("Lilis Suryani", "Saya akan hadir")
    page.wait_bot_text("Lilis Suryani", "Sampai jumpa", after=seen)

    # the meeting: the check-in window opens
    facilitator_seen = page.count("Rina Wati")
    page.clock("meeting")
    menu = page.until(lambda: page.commands("Lilis Suryani"), "her command menu")
    assert "/hadir" in menu, menu
    code_text = page.wait_bot_text("Rina Wati", "Kode hadir", after=facilitator_seen)
    match = re.search(r"Kode hadir:\s*(\d{4})", code_text)
    assert match, code_text
    seen = page.count("Lilis Suryani")
    page.type("Lilis Suryani", "/hadir")
    page.wait_bot_text("Lilis Suryani", "kode", after=seen)
    seen = page.count("Lilis Suryani")
    page.type("Lilis Suryani", match.group(1))
    page.wait_bot_text("Lilis Suryani", "sudah tercatat", after=seen)

    # past the window: the module summary arrives
    seen = page.count("Lilis Suryani")
    page.clock("after_meeting")
    page.wait_bot_text("Lilis Suryani", "ringkasan materi", after=seen)

    # ... and its voice note, which the page plays: an audio player on the OGG/Opus file
    # the simulator serves, which Chromium loads and decodes (and so knows its length).
    page.until(
        lambda: page.panel("Lilis Suryani").find_elements(By.CSS_SELECTOR, ".voice audio"),
        "the voice note",
    )
    browser.set_script_timeout(WAIT)
    loaded = browser.execute_async_script(
        """
        const [name, done] = arguments;
        const panels = [...document.querySelectorAll("section.chat")];
        const panel = panels.find((p) => p.querySelector(".name").textContent.trim() === name);
        const audio = panel.querySelector(".voice audio");
        const bytes = fetch(audio.src).then((r) => r.arrayBuffer());
        const head = bytes.then((b) => String.fromCharCode(...new Uint8Array(b.slice(0, 4))));
        const decoded = bytes.then((b) => new OfflineAudioContext(1, 1, 48000)
            .decodeAudioData(b).then((buffer) => buffer.duration, () => -1));
        const meta = new Promise((resolve) => {
            audio.addEventListener("loadedmetadata", () => resolve("loaded"), {once: true});
            audio.addEventListener("error", () => resolve(audio.error.message), {once: true});
            audio.preload = "auto";
            audio.load();
        });
        Promise.all([head, meta, decoded]).then(done);
        """,
        "Lilis Suryani",
    )
    assert loaded[:2] == ["OggS", "loaded"], loaded
    assert loaded[2] > 10, loaded

    page.clock("day")
    browser.save_screenshot(str(tmp_path / "simulator.png"))
    errors = [
        entry
        for entry in browser.get_log("browser")
        if entry.get("level") == "SEVERE" and "favicon" not in entry.get("message", "")
    ]
    assert not errors, errors


def test_the_page_fits_a_phone(simulator: str, browser: webdriver.Chrome) -> None:
    browser.set_window_size(400, 850)
    browser.get(simulator)
    page = Page(browser)
    page.wait_bot_text("Siti Aminah", "Halo, Ibu Siti Aminah")
    panels = browser.find_elements(By.CSS_SELECTOR, "section.chat")
    lefts = {round(p.location["x"]) for p in panels}
    assert len(lefts) == 1, "chats stack vertically on a narrow screen"
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= browser.execute_script("return window.innerWidth") + 1
    with contextlib.suppress(Exception):
        browser.set_window_size(1500, 1000)
