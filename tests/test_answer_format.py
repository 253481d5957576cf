"""How answers read: rows as rows, nothing cut inside a word, one bullet style, one language per answer.

The answers are those of a BM25-only knowledge base of the bundled plans, rendered with a CommonMark
renderer (markdown-it) as the oracle for what a reader sees: a list item never holds a second list (a
plan's own "2." or "- " would show as "◦ 1." / "◦ ◦" in the app's chat), each field of a row is a line of
its own inside its item, every "…" follows a whole word of the plans, and the labels come from the
question's language only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from kb_support import assistant_over
from markdown_it import MarkdownIt

from assistant._compose_base import md_location, row_fields, shorten
from assistant._view import LABELS, label
from assistant.answer import Answer
from assistant.mdtext import item, plain
from ingest.model import ROW_LABELS

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"

VIETNAMESE = (
    "Sở Nội vụ Đồng Nai được giao những nhiệm vụ gì?",
    "Tiếp cận dịch vụ SIPAS do ai phụ trách?",
    "Ở Đồng Nai muốn có nhiều người dân tham gia bảo hiểm y tế hơn thì kế hoạch giao cho những cơ quan nào?",
    "Ở thành phố Biên Hòa, chính quyền phải tuyên truyền cho người dân những quy định bầu cử nào?",
    "Ở Sở Giao thông vận tải Lạng Sơn, ai có trách nhiệm quán triệt cán bộ, công chức trong từng phòng thực hiện "
    "các giải pháp nâng cao PAR INDEX và SIPAS năm 2024?",
    "Tam Đường: chỉ số SIPAS năm 2024 do phòng nào theo dõi, đối tượng điều tra XHH là ai?",
    "Điểm Quản trị môi trường của Đồng Nai năm 2023?",
    "Các tỉnh khác có giải pháp gì để cải thiện tiếp cận dịch vụ (SIPAS)?",
    "PAPI có mấy chỉ số nội dung?",
    "Phòng Nội vụ được giao những nhiệm vụ gì?",
)
MIXED = (  # Vietnamese questions with an English word: answered in Vietnamese
    "Cơ quan nào handles e-government trong PAPI ở Đồng Nai?",
    "Sở Nội vụ Đồng Nai làm gì cho the PAPI index?",
)
ENGLISH = (
    "which agency handles PAPI Quản trị môi trường in Đồng Nai",
    "What tasks does Sở Y tế Đồng Nai have?",
    "What tasks does Ngân hàng Nhà nước chi nhánh tỉnh in Đồng Nai have?",
    "Who signed the Tam Đường plan?",
    "What is the 2023 PAPI score of Đồng Nai for Quản trị môi trường?",
    "What solutions do the plans have for SIPAS?",
)
_RENDER = MarkdownIt("commonmark")


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, Answer], str]]:
    """Every question's answer, and the text of all passages (what answers quote)."""
    with assistant_over(tmp_path_factory.mktemp("format") / "kb", [PLANS]) as assistant:
        answers = {q: assistant.ask(q) for q in (*VIETNAMESE, *MIXED, *ENGLISH)}
        source = "\n".join(p.text for p in assistant.store.passages())
    yield answers, unicodedata.normalize("NFC", source)


@pytest.fixture(scope="module")
def answers(kb: tuple[dict[str, Answer], str]) -> dict[str, Answer]:
    return kb[0]


# -- checks ----------------------------------------------------------------------------------------------
def nested_lists(markdown: str) -> list[str]:
    """The lists a renderer opens inside a list item, or any numbered list (the answer's lists are "- ")."""
    found = []
    depth = 0
    for tok in _RENDER.parse(markdown):
        if tok.type == "list_item_open":
            depth += 1
        elif tok.type == "list_item_close":
            depth -= 1
        elif tok.type in ("bullet_list_open", "ordered_list_open") and (depth or tok.type == "ordered_list_open"):
            found.append(f"{tok.type} at line {tok.map[0] if tok.map else '?'}")
    return found


def cut_words(markdown: str, source: str) -> list[str]:
    """Every "…" of an answer whose word before it is not a whole word of the plans (a cut), or that is
    glued to a word the plans do not write with "…" ("tạ…" for "tạo")."""
    text = plain(markdown).replace("*", "")
    words = set(re.findall(r"\w+", source.lower()))
    bad = []
    for m in re.finditer("…", text):
        before = text[: m.start()]
        glued = re.search(r"(\w+)$", before)
        if glued:
            if glued.group(1) + "…" not in source:
                bad.append(text[max(0, m.start() - 30) : m.end()])
            continue
        word = re.search(r"(\w+)\W*$", before)
        if word and word.group(1).lower() not in words:
            bad.append(text[max(0, m.start() - 30) : m.end()])
    return bad


def row_items(markdown: str, lang: str) -> list[list[str]]:
    """The list items that show a row, each as its lines (the renderer's hard breaks)."""
    html = _RENDER.render(markdown)
    marks = [f"{LABELS[lang][k]}:" for k in ("target", "tasks", "deadline", "lead", "coop")]
    items = [re.split(r"<br />\n?", i) for i in re.findall(r"<li>(.*?)</li>", html, flags=re.S)]
    return [lines for lines in items if any(line.startswith(m) for line in lines[1:] for m in marks)]


def label_marks(lang: str, source: str) -> list[str]:
    """How the labels of ``lang`` show in an answer ("  Chủ trì: " starting a row's line, "**Căn cứ:**",
    "Không tìm thấy nhiệm vụ nào giao cho"), leaving out words the plans themselves write (a quote is no
    label)."""
    marks = []
    for template in LABELS[lang].values():
        if "{" not in template:
            marks += [f"\n  {template}: ", f" · {template}: ", f"*{template}:*", f"**{template}:**"]
        for piece in re.split(r"\{\w+\}|\*\*", template):
            piece = piece.strip(" .:;()")
            if len(piece.split()) >= 2 and piece not in source:
                marks.append(piece)
    return marks


# -- answers ---------------------------------------------------------------------------------------------
def test_one_bullet_style_no_glyph_and_no_list_inside_a_list(answers: dict[str, Answer]) -> None:
    for question, answer in answers.items():
        assert "◦" not in answer.answer, question
        assert nested_lists(answer.answer) == [], (question, answer.answer)
        for line in answer.answer.splitlines():
            assert not re.match(r"\s*[-+*]\s+(?:[-+*•◦]|\d+[.)])\s", line), (question, line)
    # the questions whose evidence starts with the plan's own "2." and "- " (each once a nested list)
    quote = answers[VIETNAMESE[4]].answer
    assert "- 2\\. **Trưởng các phòng, ban**" in quote


def test_nothing_is_cut_inside_a_word(kb: tuple[dict[str, Answer], str]) -> None:
    answers, source = kb
    shortened = 0
    for question, answer in answers.items():
        assert cut_words(answer.answer, source) == [], question
        shortened += answer.answer.count(" …")
    assert shortened > 0  # a heading shortened by ingestion is shown up to its last whole word
    # the check sees a cut: a heading shortened inside "tạo"
    assert cut_words("*Xem thêm:* [4] 3. Tập trung triển khai thực hiện các nhiệm vụ được giao, tạ…", source)


def test_each_field_of_a_row_is_a_line_of_its_own(answers: dict[str, Answer]) -> None:
    vi, en = LABELS["vi"], LABELS["en"]
    for question, lang, least in (
        (VIETNAMESE[0], "vi", 20), (VIETNAMESE[1], "vi", 4), (VIETNAMESE[2], "vi", 3), (VIETNAMESE[3], "vi", 3),
        (ENGLISH[0], "en", 6), (ENGLISH[1], "en", 6),
    ):  # fmt: skip
        items = row_items(answers[question].answer, lang)
        assert len(items) >= least, (question, answers[question].answer)
        for lines in items:
            assert "[" in lines[0] and not any(f"{LABELS[lang][k]}:" in lines[0] for k in ROW_LABELS)
            for line in lines[1:]:
                held = [k for k in ("target", "tasks") if f"{LABELS[lang][k]}:" in line]
                assert len(held) <= 1 and (not held or line.startswith(f"{LABELS[lang][held[0]]}:"))
    # a row quoted as evidence is no longer run-on text with the plan's field labels inside it
    for question in VIETNAMESE[2:4]:
        text = answers[question].answer
        assert not re.search(r"(?<!\n  )(?:Chỉ tiêu/kết quả|Nhiệm vụ/giải pháp):", text), text
        assert f"\n  {vi['target']}: " in text and f"\n  {vi['lead']}: " in text
    assert f"\n  {en['tasks']}: " in answers[ENGLISH[1]].answer


def test_an_english_question_gets_english_labels_only(kb: tuple[dict[str, Answer], str]) -> None:
    answers, source = kb
    vietnamese = label_marks("vi", source)
    for question in ENGLISH:
        text = answers[question].answer
        assert [m for m in vietnamese if m in text] == [], (question, text)
        assert not re.search(r"\d+ nhiệm vụ", text)
    assert "**Lead agencies:**" in answers[ENGLISH[0]].answer
    assert ": 8 rows" in answers[ENGLISH[1]].answer and ": 1 row\n" in answers[ENGLISH[2]].answer


def test_a_vietnamese_question_with_an_english_word_stays_vietnamese(kb: tuple[dict[str, Answer], str]) -> None:
    answers, source = kb
    english = label_marks("en", source)
    for question in (*VIETNAMESE, *MIXED):
        text = answers[question].answer
        assert [m for m in english if m in text] == [], (question, text)
        assert not re.search(r"\b\d+ rows?\b", text)
    assert "**Cơ quan chủ trì:**" in answers[MIXED[0]].answer
    assert re.search(r"\d+ nhiệm vụ", answers[MIXED[1]].answer)


# -- the pieces ------------------------------------------------------------------------------------------
@given(st.lists(st.text("abcđêạ", min_size=1, max_size=9), min_size=1, max_size=40), st.integers(8, 120))
def test_shorten_cuts_only_between_words(words: list[str], width: int) -> None:
    text = " ".join(words)
    out = shorten(text, width)
    if out == text:
        return
    assert out.endswith(" …") and len(out) <= width
    kept = out[: -len(" …")]
    assert text.startswith(kept) and (kept == "" or not text[len(kept)].isalnum())


def test_a_location_shortened_inside_a_word_loses_the_partial_word() -> None:
    loc = "III. NHIỆM VỤ, GIẢI PHÁP › 3. Tập trung triển khai các nhiệm vụ được giao, tạ… › 3.1. Đối với chỉ số PAPI"
    assert (
        md_location(loc)
        == "III. NHIỆM VỤ, GIẢI PHÁP › 3. Tập trung triển khai các nhiệm vụ được giao … › 3.1. Đối với chỉ số PAPI"
    )
    assert md_location("Phụ lục 11 › I. Chỉ số PAPI › 4") == "Phụ lục 11 › I. Chỉ số PAPI › 4"


@given(
    st.sampled_from(["1. ", "12) ", "- ", "+ ", "• ", "◦ ", "- - ", "- 1. ", ""]),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40),
)
def test_a_plan_line_is_one_list_item_whatever_marker_it_starts_with(marker: str, text: str) -> None:
    markdown = f"- {item(marker + text)}"
    tokens = _RENDER.parse(markdown)
    assert [t.type for t in tokens].count("list_item_open") <= 1
    assert nested_lists(markdown) == []


def test_a_row_passage_reads_as_title_and_fields() -> None:
    text = (  # a row of the Đồng Nai plan's appendix as ingestion writes its passage
        "6. Cung ứng dịch vụ công\n6.1. Y tế công lập\n"
        f"{ROW_LABELS['target']}: Nâng cao chất lượng trạm y tế tuyến xã\n"
        f"{ROW_LABELS['tasks']}: - Nâng cao chất lượng khám, chữa bệnh tại bệnh viện tuyến huyện.\n"
        "- Tăng cường tuyên truyền\n"
        f"{ROW_LABELS['deadline']}: Thường xuyên\n{ROW_LABELS['lead']}: UBND các huyện, thành phố"
    )
    title, fields = row_fields(text)
    assert title == ["6. Cung ứng dịch vụ công", "6.1. Y tế công lập"]
    assert [k for k, _ in fields] == ["target", "tasks", "deadline", "lead"]
    assert fields[1][1].endswith("huyện. - Tăng cường tuyên truyền")
    _, figures = row_fields(
        "1. Tham gia người dân ở cấp cơ sở\nNăm 2023: 4.34/10.00; Chỉ tiêu đến năm 2025: 6.90/10.00"
    )
    assert figures == [("", "Năm 2023: 4.34/10.00; Chỉ tiêu đến năm 2025: 6.90/10.00")]


def test_counts_take_the_plural_of_their_language() -> None:
    assert [label("en", "rows", n=k) for k in (1, 2)] == ["1 row", "2 rows"]
    assert [label("vi", "rows", n=k) for k in (1, 2)] == ["1 nhiệm vụ", "2 nhiệm vụ"]
    assert set(LABELS["vi"]) == set(LABELS["en"])  # every label in both languages
