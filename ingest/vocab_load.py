"""Reading and checking the vocabulary data files (``ingest/vocab/*.toml``)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ingest.textnorm import nfc
from ingest.vocab_agencies import AgencyMatcher
from ingest.vocab_components import Component, ComponentMatcher
from ingest.vocab_places import Locality, Places

DEFAULT_FOLDER = Path(__file__).with_name("vocab")
PATH_SEP = " › "


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one data file; a missing or malformed file raises ``ValueError`` naming it."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ValueError(f"{path}: vocabulary file is missing; expected it next to the others") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not valid TOML ({exc})") from exc


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{where}: expected a non-empty string, got {value!r}")
    return nfc(value.strip())


def _strs(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of strings, got {type(value).__name__} {value!r}")
    return [_str(v, f"{where}[{i}]") for i, v in enumerate(value)]


def _tables(data: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError(f"{where}: expected an array of tables [[{key}]], got {value!r:.80}")
    return value


def load_places(path: Path) -> Places:
    """Provinces, localities and level words from ``provinces.toml``."""
    data = read_toml(path)
    provinces = []
    localities = []
    for n, entry in enumerate(_tables(data, "province", str(path))):
        where = f"{path}: province[{n}]"
        name = _str(entry.get("name"), f"{where}.name")
        kind = _str(entry.get("kind", "tỉnh"), f"{where}.kind")
        provinces.append((name, kind, _strs(entry.get("aliases"), f"{where}.aliases")))
        for k, loc in enumerate(entry.get("localities") or []):
            if not isinstance(loc, dict):
                raise ValueError(f"{where}.localities[{k}]: expected {{ name = …, level = … }}, got {loc!r}")
            localities.append(
                Locality(
                    _str(loc.get("name"), f"{where}.localities[{k}].name"),
                    _str(loc.get("level", "huyện"), f"{where}.localities[{k}].level"),
                    name,
                )
            )
    levels = data.get("level_words")
    if not isinstance(levels, dict):
        raise ValueError(f"{path}: expected a [level_words] table, got {levels!r}")
    level_words = {_str(k, f"{path}: level_words"): _strs(v, f"{path}: level_words.{k}") for k, v in levels.items()}
    if len({p[0] for p in provinces}) != len(provinces):
        raise ValueError(f"{path}: a province is listed twice")
    return Places(provinces, localities, level_words, str(path))


def load_agencies(path: Path, places: Places) -> tuple[AgencyMatcher, dict[str, str]]:
    """Agency names and aliases (plus "<stem> <province>" forms of "… tỉnh" names); name → level."""
    data = read_toml(path)
    aliases: list[tuple[str, str]] = []
    levels: dict[str, str] = {}
    for n, entry in enumerate(_tables(data, "agency", str(path))):
        where = f"{path}: agency[{n}]"
        name = _str(entry.get("name"), f"{where}.name")
        if name in levels:
            raise ValueError(f"{where}.name: {name!r} is listed twice")
        levels[name] = str(entry.get("level", ""))
        forms = [name, *_strs(entry.get("aliases"), f"{where}.aliases")]
        aliases += [(a, name) for a in forms]
        for form in forms:  # "Báo tỉnh" → "Báo Đồng Nai", "Đài PT-TH tỉnh" → "Đài PT-TH Lạng Sơn"
            if form.endswith(" tỉnh"):
                aliases += [(f"{form[:-5]} {p}", name) for p in places.names]
    matcher = AgencyMatcher(
        aliases,
        _strs(data.get("head_words"), f"{path}: head_words"),
        _strs(data.get("single_head_words"), f"{path}: single_head_words"),
        _strs(data.get("clause_stops"), f"{path}: clause_stops"),
        _strs(data.get("joiners"), f"{path}: joiners"),
        places,
        str(path),
        _strs(data.get("name_stops"), f"{path}: name_stops"),
        _strs(data.get("holder_titles"), f"{path}: holder_titles"),
    )
    return matcher, levels


def load_abbreviations(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """``(abbreviation → expansion, document-number code → issuer)`` from ``abbreviations.toml``."""
    data = read_toml(path)
    out = []
    for table in ("abbreviations", "issuer_codes"):
        value = data.get(table)
        if not isinstance(value, dict):
            raise ValueError(f"{path}: expected a [{table}] table, got {value!r:.80}")
        out.append({_str(k, f"{path}: {table}"): _str(v, f"{path}: {table}.{k}") for k, v in value.items()})
    return out[0], out[1]


def make_expander(abbreviations: Mapping[str, str]) -> Callable[[str], str]:
    """A whole-word abbreviation expander; all-caps keys match case-sensitively, others not."""
    keys = sorted(abbreviations, key=len, reverse=True)
    lookup = {k: v for k, v in abbreviations.items()}
    lookup_ci = {k.lower(): v for k, v in abbreviations.items() if k.upper() != k}
    parts = [re.escape(k) if k.upper() == k else f"(?i:{re.escape(k)})" for k in keys]
    pattern = re.compile(r"(?<![\w&/\-])(?:" + "|".join(parts) + r")(?![\w&/]|-\w)")

    def expand(text: str) -> str:
        text = nfc(text or "")
        return pattern.sub(lambda m: lookup.get(m.group(), lookup_ci.get(m.group().lower(), m.group())), text)

    return expand


def load_components(path: Path, expand: Callable[[str], str]) -> ComponentMatcher:
    """The index taxonomies from ``indices.toml``."""
    data = read_toml(path)
    indices = []
    for n, entry in enumerate(_tables(data, "index", str(path))):
        where = f"{path}: index[{n}]"
        name = _str(entry.get("name"), f"{where}.name")
        comps: list[tuple[Component, list[str]]] = []
        for d, dim in enumerate(entry.get("dimension") or []):
            dwhere = f"{where}.dimension[{d}]"
            dname = _str(dim.get("name"), f"{dwhere}.name")
            comps.append((Component(name, dname, None, dname), _strs(dim.get("aliases"), f"{dwhere}.aliases")))
            for s, sub in enumerate(dim.get("sub") or []):
                swhere = f"{dwhere}.sub[{s}]"
                sname = _str(sub.get("name"), f"{swhere}.name")
                comps.append(
                    (
                        Component(name, dname, sname, f"{dname}{PATH_SEP}{sname}"),
                        _strs(sub.get("aliases"), f"{swhere}.aliases"),
                    )
                )
        indices.append((name, _strs(entry.get("aliases"), f"{where}.aliases"), comps))
    matching = data.get("matching", {})
    if not isinstance(matching, dict):
        raise ValueError(f"{path}: expected a [matching] table, got {matching!r}")
    return ComponentMatcher(
        indices,
        _strs(matching.get("strip_prefixes"), f"{path}: matching.strip_prefixes"),
        _strs(matching.get("stopwords"), f"{path}: matching.stopwords"),
        expand,
        str(path),
    )
