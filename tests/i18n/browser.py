"""Headless Chromium driven over the DevTools protocol (on a pipe, no network port): what a page
looks like to a reader — its text as laid out, the fonts that drew each element, a screenshot.

The fonts are the point: a Chinese page drawn without a CJK font shows boxes (tofu), and only the
browser can say which font drew which glyph (``CSS.getPlatformFontsForNode``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any


class Browser:
    def __init__(self, profile: Path) -> None:
        binary = shutil.which("chromium") or shutil.which("chromium-browser")
        if binary is None:
            raise RuntimeError("chromium is missing — scripts/test installs it (as root)")
        to_browser, self._ours_w = os.pipe()
        self._ours_r, from_browser = os.pipe()

        def pipes_at_3_and_4() -> None:  # Chromium reads commands on fd 3 and answers on fd 4
            a, b = os.dup(to_browser), os.dup(from_browser)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self._proc = subprocess.Popen(
            [binary, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=pipes_at_3_and_4, close_fds=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._id = 0
        self.session = ""

    def call(self, method: str, params: dict[str, Any] | None = None, *, timeout: float = 60) -> dict[str, Any]:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if self.session:
            message["sessionId"] = self.session
        os.write(self._ours_w, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" not in self._buffer:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"Chromium did not answer {method}")
                chunk = os.read(self._ours_r, 1 << 16)
                if not chunk:
                    raise RuntimeError(f"Chromium closed the pipe during {method}")
                self._buffer += chunk
            raw, _, self._buffer = self._buffer.partition(b"\0")
            answer = json.loads(raw)
            if answer.get("id") == self._id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                result: dict[str, Any] = answer["result"]
                return result

    def open(self, page: Path, width: int = 1200, height: int = 1600) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "DOM", "CSS", "Runtime"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})  # fmt: skip
        self.call("Page.navigate", {"url": page.as_uri()})
        for _ in range(100):  # the page is a local file: loaded in well under a second
            if self.evaluate("document.readyState") == "complete":
                return
            time.sleep(0.1)
        raise TimeoutError(f"{page} did not load")

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})["result"].get("value")

    def fonts(self, selector: str) -> list[tuple[str, list[dict[str, Any]]]]:
        """For every element ``selector`` matches: its own text, and the fonts that drew it (family, glyph count)."""
        root = self.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        nodes = self.call("DOM.querySelectorAll", {"nodeId": root, "selector": selector})["nodeIds"]
        out = []
        for node in nodes:
            fonts = self.call("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
            described = self.call("DOM.resolveNode", {"nodeId": node})["object"]["objectId"]
            text = self.call("Runtime.callFunctionOn", {
                "objectId": described, "returnByValue": True,
                "functionDeclaration": "function() { return Array.from(this.childNodes)"
                                       ".filter(n => n.nodeType === 3).map(n => n.textContent).join(''); }",
            })["result"]["value"]  # fmt: skip
            out.append((text, fonts))
        return out

    def screenshot(self, path: Path) -> None:
        shot = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(shot))

    def close(self) -> None:
        try:
            self.session = ""
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        finally:
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            os.close(self._ours_w)
            os.close(self._ours_r)
