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

from adapters.teams.package import (
    CLOSE_TITLE,
    PROJECT_PRIVACY,
    PROJECT_TERMS,
    app_version,
    commands,
    manifest,
    write_package,
)
from bot.domain.commands import USAGE, ShowHelp, parse

ROOT = Path(__file__).resolve().parents[3]
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
    app = manifest(APP_ID, version="2.3.4", name="Ratebot IT", domain="ratebot.example.com")
    out = write_package(tmp_path / "ratebot-teams.zip", app)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_package_holds_the_manifest_and_both_icons_at_its_root(
    package: dict[str, bytes],
) -> None:
    assert sorted(package) == ["color.png", "manifest.json", "outline.png"]
    # UTF-8 JSON without a byte order mark, as Teams reads it.
    assert not package["manifest.json"].startswith(b"\xef\xbb\xbf")
    json.loads(package["manifest.json"].decode("utf-8"))


def test_the_manifest_has_every_required_field(package: dict[str, bytes]) -> None:
    found: dict[str, Any] = json.loads(package["manifest.json"])
    for field in REQUIRED:
        assert found.get(field), field
    version = found["manifestVersion"]
    assert found["$schema"].endswith(f"/v{version}/MicrosoftTeams.schema.json")
    assert found["version"] == "2.3.4"
    assert found["id"] == APP_ID
    assert found["developer"]["name"] and len(found["developer"]["name"]) <= 32
    assert found["developer"] == {
        "name": "ratebot",
        "websiteUrl": "https://ratebot.example.com",
        # The pages `ratebot serve` answers (tests/e2e/test_pages.py fetches them).
        "privacyUrl": "https://ratebot.example.com/privacy",
        "termsOfUseUrl": "https://ratebot.example.com/terms",
    }
    assert found["name"]["short"] == "Ratebot IT" and len(found["name"]["short"]) <= 30
    assert len(found["name"]["full"]) <= 100
    assert len(found["description"]["short"]) <= 80
    assert len(found["description"]["full"]) <= 4000
    assert found["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", found["accentColor"])
    assert found["validDomains"] == ["ratebot.example.com"]
    assert set(found["permissions"]) <= {"identity", "messageTeamMembers"}


def test_each_scope_has_one_list_of_at_most_ten_commands_each_with_its_usage(
    package: dict[str, bytes],
) -> None:
    found: dict[str, Any] = json.loads(package["manifest.json"])
    [bot] = found["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == ["personal", "team"]
    lists = bot["commandLists"]
    assert len(lists) <= 3
    scopes = [scope for listed in lists for scope in listed["scopes"]]
    assert sorted(scopes) == sorted(bot["scopes"])  # one list per scope, every scope
    by_scope = {listed["scopes"][0]: listed["commands"] for listed in lists}
    for scope, entries in by_scope.items():
        titles = [entry["title"] for entry in entries]
        assert 0 < len(titles) <= 10 and len(set(titles)) == len(titles), scope
        for entry in entries:
            assert 0 < len(entry["title"]) <= 32 and 0 < len(entry["description"]) <= 128
            # Chosen from the menu, the title is a command the bot knows (some then ask
            # for their arguments, with the usage the description shows).
            understood = parse(entry["title"])
            assert not isinstance(understood, ShowHelp) or understood.unknown is None
        assert "export" in titles and "stats" in titles and "help" in titles, scope
    personal = [entry["title"] for entry in by_scope["personal"]]
    assert personal[:6] == ["help", "my ratings", "my data", "optout", "optin", "forget me"]
    # Every command of the grammar is offered somewhere, in Teams' spelling.
    offered = {entry["title"].replace(" ", "-") for entries in by_scope.values()
               for entry in entries}
    assert set(USAGE) <= offered


def test_a_command_with_arguments_keeps_its_usage_in_the_menu(package: dict[str, bytes]) -> None:
    found: dict[str, Any] = json.loads(package["manifest.json"])
    entries = {entry["title"]: entry["description"]
               for listed in found["bots"][0]["commandLists"] for entry in listed["commands"]}
    assert entries["stats"] == "stats [team] [weeks] — scores over the last weeks (default 4)"
    assert entries["agent"].startswith("agent map @user <team> — ")
    assert "agent unmap @user <team>" in entries["agent"]
    assert entries["digest"].startswith("digest preview <team> | digest send <team>")
    assert entries["optout"] == "never ask me for ratings"  # no arguments: the title says it
    for title, text in entries.items():
        usage = USAGE.get(title.replace(" ", "-"), "")
        syntax = usage.split(" — ", 1)[0]
        if " " in syntax:  # it takes arguments: they are shown
            assert syntax in text, title
    # In Teams an export says where to get the file; the menu does not promise one.
    assert "direct message" not in entries["export"]


def test_the_message_action(package: dict[str, bytes]) -> None:
    found: dict[str, Any] = json.loads(package["manifest.json"])
    [extension] = found["composeExtensions"]
    [action] = extension["commands"]
    assert extension["botId"] == APP_ID
    assert action["type"] == "action" and action["context"] == ["message"]
    assert action["title"] == CLOSE_TITLE
    assert len(action["id"]) <= 64 and len(action["title"]) <= 32
    assert len(action["description"]) <= 128
    for parameter in action["parameters"]:
        assert len(parameter["name"]) <= 64 and len(parameter["title"]) <= 32
        assert len(parameter["description"]) <= 128


def test_the_icons_have_the_sizes_teams_requires(package: dict[str, bytes]) -> None:
    width, height, rows = decode_png(package["color.png"])
    assert (width, height) == (192, 192)
    assert rows[96][10][3] == 255  # opaque colour inside
    width, height, rows = decode_png(package["outline.png"])
    assert (width, height) == (32, 32)
    pixels = {pixel for row in rows for pixel in row}
    # Only white and fully transparent pixels, and some of each.
    assert pixels == {(255, 255, 255, 255), (0, 0, 0, 0)}


def test_the_organisations_own_pages_replace_the_served_ones() -> None:
    developer = manifest(APP_ID, version="1.0.0", domain="ratebot.example.com",
                         privacy_url="https://intranet.example.com/privacy/ratebot",
                         terms_url="https://intranet.example.com/terms")["developer"]
    assert developer["privacyUrl"] == "https://intranet.example.com/privacy/ratebot"
    assert developer["termsOfUseUrl"] == "https://intranet.example.com/terms"
    assert developer["websiteUrl"] == "https://ratebot.example.com"


def test_without_a_domain_the_links_are_the_projects_own_words() -> None:
    developer = manifest(APP_ID, version="1.0.0")["developer"]
    assert developer["privacyUrl"] == PROJECT_PRIVACY
    assert developer["termsOfUseUrl"] == PROJECT_TERMS
    # The README section the privacy link names, and the licence the terms link names.
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    assert "\n## Your own data\n" in readme and PROJECT_PRIVACY.endswith("#your-own-data")
    assert ROOT.joinpath("LICENSE").is_file() and PROJECT_TERMS.endswith("/LICENSE")


@pytest.mark.parametrize(("installed", "version"), [
    ("0.1.0", "0.1.0"), ("1.2", "1.2.0"), ("3", "3.0.0"), ("0.2.0.dev3", "0.2.0"),
    ("2.0.0rc1", "2.0.0"), ("1.02.3", "1.2.3"), ("1.2.3.4", "1.2.3"),
])
def test_the_version_follows_the_installed_package(installed: str, version: str) -> None:
    assert app_version(installed) == version
    assert manifest(APP_ID, version=app_version(installed))["version"] == version


@pytest.mark.parametrize("version", ["1.0", "1.0.0-beta", "v1.0.0", "01.0.0", "1.0.0.0", ""])
def test_a_version_teams_would_refuse_is_refused(version: str) -> None:
    with pytest.raises(ValueError, match="three numbers"):
        manifest(APP_ID, version=version)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="GUID"):
        manifest("not-a-guid", version="1.0.0")
    with pytest.raises(ValueError, match="domain"):
        manifest(APP_ID, version="1.0.0", domain="https://ratebot.example.com/api")
    for url in ("http://intranet.example.com/privacy", "intranet.example.com/privacy",
                "https://", "https://x.example.com/" + "a" * 2048):
        with pytest.raises(ValueError, match="--privacy-url must be an https:// address"):
            manifest(APP_ID, version="1.0.0", privacy_url=url)
    with pytest.raises(ValueError, match="--terms-url"):
        manifest(APP_ID, version="1.0.0", terms_url="ftp://example.com/terms")
    with pytest.raises(ValueError, match="at most 10"):
        commands(tuple(USAGE))
