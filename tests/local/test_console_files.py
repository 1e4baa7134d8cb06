"""The CS console's files as `make run` serves them (local/console.py): the static files under
/console/, the local config.json, and nothing outside console/. No browser needed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from local import console


def test_the_console_is_served_at_slash_console() -> None:
    moved = console.serve("GET", "/console")
    assert moved is not None and (moved.status, moved.headers["location"]) == (301, "/console/")
    index = console.serve("GET", "/console/")
    assert index is not None and index.status == 200
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="en">' in index.text and 'src="js/main.js"' in index.text
    assert "frame-ancestors 'none'" in index.headers["content-security-policy"]
    script = console.serve("GET", "/console/js/main.js")
    assert script is not None and script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert console.serve("HEAD", "/console/css/console.css") is not None
    assert console.serve("GET", "/consoles") is None
    assert console.serve("GET", "/cs/returns") is None


def test_local_config_signs_in_with_development_tokens() -> None:
    answer = console.serve("GET", "/console/config.json")
    assert answer is not None and answer.status == 200
    config = json.loads(answer.text)
    assert config["apiBase"] == ""
    assert config["auth"]["kind"] == "local" and config["auth"]["tokenUrl"] == "/_local/tokens"
    assert [agent["sub"] for agent in config["auth"]["agents"]] == ["agent-1", "agent-2"]


@pytest.mark.parametrize(
    "path",
    [
        "/console/../local/server.py",
        "/console/js/../../template.yaml",
        "/console/%2e%2e/README.md",
        "/console/nothing.js",
        "/console/js",
    ],
)
def test_nothing_outside_the_console_files_is_served(path: str) -> None:
    answer = console.serve("GET", path)
    assert answer is not None and answer.status == 404


def test_files_of_other_types_are_not_served(tmp_path: Path) -> None:
    (tmp_path / "secret.py").write_text("KEY = 1")
    (tmp_path / "page.html").write_text("<p>hi</p>")
    assert console.serve("GET", "/console/secret.py", root=tmp_path).status == 404  # type: ignore[union-attr]
    assert console.serve("GET", "/console/page.html", root=tmp_path).status == 200  # type: ignore[union-attr]
    assert console.serve("POST", "/console/page.html", root=tmp_path).status == 405  # type: ignore[union-attr]


def test_the_console_loads_nothing_from_elsewhere() -> None:
    """No CDN: every script, style and import is a relative path inside console/."""
    for file in console.CONSOLE_DIR.rglob("*"):
        if file.suffix not in (".html", ".js", ".css"):
            continue
        text = file.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)=["']https?://""", text), file
        assert not re.search(r"""import[^"']*["']https?://""", text), file
        assert not re.search(r"""@import\s+url\(["']?https?://""", text), file
        for target in re.findall(r"""from\s+["'](\.[^"']+)["']""", text):
            assert (file.parent / target).resolve().is_file(), (file, target)
