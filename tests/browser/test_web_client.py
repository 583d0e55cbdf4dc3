"""Two people use the web client in two real browsers (Chromium contexts) against the live server:
they sign up, one follows the other, posts show up live, likes and comments count up live on the
author's bell, and every main page passes axe-core with no serious or critical violation.
Screenshots of the main pages (phone and desktop, light and dark) go to docs/screenshots/.

Every wait is Playwright's auto-waiting `expect` on a condition, never a sleep.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from PIL import Image, ImageOps
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.conftest import ALL_DATABASES
from tests.live_server import ROOT, LiveServer

# The server writes to the test databases; each test's data is flushed after it.
pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

SCREENSHOTS = ROOT / "docs" / "screenshots"
# Live updates cross the socket and the event handlers of a loaded machine: generous, but each
# expect returns as soon as its condition holds.
LIVE_TIMEOUT_MS = 30_000
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery staple"
BLOCKING_IMPACTS = {"serious", "critical"}

expect.set_options(timeout=LIVE_TIMEOUT_MS)


def assert_accessible(page: Page, name: str) -> None:
    """axe-core on the page as shown: no serious or critical violation."""
    results = Axe().run(page)
    blocking = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in results.response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
    assert blocking == [], f"axe on {name} ({page.url}): {blocking}"


def png_bytes(dark: tuple[int, int, int], light: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> bytes:
    """A two-colour gradient, top to bottom: something to look at in the screenshots, small as a PNG."""
    gradient = Image.linear_gradient("L").resize(size)
    buffer = io.BytesIO()
    ImageOps.colorize(gradient, black=dark, white=light).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


class Person:
    """One person's browser context, with what the page logged that a person would never see."""

    def __init__(self, browser: Browser, base_url: str, username: str, **context_options: Any) -> None:
        self.username = username
        self.context: BrowserContext = browser.new_context(base_url=base_url, **context_options)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        # A CSP violation or an uncaught error is a bug even when the page looks right.
        if message.type == "error" and ("Content Security Policy" in message.text or "Uncaught" in message.text):
            self.problems.append(message.text)

    def sign_up(self) -> None:
        page = self.page
        page.goto("/signup")
        expect(page.get_by_role("heading", name="Sign up")).to_be_visible()
        page.get_by_label("Username").fill(self.username)
        page.get_by_label("Email").fill(f"{self.username}@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign up").click()
        expect(page).to_have_url(re.compile(r"/$"))
        expect(page.get_by_role("feed", name="Home feed")).to_be_attached()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def people(browser: Browser, web_server: LiveServer) -> Iterator[tuple[Person, Person]]:
    ana = Person(browser, web_server.url, "ana", viewport=DESKTOP)
    ben = Person(browser, web_server.url, "ben", viewport=PHONE)
    yield ana, ben
    ana.close()
    ben.close()


def unread_count(page: Page) -> Any:
    bell = page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Notifications"))
    return bell.get_by_test_id("unread-count")


def test_two_people_follow_post_like_and_comment_live(people: tuple[Person, Person], tmp_path: Path) -> None:
    ana, ben = people

    # A visitor is sent to the login page, which is accessible.
    ana.page.goto("/notifications")
    expect(ana.page).to_have_url(re.compile(r"/login\?next=(%2F|/)notifications$"))
    expect(ana.page.get_by_role("heading", name="Log in")).to_be_visible()
    assert_accessible(ana.page, "login")
    ana.page.get_by_role("link", name="Sign up").click()
    expect(ana.page.get_by_role("heading", name="Sign up")).to_be_visible()
    assert_accessible(ana.page, "signup")

    ana.sign_up()
    ben.sign_up()

    # Ben follows Ana from her profile.
    ben.page.goto("/u/ana")
    expect(ben.page.get_by_role("heading", level=1, name="ana")).to_be_visible()
    ben.page.get_by_role("button", name="Follow", exact=True).click()
    expect(ben.page.get_by_role("button", name="Unfollow")).to_be_visible()
    expect(ben.page.get_by_role("link", name="1 followers")).to_be_visible()
    # Ana, on her home page, is told at once.
    expect(unread_count(ana.page)).to_have_text("1")
    assert_accessible(ben.page, "profile")
    ben.page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    home_feed = ben.page.get_by_role("feed", name="Home feed")
    expect(home_feed).to_be_attached()

    # Ana posts with an image and its alt text.
    image = tmp_path / "sunset.png"
    image.write_bytes(png_bytes((120, 30, 60), (250, 170, 60)))
    composer = ana.page.get_by_label("What's happening?")
    composer.fill("Sunset over the harbour #sunset with @ben")
    expect(ana.page.get_by_test_id("char-count")).to_have_text(re.compile(r"^\s*41 / \d+\s*$"))
    ana.page.get_by_label("Add images").set_input_files(image)
    expect(ana.page.locator("img[src^='blob:']")).to_be_visible()
    ana.page.get_by_label("Alt text for image 1").fill("An orange sky over the harbour")
    expect(ana.page.get_by_role("progressbar")).to_be_attached()
    ana.page.get_by_role("button", name="Post").click()
    own_post = ana.page.get_by_role("feed", name="Home feed").get_by_role("article").first
    expect(own_post).to_contain_text("Sunset over the harbour")
    assert_accessible(ana.page, "home")

    # Ben, without reloading, is offered the new post and sees it with its image and alt text.
    banner = ben.page.get_by_role("button", name=re.compile(r"^Show \d+ new posts?$"))
    expect(banner).to_have_text("Show 1 new post", timeout=LIVE_TIMEOUT_MS)
    banner.click()
    post = home_feed.get_by_role("article").first
    expect(post).to_contain_text("Sunset over the harbour")
    expect(post.get_by_role("link", name="#sunset")).to_have_attribute("href", "/tags/sunset")
    expect(post.get_by_role("link", name="@ben")).to_have_attribute("href", "/u/ben")
    picture = post.get_by_role("img", name="An orange sky over the harbour")
    expect(picture).to_be_visible()
    expect(picture).to_have_js_property("complete", True)
    assert picture.evaluate("img => img.naturalWidth") > 0

    # Ben likes it: the count goes up; Ana's bell counts up live.
    like = post.get_by_role("button", name="Like")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(post.get_by_test_id("like-count")).to_have_text("1")
    expect(unread_count(ana.page)).to_have_text("2")

    # Ben comments on the post's page; Ana's bell counts up again.
    post.get_by_role("link", name=re.compile("comment")).click()
    expect(ben.page).to_have_url(re.compile(r"/posts/[^/]+$"))
    ben.page.get_by_label("Add a comment").fill("What a view!")
    ben.page.get_by_role("button", name="Comment", exact=True).click()
    comments = ben.page.get_by_role("list", name="Comments")
    expect(comments.get_by_role("article")).to_have_count(1)
    expect(comments.get_by_role("article").first).to_contain_text("What a view!")
    expect(comments.get_by_role("button", name="Delete comment")).to_be_visible()
    assert_accessible(ben.page, "post")
    expect(unread_count(ana.page)).to_have_text("3")

    # Ana reads her notifications; her own post page counts the comment.
    ana.page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("^Notifications")).click()
    expect(ana.page.get_by_role("heading", name="Notifications")).to_be_visible()
    notifications = ana.page.get_by_role("list", name="Notifications")
    expect(notifications).to_contain_text("ben")
    expect(notifications).to_contain_text(re.compile("liked your post"))
    expect(notifications).to_contain_text(re.compile("comment"))
    assert_accessible(ana.page, "notifications")
    ana.page.get_by_role("button", name="Mark all as read").click()
    expect(unread_count(ana.page)).to_be_hidden()

    assert ana.problems == []
    assert ben.problems == []


MAIN_PAGES = {
    "login": "/login",
    "home": "/",
    "post": None,  # the first post of the home feed
    "profile": "/u/cleo",
    "followers": "/u/cleo/followers",
    "notifications": "/notifications",
    "search": "/search?q=harbour",
    "tag": "/tags/harbour",
    "edit-profile": "/settings/profile",
}
# The pages shown in docs/screenshots/ (every page above is still checked by axe).
SCREENSHOT_PAGES = ("login", "home", "post", "profile", "notifications")
LAYOUTS = {"phone": PHONE, "desktop": DESKTOP}
SCHEMES = ("light", "dark")


def test_main_pages_are_accessible_in_every_layout_and_scheme_and_screenshotted(
    browser: Browser, web_server: LiveServer, tmp_path: Path
) -> None:
    # Someone with a post, a follower and a notification, so no page is empty.
    cleo = Person(browser, web_server.url, "cleo", viewport=DESKTOP)
    dev = Person(browser, web_server.url, "dev", viewport=DESKTOP)
    cleo.sign_up()
    dev.sign_up()
    pictures = {"A blue boat": ((20, 50, 120), (120, 200, 240)), "Green hills": ((20, 90, 40), (190, 230, 120))}
    for alt, (dark, light) in pictures.items():
        image = tmp_path / f"{alt}.png"
        image.write_bytes(png_bytes(dark, light))
        cleo.page.get_by_label("What's happening?").fill(f"{alt} by the #harbour this morning")
        cleo.page.get_by_label("Add images").set_input_files(image)
        cleo.page.get_by_label("Alt text for image 1").fill(alt)
        cleo.page.get_by_role("button", name="Post").click()
        expect(cleo.page.get_by_role("feed", name="Home feed").get_by_role("article").first).to_contain_text(alt)
    dev.page.goto("/u/cleo")
    dev.page.get_by_role("button", name="Follow", exact=True).click()
    expect(dev.page.get_by_role("button", name="Unfollow")).to_be_visible()
    dev.page.get_by_role("feed", name="Posts").get_by_role("article").first.get_by_role(
        "link", name=re.compile("comment")
    ).click()
    dev.page.get_by_label("Add a comment").fill("Lovely light, where is this?")
    dev.page.get_by_role("button", name="Comment", exact=True).click()
    expect(dev.page.get_by_role("list", name="Comments").get_by_role("article")).to_have_count(1)
    expect(unread_count(cleo.page)).to_have_text("2")
    state = cleo.context.storage_state()
    dev.close()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for layout, viewport in LAYOUTS.items():
        for scheme in SCHEMES:
            viewer = Person(
                browser, web_server.url, "cleo", viewport=viewport, color_scheme=scheme, storage_state=state
            )
            page = viewer.page
            for name, path in MAIN_PAGES.items():
                if name == "login":
                    logged_out = Person(browser, web_server.url, "visitor", viewport=viewport, color_scheme=scheme)
                    target = logged_out.page
                    target.goto("/login")
                    expect(target.get_by_role("heading", name="Log in")).to_be_visible()
                else:
                    target = page
                    if name == "post":
                        page.goto("/")
                        page.get_by_role("feed", name="Home feed").get_by_role("article").first.get_by_role(
                            "link", name=re.compile("comment")
                        ).click()
                    else:
                        page.goto(str(path))
                    _wait_until_shown(page, name)
                assert_accessible(target, f"{name} ({layout}, {scheme})")
                if name in SCREENSHOT_PAGES:
                    target.screenshot(path=SCREENSHOTS / f"{name}-{layout}-{scheme}.png")
                if name == "login":
                    problems += logged_out.problems
                    logged_out.close()
            problems += viewer.problems
            viewer.close()
    cleo.close()
    assert problems == []


def _wait_until_shown(page: Page, name: str) -> None:
    """Until the page shows its content (and its images are decoded), so checks and pictures see it."""
    content = {
        "home": page.get_by_role("feed", name="Home feed").get_by_role("article").first,
        "post": page.get_by_role("list", name="Comments").get_by_role("article").first,
        "profile": page.get_by_role("feed", name="Posts").get_by_role("article").first,
        "followers": page.get_by_role("link", name="dev").first,
        "notifications": page.get_by_role("list", name="Notifications").get_by_role("listitem").first,
        "search": page.get_by_role("feed", name="Search results").get_by_role("article").first,
        "tag": page.get_by_role("feed", name="Posts tagged harbour").get_by_role("article").first,
        "edit-profile": page.get_by_label("Display name"),
    }[name]
    expect(content).to_be_visible()
    page.wait_for_function("() => [...document.images].every(img => img.complete)")
