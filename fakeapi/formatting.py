"""Text formatting the way Telegram does it: ``parse_mode`` parsing and entity detection.

The parsers follow the behaviour of Telegram's server (tdlib's ``parse_html``,
``parse_markdown_v2`` and the legacy Markdown parser) closely enough that a bot which formats
its messages correctly against this module will not be surprised by Telegram, and one that
does not gets the same ``can't parse entities`` error it would get in production:

>>> parse_text("<b>Halo</b> &amp; selamat", "HTML")
('Halo & selamat', [{'type': 'bold', 'offset': 0, 'length': 4}])
>>> parse_text("Halo.", "MarkdownV2")
Traceback (most recent call last):
...
fakeapi.formatting.EntityParseError: Character '.' is reserved and must be escaped ...

All offsets and lengths are in UTF-16 code units, as in the Bot API. Errors are raised as
:class:`EntityParseError` whose message is the part Telegram puts after
``"Bad Request: can't parse entities: "``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "detect_entities",
    "parse_text",
    "strip_text",
    "utf16_len",
]

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """The text could not be parsed with the requested ``parse_mode``."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Bot API entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


@dataclass
class _Builder:
    """Accumulates output text while tracking the UTF-16 offset."""

    parts: list[str] = field(default_factory=list)
    offset: int = 0
    entities: list[Entity] = field(default_factory=list)

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.offset += utf16_len(chunk)

    def entity(self, type_: str, start: int, **extra: Any) -> None:
        length = self.offset - start
        if length <= 0:
            return
        entity: Entity = {"type": type_, "offset": start, "length": length}
        entity.update({k: v for k, v in extra.items() if v is not None})
        self.entities.append(entity)

    def result(self) -> tuple[str, list[Entity]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


_URL_SCHEME_RE = re.compile(r"^(?:https?|tg|ftp)://\S+$|^[\w-]+(?:\.[\w-]+)+(?:[/?#]\S*)?$", re.I)


def _valid_url(url: str) -> bool:
    return bool(url) and bool(_URL_SCHEME_RE.match(url))


# --------------------------------------------------------------------------------------- HTML

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_HTML_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _decode_html_entity(text: str, pos: int) -> tuple[str, int] | None:
    match = _HTML_ENTITY_RE.match(text, pos)
    if match is None:
        return None
    name, dec, hexa = match.groups()
    if name:
        return _NAMED[name], match.end()
    code = int(dec) if dec else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def _decode_html_value(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        decoded = _decode_html_entity(value, i) if value[i] == "&" else None
        if decoded is None:
            out.append(value[i])
            i += 1
        else:
            out.append(decoded[0])
            i = decoded[1]
    return "".join(out)


@dataclass
class _OpenTag:
    tag: str
    start: int
    attrs: dict[str, str]


_PLAIN_HTML_RUN = re.compile(r"[^<&]+")


def parse_html(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram-flavoured HTML into plain text and entities."""
    out = _Builder()
    stack: list[_OpenTag] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char not in "<&":  # a run of plain text, taken at once
            run = _PLAIN_HTML_RUN.match(text, i)
            assert run is not None
            out.add(run.group())
            i = run.end()
            continue
        if char == "&":
            decoded = _decode_html_entity(text, i)
            if decoded is not None:
                out.add(decoded[0])
                i = decoded[1]
                continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        begin = i
        if i + 1 < n and text[i + 1] == "/":
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(text, begin)}"
                )
            j = i + 2
            while j < n and not text[j].isspace() and text[j] != ">":
                j += 1
            name = text[i + 2 : j].lower()
            while j < n and text[j].isspace():
                j += 1
            if j >= n or text[j] != ">":
                raise EntityParseError(
                    f"Unclosed end tag at byte offset {_byte_offset(text, begin)}"
                )
            top = stack[-1]
            if name != top.tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{top.tag}>", found "</{name}>"'
                )
            stack.pop()
            _close_html_tag(out, top, stack)
            i = j + 1
            continue

        j = i + 1
        while j < n and text[j].isascii() and (text[j].isalnum() or text[j] == "-"):
            j += 1
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                )
            if text[j] == ">":
                j += 1
                break
            attr_start = j
            while j < n and text[j].isascii() and (text[j].isalnum() or text[j] in "-_"):
                j += 1
            attr_name = text[attr_start:j].lower()
            if not attr_name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{_byte_offset(text, begin)}"
                )
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] == "=":
                j += 1
                while j < n and text[j].isspace():
                    j += 1
                if j >= n:
                    raise EntityParseError(
                        f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                    )
                if text[j] in "\"'":
                    quote = text[j]
                    end = text.find(quote, j + 1)
                    if end < 0:
                        raise EntityParseError(
                            f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                        )
                    raw_value = text[j + 1 : end]
                    j = end + 1
                else:
                    value_start = j
                    while j < n and not text[j].isspace() and text[j] != ">":
                        j += 1
                    raw_value = text[value_start:j]
                attrs[attr_name] = _decode_html_value(raw_value)
            else:
                attrs[attr_name] = ""
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                'Tag "span" must have class "tg-spoiler" at byte offset '
                f"{_byte_offset(text, begin)}"
            )
        stack.append(_OpenTag(name, out.offset, attrs))
        i = j
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    return out.result()


def _close_html_tag(out: _Builder, tag: _OpenTag, stack: list[_OpenTag]) -> None:
    type_ = _HTML_TAGS[tag.tag]
    if type_ == "text_link":
        url = tag.attrs.get("href", "")
        if _valid_url(url):
            out.entity("text_link", tag.start, url=url)
        return
    if type_ == "code" and stack and stack[-1].tag == "pre" and stack[-1].start == tag.start:
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            stack[-1].attrs["language"] = language.removeprefix("language-")
            return
    if type_ == "pre":
        out.entity("pre", tag.start, language=tag.attrs.get("language") or None)
        return
    if type_ == "blockquote" and "expandable" in tag.attrs:
        type_ = "expandable_blockquote"
    out.entity(type_, tag.start)


# --------------------------------------------------------------------------------- MarkdownV2

_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "text_link": "TextUrl",
}


@dataclass
class _OpenMd:
    type: str
    start: int
    byte_offset: int
    text_begin: int
    language: str | None = None


def _reserved_error(char: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Parse Telegram's MarkdownV2 into plain text and entities."""
    out = _Builder()
    stack: list[_OpenMd] = []
    n = len(text)
    quote_start: int | None = None
    i = 0

    def at(k: int) -> str:
        return text[k] if k < n else ""

    while i < n:
        char = text[i]
        in_code = bool(stack) and stack[-1].type in ("code", "pre")
        line_start = i == 0 or text[i - 1] == "\n"
        if line_start and not in_code:
            if char == ">":
                if quote_start is None:
                    quote_start = out.offset
                i += 1
                continue
            if quote_start is not None:
                out.offset -= 1  # the quote ends before the line break already emitted
                out.entity("blockquote", quote_start)
                out.offset += 1
                quote_start = None
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        reserved = "`" if in_code else _MDV2_RESERVED
        if char not in reserved:
            out.add(char)
            i += 1
            continue
        top = stack[-1].type if stack else None
        is_end = (
            (top == "bold" and char == "*")
            or (top == "italic" and char == "_" and at(i + 1) != "_")
            or (top == "code" and char == "`")
            or (top == "pre" and text.startswith("```", i))
            or (top == "text_link" and char == "]")
            or (top == "underline" and text.startswith("__", i))
            or (top == "strikethrough" and char == "~")
            or (top == "spoiler" and text.startswith("||", i))
        )
        if not is_end:
            begin = i
            language: str | None = None
            if char == "_":
                if at(i + 1) == "_":
                    type_ = "underline"
                    i += 1
                else:
                    type_ = "italic"
            elif char == "*":
                type_ = "bold"
            elif char == "~":
                type_ = "strikethrough"
            elif char == "|":
                if at(i + 1) != "|":
                    raise _reserved_error(char)
                type_ = "spoiler"
                i += 1
            elif char == "[":
                type_ = "text_link"
            elif char == "`":
                if text.startswith("```", i):
                    type_ = "pre"
                    i += 3
                    lang_end = i
                    while lang_end < n and not text[lang_end].isspace() and text[lang_end] != "`":
                        lang_end += 1
                    if lang_end != i and lang_end < n and text[lang_end] != "`":
                        language = text[i:lang_end]
                        i = lang_end
                    if at(i) in ("\n", "\r"):
                        i += 1
                    i -= 1
                else:
                    type_ = "code"
            else:
                raise _reserved_error(char)
            stack.append(_OpenMd(type_, out.offset, _byte_offset(text, begin), i + 1, language))
            i += 1
            continue

        entity = stack.pop()
        extra: dict[str, Any] = {}
        if entity.type in ("underline", "spoiler"):
            i += 1
        elif entity.type == "pre":
            i += 2
            extra["language"] = entity.language
        elif entity.type == "text_link":
            if at(i + 1) == "(":
                i += 2
                url_begin = i
                url_chars: list[str] = []
                while i < n and text[i] != ")":
                    if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                        url_chars.append(text[i + 1])
                        i += 2
                        continue
                    url_chars.append(text[i])
                    i += 1
                if i >= n:
                    raise EntityParseError(
                        f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}"
                    )
                url = "".join(url_chars)
            else:
                url = text[entity.text_begin : i]
            if not _valid_url(url):
                i += 1
                continue
            extra["url"] = url
        out.entity(entity.type, entity.start, **extra)
        i += 1
    if stack:
        top_entity = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_NAMES[top_entity.type]} entity at byte offset "
            f"{top_entity.byte_offset}"
        )
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.result()


# ----------------------------------------------------------------------------- legacy Markdown


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Parse the legacy ``Markdown`` parse mode into plain text and entities."""
    out = _Builder()
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = i
        is_pre = char == "`" and text.startswith("```", i)
        end_char = "]" if char == "[" else char
        language: str | None = None
        if is_pre:
            i += 3
            lang_end = i
            while lang_end < n and not text[lang_end].isspace() and text[lang_end] != "`":
                lang_end += 1
            if lang_end != i and lang_end < n and text[lang_end] != "`":
                language = text[i:lang_end]
                i = lang_end
            if i < n and text[i] == "\n":
                i += 1
        else:
            i += 1
        start = out.offset
        while i < n and (text[i] != end_char or (is_pre and not text.startswith("```", i))):
            out.add(text[i])
            i += 1
        if i >= n:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        i += 3 if is_pre else 1
        if char == "_":
            out.entity("italic", start)
        elif char == "*":
            out.entity("bold", start)
        elif char == "`":
            out.entity("pre" if is_pre else "code", start, language=language)
        else:
            url = ""
            if i < n and text[i] == "(":
                end = text.find(")", i + 1)
                if end >= 0:
                    url = text[i + 1 : end]
                    i = end + 1
            if _valid_url(url):
                out.entity("text_link", start, url=url)
    return out.result()


# ------------------------------------------------------------------------------ entry points


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Parse ``text`` according to ``parse_mode`` (``HTML``, ``MarkdownV2``, ``Markdown`` or
    ``None``, case-insensitive). Raises :class:`EntityParseError` or, for an unknown parse
    mode, :class:`ValueError`."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ValueError(f"unsupported parse_mode {parse_mode!r}")


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim leading/trailing whitespace as Telegram does, shifting and clipping entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    new_len = utf16_len(stripped)
    result: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, new_len)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


_DETECTORS: list[tuple[str, re.Pattern[str]]] = [
    ("url", re.compile(r"(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]'}]", re.I)),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}(?!\w)")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d_]\w*")),
]
_NO_DETECT_INSIDE = {"code", "pre", "text_link", "url", "email", "bot_command", "mention"}


def detect_entities(text: str, entities: list[Entity] | None = None) -> list[Entity]:
    """Add the entities Telegram detects by itself (urls, e-mails, bot commands, mentions,
    hashtags) to ``entities``, skipping text already covered by code, pre or links."""
    result = list(entities or [])
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"]) for e in result if e["type"] in _NO_DETECT_INSIDE
    ]
    found = False
    for type_, pattern in _DETECTORS:
        for match in pattern.finditer(text):
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(match.group())
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            result.append({"type": type_, "offset": start, "length": end - start})
            found = True
    if found:
        result.sort(key=lambda e: (e["offset"], -e["length"]))
    return result
