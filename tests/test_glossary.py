"""The glossary next to the catalogs (``locale/id/GLOSSARY.toml``) and the texts agree:
no catalog text and no content text uses a word the glossary rules out."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.content import default_content_dir, load_library
from bot.content_text import strip_tags
from bot.i18n import Catalog, default_catalog_dir

GLOSSARY = default_catalog_dir().parent / "GLOSSARY.toml"
PLACEHOLDER_RE = re.compile(r"\{[a-z_]*\}")


def load_glossary(path: Path = GLOSSARY) -> list[dict[str, object]]:
    with path.open("rb") as handle:
        terms = tomllib.load(handle)["term"]
    assert isinstance(terms, list)
    return terms


def avoided_words() -> list[str]:
    return [str(word) for term in load_glossary() for word in term["avoid"]]  # type: ignore[attr-defined]


def readable(text: str) -> str:
    """A text as a reader sees its words: no placeholders, no tags, one line."""
    return " ".join(strip_tags(PLACEHOLDER_RE.sub(" ", text)).split())


def uses(text: str, word: str) -> bool:
    if word[0].isalnum():
        return re.search(rf"(?<![\w/]){re.escape(word)}(?![\w/])", text, re.IGNORECASE) is not None
    return word in text


def problems(texts: dict[str, str]) -> list[str]:
    return [
        f"{where}: {word!r}"
        for where, text in sorted(texts.items())
        for word in avoided_words()
        if uses(readable(text), word)
    ]


def test_glossary_terms_are_complete() -> None:
    terms = load_glossary()
    assert len(terms) >= 5
    for term in terms:
        assert set(term) == {"term", "meaning", "avoid", "why"}, term
        assert term["term"] and term["meaning"] and term["why"]
        assert isinstance(term["avoid"], list) and term["avoid"]


def test_catalogs_do_not_use_words_the_glossary_rules_out() -> None:
    catalog = Catalog.load()
    assert problems(dict(catalog._messages)) == []


def test_content_does_not_use_words_the_glossary_rules_out() -> None:
    library = load_library(default_content_dir())
    texts: dict[str, str] = {}
    for session in library.sessions:
        parts = [session.title, session.summary, *session.key_points, session.try_at_home]
        parts += [session.reflection]
        for question in session.quiz:
            parts += [question.question, *question.options, question.explanation]
        texts[session.id] = "\n".join(parts)
    assert problems(texts) == []


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Kode absen: <b>{code}</b>", "absen"),
        ("{label} (tidak terjangkau)", "tidak terjangkau"),
        ("Mohon minta tautan kelompok kepada pendamping.", "tautan kelompok"),
        ("Tekan «Lihat hasil».", "«"),
        ("Selamat datang kembali, Ibu/Bapak {name}.", "Ibu/Bapak"),
    ],
)
def test_the_check_catches_a_ruled_out_word(text: str, word: str) -> None:
    assert f"x: {word!r}" in problems({"x": text})


def test_the_check_ignores_placeholders_and_longer_words() -> None:
    assert problems({"x": "Tautan bergabung: {link}. Status absent_count: {absent}."}) == []
