"""Developer script: regenerate ``_unicode_data.py`` by probing the installed HF ``tokenizers``.

HF's Rust crates carry their own (older or newer) Unicode tables, which differ from the
``unicodedata`` module of any given Python.  Rather than guessing, this script asks HF how it
classifies every code point, one at a time, and writes the observed sets as code point ranges.
Run it with ``python scripts/unicode_tables.py``; it is not part of the package.
"""

from __future__ import annotations

import string
import sys
import unicodedata
from pathlib import Path


def _ranges(cps: list[int]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for c in sorted(cps):
        if out and out[-1][1] == c - 1:
            out[-1][1] = c
        else:
            out.append([c, c])
    return [(a, b) for a, b in out]


def main() -> None:  # pragma: no cover - developer tool
    from tokenizers import normalizers as hn
    from tokenizers import pre_tokenizers as hp

    clean = hn.BertNormalizer(
        clean_text=True, handle_chinese_chars=False, strip_accents=False, lowercase=False
    )
    strip = hn.BertNormalizer(
        clean_text=False, handle_chinese_chars=False, strip_accents=True, lowercase=False
    )
    lower = hn.Lowercase()
    forms = {"NFD": hn.NFD(), "NFKD": hn.NFKD(), "NFC": hn.NFC(), "NFKC": hn.NFKC()}
    pre = hp.BertPreTokenizer()

    control: list[int] = []
    clean_space: list[int] = []
    marks: list[int] = []
    punct: list[int] = []
    space: list[int] = []
    ccc_zero: list[int] = []  # non-zero class for unicodedata, but HF's NFD does not reorder it
    starts_nz: list[int] = []
    ends_nz: list[int] = []
    lower_exc: dict[int, str] = {}
    form_exc: dict[str, dict[int, str]] = {k: {} for k in forms}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        c = chr(cp)
        got = clean.normalize_str(c)
        if got == "":
            control.append(cp)
        elif got == " " and c != " ":
            clean_space.append(cp)
        if strip.normalize_str(c) == "":
            marks.append(cp)
        low = lower.normalize_str(c)
        if low != c.lower():
            lower_exc[cp] = low
        ccc = unicodedata.combining(c)
        if ccc > 1:
            known = forms["NFD"].normalize_str(c + "\u0334") != c + "\u0334"
        elif ccc == 1:
            known = forms["NFD"].normalize_str("\u0301" + c) != "\u0301" + c
        else:
            known = True
        if not known:
            ccc_zero.append(cp)

        for name, norm in forms.items():
            v = norm.normalize_str(c)
            if v != unicodedata.normalize(name, c):  # type: ignore[arg-type]
                form_exc[name][cp] = v
        words = [w for w, _ in pre.pre_tokenize_str("a" + c + "b")]
        if words == ["a", "b"]:
            space.append(cp)
        elif words == ["a", c, "b"]:
            punct.append(cp)
        elif words != ["a" + c + "b"]:
            raise SystemExit(f"unexpected pre-tokenization of U+{cp:04X}: {words!r}")

    ccc_zero_set = set(ccc_zero)
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        dec = forms["NFD"].normalize_str(chr(cp))
        if dec and unicodedata.combining(dec[0]) and ord(dec[0]) not in ccc_zero_set:
            starts_nz.append(cp)
        if dec and unicodedata.combining(dec[-1]) and ord(dec[-1]) not in ccc_zero_set:
            ends_nz.append(cp)
    assert set(map(ord, string.punctuation)) <= set(punct)
    lines = [
        '"""Unicode character classes as HF ``tokenizers`` applies them (generated file).',
        "",
        "Produced by ``python scripts/unicode_tables.py`` from HF tokenizers "
        f"{__import__('tokenizers').__version__};",
        "the ``*_EXCEPTIONS`` dicts are relative to ``unicodedata`` "
        f"{unicodedata.unidata_version}. Do not edit by hand.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f"UNIDATA_VERSION = {unicodedata.unidata_version!r}",
        "",
    ]

    def emit(name: str, doc: str, cps: list[int]) -> None:
        lines.append(f"# {doc}")
        lines.append(f"{name}: tuple[tuple[int, int], ...] = (")
        row: list[str] = []
        for a, b in _ranges(cps):
            row.append(f"(0x{a:X}, 0x{b:X}),")
            if len(row) == 5:
                lines.append("    " + " ".join(row))
                row = []
        if row:
            lines.append("    " + " ".join(row))
        lines.append(")")
        lines.append("")

    emit("CONTROL_RANGES", "removed by BertNormalizer(clean_text=True)", control)
    emit("CLEAN_SPACE_RANGES", "turned into ' ' by BertNormalizer(clean_text=True)", clean_space)
    emit("WHITESPACE_RANGES", "split on (and dropped) by the pre-tokenizers", space)
    emit("PUNCT_RANGES", "isolated by BertPreTokenizer", punct)
    emit("NONSPACING_MARK_RANGES", "dropped after NFD when stripping accents", marks)
    emit("CCC_ZERO_RANGES", "combining class 0 for HF's NFD although not for unicodedata",
         ccc_zero)
    emit("NFD_STARTS_COMBINING_RANGES", "NFD begins with a non-zero combining class", starts_nz)
    emit("NFD_ENDS_COMBINING_RANGES", "NFD ends with a non-zero combining class", ends_nz)

    def emit_dict(name: str, doc: str, d: dict[int, str]) -> None:
        lines.append(f"# {doc}")
        lines.append(f"{name}: dict[int, str] = {{")
        for k, v in sorted(d.items()):
            lines.append(f"    0x{k:X}: {v!r},")
        lines.append("}")
        lines.append("")

    emit_dict("LOWER_EXCEPTIONS", "per-character lowercase where HF differs from str.lower",
              lower_exc)
    for name in forms:
        emit_dict(f"{name}_EXCEPTIONS", f"single characters where HF {name} differs",
                  form_exc[name])
    out = Path(__file__).resolve().parents[1] / "src" / "embedlab" / "tokenizers" / "_unicode_data.py"
    out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    main()
