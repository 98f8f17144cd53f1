"""The text rules of the module content, apart from the files: tags stripped for counting,
sentences and words (the readability checks), length as Telegram counts it, and the HTML
check (balanced ``<b>`` and ``<i>``, nothing else). Used by ``bot/content.py`` when it
loads ``content/modules/`` and by the content tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_ALLOWED_TAG_RE = re.compile(r"</?[bi]>")
_ANY_TAG_RE = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")
_STRIP_TAGS_RE = re.compile(r"<[^<>]*>")
# A sentence ends at . ! ? (possibly repeated, possibly followed by a closing
# quote or bracket) before whitespace or the end of the line. "1.000" and "2,5"
# are not split because no whitespace follows the separator.
_SENTENCE_END_RE = re.compile(r"[.!?]+[\"'”’)]*(?=\s|$)")
_ABBREVIATION_END_RE = re.compile(r"(\w+)\.$")
_ABBREVIATIONS = frozenset({"dll", "dsb", "dst", "dr", "drg", "yth", "mis", "spt"})
_WORD_RE = re.compile(r"\w+(?:[-.,'’/]\w+)*")


def strip_tags(text: str) -> str:
    """The text without any HTML tags (for counting words and characters)."""
    return _STRIP_TAGS_RE.sub("", text)


def sentences(text: str) -> list[str]:
    """Split a text into sentences, after removing HTML tags.

    A sentence ends at ``.``, ``!`` or ``?`` followed by whitespace or the end of
    the text, and at every line break. A dot inside a number ("1.000") does not
    end a sentence, nor does the dot of a few common abbreviations ("dll.").
    """
    result: list[str] = []
    for line in strip_tags(text).splitlines():
        start = 0
        for end in _SENTENCE_END_RE.finditer(line):
            abbreviation = _ABBREVIATION_END_RE.search(line[start : end.end()])
            if abbreviation and abbreviation.group(1).lower() in _ABBREVIATIONS:
                continue  # "dll." does not end the sentence
            result.append(line[start : end.end()].strip())
            start = end.end()
        result.append(line[start:].strip())
    return [s for s in result if words(s)]


def words(sentence: str) -> list[str]:
    """The words of a sentence (HTML tags removed; "1.000", "MP-ASI" and "0-6" are one word)."""
    return _WORD_RE.findall(strip_tags(sentence))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _HtmlChecker(HTMLParser):
    """Checks that a text uses only balanced <b> and <i> tags without attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.problem: str | None = None

    def _fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("b", "i") or attrs:
            self._fail(f"tag <{tag}> is not allowed (only <b> and <i>)")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f"self-closing tag <{tag}/> is not allowed")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"closing </{tag}> without an opening <{tag}>")
        elif self.stack[-1] != tag:
            self._fail(f"</{tag}> closes <{self.stack[-1]}>; tags must be nested properly")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if any(c in data for c in "<>&"):
            self._fail("'<', '>' and '&' are only allowed as part of <b> and <i> tags")

    def handle_entityref(self, name: str) -> None:
        self._fail(f"'&{name};' is not allowed; write the character itself")

    def handle_charref(self, name: str) -> None:
        self._fail(f"'&#{name};' is not allowed; write the character itself")

    def handle_comment(self, data: str) -> None:
        self._fail("HTML comments are not allowed")

    def handle_decl(self, decl: str) -> None:
        self._fail("HTML declarations are not allowed")

    def handle_pi(self, data: str) -> None:
        self._fail("HTML processing instructions are not allowed")

    def unknown_decl(self, data: str) -> None:
        self._fail("HTML declarations are not allowed")


def html_problem(text: str, *, allow_tags: bool = True) -> str | None:
    """Why ``text`` is not valid for Telegram's HTML mode as used here, or None if it is."""
    leftover = _ALLOWED_TAG_RE.sub("", text) if allow_tags else text
    if "&" in leftover:
        return "'&' is not allowed (write 'dan')"
    if "<" in leftover or ">" in leftover:
        tag = _ANY_TAG_RE.search(leftover)
        if tag is None:
            return "'<' and '>' are only allowed as part of <b> and <i> tags"
        if not allow_tags:
            return "HTML tags are not allowed here (plain text only)"
        return f"tag <{tag.group(1)}> is not allowed (only <b> and <i>, lowercase, no attributes)"
    if not allow_tags:
        return None
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.problem is not None:
        return checker.problem
    if checker.stack:
        return f"<{checker.stack[-1]}> is not closed"
    if "<b></b>" in text or "<i></i>" in text:
        return "empty <b> or <i> tag"
    return None
