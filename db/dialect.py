"""The SQL dialects: every query is written once, for SQLite, and translated for PostgreSQL.

Query modules write SQLite's SQL with ``?`` placeholders. :func:`to_postgres` rewrites a
statement for PostgreSQL (cached, so each distinct statement is translated once):

- ``?`` placeholders become ``$1, $2, ...`` (never inside a string literal);
- ``INSERT OR IGNORE INTO ...`` becomes ``INSERT INTO ... ON CONFLICT DO NOTHING``
  (before a ``RETURNING``, if any);
- ``x COLLATE NOCASE`` becomes ``lower(x)``, ``LIKE`` becomes ``ILIKE`` (SQLite's LIKE
  ignores the case of ASCII letters);
- the scalar ``max(a, b)`` / ``min(a, b)`` become ``GREATEST`` / ``LEAST``;
- ``SUM(a = b)`` (a count of the rows where a test holds) becomes
  ``SUM(CASE WHEN a = b THEN 1 ELSE 0 END)``;
- ``group_concat(x)`` becomes ``string_agg(CAST(x AS TEXT), ',')``;
- ``json_extract(col, '$.key')`` becomes ``(CAST(col AS JSON) ->> 'key')``;
- ``x IS ?`` becomes ``x IS NOT DISTINCT FROM $n``; ``? IS NULL`` casts the parameter to
  text (a None alone has no type for PostgreSQL);
- ``CROSS JOIN t ON ...`` (SQLite's way to fix the join order) becomes ``JOIN t ON``;
- ``LIMIT ?`` becomes ``LIMIT NULLIF(?, -1)`` (SQLite's ``LIMIT -1`` is no limit).

:func:`ddl_to_postgres` rewrites a migration: ``INTEGER PRIMARY KEY`` (SQLite's rowid
alias, numbered by the database) becomes an identity column, ``INTEGER`` ``BIGINT``
(Telegram ids pass 2**31), ``REAL`` ``DOUBLE PRECISION``, ``WITHOUT ROWID`` is dropped.
What cannot be translated (triggers, a forward reference) is written for PostgreSQL in a
file next to the migration, ``NNNN_name.postgresql.sql``, which replaces it there.

Times stay ISO-8601 UTC text in both (``db.connection.to_db``), so ordering and parsing
are the same; the PostgreSQL database is created with the C collation (see README,
"Deployment"), so text sorts byte-wise as in SQLite.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

SQLITE = "sqlite"
POSTGRESQL = "postgresql"

_TOKEN = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|\?|[^'\"?]+", re.DOTALL)
_OR_IGNORE = re.compile(r"\bINSERT\s+OR\s+IGNORE\s+INTO\b", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_NOCASE = re.compile(r"([\w.]+)\s+COLLATE\s+NOCASE\b", re.IGNORECASE)
_LIKE = re.compile(r"\bLIKE\b")
_GROUP_CONCAT = re.compile(r"\bgroup_concat\(([^()]*)\)", re.IGNORECASE)
_JSON_EXTRACT = re.compile(r"\bjson_extract\(\s*([\w.]+)\s*,\s*'\$\.(\w+)'\s*\)", re.IGNORECASE)
_IS_PARAM = re.compile(r"\bIS\s+\?", re.IGNORECASE)
_PARAM_IS_NULL = re.compile(r"(?<![\w.])\?\s+IS\s+(NOT\s+)?NULL\b", re.IGNORECASE)
_CROSS_ON = re.compile(r"\bCROSS\s+JOIN\s+(\w+(?:\s+(?:AS\s+)?\w+)?)\s+ON\b", re.IGNORECASE)
_LIMIT_PARAM = re.compile(r"\bLIMIT\s+\?", re.IGNORECASE)
_SUM_TEST = re.compile(r"\bSUM\(([^()]*?(?:<>|!=|<=|>=|=|<|>)[^()]*?)\)", re.IGNORECASE)
_MINMAX = re.compile(r"\b(max|min)\(", re.IGNORECASE)


_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


@lru_cache(maxsize=1024)
def named_to_qmark(sql: str) -> tuple[str, tuple[str, ...]]:
    """``:name`` parameters (outside string literals) as ``?``, with the names in order."""
    names: list[str] = []
    out: list[str] = []
    for token in _TOKEN.findall(sql):
        if token.startswith(("'", '"')):
            out.append(token)
            continue

        def take(match: re.Match[str]) -> str:
            names.append(match.group(1))
            return "?"

        out.append(_NAMED.sub(take, token))
    return "".join(out), tuple(names)


_CASTS = {"i": "::bigint", "f": "::double precision"}


def kinds_of(params: Sequence[object]) -> str:
    """The kind of each parameter for :func:`to_postgres`: ``i`` an int (or bool), ``f``
    a float, ``-`` anything else (text, None: the server infers it from the context)."""
    return "".join(
        "i" if isinstance(v, int) else "f" if isinstance(v, float) else "-" for v in params
    )


@lru_cache(maxsize=8192)
def to_postgres(sql: str, kinds: str = "") -> str:
    """``sql`` (SQLite's dialect, ``?`` placeholders) for PostgreSQL. ``kinds``
    (:func:`kinds_of`): numbers are given their type (SQLite accepts ``SELECT ? AS id``
    with a number, PostgreSQL would read an untyped parameter as text)."""
    ignore = bool(_OR_IGNORE.search(sql))
    if ignore:
        sql = _OR_IGNORE.sub("INSERT INTO", sql)
    sql = _IS_PARAM.sub("IS NOT DISTINCT FROM ?", sql)
    sql = _PARAM_IS_NULL.sub(lambda m: f"CAST(? AS TEXT) IS {m.group(1) or ''}NULL", sql)
    sql = _LIMIT_PARAM.sub("LIMIT NULLIF(?, -1)", sql)
    sql = _CROSS_ON.sub(r"JOIN \1 ON", sql)
    sql = _NOCASE.sub(r"lower(\1)", sql)
    sql = _LIKE.sub("ILIKE", sql)
    sql = _GROUP_CONCAT.sub(r"string_agg(CAST(\1 AS TEXT), ',')", sql)
    sql = _JSON_EXTRACT.sub(r"(CAST(\1 AS JSON) ->> '\2')", sql)
    sql = _scalar_minmax(sql)
    sql = _SUM_TEST.sub(r"SUM(CASE WHEN \1 THEN 1 ELSE 0 END)", sql)
    if ignore:
        returning = _RETURNING.search(sql)
        if returning:
            at = returning.start()
            sql = f"{sql[:at]}ON CONFLICT DO NOTHING {sql[at:]}"
        else:
            sql = f"{sql.rstrip().rstrip(';')} ON CONFLICT DO NOTHING"
    return _numbered(sql, kinds)


def _numbered(sql: str, kinds: str) -> str:
    """``?`` outside string literals become ``$1``, ``$2``, ... (typed after ``kinds``)."""
    out: list[str] = []
    count = 0
    for token in _TOKEN.findall(sql):
        if token == "?":
            cast = _CASTS.get(kinds[count], "") if count < len(kinds) else ""
            count += 1
            out.append(f"${count}{cast}")
        else:
            out.append(token)
    return "".join(out)


def _scalar_minmax(sql: str) -> str:
    """``max(a, b)`` (SQLite's scalar form: two or more arguments) as ``GREATEST(a, b)``;
    the aggregate ``max(x)`` stays."""
    pos = 0
    out: list[str] = []
    while match := _MINMAX.search(sql, pos):
        start, open_at = match.start(), match.end() - 1
        depth, comma, end = 0, False, None
        for i in range(open_at, len(sql)):
            char = sql[i]
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth == 0:
                    end = i
                    break
            elif char == "," and depth == 1:
                comma = True
        out.append(sql[pos:start])
        if end is not None and comma:
            name = "GREATEST" if match.group(1).lower() == "max" else "LEAST"
            out.append(name + "(")
        else:
            out.append(sql[start : open_at + 1])
        pos = open_at + 1
    out.append(sql[pos:])
    return "".join(out)


_INTEGER_PK = re.compile(r"\bINTEGER\s+PRIMARY\s+KEY\b", re.IGNORECASE)
_INTEGER = re.compile(r"\bINTEGER\b", re.IGNORECASE)
_REAL = re.compile(r"\bREAL\b", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\)\s*WITHOUT\s+ROWID\s*;", re.IGNORECASE)


def ddl_to_postgres(script: str) -> str:
    """A migration script (SQLite's DDL) for PostgreSQL."""
    script = _INTEGER_PK.sub("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", script)
    script = _INTEGER.sub("BIGINT", script)
    script = _REAL.sub("DOUBLE PRECISION", script)
    script = _WITHOUT_ROWID.sub(");", script)
    return script
