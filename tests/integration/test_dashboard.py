"""The dashboard in a real headless browser: Debian's chromium driven
by chromedriver through selenium. dnsd probes three HTTP backends on
127.0.1.x; the page must show them up, show a killed one down, and drain and
undrain a member with its buttons (checked against GET /api/status too). An
outage must show at a glance: the banner counts members down and pools all
down, the event history gains rows with the probe's reason, the member's
15-minute strip turns red, members nobody probes say "unchecked", and a drain
asks for confirmation and then says when the member is safe to stop. A page
from another origin tries to drain through the same browser, and cannot.

Every wait polls with a deadline; the backends, dnsd and the browser are
stopped by their fixtures."""

import http.server
import json
import os
import re
import shutil
import threading
import urllib.request

import pytest

from dnsd_harness import free_port, wait_for
from health_support import backends  # noqa: F401 (a fixture)
from health_support import CHANGE_DEADLINE, fast_check, pool_zone

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
LIVE = ["127.0.1.121", "127.0.1.122", "127.0.1.123"]
CHECK = fast_check(interval=0.5, fast_interval=0.2, rise=1, fall=2)
# Page refresh (1.5 s) + detection (interval + (fall-1) x fast_interval) + margin.
DEADLINE = CHANGE_DEADLINE + 4.0

webdriver = pytest.importorskip("selenium.webdriver", reason="python3-selenium is not installed (.ci/deps.sh)")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only


def status(d):
    with _opener.open(f"http://{d.control_address}/api/status", timeout=10) as r:
        return json.loads(r.read())


def api_member(d, address):
    for p in status(d)["pools"]:
        for m in p["members"]:
            if p["name"] == "web" and m["address"] == address:
                return m
    raise AssertionError(f"no member {address} in /api/status")


@pytest.fixture
def browser(tmp_path):
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.skip("chromium and chromium-driver are not installed (.ci/deps.sh)")
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-proxy-server", "--window-size=1400,900", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    service = Service(CHROMEDRIVER, log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def row(driver, address, pool="web"):
    rows = driver.find_elements(By.CSS_SELECTOR, f'tr[data-member="{pool}/{address}"]')
    return rows[0] if rows else None


def wait_row(driver, address, what, predicate, pool="web"):
    """Polls the page until `address`'s row satisfies predicate(row); returns the row."""
    def check(drv):
        try:
            r = row(drv, address, pool)
            return r if r is not None and predicate(r) else False
        except Exception:  # the row was re-rendered between find and read
            return False
    return WebDriverWait(driver, DEADLINE, poll_frequency=0.1).until(check, f"page to show {address} {what}")


def on_row(driver, address, what, action, pool="web"):
    """Runs action(row) on `address`'s current row, again on a fresh row if the
    page re-rendered it in between (a stale element); returns its result."""
    def attempt(drv):
        try:
            r = row(drv, address, pool)
            return (r is not None, action(r) if r is not None else None)
        except StaleElementReferenceException:
            return False
    return WebDriverWait(driver, DEADLINE, poll_frequency=0.1).until(attempt, f"{what} on {address}")[1]


def wait_page(driver, what, predicate):
    """Polls until predicate(driver) is truthy (re-rendered elements count as not yet); returns its value."""
    def check(drv):
        try:
            return predicate(drv)
        except StaleElementReferenceException:
            return False
    return WebDriverWait(driver, DEADLINE, poll_frequency=0.1).until(check, f"page to show {what}")


def accept_confirm(driver, *words):
    """Waits for the page's confirm dialog, checks it names `words`, and accepts it."""
    alert = WebDriverWait(driver, DEADLINE, poll_frequency=0.1).until(expected_conditions.alert_is_present(),
                                                                      "a confirm dialog")
    text = alert.text
    for w in words:
        assert w in text, f"{w!r} not in the confirm dialog: {text!r}"
    alert.accept()


def test_dashboard_shows_states_and_drains(start_dnsd, zone_dir, backends, browser, tmp_path):
    b = backends(LIVE)
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"ttl": 5, "members": LIVE, "check": dict(CHECK, port=b[0].port, path="/")}})})
    d = start_dnsd(zones=zones, threads=1)

    browser.get(f"http://{d.control_address}/")
    assert browser.title == "dnsd dashboard"
    WebDriverWait(browser, DEADLINE).until(
        lambda drv: drv.find_elements(By.CSS_SELECTOR, 'tr[data-zone="example.test."]'), "zone row")
    zone_row = browser.find_element(By.CSS_SELECTOR, '#zones tr[data-zone="example.test."]')
    assert "1" in zone_row.text  # serial

    for a in LIVE:
        wait_row(browser, a, "up", lambda r: r.get_attribute("data-state") == "up")

    # A backend dies: the page turns it down (red).
    b[0].kill()
    wait_row(browser, LIVE[0], "down", lambda r: r.get_attribute("data-state") == "down")
    colour = on_row(browser, LIVE[0], "read the colour",
                    lambda r: r.find_element(By.CSS_SELECTOR, ".state").value_of_css_property("background-color"))
    assert colour.startswith("rgba(211, 59, 59") or colour.startswith("rgb(211, 59, 59"), colour

    # Drain its neighbour with the button; the API and the page agree.
    on_row(browser, LIVE[1], "click drain",
           lambda r: r.find_element(By.CSS_SELECTOR, 'button[data-action="drain"]').click())
    accept_confirm(browser, LIVE[1], "web")
    wait_for(lambda: api_member(d, LIVE[1])["admin"] == "drain", DEADLINE, "API to report the drain")
    assert api_member(d, LIVE[1])["drained"] is True
    wait_row(browser, LIVE[1], "drained", lambda r: r.get_attribute("data-admin") == "drain")
    wait_row(browser, LIVE[1], "drained in its state cell",
             lambda r: "drained" in r.find_element(By.CSS_SELECTOR, ".state").text)
    wait_row(browser, LIVE[0], "still down", lambda r: r.get_attribute("data-state") == "down")
    browser.save_screenshot(str(tmp_path / "dashboard.png"))

    # And undrain it again.
    on_row(browser, LIVE[1], "click undrain",
           lambda r: r.find_element(By.CSS_SELECTOR, 'button[data-action="undrain"]').click())
    wait_for(lambda: api_member(d, LIVE[1])["admin"] == "auto", DEADLINE, "API to report the undrain")
    wait_row(browser, LIVE[1], "undrained",
             lambda r: r.get_attribute("data-admin") == "auto" and r.get_attribute("data-state") == "up")


def test_dashboard_sends_the_token_from_the_url(start_dnsd, zone_dir, browser):
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"ttl": 5, "members": ["192.0.2.1"], "check": {"type": "none"}}})})
    d = start_dnsd(zones=zones, threads=1, extra_args=["--control-token", "s3cret"])
    browser.get(f"http://{d.control_address}/dashboard#token=s3cret")
    wait_row(browser, "192.0.2.1", "unchecked with the token", lambda r: r.get_attribute("data-state") == "unchecked")


OUTAGE_WEB = ["127.0.1.124", "127.0.1.125", "127.0.1.126"]
OUTAGE_API = ["127.0.1.127", "127.0.1.128"]
STATIC = "192.0.2.77"


def banner(driver, attribute):
    return driver.find_element(By.ID, "banner").get_attribute(attribute)


def events_api(d, since=0):
    with _opener.open(f"http://{d.control_address}/api/events?since={since}", timeout=10) as r:
        return json.loads(r.read())


def test_dashboard_shows_an_outage_at_a_glance(start_dnsd, zone_dir, backends, browser, tmp_path):
    web = backends(OUTAGE_WEB)
    api = backends(OUTAGE_API)
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"ttl": 5, "members": OUTAGE_WEB, "check": dict(CHECK, port=web[0].port, path="/")},
         "api": {"ttl": 5, "members": OUTAGE_API, "check": dict(CHECK, port=api[0].port, path="/")},
         "static": {"ttl": 5, "members": [STATIC], "check": {"type": "none"}}},
        {"www": {"A": {"pool": "web"}}, "api": {"A": {"pool": "api"}}, "static": {"A": {"pool": "static"}}})})
    d = start_dnsd(zones=zones, threads=1)
    browser.set_window_size(1280, 900)
    browser.get(f"http://{d.control_address}/")

    # Everything up: a green banner that counts them; the static member is unchecked, not up.
    wait_page(browser, "all members up", lambda drv: "all 5 members up" in drv.find_element(By.ID, "banner").text)
    assert banner(browser, "data-down") == "0" and banner(browser, "data-all-down") == "0"
    wait_row(browser, STATIC, "unchecked", lambda r: r.get_attribute("data-state") == "unchecked", pool="static")
    shown = on_row(browser, STATIC, "read the state", lambda r: r.find_element(By.CSS_SELECTOR, ".state").text,
                   pool="static")
    assert shown == "unchecked", shown

    # One backend dies: the banner says 1 member down, the history gains its row with the reason.
    web[0].kill()
    wait_page(browser, "1 member down in the banner", lambda drv: banner(drv, "data-down") == "1")
    assert "1 member down" in browser.find_element(By.ID, "banner").text
    down_row = wait_page(browser, "a member-down event for the killed backend", lambda drv: next(
        (e.text for e in drv.find_elements(By.CSS_SELECTOR, '#events tr[data-kind="member-down"]')
         if OUTAGE_WEB[0] in e.text), None))
    assert "refused" in down_row and "web" in down_row and "example.test." in down_row, down_row
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", down_row), "an absolute local time with seconds"
    event = next(e for e in events_api(d)["events"] if e["kind"] == "member-down" and e["member"] == OUTAGE_WEB[0])
    assert event["zone"] == "example.test." and event["pool"] == "web" and "refused" in event["reason"], event
    # The log says it at warning level, with zone, pool, member and the reason.
    wait_for(lambda: re.search(r"dnsd warn: health: zone=example\.test\. pool=web member=" + re.escape(OUTAGE_WEB[0]) +
                               r" \(check http [^)]*\) up -> down: connect refused", d.log()), DEADLINE,
             "a warning log line for the member going down")
    # Its strip turns red: a down segment, and failed probes drawn as failures.
    wait_row(browser, OUTAGE_WEB[0], "a down segment in its strip",
             lambda r: r.find_elements(By.CSS_SELECTOR, 'svg.strip rect[data-segment="down"]'))
    wait_row(browser, OUTAGE_WEB[0], "failed probes in its strip",
             lambda r: r.find_elements(By.CSS_SELECTOR, "svg.strip line.failure"))
    # Its failed probe's latency is not shown as if it were healthy.
    latency = on_row(browser, OUTAGE_WEB[0], "read the latency cell",
                     lambda r: (r.find_elements(By.TAG_NAME, "td")[7].text,
                                r.find_elements(By.TAG_NAME, "td")[7].get_attribute("class")))
    assert latency[0] == "\u2014" or "err" in latency[1], latency
    result = on_row(browser, OUTAGE_WEB[0], "read the result", lambda r: r.find_elements(By.TAG_NAME, "td")[6].text)
    assert result.count("refused") == 1, result

    # A whole pool dies: pools all down.
    for b in api:
        b.kill()
    wait_page(browser, "1 pool all down in the banner", lambda drv: banner(drv, "data-all-down") == "1")
    wait_page(browser, "3 members down", lambda drv: banner(drv, "data-down") == "3")
    wait_page(browser, "a pool-all-down event", lambda drv: any(
        "api" in e.text for e in drv.find_elements(By.CSS_SELECTOR, '#events tr[data-kind="pool-all-down"]')))
    wait_page(browser, "the api pool marked all down", lambda drv: drv.find_element(
        By.CSS_SELECTOR, '.pool[data-pool="example.test./api"]').get_attribute("data-all-down") == "true")
    assert re.search(r"dnsd warn: health: zone=example\.test\. pool=api all down: all 2 members are down", d.log())

    # Drain a live member: a confirm dialog names it, then the notice says when it is safe to stop.
    on_row(browser, OUTAGE_WEB[1], "click drain",
           lambda r: r.find_element(By.CSS_SELECTOR, 'button[data-action="drain"]').click())
    accept_confirm(browser, OUTAGE_WEB[1], "web", "example.test.")
    notice = wait_page(browser, "the drain notice", lambda drv: drv.find_element(By.ID, "notice").is_displayed()
                       and drv.find_element(By.ID, "notice").text)
    assert "Safe to stop" in notice and OUTAGE_WEB[1] in notice, notice
    wait_page(browser, "1 member drained in the banner", lambda drv: banner(drv, "data-drained") == "1")
    wait_page(browser, "a member-drained event", lambda drv: drv.find_elements(
        By.CSS_SELECTOR, '#events tr[data-kind="member-drained"]'))
    wait_for(lambda: api_member(d, OUTAGE_WEB[1])["admin"] == "drain", DEADLINE, "API to report the drain")

    shots = os.environ.get("DNSD_SCREENSHOT_DIR") or str(tmp_path)
    os.makedirs(shots, exist_ok=True)
    assert browser.save_screenshot(os.path.join(shots, "dashboard-outage.png"))

    # A backend comes back: the banner forgets it and the history says so.
    web[0].start()
    wait_page(browser, "2 members down", lambda drv: banner(drv, "data-down") == "2")
    wait_page(browser, "a member-up event", lambda drv: any(
        OUTAGE_WEB[0] in e.text for e in drv.find_elements(By.CSS_SELECTOR, '#events tr[data-kind="member-up"]')))


# A page on another origin (127.0.0.2) that tries every way a page has to drain
# a member: a "simple" text/plain fetch (no preflight), a JSON fetch (needs a
# preflight), and an HTML form whose text/plain body is valid JSON. Then it
# puts what it saw in its title.
EVIL_PAGE = """<!DOCTYPE html><html><head><title>loading</title></head><body>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="POST" action="API/api/drain" target="sink" enctype="text/plain">
<input name='{"pool":"web","address":"192.0.2.1","x":"' value='"}'></form>
<script>
var body = JSON.stringify({pool: "web", address: "192.0.2.1"}), seen = {};
fetch("API/api/drain", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: body})
  .then(function (r) { seen.simple = r.type; }, function (e) { seen.simple = "failed"; })
  .then(function () {
    return fetch("API/api/drain", {method: "POST", headers: {"Content-Type": "application/json"}, body: body});
  })
  .then(function (r) { seen.json = r.status; }, function (e) { seen.json = "blocked"; })
  .then(function () {
    document.getElementById("sink").onload = function () { seen.form = "sent"; document.title = "done " + JSON.stringify(seen); };
    document.getElementById("form").submit();
  });
</script></body></html>"""


def test_a_page_from_another_origin_cannot_drain(start_dnsd, zone_dir, browser):
    zones = zone_dir({"example.test.json": pool_zone(
        {"web": {"ttl": 5, "members": ["192.0.2.1", "192.0.2.2"], "check": {"type": "none"}}})})
    d = start_dnsd(zones=zones, threads=1)
    page = EVIL_PAGE.replace("API", f"http://{d.control_address}").encode()

    class Evil(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server interface)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    evil = http.server.ThreadingHTTPServer(("127.0.0.2", free_port("127.0.0.2")), Evil)
    thread = threading.Thread(target=evil.serve_forever, daemon=True)
    thread.start()
    try:
        browser.get(f"http://127.0.0.2:{evil.server_address[1]}/")
        WebDriverWait(browser, DEADLINE).until(lambda drv: drv.title.startswith("done "), "the page's attempts")
        seen = json.loads(browser.title[len("done "):])
    finally:
        evil.shutdown()
        evil.server_close()
        thread.join(10)
    assert seen == {"simple": "opaque", "json": "blocked", "form": "sent"}, seen  # every request was made
    m = api_member(d, "192.0.2.1")
    assert m["admin"] == "auto" and not m["drained"] and m["serving"], m
