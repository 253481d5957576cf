"""Document metadata read from a plan's own text: number, date, title, issuer, place, signer, indices.

The header of a Vietnamese administrative document follows one layout (Nghị định 30/2020/NĐ-CP):
"Số: 336/KH-UBND", a place-and-date line ("Đồng Nai, ngày 15 tháng 10 năm 2024"), the document type
("KẾ HOẠCH") and its title; the signature block ("CHỦ TỊCH" / "KT. GIÁM ĐỐC PHÓ GIÁM ĐỐC" and a name)
closes the body. The file name is never used. Layout cues live in ``ingest/vocab/document.toml``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.model import Document, Para, RawDocument, stable_id
from ingest.textnorm import clean_line, fold, fold_words
from ingest.vocab import Vocabulary
from ingest.vocab_load import read_toml

HEAD_PARAS = 40
# Metadata is read from each paragraph's first 3,000 characters (the longest paragraph of the bundled plans
# has 1,900): a header line is short, and a paragraph of megabytes would otherwise be searched for places,
# agencies and indices several times over.
LINE_CHARS = 3000
NOT_A_PLAN = "not recognised as a plan; ingested as plain passages"

# "*+" takes every space at once: "\s*[:.]?\s*" alone would try each split of a run of spaces (quadratic)
_NUMBER_RE = re.compile(r"^so\s*+[:.]?\s*+([0-9a-z.]*\s*/\s*[0-9a-z]+(?:\s*-\s*[0-9a-z]+)*)", re.I)
_DATE_RE = re.compile(r"^([^,\d]{2,60}),\s*ngay\s*(\d{1,2})?\D{0,3}?\s*thang\s*(\d{1,2})?\s*nam\s*(\d{4})")
_SECTION_RE = re.compile(r"^(?:[IVX]+|\d+)\s*[.)]\s")
_NAME_WORD_RE = re.compile(r"^[^\W\d_][^\W\d_'’.]*$")


@dataclass(frozen=True)
class _Cues:
    plan_titles: tuple[str, ...]
    title_end_starts: tuple[str, ...]
    max_title_lines: int
    roles: tuple[str, ...]
    stops: tuple[str, ...]
    properties: dict[str, tuple[str, ...]]


@functools.lru_cache(maxsize=4)
def _cues(folder: Path) -> _Cues:
    path = folder / "document.toml"
    data = read_toml(path)
    try:
        header, signature = data["header"], data["signature"]
        return _Cues(
            tuple(header["plan_titles"]),
            tuple(header["title_end_starts"]),
            int(header["max_title_lines"]),
            tuple(signature["roles"]),
            tuple(signature["stops"]),
            {k: tuple(v) for k, v in data.get("properties", {}).items()},
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: missing or malformed key {exc}; expected [header] and [signature] tables") from exc


def _plain(text: str) -> str:
    """A paragraph without markdown emphasis, heading marks and odd spacing."""
    text = re.sub(r"^#+\s*", "", text.strip())
    return clean_line(text.replace("**", "").replace("*", "").replace("__", ""))


def _doc_number(lines: list[str]) -> str:
    for line in lines[:15]:
        m = _NUMBER_RE.match(fold(line))
        if m:
            start = m.start(1)
            raw = line[start : start + len(m.group(1))] if len(fold(line)) == len(line) else m.group(1).upper()
            return re.sub(r"\s+", "", raw)
    return ""


def _place_date(lines: list[str]) -> tuple[str, str, int | None]:
    # a portal's table keeps the header's cells on one line: "Số: 1356/QĐ-UBND | Phan Rang-Tháp Chàm, ngày …"
    cells = [cell.strip() for line in lines[:15] for cell in line.split("|") if cell.strip()]
    for line in cells:
        m = _DATE_RE.match(fold(line))
        if m:
            place = line.split(",", 1)[0].strip()
            day, month, year = m.group(2), m.group(3), m.group(4)
            return place, f"{day or '…'}/{month or '…'}/{year}", int(year)
    return "", "", None


def _title(lines: list[str], cues: _Cues) -> tuple[str, int]:
    """The title after the "KẾ HOẠCH" line and the index of the first line after it (-1 if none)."""
    for i, line in enumerate(lines[:25]):
        if fold_words(line) in cues.plan_titles:
            parts: list[str] = []
            j = i + 1
            while j < len(lines) and len(parts) < cues.max_title_lines:
                folded = fold(lines[j])
                if _SECTION_RE.match(lines[j]) or len(lines[j]) > 500:
                    break
                # a title may itself start "THỰC HIỆN …"; only a later line that does ends it
                if parts and folded.startswith(cues.title_end_starts):
                    break
                parts.append(lines[j])
                j += 1
            return " ".join(parts), j
    return "", -1


def _signer(lines: list[str], cues: _Cues) -> str:
    def is_role(line: str) -> bool:
        words = fold_words(line)
        return bool(words) and line == line.upper() and len(words.split()) <= 10 and words.endswith(cues.roles)

    def is_name(line: str) -> bool:
        words = line.split()
        return (
            2 <= len(words) <= 6
            and not line.isupper()  # "CỘNG HÒA XÃ HỘI …" is a header; a signer's name is written "Sùng Lữ Páo"
            and all(_NAME_WORD_RE.match(w) and w[0].isupper() for w in words)
        )

    receivers = [i for i, line in enumerate(lines) if fold(line).startswith("noi nhan")]
    starts = [receivers[0]] if receivers else []
    starts.append(0)
    for start in starts:
        for i in range(start, len(lines)):
            if not is_role(lines[i]):
                continue
            for line in lines[i + 1 : i + 5]:
                if is_role(line):
                    continue
                if fold(line).startswith(cues.stops):
                    break
                if is_name(line):
                    return line
                break
    return ""


def _issuer(vocab: Vocabulary, doc_number: str, place: str, body: list[str]) -> tuple[str, str, str, str]:
    """``(issuer, level, province, locality)`` from the number suffix, the body and the place line."""
    province, locality, loc_level = vocab.resolve_place(place) if place else ("", "", "")
    code = doc_number.rsplit("-", 1)[-1] if "-" in doc_number else ""
    from_body = ""
    for line in body:  # "Sở Giao thông vận tải xây dựng Kế hoạch …"
        for mention in vocab.find_agencies(line):
            if fold(mention.canonical).startswith(("cac ", "ubnd cac", "uy ban nhan dan cac")):
                continue  # "UBND các huyện xây dựng kế hoạch …" is what the plan asks of them, not who issued it
            if re.match(r"(?:xay dung|ban hanh|lap)\s+ke hoach", fold(line[mention.end : mention.end + 40])):
                from_body = mention.canonical
                break
        if from_body:
            break
    council = fold_words(from_body).startswith(("ubnd", "chu tich", "uy ban"))
    issuer = "" if council else from_body
    if not issuer and code and fold(code) != "ubnd":
        issuer = vocab.issuer_of_code(code) or ""
    if issuer:
        level = vocab.agency_level(issuer)
        return issuer, ("sở" if level in ("tỉnh", None) else level), province, locality
    if not place or not (council or fold(code) in ("", "ubnd")):
        return from_body, "", province, locality
    if locality:
        return f"UBND {loc_level} {locality}", loc_level, province, locality
    return f"UBND {vocab.province_kind(province) or 'tỉnh'} {province or place}", "tỉnh", province, locality


_HEADER_STOPS = ("cong hoa", "doc lap", "ke hoach", "quyet dinh", "v/v")
# the place named at the end of a header line; searched in the line's last row only, so "(.+)$" need not
# scan to a line break after every "TỈNH" of the line
_LOCAL_RE = re.compile(r"\b(HUYỆN|THỊ XÃ|THÀNH PHỐ|QUẬN|TỈNH)\s+(.+)")
_PROSE_NUMBER_RE = re.compile(
    r"(?:ban hành|phê duyệt)\s+(?:Kế hoạch|Quyết định|Công văn|văn bản|Chương trình)\s+(?:số\s+)?"
    r"(\d{1,5}/(?:(?:19|20)\d\d/)?[A-ZĐ][A-ZĐa-z0-9&]*(?:-[A-ZĐa-z0-9&]+)*)"
)
_ANY_DATE_RE = re.compile(r"\b\d{1,2}[/-]\d{1,2}[/-]((?:19|20)\d\d)\b|\b((?:19|20)\d\d)-\d{2}(?:-\d{2})?\b")


def _header_issuer(vocab: Vocabulary, lines: list[str]) -> tuple[str, str, str, str]:
    """``(issuer, level, province, locality)`` from the issuer lines above "Số:" ("ỦY BAN NHÂN DÂN / HUYỆN HẢI
    HẬU", "UBND TỈNH LẠNG SƠN / SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG"); empty when the text has none."""
    head: list[str] = []
    for line in lines[:8]:
        if fold(line).startswith(_HEADER_STOPS) or _NUMBER_RE.match(fold(line)) or not line.isupper():
            break  # "Số: 336/KH-UBND" ends the issuer lines ("SỞ …" folds to "so" too: not a stop)
        head.append(line.strip(" -_|"))
    if not head:
        return "", "", "", ""
    text = " ".join(head)
    agencies = [m.canonical for m in vocab.find_agencies(text) if not fold(m.canonical).startswith(("ubnd", "uy ban"))]
    provinces = vocab.find_provinces(text)
    province, locality, level = (provinces[0] if provinces else ""), "", ""
    for line in reversed(head):
        m = _LOCAL_RE.search(line.rstrip("\n").rpartition("\n")[2])
        if m:
            name = m.group(2).strip().title()
            kind = m.group(1).lower()
            prov, loc, loc_level = vocab.resolve_place(f"{kind} {name}") if kind != "tỉnh" else (name, "", "")
            if kind == "tỉnh" or (prov and not loc and kind == "thành phố"):
                province, level = prov or province or name, "tỉnh"
            else:
                province, locality, level = prov or province, loc or name, loc_level or kind
            break
    if agencies:
        issuer = agencies[-1]
        lv = vocab.agency_level(issuer)
        return issuer, ("sở" if lv in ("tỉnh", None) else lv), province, locality
    if not level or not re.search(r"ỦY BAN NHÂN DÂN|UBND", text):
        return "", "", province, locality
    if level == "tỉnh":
        return f"UBND {vocab.province_kind(province) or 'tỉnh'} {province}", "tỉnh", province, ""
    return f"UBND {level} {locality}", level, province, locality


def _prose_number(lines: list[str]) -> str:
    """A page's own document number written in prose ("UBND tỉnh vừa ban hành Kế hoạch số 1331/KH-UBND")."""
    for line in lines[:15]:
        m = _PROSE_NUMBER_RE.search(line)
        if m:
            return m.group(1)
    return ""


def _main_province(vocab: Vocabulary, lines: list[str]) -> str:
    """The province a text is about when no header says: the one it names most, clearly more than any other."""
    counts: dict[str, int] = {}
    for line in lines:
        for name in vocab.find_provinces(line):
            counts[name] = counts.get(name, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked:
        return ""
    top, n = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return top if n >= 2 * max(second, 1) or (n >= 1 and second == 0) else ""


def _span_between_spaces(text: str, start: int, stop: int, low: int, high: int) -> str | None:
    """``text[start:stop]`` read as spaces, a span of ``low`` to ``high`` characters, spaces: the span, or ``None``.

    Of the ways to read it, the one a pattern ``\\s*(.{low,high}?)\\s*`` takes: the longest opening spaces,
    then the shortest span — found without trying every split of a long run of spaces.
    """
    lead = start
    while lead < stop and text[lead].isspace():
        lead += 1
    reach = max(len(text[:stop].rstrip()), start)  # the span ends at or after the last non-space
    for begin in range(lead, start - 1, -1):
        end = max(reach, begin + low)
        if end - begin > high:
            return None  # starting earlier only makes the span longer
        if end <= stop:
            return text[begin:end]
    return None


def _property(text: str) -> tuple[str, str] | None:
    """A portal's label–value line, ``"| Số | 1356/QĐ-UBND |"`` or ``"Ngày ban hành: 15/10/2024"`` →
    ``(label, value)``; the label 3–30 characters, the value 2–120, neither holding a bar."""
    first = 1 if text.startswith("|") else 0
    seps = [j for j in (text.find("|", first), text.find(":", first)) if j >= 0]
    if not seps:
        return None
    sep = min(seps)
    label = _span_between_spaces(text, first, sep, 3, 30)
    bar = text.find("|", sep + 1)
    if label is None or (bar >= 0 and text[bar + 1 :].strip()):
        return None  # after the value, only a closing bar and spaces
    value = _span_between_spaces(text, sep + 1, len(text) if bar < 0 else bar, 2, 120)
    return None if value is None else (label, value)


def _properties(raw: RawDocument, cues: _Cues) -> dict[str, str]:
    """The label–value rows a document portal prints above a text: number, date, signer (first of each)."""
    pairs: list[tuple[str, str]] = []
    for block in raw.blocks[:HEAD_PARAS]:
        if isinstance(block, Para):
            pair = _property(block.text.strip())
            if pair:
                pairs.append(pair)
        else:
            pairs += [(row[0], row[1]) for row in block.rows if len(row) >= 2 and row[0] and row[1]]
    found: dict[str, str] = {}
    for label, value in pairs:
        key = fold_words(label)
        for name, labels in cues.properties.items():
            if key in labels and name not in found:
                found[name] = clean_line(value.replace("**", ""))
    return found


def extract_metadata(raw: RawDocument, vocab: Vocabulary) -> Document:
    """Read a plan's metadata from its text (never from the file name).

    Args:
        raw: the reader's output (NFC text cut into paragraphs and tables).
        vocab: the loaded vocabulary (provinces, agencies, indices, abbreviations).

    Returns:
        The :class:`Document`, e.g. for "Số: 336/KH-UBND / Đồng Nai, ngày 15 tháng 10 năm 2024 / KẾ HOẠCH …":
        doc_number "336/KH-UBND", issuer "UBND tỉnh Đồng Nai", level "tỉnh", issue_date "15/10/2024".
        A text with no "KẾ HOẠCH"/"KH-" and no index gets ``is_plan=False`` and a warning.
    """
    cues = _cues(vocab.folder)
    lines = [p for p in (_plain(b.text[:LINE_CHARS]) for b in raw.blocks if isinstance(b, Para)) if p]
    head = lines[:HEAD_PARAS]
    props = _properties(raw, cues)
    doc_number = _doc_number(head) or props.get("number", "").replace(" ", "") or _prose_number(head)
    place, issue_date, year = _place_date(head)
    if not issue_date and re.fullmatch(r"\d{1,2}/\d{1,2}/(?:19|20)\d\d", props.get("date", "")):
        issue_date, year = props["date"], int(props["date"][-4:])
    title, after_title = _title(head, cues)
    if not title:  # a letter: "V/v triển khai các giải pháp nâng cao Chỉ số PCI năm 2024"
        title = next((re.sub(r"^V/v\.?\s*", "", line) for line in head[:12] if fold(line).startswith("v/v")), "")
    body = head[after_title : after_title + 6] if after_title >= 0 else head[:10]
    issuer, level, province, locality = _header_issuer(vocab, head)
    if not issuer:
        found = _issuer(vocab, doc_number, place, body)
        issuer, level = found[0], found[1]
        province, locality = province or found[2], locality or found[3]
    if not province:
        found_places = vocab.find_provinces(" ".join([title, *body]))
        province = found_places[0] if found_places else _main_province(vocab, lines)
    if year is None:  # a page with no "…, ngày … tháng … năm …" line: its first full date
        dated = next((m for line in head[:12] for m in _ANY_DATE_RE.finditer(line)), None)
        year = int(dated.group(1) or dated.group(2)) if dated else None
    indices = vocab.find_indices(" ".join([title, *(head[after_title:] if after_title >= 0 else head)]))
    is_plan = bool(title or "KH-" in doc_number.upper() or indices)
    warnings = tuple(raw.warnings) + (() if is_plan else (NOT_A_PLAN,))
    has_number = any(c.isdigit() for c in doc_number)
    doc_id = stable_id("doc", doc_number, issuer) if has_number else stable_id("src", raw.source)
    return Document(
        doc_id=doc_id,
        source=raw.source,
        path=raw.path,
        fmt=raw.fmt,
        content_hash=raw.content_hash,
        title=title,
        doc_number=doc_number,
        issuer=issuer,
        level=level,
        province=province,
        locality=locality,
        issue_date=issue_date,
        year=year,
        signer=_signer(lines, cues) or props.get("signer", ""),
        indices=indices,
        is_plan=is_plan,
        warnings=warnings,
        ocr_pages=raw.ocr_pages,
    )
