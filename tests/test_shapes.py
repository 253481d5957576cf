"""One assignment, every shape plans write it in: the same records and the same agency answer.

The rows come from a bundled plan at test time (Tam Đường's appendix: a lead "phòng", its coordinating
units, its task and deadline). Each is written again the ways other plans write assignments — a Word
table, a tab-separated table, role label lines, agency-first bullets ("- Phòng X theo dõi, phối hợp với
…", "+ Phòng X: Tham mưu …"), "Giao … chủ trì", a decision article ("Trưởng Phòng X có trách nhiệm …"), a
letter ("đề nghị …"), a news page ("UBND huyện giao …") and a one-paragraph list ("Phòng A về nội dung
…; Phòng B về nội dung …") — inside a district plan whose issuer is *not* the lead. Every shape must
give a record led by the row's lead (with its coordinating units where the shape names them), never
the issuer, and the assistant must name that lead when asked who handles the task.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import docx
import pytest

from assistant.assistant import Assistant
from index_store.knowledge_base import KnowledgeBase
from ingest.pipeline import parse_file
from ingest.vocab import load_vocabulary
from planqa import cli

ROOT = Path(__file__).resolve().parent.parent
DISTRICT_PLAN = ROOT / "data" / "plans" / "004_a64bfd6d5e1b256c.txt"
ISSUER = "UBND huyện Kim Sơn"
HEAD = (
    "ỦY BAN NHÂN DÂN\nHUYỆN KIM SƠN\n\nSố: 27/KH-UBND\n\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "Độc lập - Tự do - Hạnh phúc\n\nKim Sơn, ngày 12 tháng 3 năm 2024\n\nKẾ HOẠCH\n"
    "Nâng cao Chỉ số cải cách hành chính (PAR INDEX) năm 2024\n\n"
    "Thực hiện Kế hoạch số 45/KH-UBND ngày 20/02/2024 của UBND tỉnh Ninh Bình, UBND huyện ban hành Kế hoạch "
    "như sau:\n\nI. NHIỆM VỤ, GIẢI PHÁP\n\n"
)
TAIL = "\n\nII. TỔ CHỨC THỰC HIỆN\n\nCác cơ quan, đơn vị báo cáo kết quả về Phòng Nội vụ trước ngày 15/11/2024.\n"


@dataclass(frozen=True)
class Row:
    lead: str
    coop: tuple[str, ...]
    topic: str  # the component, as the plan names it
    task: str  # the task, lower-case first letter, no final stop
    deadline: str


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    """Two real rows of Tam Đường's appendix with different leads."""
    parsed = parse_file(DISTRICT_PLAN)
    picked: list[Row] = []
    for a in parsed.assignments:
        if a.source_kind != "table" or len(a.lead) != 1 or not a.coop or not a.tasks or not a.component:
            continue
        if a.lead[0] in {r.lead for r in picked} or not a.lead[0].startswith("Phòng"):
            continue
        task = a.tasks.strip().rstrip(".")
        picked.append(Row(a.lead[0], a.coop[:2], a.component, task[0].lower() + task[1:], a.deadline))
    assert len(picked) >= 2, "the district plan's appendix should give rows with a lead, coop units and a task"
    return picked[:2]


def _coop(row: Row) -> str:
    return ", ".join(row.coop)


# -- the shapes: each writes a row (and, for the list, the second row) as body text --------------------------
def table_tsv(row: Row, other: Row) -> str:
    header = "STT\tNội dung\tCơ quan chủ trì\tCơ quan phối hợp\tThời gian hoàn thành"
    return f"{header}\n1\t{row.topic}: {row.task}\t{row.lead}\t{_coop(row)}\t{row.deadline}"


def labels(row: Row, other: Row) -> str:
    return (
        f"1. {row.topic}\n{row.task[0].upper() + row.task[1:]}.\nCơ quan tham mưu thực hiện: {row.lead}.\n"
        f"Cơ quan phối hợp: {_coop(row)}.\nThời gian: {row.deadline}."
    )


def bullet_verb(row: Row, other: Row) -> str:
    return f"1. {row.topic}\n- {row.lead} theo dõi, phối hợp với {_coop(row)} {row.task}."


def bullet_colon(row: Row, other: Row) -> str:
    return f"1. {row.topic}\n+ {row.lead}: Chủ trì {row.task}; phối hợp với {_coop(row)}."


def giao(row: Row, other: Row) -> str:
    return f"1. {row.topic}\nGiao {row.lead} chủ trì, phối hợp với {_coop(row)} {row.task}."


def decision(row: Row, other: Row) -> str:
    return f"Điều 2. Trưởng {row.lead} có trách nhiệm chủ trì, phối hợp với {_coop(row)} {row.task}."


def letter(row: Row, other: Row) -> str:
    return f"Để thực hiện tốt nội dung {row.topic}, UBND huyện đề nghị {row.lead} chủ trì, phối hợp với {_coop(row)} {row.task}."


def news(row: Row, other: Row) -> str:
    return f"Theo kế hoạch, UBND huyện giao {row.lead} chủ trì, phối hợp với {_coop(row)} {row.task}."


def one_paragraph(row: Row, other: Row) -> str:
    return (
        f"Các cơ quan theo dõi các nội dung được phân công như sau: {row.lead} về nội dung {row.task}; "
        f"{other.lead} về nội dung {other.task}."
    )


SHAPES: dict[str, Callable[[Row, Row], str]] = {
    "table": table_tsv, "labels": labels, "bullet_verb": bullet_verb, "bullet_colon": bullet_colon,
    "giao": giao, "decision": decision, "letter": letter, "news": news, "one_paragraph": one_paragraph,
}  # fmt: skip
WITH_COOP = {"table", "labels", "bullet_verb", "bullet_colon", "giao", "decision", "letter", "news", "word"}


def _write(tmp: Path, shape: str, rows: list[Row]) -> Path:
    row, other = rows
    if shape == "word":
        document = docx.Document()
        for line in HEAD.strip().split("\n"):
            document.add_paragraph(line)
        table = document.add_table(rows=2, cols=5)
        for cell, text in zip(table.rows[0].cells, ("STT", "Nội dung", "Cơ quan chủ trì", "Cơ quan phối hợp",
                                                       "Thời gian hoàn thành"), strict=True):  # fmt: skip
            cell.text = text
        for cell, text in zip(table.rows[1].cells, ("1", f"{row.topic}: {row.task}", row.lead, _coop(row), row.deadline),
                              strict=True):  # fmt: skip
            cell.text = text
        for line in TAIL.strip().split("\n"):
            document.add_paragraph(line)
        path = tmp / "ke-hoach-word.docx"
        document.save(str(path))
        return path
    path = tmp / f"ke-hoach-{shape}.txt"
    path.write_text(HEAD + SHAPES[shape](row, other) + TAIL, encoding="utf-8")
    return path


ALL_SHAPES = [*SHAPES, "word"]


@pytest.mark.parametrize("shape", ALL_SHAPES)
def test_every_shape_gives_the_record_of_the_row(tmp_path: Path, rows: list[Row], shape: str) -> None:
    parsed = parse_file(_write(tmp_path, shape, rows))
    assert parsed.document.issuer == ISSUER and parsed.document.level == "huyện"
    row = rows[0]
    led = [a for a in parsed.assignments if row.lead in a.lead]
    assert led, f"{shape}: no record led by {row.lead}: {[a.lead for a in parsed.assignments]}"
    if shape in WITH_COOP:
        assert any(set(row.coop) <= set(a.coop) for a in led), f"{shape}: {[a.coop for a in led]}"
    assert any(row.task[:30].lower() in a.tasks.lower() or row.task[:30].lower() in a.target.lower() for a in led)
    assert all(ISSUER not in a.lead for a in parsed.assignments), f"{shape}: the issuer was made lead"
    if shape == "one_paragraph":
        assert any(rows[1].lead in a.lead and rows[1].task[:20] in a.tasks for a in parsed.assignments)


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory, rows: list[Row]) -> dict[str, object]:
    """For each shape, a knowledge base of that one plan, asked who handles the row's task."""
    out = {}
    vocab = load_vocabulary()
    for shape in ALL_SHAPES:
        tmp = tmp_path_factory.mktemp(shape)
        path = _write(tmp, shape, rows)
        assert cli.main(["--kb", str(tmp / "kb"), "ingest", "--json", "--no-embed", str(path)]) == 0
        with KnowledgeBase(tmp / "kb", embedder=None, log=lambda _: None) as kb:
            kb.sync()
            words = " ".join(rows[0].task.split()[:12])
            out[shape] = Assistant(kb.store, vocab, kb.search).ask(f"Ở huyện Kim Sơn, cơ quan nào chủ trì {words}?")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("shape", ALL_SHAPES)
def test_every_shape_gives_the_same_agency_answer(answers: dict[str, object], rows: list[Row], shape: str) -> None:
    answer = answers[shape]
    assert answer.found, f"{shape}: {answer.answer}"  # type: ignore[attr-defined]
    assert answer.agencies[0] == rows[0].lead, f"{shape}: {answer.agencies}\n{answer.answer}"  # type: ignore[attr-defined]
    assert ISSUER not in answer.agencies, f"{shape}: the issuer named as lead"  # type: ignore[attr-defined]
    assert any(c.source.startswith("ke-hoach") for c in answer.citations)  # type: ignore[attr-defined]


def test_the_issuer_is_lead_only_where_the_text_says_so(tmp_path: Path) -> None:
    """A district plan's own solutions, with no unit named, are not assigned to the district's People's
    Committee; a sentence that makes it lead is."""
    body = (
        "1. Cải cách thủ tục hành chính\n- Rà soát, công khai đầy đủ thủ tục hành chính tại Bộ phận Một cửa.\n"
        "2. Cải cách chế độ công vụ\nUBND huyện chủ trì tổ chức thi tuyển công chức theo đúng quy định.\n"
    )
    path = tmp_path / "kh.txt"
    path.write_text(HEAD + body + TAIL, encoding="utf-8")
    parsed = parse_file(path)
    issuer_led = [a for a in parsed.assignments if any(x in a.lead for x in (ISSUER, "UBND huyện"))]
    assert len(issuer_led) == 1 and "thi tuyển" in issuer_led[0].tasks
