"""The planqa vocabulary: provinces, agencies, index taxonomies and abbreviations, as data.

Everything lives in ``ingest/vocab/*.toml``; this module loads it once (per folder) into an immutable
:class:`Vocabulary` and answers look-ups. Matching is case- and diacritic-insensitive and works on
NFC, NFD, unaccented and legacy-tone input ("Sở TN&MT", "so tnmt", "Sở Tài nguyên và Môi trường").

Example:
    >>> vocab = load_vocabulary()
    >>> vocab.canonical_agency("Sở TN&MT tỉnh Lạng Sơn")
    'Sở Tài nguyên và Môi trường'
    >>> vocab.match_component("Phúc đáp của chính quyền qua cổng thông tin điện tử").path
    'Quản trị điện tử › Phúc đáp qua cổng thông tin điện tử'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ingest.vocab_agencies import AgencyMatcher, AgencyMention
from ingest.vocab_components import Component, ComponentMatcher
from ingest.vocab_load import (
    DEFAULT_FOLDER,
    load_abbreviations,
    load_agencies,
    load_components,
    load_places,
    make_expander,
)
from ingest.vocab_places import Places
from ingest.vocab_text import tokenize

__all__ = ["AgencyMention", "Component", "Vocabulary", "load_vocabulary"]


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Immutable look-up tables; build it with :func:`load_vocabulary`, never by hand."""

    folder: Path
    _places: Places
    _agencies: AgencyMatcher
    _agency_levels: Mapping[str, str]
    _components: ComponentMatcher
    _abbreviations: Mapping[str, str]
    _issuer_codes: Mapping[str, str]
    _expand: Callable[[str], str]

    # -- agencies ---------------------------------------------------------------------------------
    def canonical_agency(self, text: str) -> str | None:
        """One agency mention → its canonical name.

        A trailing place ("tỉnh Lạng Sơn", ", thành phố Biên Hòa") is dropped. Unknown text that
        starts with an agency head word ("Sở", "Trung tâm", "Văn phòng", …) comes back cleaned.

        Args:
            text: the mention, e.g. "Sở TN&MT", "so tnmt", "UBND cấp huyện".

        Returns:
            The canonical name ("Sở Tài nguyên và Môi trường"), or ``None`` for non-agency text.
        """
        return self._agencies.canonical(text)

    def repair_accents(self, text: str) -> str:
        """OCR text with the diacritics of known agency, index and component names put right.

        Example:
            >>> load_vocabulary().repair_accents("Sở Tài nguyên và Môi trưòng; Quản trị môi truờng")
            'Sở Tài nguyên và Môi trường; Quản trị môi trường'
        """
        for table in (self._agencies.table, self._components.index_table, self._components.spelling):
            text = table.repair(text)
        return text

    def split_agencies(self, cell: str) -> tuple[str, ...]:
        """An agency-list cell → canonical names, in order, without duplicates.

        Known names are matched first (longest), so commas and "và" inside a name never split it;
        "Các Phòng: Nội vụ, Tư pháp" distributes the head; a clause after the names
        ("… chủ trì, phối hợp với …") is ignored.

        Args:
            cell: e.g. "Phòng Văn hóa và Thông tin; Văn phòng HĐND và UBND huyện".

        Returns:
            e.g. ``("Phòng Văn hóa và Thông tin", "Văn phòng HĐND - UBND huyện")``.
        """
        return self._agencies.split(cell)

    def find_agencies(self, text: str) -> list[AgencyMention]:
        """All agency mentions in free text; spans index into ``text`` as given.

        Args:
            text: prose, e.g. "Giao Sở Nội vụ chủ trì, phối hợp với UBND các huyện, thành phố".

        Returns:
            Mentions left to right (known aliases longest-first, plus "Sở <Capitalised words>").
        """
        return self._agencies.find(text)

    def agency_names(self) -> tuple[str, ...]:
        """Every canonical agency name, in data order."""
        return tuple(self._agency_levels)

    def agency_level(self, name: str) -> str | None:
        """The level of a canonical agency ("tỉnh", "huyện", "sở", "xã", ""), else ``None``."""
        return self._agency_levels.get(name)

    def issuer_of_code(self, code: str) -> str | None:
        """The issuing body of a document-number suffix ("STNMT" → "Sở Tài nguyên và Môi trường")."""
        folded = {k.upper(): v for k, v in self._issuer_codes.items()}
        return folded.get((code or "").strip().upper())

    # -- indices and components -------------------------------------------------------------------
    def match_index(self, text: str) -> str | None:
        """The first index named in ``text`` ("Chỉ số PAR" → "PAR INDEX"), else ``None``."""
        found = self._components.indices_in(text)
        return found[0] if found else None

    def find_indices(self, text: str) -> tuple[str, ...]:
        """Every index named in ``text``, in order of first mention, unique."""
        return self._components.indices_in(text)

    def canonical_index_names(self) -> tuple[str, ...]:
        """``("PAPI", "PAR INDEX", "SIPAS", "PCI")`` in data order."""
        return self._components.names

    def components(self, index: str) -> tuple[Component, ...]:
        """Every component of an index (dimensions followed by their subs), ``()`` if unknown."""
        return self._components.components(index)

    def match_component(self, text: str, plan_index: str | None = None) -> Component | None:
        """The index component a heading, cell or question names.

        Exact alias match first (after expanding abbreviations and dropping numbering such as "7.1"),
        else the best token overlap (≥ 0.75 of the shorter side, at least two words).

        Args:
            text: e.g. "Phúc đáp của chính quyền qua cổng thông tin điện tử", "Giải đáp KNTC, khúc mắc".
            plan_index: restrict to this index ("PAPI", "PAR INDEX", …) when known.

        Returns:
            The :class:`Component` (``sub`` is ``None`` for a dimension), or ``None`` when nothing is close.
        """
        return self._components.match(text, plan_index)

    # -- places -----------------------------------------------------------------------------------
    def provinces(self) -> tuple[str, ...]:
        """The 63 canonical province names, in data order."""
        return self._places.names

    def province_kind(self, name: str) -> str | None:
        """ "tỉnh" or "thành phố" (centrally-run city) for a canonical province name, else ``None``."""
        return self._places.kinds.get(name)

    def find_provinces(self, text: str) -> tuple[str, ...]:
        """Provinces mentioned in ``text`` (directly or through a locality), in order of first mention."""
        return self._places.find_provinces(text)

    def province_of(self, name: str) -> str | None:
        """Province or locality name → province ("Tam Đường" → "Lai Châu"), else ``None``."""
        return self._places.province_of(name)

    def locality_level(self, name: str) -> str | None:
        """Locality name → its level ("Long Khánh" → "thành phố", "huyện Tam Đường" → "huyện")."""
        return self._places.locality_level(name)

    def resolve_place(self, name: str) -> tuple[str, str, str]:
        """A place name → ``(province, locality, level)``; ``""`` for the parts that do not apply.

        "Đồng Nai" → ("Đồng Nai", "", ""); "Tam Đường" → ("Lai Châu", "Tam Đường", "huyện");
        "Lạng Sơn" is the province (it wins over the city of the same name).
        """
        found = self._places.resolve(name)
        if not found:
            return "", "", ""
        province, loc = found
        return province, (loc.name if loc else ""), (loc.level if loc else "")

    def locality_name(self, name: str) -> str | None:
        """The canonical spelling of a locality ("tam duong" → "Tam Đường"), else ``None``."""
        loc = self._places.locality(name)
        return loc.name if loc else None

    # -- abbreviations ----------------------------------------------------------------------------
    def expand_abbreviations(self, text: str) -> str:
        """Expand officials' abbreviations, whole words only ("Sở TN&MT" → "Sở Tài nguyên và Môi trường").

        All-caps abbreviations match case-sensitively; document numbers ("336/KH-UBND") are left alone.
        """
        return self._expand(text)

    def abbreviations(self) -> Mapping[str, str]:
        """Abbreviation → expansion, read-only."""
        return self._abbreviations

    def fold_tokens(self, text: str) -> tuple[str, ...]:
        """The folded words the matchers see (handy for callers building their own keys)."""
        return tuple(t.key for t in tokenize(text))


@functools.lru_cache(maxsize=8)
def _load(folder: Path) -> Vocabulary:
    places = load_places(folder / "provinces.toml")
    agencies, levels = load_agencies(folder / "agencies.toml", places)
    abbreviations, codes = load_abbreviations(folder / "abbreviations.toml")
    expand = make_expander(abbreviations)
    components = load_components(folder / "indices.toml", expand)
    return Vocabulary(
        folder,
        places,
        agencies,
        MappingProxyType(levels),
        components,
        MappingProxyType(abbreviations),
        MappingProxyType(codes),
        expand,
    )


def load_vocabulary(folder: Path | None = None) -> Vocabulary:
    """Load (once per folder) the vocabulary from ``folder`` (default: ``ingest/vocab``).

    Args:
        folder: a folder holding ``provinces.toml``, ``agencies.toml``, ``indices.toml`` and
            ``abbreviations.toml``.

    Returns:
        The immutable :class:`Vocabulary`.

    Raises:
        ValueError: a file is missing or malformed, or an alias is given to two names; the message
            names the file and the key.
    """
    return _load(Path(folder or DEFAULT_FOLDER).resolve())
