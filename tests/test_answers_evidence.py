"""Answers that rest on evidence: soft scope, "not found" from the text, facts stated in sentences, units
with no task, same-named offices of different places, and conversations that do not leak.

The knowledge base holds the bundled plans plus two texts of shapes they lack: a district plan written
in prose (its assignments, targets and satisfaction survey in sentences, no table) and a portal page
that never names its province.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from kb_support import assistant_over

from assistant.assistant import Assistant
from assistant.conversation import Conversation

PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"

DISTRICT = """ỦY BAN NHÂN DÂN
HUYỆN KIM SƠN

Số: 27/KH-UBND

Kim Sơn, ngày 12 tháng 3 năm 2024

KẾ HOẠCH
Nâng cao Chỉ số cải cách hành chính và mức độ hài lòng của người dân năm 2024

Thực hiện Kế hoạch số 45/KH-UBND ngày 20/02/2024 của UBND tỉnh Ninh Bình, UBND huyện ban hành Kế hoạch như sau:

I. MỤC TIÊU
Phấn đấu năm 2024 Chỉ số PAR INDEX của huyện đạt từ 86 điểm trở lên, tăng ít nhất 02 bậc so với năm 2023.

II. NHIỆM VỤ, GIẢI PHÁP
1. Cải cách chế độ công vụ
- Phòng Nội vụ theo dõi, phối hợp với Văn phòng HĐND và UBND huyện rà soát đề án vị trí việc làm của các cơ quan, hoàn thành trong Quý III/2024.
2. Đo lường sự hài lòng của người dân
Giao Phòng Văn hóa và Thông tin chủ trì tổ chức khảo sát, đo lường sự hài lòng của người dân, tổ chức đối với sự phục vụ của UBND các xã, thị trấn; báo cáo định kỳ hằng quý.

III. TỔ CHỨC THỰC HIỆN
Các cơ quan, đơn vị báo cáo kết quả về Phòng Nội vụ trước ngày 15/11/2024.

Nơi nhận:
- UBND tỉnh;
- Lưu: VT.

TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Trần Văn Bình
"""

PAGE = """Tin tức - Sự kiện
UBND tỉnh vừa ban hành công văn số 9228/UBND-VP yêu cầu thủ trưởng các cơ quan, đơn vị triển khai giải pháp cải thiện chỉ số PAR INDEX, chỉ số SIPAS năm 2022 của tỉnh.

Chỉ số hài lòng của người dân, tổ chức (SIPAS) năm 2021 của tỉnh đạt 86,72%, tăng 2,87% so với năm 2020; xếp hạng 38/63 tỉnh, thành.
"""


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("evidence")
    (tmp / "plans").mkdir()
    (tmp / "plans" / "kim-son.txt").write_text(DISTRICT, encoding="utf-8")
    (tmp / "plans" / "tin-tuc.txt").write_text(PAGE, encoding="utf-8")
    with assistant_over(tmp / "kb", [PLANS, tmp / "plans"]) as ready:
        yield ready


def test_a_page_that_never_names_its_province_is_not_excluded(assistant: Assistant) -> None:
    answer = assistant.ask("Chỉ số SIPAS năm 2021 của Bà Rịa - Vũng Tàu đạt bao nhiêu phần trăm?")
    assert answer.found and "86,72%" in answer.answer
    assert answer.citations[0].source == "tin-tuc.txt"


def test_not_found_comes_from_the_text_not_from_metadata(assistant: Assistant) -> None:
    # no plan of Bình Dương, and no page that names it
    assert (
        assistant.ask("Which agency in Bình Dương province handles the PCI component 'Tiếp cận đất đai'?").found
        is False
    )
    # the Lạng Sơn plans and the page say nothing of PCI
    assert assistant.ask("Năm 2023 tỉnh Lạng Sơn xếp thứ mấy về chỉ số PCI?").found is False
    # a figure for the year stands in a sentence, not in a score table
    target = assistant.ask("Chỉ tiêu PAR INDEX năm 2024 của huyện Kim Sơn là bao nhiêu điểm?")
    assert target.found and "86 điểm" in target.answer
    # a satisfaction survey without the acronym is about SIPAS
    survey = assistant.ask("Ở huyện Kim Sơn, cơ quan nào chủ trì khảo sát SIPAS?")
    assert survey.found and survey.agencies[0] == "Phòng Văn hóa và Thông tin"


def test_the_direct_answer_comes_first_then_its_cited_sentences(assistant: Assistant) -> None:
    answer = assistant.ask("Ở huyện Kim Sơn, ai làm đầu mối rà soát đề án vị trí việc làm và hạn khi nào?")
    first = answer.answer.split("\n")[0]
    assert "Phòng Nội vụ" in first and answer.agencies[0] == "Phòng Nội vụ"
    assert "UBND huyện Kim Sơn" not in answer.agencies  # the issuer is not made lead
    assert "Quý III/2024" in answer.answer and "[1]" in answer.answer
    assert len(answer.citations) >= 3  # the rest of what retrieval found stays one click away


def test_who_signed_with_the_title_of_the_signature_block(assistant: Assistant) -> None:
    conversation = Conversation()
    assistant.ask(
        "Huyện Tam Đường đặt mục tiêu gì cho chỉ số thành phần cải cách chế độ công vụ năm 2024?", conversation
    )
    answer = assistant.ask("the ke hoach nay ai ky, chuc vu gi?", conversation)
    assert "Sùng Lữ Páo" in answer.answer and "CHỦ TỊCH" in answer.answer
    assert any(c.location == "Chữ ký" for c in answer.citations)


def test_a_unit_with_no_task_in_the_plan_is_told_so(assistant: Assistant) -> None:
    answer = assistant.ask(
        "Which tasks does Đồng Nai's plan 336 give the Cục Hải quan (customs department) to improve the PCI "
        "sub-index 'Chi phí thời gian'?"
    )
    assert answer.found is False and answer.citations == () and answer.agencies == ()
    assert "Cục Hải quan" in answer.answer and "336/KH-UBND" in answer.answer


def test_same_named_offices_of_different_places_stay_apart(assistant: Assistant) -> None:
    answer = assistant.ask("Phòng Nội vụ được giao những nhiệm vụ gì?")
    assert answer.found and "2 kế hoạch" in answer.answer
    blocks = re.findall(r"\*\*Phòng Nội vụ\*\* — ([^:]+): (\d+) nhiệm vụ", answer.answer)
    assert {label.split(" (")[0] for label, _ in blocks} >= {"27/KH-UBND"}
    assert len(blocks) == 2 and len({label for label, _ in blocks}) == 2


def test_the_count_said_is_the_count_listed(assistant: Assistant) -> None:
    answer = assistant.ask("Sở Y tế Đồng Nai được giao những nhiệm vụ gì?")
    said = int(re.search(r"(\d+) nhiệm vụ", answer.answer).group(1))  # type: ignore[union-attr]
    rows = answer.answer.split("**Các đoạn khác")[0]
    listed = len([line for line in rows.split("\n") if line.startswith("- ")])
    assert said == listed


def test_a_question_with_its_own_subject_does_not_inherit_the_unit(assistant: Assistant) -> None:
    conversation = Conversation()
    assistant.ask("Sở Y tế Đồng Nai được giao những nhiệm vụ gì?", conversation)
    parts = assistant.ask("PAPI có mấy chỉ số nội dung?", conversation)
    assert "Sở Y tế" not in parts.agencies and parts.filters["agency"] is None
    assert "**8**" in parts.answer and "Quản trị môi trường" in parts.answer
    what = assistant.ask("What is PAPI?", conversation)
    assert what.intent != "unit_tasks" and "Sở Y tế" not in what.agencies
    # an elliptic follow-up still leans on the conversation
    other = assistant.ask("Còn Sở Tư pháp?", _after(assistant))
    assert other.filters["province"] == "Đồng Nai" and other.intent == "unit_tasks"
    assert "Sở Tư pháp" in other.agencies


def _after(assistant: Assistant) -> Conversation:
    conversation = Conversation()
    assistant.ask("Sở Y tế Đồng Nai được giao những nhiệm vụ gì?", conversation)
    return conversation
