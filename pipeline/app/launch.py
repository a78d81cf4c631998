"""Starting the page: Streamlit on 127.0.0.1 only, usage statistics off, error details hidden
(problems are shown as tables, never as tracebacks), the project folder passed by environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["ROOT_VARIABLE", "SETTINGS", "command", "main"]

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
    options = {
        **SETTINGS,
        "server.port": str(port),
        "server.headless": str(not open_browser).lower(),
    }
    flags = [f"--{key}={value}" for key, value in options.items()]
    return [sys.executable, "-m", "streamlit", "run", str(page_path()), *flags]


def main(argv: list[str] | None = None) -> int:
    """``python -m pipeline.app [--port N] [--root DIR] [--no-browser]``: run the page in this
    process until it is stopped (Ctrl+C).

    ``--root`` is the project folder: studies go to ``DIR/data/raw/<id>``, bundles to
    ``DIR/data/processed/<id>``, reports to ``DIR/reports/<id>`` (default: the current folder).
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m pipeline.app")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--no-browser", action="store_true")
    options = parser.parse_args(argv)
    os.environ[ROOT_VARIABLE] = str(options.root.resolve())
    os.environ["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    from streamlit.web import cli as streamlit_cli

    sys.argv = ["streamlit", *command(port=options.port, open_browser=not options.no_browser)[3:]]
    try:
        streamlit_cli.main()
    except SystemExit as stop:
        return int(stop.code or 0)
    except KeyboardInterrupt:
        return 0
    return 0
