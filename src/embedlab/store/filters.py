"""Compile a metadata ``where`` filter (a small MongoDB-like dict) to an SQLite condition.

Conditions use JSON1's ``json_extract`` on the ``documents.metadata`` column:

>>> sql, params = compile_where({"lang": "en", "year": {"$gte": 2020}})
>>> sql
'(json_extract(d.metadata, ?) = ? AND json_extract(d.metadata, ?) >= ?)'
>>> params
['$."lang"', 'en', '$."year"', 2020]

Every filter is checked against the limits below before any SQL is built, so a filter that
SQLite could not parse or bind (too deep, too many conditions, a key it cannot address, an
integer beyond 64 bits) is an :class:`InvalidWhereError` naming the problem and the limit,
never a database error:

- :data:`MAX_WHERE_DEPTH` levels of ``$and``/``$or`` nesting;
- :data:`MAX_WHERE_CONDITIONS` conditions in all: each operator on a field counts one (a bare
  value is one ``$eq``), and so does each empty sub-filter ``{}``;
- :data:`MAX_WHERE_VALUES` values in all ``$in``/``$nin`` lists together;
- field names of 1 to :data:`MAX_KEY_CHARS` characters, without ``"``, ``\\`` or control
  characters (U+0000-U+001F: SQLite's JSON paths cannot address them), valid Unicode;
- integers within SQLite's signed 64-bit range, finite floats, strings of valid Unicode.
"""

from __future__ import annotations

import math
from typing import Any

from embedlab.store.errors import CollectionError

#: Comparison operators usable inside a field's condition.
FIELD_OPERATORS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin")
#: Operators combining a list of sub-filters.
LOGICAL_OPERATORS = ("$and", "$or")
#: Most levels of ``$and``/``$or`` nesting in one filter (SQLite's parser stack overflows
#: past about 45).
MAX_WHERE_DEPTH = 16
#: Most conditions in one filter: operators on fields, and empty sub-filters ``{}`` (every
#: ``$and``/``$or`` item holds one at least, so SQLite's expression trees, at most 1,000
#: deep, have room).
MAX_WHERE_CONDITIONS = 512
#: Most values in all ``$in``/``$nin`` lists of one filter together.
MAX_WHERE_VALUES = 10_000
#: Longest metadata field name in a filter, in characters.
MAX_KEY_CHARS = 256
#: SQLite's integer range (signed 64-bit); integers beyond it cannot be bound.
SQLITE_MIN_INT, SQLITE_MAX_INT = -(2**63), 2**63 - 1

_SQL_OPS = {"$eq": "=", "$ne": "!=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_SCALARS = (str, int, float, bool, type(None))
_COLUMN = "d.metadata"
_BAD_KEY_CHARS = frozenset('"\\') | frozenset(chr(c) for c in range(0x20))


class InvalidWhereError(CollectionError):
    """A ``where`` filter is malformed or over a limit (the message names which)."""


def compile_where(where: dict[str, Any] | None) -> tuple[str, list[Any]]:
    """Return ``(sql, params)``; an empty or ``None`` filter matches everything (``"1"``).

    Raises InvalidWhereError (a CollectionError) naming the bad operator, value or exceeded
    limit and listing the valid operators.
    """
    if where is None:
        return "1", []
    check_limits(where)
    return _compile(where)


def check_limits(where: Any) -> None:
    """Check the size limits of ``where`` (depth, conditions, ``$in`` values) without
    recursion, so that even a filter nested a million levels deep is refused cheaply."""
    conditions = values = 0
    stack: list[tuple[Any, int]] = [(where, 0)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, dict) or not node:
            conditions += 1  # "1" in SQL, or an error that _compile reports in context
        for key, cond in node.items() if isinstance(node, dict) else ():
            if key in LOGICAL_OPERATORS:
                if not isinstance(cond, list):
                    continue
                if depth + 1 > MAX_WHERE_DEPTH:
                    raise InvalidWhereError(
                        f"where filter nests $and/$or more than {MAX_WHERE_DEPTH} levels "
                        f"deep; at most {MAX_WHERE_DEPTH} (MAX_WHERE_DEPTH)")
                if conditions + len(stack) + len(cond) > MAX_WHERE_CONDITIONS:
                    raise _too_many_conditions()  # each item holds a condition at least
                stack.extend((c, depth + 1) for c in cond)
            elif isinstance(cond, dict):
                conditions += max(len(cond), 1)
                for value in cond.values():
                    if isinstance(value, list | tuple):
                        values += len(value)
                if values > MAX_WHERE_VALUES:
                    raise InvalidWhereError(
                        f"where filter has more than {MAX_WHERE_VALUES} $in/$nin values; at "
                        f"most {MAX_WHERE_VALUES} in all (MAX_WHERE_VALUES)")
            else:
                conditions += 1
        if conditions > MAX_WHERE_CONDITIONS:
            raise _too_many_conditions()


def _too_many_conditions() -> InvalidWhereError:
    return InvalidWhereError(
        f"where filter has more than {MAX_WHERE_CONDITIONS} conditions (operators on "
        f"fields); at most {MAX_WHERE_CONDITIONS} (MAX_WHERE_CONDITIONS)")


def _compile(where: Any) -> tuple[str, list[Any]]:
    if not isinstance(where, dict):
        raise InvalidWhereError(
            f"where must be a dict such as {{'lang': 'en'}}, got {type(where).__name__}"
        )
    parts: list[str] = []
    params: list[Any] = []
    for key, cond in where.items():
        if key in LOGICAL_OPERATORS:
            sql, sub = _logical(key, cond)
        elif isinstance(key, str) and key.startswith("$"):
            raise InvalidWhereError(
                f"unknown operator {key!r:.80} at the top of a where filter; valid: "
                f"{', '.join(LOGICAL_OPERATORS)} (or a metadata field name)"
            )
        else:
            sql, sub = _field(key, cond)
        parts.append(sql)
        params.extend(sub)
    if not parts:
        return "1", []
    return "(" + " AND ".join(parts) + ")", params


def _logical(op: str, conds: Any) -> tuple[str, list[Any]]:
    if not isinstance(conds, list) or not conds:
        raise InvalidWhereError(f"{op} takes a non-empty list of filters, got {conds!r:.80}")
    compiled = [_compile(c) for c in conds]
    joiner = " AND " if op == "$and" else " OR "
    params = [p for _, ps in compiled for p in ps]
    return "(" + joiner.join(sql for sql, _ in compiled) + ")", params


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates, e.g. from a JSON "\ud800" escape
        return False
    return True


def _path(key: Any) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidWhereError(
            f"metadata field names must be non-empty strings, got {type(key).__name__} "
            f"{key!r:.80}")
    if len(key) > MAX_KEY_CHARS:
        raise InvalidWhereError(
            f"metadata field name {key[:40]!r}... has {len(key)} characters; at most "
            f"{MAX_KEY_CHARS} (MAX_KEY_CHARS)")
    bad = next((c for c in key if c in _BAD_KEY_CHARS), None)
    if bad is not None or not _valid_unicode(key):
        what = "invalid Unicode (a lone surrogate)" if bad is None else f"{bad!r}"
        raise InvalidWhereError(
            f"metadata field name {key!r:.80} contains {what}; field names in a filter "
            "cannot contain '\"', '\\', control characters (U+0000-U+001F) or lone "
            "surrogates")
    return f'$."{key}"'


def _scalar(value: Any, key: str, op: str) -> Any:
    if not isinstance(value, _SCALARS):
        raise InvalidWhereError(
            f"where value for {key!r:.80} {op} must be a str, int, float, bool or None, "
            f"got {type(value).__name__}: {value!r:.60}"
        )
    if isinstance(value, bool):
        return int(value)  # JSON true/false read as 1/0
    if isinstance(value, int) and not SQLITE_MIN_INT <= value <= SQLITE_MAX_INT:
        raise InvalidWhereError(
            f"where value for {key!r:.80} {op} is an integer of {value.bit_length()} bits, "
            f"outside SQLite's range {SQLITE_MIN_INT}..{SQLITE_MAX_INT} (signed 64-bit)")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidWhereError(
            f"where value for {key!r:.80} {op} is {value}; numbers in a filter must be "
            "finite (stored metadata holds no NaN or infinity)")
    if isinstance(value, str) and not _valid_unicode(value):
        raise InvalidWhereError(
            f"where value for {key!r:.80} {op} is not valid Unicode (a lone surrogate): "
            f"{value!r:.60}")
    return value


def _field(key: str, cond: Any) -> tuple[str, list[Any]]:
    path = _path(key)
    if not isinstance(cond, dict):
        cond = {"$eq": cond}
    if not cond:
        raise InvalidWhereError(
            f"empty condition for field {key!r}; use e.g. {{'$eq': value}}")
    parts: list[str] = []
    params: list[Any] = []
    expr = f"json_extract({_COLUMN}, ?)"
    for op, value in cond.items():
        if op not in FIELD_OPERATORS:
            raise InvalidWhereError(
                f"unknown operator {op!r:.80} for field {key!r}; valid operators: "
                f"{', '.join(FIELD_OPERATORS + LOGICAL_OPERATORS)}"
            )
        if op in ("$in", "$nin"):
            if not isinstance(value, list | tuple) or not value:
                raise InvalidWhereError(
                    f"{op} for field {key!r} takes a non-empty list, got {value!r:.60}")
            vals = [_scalar(v, key, op) for v in value]
            marks = ", ".join("?" for _ in vals)
            if op == "$in":
                parts.append(f"{expr} IN ({marks})")
            else:  # documents without the field also match $nin, as in MongoDB
                parts.append(f"({expr} IS NULL OR {expr} NOT IN ({marks}))")
                params.append(path)
            params.append(path)
            params.extend(vals)
            continue
        val = _scalar(value, key, op)
        if val is None and op in ("$eq", "$ne"):
            parts.append(f"{expr} IS {'NOT ' if op == '$ne' else ''}NULL")
            params.append(path)
        elif op == "$ne":
            parts.append(f"({expr} IS NULL OR {expr} != ?)")
            params.extend([path, path, val])
        else:
            parts.append(f"{expr} {_SQL_OPS[op]} ?")
            params.extend([path, val])
    return "(" + " AND ".join(parts) + ")" if len(parts) > 1 else parts[0], params
