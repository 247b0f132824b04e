"""Browser check: headless Chromium signs in to `ahtui serve` and screenshots the scorecard.

Needs Debian's Chromium and its WebDriver (this script installs nothing):

    apt-get install -y chromium chromium-driver

It builds a demo site in a temporary folder, creates a supervisor login, starts
`ahtui serve --port 0` on the loopback address, then drives Chromium through chromedriver with
a tiny WebDriver client (plain HTTP with urllib, no extra dependency): it types the name and
password into the login form like a person would (no secret in any URL), follows the redirect
to /-/ahtui/scorecard and saves a PNG of the page. Everything it started is stopped at the end.

Usage: python benchmarks/scorecard_screenshot.py OUT.png [--people N] [--width W] [--height H]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

USER = "shot"
PASSPHRASE = "screenshot site passphrase"
SUPERVISOR = "sam.supervisor"
SUPERVISOR_PASSWORD = "screenshot supervisor password"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ahtui(*args: str, env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "ahtui", *args], env=env, check=True, stdout=subprocess.DEVNULL
    )


class WebDriver:
    """Just enough of the W3C WebDriver protocol: session, navigate, find, type, click, shoot."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = ""

    def call(self, method: str, path: str, body: dict | None = None) -> object:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"{}").get("value")
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"WebDriver {method} {path}: {exc.read().decode()[:300]}") from exc

    def start(self, binary: str, user_data_dir: str, width: int, height: int) -> None:
        options = {
            "binary": binary,
            "args": CHROME_ARGS
            + [f"--user-data-dir={user_data_dir}", f"--window-size={width},{height}"],
        }
        value = self.call(
            "POST",
            "/session",
            {
                "capabilities": {
                    "alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}
                }
            },
        )
        self.session = value["sessionId"]

    def go(self, url: str) -> None:
        self.call("POST", f"/session/{self.session}/url", {"url": url})

    def url(self) -> str:
        return str(self.call("GET", f"/session/{self.session}/url"))

    def find(self, css: str) -> str:
        value = self.call(
            "POST", f"/session/{self.session}/element", {"using": "css selector", "value": css}
        )
        if not isinstance(value, dict) or ELEMENT not in value:
            raise RuntimeError(f"No {css} on {self.url()}: {value}")
        return value[ELEMENT]

    def type(self, css: str, text: str) -> None:
        self.call("POST", f"/session/{self.session}/element/{self.find(css)}/value", {"text": text})

    def click(self, css: str) -> None:
        self.call("POST", f"/session/{self.session}/element/{self.find(css)}/click", {})

    def screenshot(self) -> bytes:
        return base64.b64decode(str(self.call("GET", f"/session/{self.session}/screenshot")))

    def quit(self) -> None:
        if self.session:
            try:
                self.call("DELETE", f"/session/{self.session}")
            except Exception:
                pass


def wait_for(check, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, RuntimeError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"Gave up waiting for {what}.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="where to save the PNG")
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    chromedriver = shutil.which("chromedriver")
    if not chromium or not chromedriver:
        print("Needs Chromium and chromedriver: apt-get install -y chromium chromium-driver")
        return 2

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        site, auth = folder / "demo.ahtui", folder / "supervisors.toml"
        env = dict(os.environ, AHTUI_USER=USER, AHTUI_PASSPHRASE=PASSPHRASE)
        ahtui("demo", "--site", str(site), "--people", str(args.people), "--no-open", env=env)
        ahtui(
            "supervisor", "add", SUPERVISOR, "--auth", str(auth),
            env=dict(env, AHTUI_NEW_PASSPHRASE=SUPERVISOR_PASSWORD),
        )  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "ahtui", "serve", "--site", str(site), "--port", "0"]
            + ["--auth", str(auth)],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        driver_port = free_port()
        driver_proc = subprocess.Popen(
            [chromedriver, f"--port={driver_port}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        driver = WebDriver(f"http://127.0.0.1:{driver_port}")
        try:
            match = re.search(r"http://127\.0\.0\.1:\d+/", server.stdout.readline())
            if not match:
                raise SystemExit("`ahtui serve` did not start.")
            base = match.group(0)
            wait_for(lambda: driver.call("GET", "/status")["ready"], "chromedriver")
            driver.start(chromium, str(folder / "chromium"), args.width, args.height)
            driver.go(base + "-/ahtui/login?next=/-/ahtui/scorecard")
            driver.type("#username", SUPERVISOR)
            driver.type("#password", SUPERVISOR_PASSWORD)
            driver.click("input[type=submit]")
            wait_for(lambda: driver.url().endswith("/-/ahtui/scorecard"), "the scorecard page")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_bytes(driver.screenshot())
            print(f"Saved {args.out} ({args.out.stat().st_size} bytes) of {driver.url()}")
        finally:
            driver.quit()
            driver_proc.terminate()
            server.terminate()
            for proc in (driver_proc, server):
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
