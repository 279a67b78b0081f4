"""Screenshots of the workspace's pages, through chromedriver's W3C WebDriver API (plain JSON
over HTTP, so nothing to install beyond Debian's chromium-driver).

    python3 workspace_shots.py DRIVER_URL BASE_URL OUT_DIR PREPARER:PASSWORD APPROVER:PASSWORD ADMIN:PASSWORD

Signs in as the preparer, takes the periods, items (filtered) and item pages, proposes an
acceptance; signs in as the approver, takes the approvals queue, approves, closes nothing; the
admin takes the users page and the audit log. Each page is also checked for a server error.
"""
import base64
import json
import sys
import urllib.parse
import urllib.request

DRIVER, BASE, OUT = sys.argv[1], sys.argv[2].rstrip("/"), sys.argv[3]
PEOPLE = [a.split(":", 1) for a in sys.argv[4:7]]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(DRIVER + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["value"]


caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
    "binary": "/usr/bin/chromium",
    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--window-size=1400,1100", "--hide-scrollbars"]}}}}
sid = call("POST", "/session", caps)["sessionId"]
S = f"/session/{sid}"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def go(path):
    call("POST", S + "/url", {"url": BASE + path})
    src = call("GET", S + "/source")
    if "could not be drawn" in src or "No such page" in src:
        raise SystemExit(f"FAILED: {path} did not render")


def find(css):
    found = call("POST", S + "/element", {"using": "css selector", "value": css})
    if ELEMENT not in found:
        raise SystemExit(f"FAILED: no {css} on the page: {found}")
    return found[ELEMENT]


def type_in(css, text):
    call("POST", f"{S}/element/{find(css)}/value", {"text": text})


def click(css):
    call("POST", f"{S}/element/{find(css)}/click", {})


def shot(name):
    png = base64.b64decode(call("GET", S + "/screenshot"))
    with open(f"{OUT}/{name}.png", "wb") as f:
        f.write(png)
    print(f"{OUT}/{name}.png")


def wait_path(path):
    """Waits until a click's navigation has landed on `path`."""
    import time
    for _ in range(100):
        url = call("GET", S + "/url")
        if urllib.parse.urlparse(url).path == path:
            return
        time.sleep(0.1)
    raise SystemExit(f"FAILED: never reached {path} (at {url})")


def sign_in(name, password):
    go("/sign-in")
    type_in("#name", name)
    type_in("#password", password)
    click("#sign-in")
    wait_path("/periods")


def sign_out():
    click("header form[action='/sign-out'] button")
    wait_path("/sign-in")


try:
    go("/sign-in")
    shot("sign-in")
    sign_in(*PEOPLE[0])
    go("/periods")
    shot("periods")
    go("/periods/2026-03")
    shot("period")
    go("/items?state=open&category=amount_mismatch")
    shot("items")
    click("#items td a")
    import time
    time.sleep(0.5)
    shot("item")
    type_in("#note", "booked on the 1st of next month (cut-off)")
    click("#propose-button")
    time.sleep(0.5)
    sign_out()
    sign_in(*PEOPLE[1])
    go("/approvals")
    shot("approvals")
    click("#approvals input[name='proposal']")
    click("#approve-selected")
    wait_path("/approvals")
    sign_out()
    sign_in(*PEOPLE[2])
    go("/audit")
    shot("audit")
    go("/users")
    shot("users")
finally:
    call("DELETE", S)
