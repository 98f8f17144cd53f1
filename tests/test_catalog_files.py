"""A catalog file is named after the key prefix it holds: ``reminder.po`` holds every
``reminder.*`` key and nothing else, so a text is found from its key alone."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "id" / "LC_MESSAGES"


def misplaced(files: dict[str, list[str]]) -> list[str]:
    """``file: key`` for every key whose prefix is not its file's name."""
    return [
        f"{stem}.po: {key}"
        for stem, keys in sorted(files.items())
        for key in keys
        if key.split(".", 1)[0] != stem
    ]


def test_the_check_sees_a_misplaced_key() -> None:
    assert misplaced({"core": ["group.title"]}) == ["core.po: group.title"]
    assert misplaced({"group": ["group.title"]}) == []


def test_every_catalog_file_holds_the_keys_of_its_name() -> None:
    files: dict[str, list[str]] = {}
    for path in sorted(LOCALE.glob("*.po")):
        with path.open("rb") as handle:
            files[path.stem] = [m.id for m in read_po(handle) if m.id and isinstance(m.id, str)]
    assert files
    assert misplaced(files) == []
