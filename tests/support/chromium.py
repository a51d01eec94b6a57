"""Debian's Chromium, headless, driven over the DevTools protocol on a pipe (no extra packages)."""

from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
"""Where Debian's `chromium` package puts the browser."""

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--lang=sv-SE",
)
"""Flags for a quiet, offline, throwaway browser."""

PHONE = (390, 844)
"""A phone's viewport in CSS pixels."""

DESKTOP = (1280, 900)
"""A desktop viewport in CSS pixels."""


KEYS = {"Tab": (9, ""), "Enter": (13, "\r"), "Escape": (27, ""), "Space": (32, " ")}
"""Keys :meth:`Browser.press` knows: Windows virtual key code and the text the key types."""


class ChromiumMissing(RuntimeError):
    """Chromium is not installed."""


class BrowserError(RuntimeError):
    """The browser answered with an error or did not answer in time."""


def chromium_path() -> str:
    """Return the Chromium executable, or raise with how to install it."""
    for candidate in (*CANDIDATES, shutil.which("chromium") or ""):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise ChromiumMissing(
        "Chromium saknas: /usr/bin/chromium finns inte. Installera Debians paket: apt-get install -y "
        "chromium "
        "(make test gör det)."
    )


class Browser:
    """One headless Chromium with one page, driven by DevTools commands over --remote-debugging-pipe."""

    def __init__(self, *, timeout: float = 15.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="minnes-chromium-")
        self._log = open(Path(self._profile) / "chromium.log", "wb")  # noqa: SIM115 - closed in close()
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_pipes() -> None:  # runs in the child: the protocol wants fd 3 (in) and fd 4 (out)
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self._proc = subprocess.Popen(
            [
                chromium_path(),
                *FLAGS,
                f"--user-data-dir={self._profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            preexec_fn=wire_pipes,  # noqa: PLW1509 - single-threaded at this point in tests
            close_fds=False,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        self._session = ""
        try:
            targets = self.send("Target.getTargets")["targetInfos"]
            page = next(t for t in targets if t["type"] == "page")
            self._session = self.send("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
                "sessionId"
            ]
            for domain in ("Page", "Runtime", "DOM"):
                self.send(f"{domain}.enable")
            self.viewport(*DESKTOP)
        except Exception:
            self.close()
            raise

    # ---------------------------------------------------------------- protocol

    def _write(self, message: dict) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._to_child, data) :]

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium svarade inte i tid")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if ready:
                chunk = os.read(self._from_child, 1 << 20)
                if not chunk:
                    self._log.flush()
                    err = (Path(self._profile) / "chromium.log").read_text(errors="replace")
                    raise BrowserError(f"Chromium avslutades: {err[-2000:]}")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, **params: object) -> dict:
        """Send one DevTools command to the page (or the browser before attaching); return its result."""
        self._next_id += 1
        ident = self._next_id
        message: dict = {"id": ident, "method": method, "params": params}
        if self._session:
            message["sessionId"] = self._session
        self._write(message)
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._read(deadline)
            if answer.get("id") == ident:
                if "error" in answer:
                    raise BrowserError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            if "method" in answer:
                self._events.append(answer)

    def wait_event(self, method: str) -> dict:
        """Wait for an event of the page and return its parameters."""
        deadline = time.monotonic() + self.timeout
        while True:
            for i, event in enumerate(self._events):
                if event["method"] == method:
                    del self._events[: i + 1]
                    return event.get("params", {})
            self._events.clear()
            answer = self._read(deadline)
            if "method" in answer:
                self._events.append(answer)

    # ---------------------------------------------------------------- what a person does

    def set_headers(self, headers: dict[str, str]) -> None:
        """Send these headers with every request the page makes (e.g. the trusted SSO header)."""
        self.send("Network.enable")
        self.send("Network.setExtraHTTPHeaders", headers=headers)

    def clear_cookies(self) -> None:
        """Forget every cookie (the session, its language), as a new browser would."""
        self.send("Network.enable")
        self.send("Network.clearBrowserCookies")

    def press(self, key: str, *, shift: bool = False) -> None:
        """Press and release one key (Tab, Enter, …) as the keyboard does, through the input pipeline."""
        vk, text = KEYS[key]
        params: dict = {"key": key, "code": key, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk,
                        "modifiers": 8 if shift else 0}
        if text:
            self.send("Input.dispatchKeyEvent", type="keyDown", text=text, unmodifiedText=text, **params)
        else:
            self.send("Input.dispatchKeyEvent", type="rawKeyDown", **params)
        self.send("Input.dispatchKeyEvent", type="keyUp", **params)

    def press_and_wait(self, key: str) -> None:
        """Press a key that opens a page (Enter on a link or in a form) and wait for it to load."""
        self._events.clear()
        self.press(key)
        self.wait_event("Page.loadEventFired")

    def wait_response(self, url_end: str) -> dict:
        """Wait for the response to a request whose address ends with ``url_end``; return it."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            response = self.wait_event("Network.responseReceived").get("response", {})
            if response.get("url", "").endswith(url_end):
                return response
        raise BrowserError(f"inget svar på {url_end}")

    def type_text(self, text: str) -> None:
        """Type text into the focused field, one character at a time."""
        for char in text:
            self.send("Input.dispatchKeyEvent", type="keyDown", text=char, unmodifiedText=char, key=char)
            self.send("Input.dispatchKeyEvent", type="keyUp", key=char)

    def focused(self) -> dict:
        """Describe the focused element: tag, text, href, name, and whether it shows a focus ring."""
        return dict(self.evaluate(
            "(() => { const e = document.activeElement; if (!e) return {}; const s = getComputedStyle(e); "
            "const r = e.getBoundingClientRect(); return {tag: e.tagName.toLowerCase(), id: e.id, "
            "text: (e.innerText || '').trim(), href: e.getAttribute('href') || '', name: e.name || '', "
            "cls: e.className || '', visible: e.matches(':focus-visible'), "
            "outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2, "
            "onscreen: r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0}; })()"
        ) or {})

    def viewport(self, width: int, height: int) -> None:
        """Set the window size; narrow widths behave like a phone (the viewport meta applies)."""
        self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )

    def goto(self, url: str) -> None:
        """Open an address and wait until the page has loaded."""
        self._events.clear()
        result = self.send("Page.navigate", url=url)
        if result.get("errorText"):
            raise BrowserError(f"{url}: {result['errorText']}")
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> object:
        """Run JavaScript in the page and return its (JSON) value; promises are awaited."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def text(self, selector: str = "body") -> str:
        """Return the visible text of the first element matching a CSS selector."""
        return str(self.evaluate(f"document.querySelector({json.dumps(selector)}).innerText"))

    def texts(self, selector: str) -> list[str]:
        """Return the visible text of every element matching a CSS selector."""
        return list(
            self.evaluate(f"Array.from(document.querySelectorAll({json.dumps(selector)}), e => e.innerText)")
            or []
        )

    def url(self) -> str:
        """Return the address of the page shown."""
        return str(self.evaluate("location.href"))

    def click(self, selector: str) -> None:
        """Click a link or button and wait for the next page to load."""
        self._events.clear()
        found = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false; "
            "e.click(); return true; })()"
        )
        if not found:
            raise BrowserError(f"hittar inget {selector} på {self.url()}")
        self.wait_event("Page.loadEventFired")

    def click_link(self, text: str) -> None:
        """Click the first link whose text contains ``text`` and wait for the next page."""
        self._events.clear()
        found = self.evaluate(
            "(() => { const a = Array.from(document.querySelectorAll('a'))"
            f".find(e => e.innerText.includes({json.dumps(text)})); if (!a) return false; "
            "a.click(); return true; })()"
        )
        if not found:
            raise BrowserError(f"ingen länk med texten {text!r} på {self.url()}")
        self.wait_event("Page.loadEventFired")

    def fill(self, selector: str, value: str) -> None:
        """Type a value into a form field."""
        self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.focus(); "
            f"e.value = {json.dumps(value)}; }})()"
        )

    def set_files(self, selector: str, *paths: Path) -> None:
        """Choose files in a file input, as a person does in the file dialog."""
        root = self.send("DOM.getDocument")["root"]["nodeId"]
        node = self.send("DOM.querySelector", nodeId=root, selector=selector)["nodeId"]
        if not node:
            raise BrowserError(f"hittar inget {selector} på {self.url()}")
        self.send("DOM.setFileInputFiles", nodeId=node, files=[str(Path(p).resolve()) for p in paths])

    def fetch(self, url: str) -> tuple[int, str, bytes]:
        """Fetch an address from within the page (as a download would): status, content type, body."""
        value = self.evaluate(
            f"fetch({json.dumps(url)}).then(async r => {{ const b = new Uint8Array(await r.arrayBuffer()); "
            "let s = ''; for (let i = 0; i < b.length; i += 32768) "
            "s += String.fromCharCode.apply(null, b.subarray(i, i + 32768)); "
            "return [r.status, r.headers.get('content-type') || '', btoa(s)]; })"
        )
        status, ctype, body = value  # type: ignore[misc]
        return int(status), str(ctype), base64.b64decode(body)

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        """Save the page as a PNG, the whole page by default."""
        params: dict = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.send("Page.captureScreenshot", **params)["data"]
        Path(path).write_bytes(base64.b64decode(data))
        return Path(path)

    def overflows_horizontally(self) -> bool:
        """Tell whether the page is wider than the window (a phone user would have to scroll sideways)."""
        root = "document.documentElement"
        return bool(self.evaluate(f"{root}.scrollWidth > {root}.clientWidth + 1"))

    # ---------------------------------------------------------------- lifetime

    def close(self) -> None:
        """Stop the browser and remove its profile."""
        if self._proc.poll() is None:
            try:
                self._session = ""
                self._write({"id": 0, "method": "Browser.close", "params": {}})
                self._proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._proc.kill()
                self._proc.wait(timeout=5)
        for fd in (self._to_child, self._from_child):
            try:
                os.close(fd)
            except OSError:
                pass
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
