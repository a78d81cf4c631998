"""Starting the page: Streamlit on 127.0.0.1 only, usage statistics off, error details hidden
(problems are shown as tables, never as tracebacks), the project folder passed by environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["ROOT_VARIABLE", "SETTINGS", "command", "launch"]

#: Environment variable naming the project folder (where ``data/raw`` and ``reports`` are).
ROOT_VARIABLE = "PKM_EVAL_ROOT"
#: Streamlit settings: nothing leaves the machine and nobody else on the network reaches it.
SETTINGS = {
    "server.address": "127.0.0.1",
    "browser.serverAddress": "127.0.0.1",
    "browser.gatherUsageStats": "false",
    "client.showErrorDetails": "none",
    "client.toolbarMode": "minimal",
    "server.fileWatcherType": "none",
    "server.runOnSave": "false",
    "global.developmentMode": "false",
    "theme.base": "light",
}


def page_path() -> Path:
    """The Streamlit script of the page."""
    return Path(__file__).resolve().with_name("page.py")


def command(*, port: int, open_browser: bool = True) -> list[str]:
    """The command line that starts the page on ``127.0.0.1:port``."""
    options = {**SETTINGS, "server.port": str(port), "server.headless": str(not open_browser)}
    flags = [f"--{key}={value}" for key, value in options.items()]
    return [sys.executable, "-m", "streamlit", "run", str(page_path()), *flags]


def launch(*, port: int, root: Path, open_browser: bool = True) -> int:
    """Run the page until it is stopped (Ctrl+C); return Streamlit's exit status.

    Parameters
    ----------
    port
        The local port (http://127.0.0.1:PORT).
    root
        The project folder: studies go to ``root/data/raw/<id>``, bundles to
        ``root/data/processed/<id>``, reports to ``root/reports/<id>``.
    open_browser
        Open the page in the default browser once it is up.
    """
    environment = {**os.environ, ROOT_VARIABLE: str(Path(root).resolve())}
    environment["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    try:
        return subprocess.call(command(port=port, open_browser=open_browser), env=environment)
    except KeyboardInterrupt:
        return 0
