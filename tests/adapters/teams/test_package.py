"""The Teams app package: a valid manifest and the two generated icons."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from adapters.teams.package import CLOSE_TITLE, main, manifest, write_package

APP_ID = "8d88f59b-ae61-4300-bec0-caace7d28446"
REQUIRED = ("manifestVersion", "version", "id", "developer", "name", "description", "icons",
            "accentColor")


def decode_png(data: bytes) -> tuple[int, int, list[list[tuple[int, ...]]]]:
    """Width, height and RGBA rows of a PNG this project writes (8-bit RGBA, filter 0)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, width, height = 8, b"", 0, 0
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset:offset + 4])
        kind = data[offset + 4:offset + 8]
        body = data[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 6)
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = []
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        assert line[0] == 0
        rows.append([tuple(line[1 + 4 * x:5 + 4 * x]) for x in range(width)])
    return width, height, rows


@pytest.fixture
def package(tmp_path: Path) -> dict[str, bytes]:
    out = write_package(tmp_path / "ratebot-teams.zip", APP_ID, name="Ratebot IT",
                        domain="ratebot.example.com")
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_package_holds_the_manifest_and_both_icons_at_its_root(
    package: dict[str, bytes],
) -> None:
    assert sorted(package) == ["color.png", "manifest.json", "outline.png"]


def test_the_manifest_has_every_required_field(package: dict[str, bytes]) -> None:
    found: dict[str, Any] = json.loads(package["manifest.json"])
    for field in REQUIRED:
        assert found.get(field), field
    version = found["manifestVersion"]
    assert found["$schema"].endswith(f"/v{version}/MicrosoftTeams.schema.json")
    assert re.fullmatch(r"\d+\.\d+\.\d+", found["version"])
    assert found["id"] == APP_ID
    for key in ("name", "websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert found["developer"][key]
    assert all(found["developer"][k].startswith("https://")
               for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))
    assert found["name"]["short"] == "Ratebot IT" and len(found["name"]["short"]) <= 30
    assert len(found["description"]["short"]) <= 80
    assert len(found["description"]["full"]) <= 4000
    assert found["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", found["accentColor"])
    assert found["validDomains"] == ["ratebot.example.com"]


def test_the_bot_commands_and_message_action(package: dict[str, bytes]) -> None:
    found: dict[str, Any] = json.loads(package["manifest.json"])
    [bot] = found["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team"]
    [commands] = bot["commandLists"]
    titles = [c["title"] for c in commands["commands"]]
    assert "stats" in titles and "optout" in titles and "export" not in titles
    assert len(titles) <= 10
    assert all(len(c["title"]) <= 32 and len(c["description"]) <= 128
               for c in commands["commands"])
    [extension] = found["composeExtensions"]
    [action] = extension["commands"]
    assert extension["botId"] == APP_ID
    assert action["type"] == "action" and action["context"] == ["message"]
    assert action["title"] == CLOSE_TITLE


def test_the_icons_have_the_sizes_teams_requires(package: dict[str, bytes]) -> None:
    width, height, rows = decode_png(package["color.png"])
    assert (width, height) == (192, 192)
    assert rows[96][10][3] == 255  # opaque colour inside
    width, height, rows = decode_png(package["outline.png"])
    assert (width, height) == (32, 32)
    pixels = {pixel for row in rows for pixel in row}
    # Only white and fully transparent pixels, and some of each.
    assert pixels == {(255, 255, 255, 255), (0, 0, 0, 0)}


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="GUID"):
        manifest("not-a-guid")
    with pytest.raises(ValueError, match="domain"):
        manifest(APP_ID, domain="https://ratebot.example.com/api")


def test_the_command_line_writes_the_zip(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                         ) -> None:
    out = tmp_path / "out.zip"
    assert main(["--app-id", APP_ID, "--out", str(out)]) == 0
    assert zipfile.is_zipfile(out)
    assert "Wrote" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--app-id", "nope", "--out", str(out)])
