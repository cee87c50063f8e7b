"""Compile a metadata ``where`` filter (a small MongoDB-like dict) to an SQLite condition.

Conditions use JSON1's ``json_extract`` on the ``documents.metadata`` column:

>>> sql, params = compile_where({"lang": "en", "year": {"$gte": 2020}})
>>> sql
'(json_extract(d.metadata, ?) = ? AND json_extract(d.metadata, ?) >= ?)'
>>> params
['$."lang"', 'en', '$."year"', 2020]
"""

from __future__ import annotations

from typing import Any

from embedlab.store.errors import CollectionError

#: Comparison operators usable inside a field's condition.
FIELD_OPERATORS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin")
#: Operators combining a list of sub-filters.
LOGICAL_OPERATORS = ("$and", "$or")
_SQL_OPS = {"$eq": "=", "$ne": "!=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}
_SCALARS = (str, int, float, bool, type(None))
_COLUMN = "d.metadata"


def compile_where(where: dict[str, Any] | None) -> tuple[str, list[Any]]:
    """Return ``(sql, params)``; an empty or ``None`` filter matches everything (``"1"``).

    Raises CollectionError naming the bad operator or value and listing the valid operators.
    """
    if where is None:
        return "1", []
    if not isinstance(where, dict):
        raise CollectionError(
            f"where must be a dict such as {{'lang': 'en'}}, got {type(where).__name__}"
        )
    parts: list[str] = []
    params: list[Any] = []
    for key, cond in where.items():
        if key in LOGICAL_OPERATORS:
            sql, sub = _logical(key, cond)
        elif isinstance(key, str) and key.startswith("$"):
            raise CollectionError(
                f"unknown operator {key!r} at the top of a where filter; valid: "
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
        raise CollectionError(f"{op} takes a non-empty list of filters, got {conds!r:.80}")
    compiled = [compile_where(c) for c in conds]
    joiner = " AND " if op == "$and" else " OR "
    params = [p for _, ps in compiled for p in ps]
    return "(" + joiner.join(sql for sql, _ in compiled) + ")", params


def _path(key: Any) -> str:
    if not isinstance(key, str) or not key or '"' in key:
        raise CollectionError(
            f"metadata field names must be non-empty strings without '\"', got {key!r}"
        )
    return f'$."{key}"'


def _scalar(value: Any, key: str, op: str) -> Any:
    if not isinstance(value, _SCALARS):
        raise CollectionError(
            f"where value for {key!r} {op} must be a str, int, float, bool or None, "
            f"got {type(value).__name__}: {value!r:.60}"
        )
    return int(value) if isinstance(value, bool) else value  # JSON true/false read as 1/0


def _field(key: str, cond: Any) -> tuple[str, list[Any]]:
    path = _path(key)
    if not isinstance(cond, dict):
        cond = {"$eq": cond}
    if not cond:
        raise CollectionError(f"empty condition for field {key!r}; use e.g. {{'$eq': value}}")
    parts: list[str] = []
    params: list[Any] = []
    expr = f"json_extract({_COLUMN}, ?)"
    for op, value in cond.items():
        if op not in FIELD_OPERATORS:
            raise CollectionError(
                f"unknown operator {op!r} for field {key!r}; valid operators: "
                f"{', '.join(FIELD_OPERATORS + LOGICAL_OPERATORS)}"
            )
        if op in ("$in", "$nin"):
            if not isinstance(value, list | tuple) or not value:
                raise CollectionError(f"{op} for field {key!r} takes a non-empty list, got {value!r:.60}")
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
