"""The agency-role finder (ingest.roles) and the open-vocabulary agency finder it stands on.

Sentences are real plan sentences (336/KH-UBND, Tam Đường) or the same content in the shapes other plans
write it in; each rule is one mechanism (a cue word before or after a group of names), tested on several
shapes, never on one sentence only.
"""

from __future__ import annotations

import pytest

from ingest.roles import find_roles, is_qualifier, is_role_label, leads_and_coops
from ingest.vocab import load_vocabulary


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def roles(text: str, vocab) -> list[tuple[str, str]]:
    return [(r.agency, r.role) for r in find_roles(text, vocab) if r.role != "mention"]


@pytest.mark.parametrize(
    "text",
    [
        # 336/KH-UBND, as written
        "Giao Sở Nội vụ chủ trì, phối hợp với các Sở, ban, ngành của tỉnh và UBND các huyện, thành phố tổ chức hội nghị.",
        # the same assignment in other shapes
        "- Sở Nội vụ theo dõi, phối hợp với các Sở, ban, ngành của tỉnh và UBND các huyện, thành phố tổ chức hội nghị.",
        "+ Sở Nội vụ: Chủ trì tổ chức hội nghị; phối hợp với các Sở, ban, ngành của tỉnh và UBND các huyện, thành phố.",
        "Giám đốc Sở Nội vụ có trách nhiệm chủ trì, phối hợp với các Sở, ban, ngành và UBND các huyện, thành phố tổ chức hội nghị.",
        "UBND tỉnh đề nghị Sở Nội vụ chủ trì, phối hợp với các Sở, ban, ngành và UBND các huyện, thành phố tổ chức hội nghị.",
        "Theo kế hoạch, UBND tỉnh giao Sở Nội vụ làm đầu mối, phối hợp với các Sở, ban, ngành và UBND các huyện, thành phố.",
        "Sở Nội vụ là cơ quan thường trực, phối hợp với các Sở, ban, ngành và UBND các huyện, thành phố tổ chức hội nghị.",
    ],
)
def test_one_assignment_in_every_sentence_shape(vocab, text: str) -> None:
    leads, coops = leads_and_coops(find_roles(text, vocab))
    assert leads == ("Sở Nội vụ",), text
    assert coops == ("Các Sở, ban, ngành", "UBND các huyện, thành phố"), text
    assert "UBND tỉnh" not in leads  # the one who assigns is not in charge


def test_label_lines_give_the_role_their_label_names(vocab) -> None:
    assert roles("Cơ quan tham mưu thực hiện: Phòng Nội vụ.", vocab) == [("Phòng Nội vụ", "lead")]
    assert roles("Đơn vị chủ trì/thực hiện: Trung tâm Phục vụ hành chính công tỉnh", vocab) == [
        ("Trung tâm Phục vụ hành chính công tỉnh", "lead")
    ]
    assert roles("Cơ quan phối hợp: Phòng Tư pháp; UBND các xã, thị trấn.", vocab) == [
        ("Phòng Tư pháp", "coop"),
        ("UBND các xã, thị trấn", "coop"),
    ]
    assert is_role_label("Cơ quan theo dõi, hướng dẫn: Văn phòng HĐND và UBND huyện", vocab)
    # a heading with a colon is no label, and an agency in it is not made lead by the colon
    heading = "(4) Nội dung về Cải cách thủ tục hành chính: cơ sở vật chất của bộ phận một cửa chưa đảm bảo."
    assert not is_role_label(heading, vocab)
    assert roles(heading, vocab) == []


def test_a_one_paragraph_list_gives_each_unit_its_own_part(vocab) -> None:
    text = (
        "Các cơ quan theo dõi các chỉ số như sau: Phòng Nội vụ về nội dung cải cách chế độ công vụ; "
        "Phòng Tư pháp về nội dung cải cách thể chế; Văn phòng HĐND và UBND huyện về nội dung thủ tục hành chính."
    )
    leads, _ = leads_and_coops(find_roles(text, vocab))
    assert {"Phòng Nội vụ", "Phòng Tư pháp", "Văn phòng HĐND - UBND huyện"} <= set(leads)


def test_who_is_advised_or_cited_is_not_in_charge(vocab) -> None:
    assert roles("Sở Nội vụ tham mưu UBND tỉnh theo dõi, đôn đốc việc thực hiện.", vocab) == [("Sở Nội vụ", "lead")]
    assert roles("Thực hiện theo hướng dẫn của Sở Nội vụ và Bộ Nội vụ.", vocab) == []
    assert roles("Đề nghị Ủy ban MTTQ Việt Nam tỉnh phối hợp tuyên truyền.", vocab) == [
        ("Ủy ban MTTQ Việt Nam tỉnh", "coop")
    ]


def test_qualifier_lines(vocab) -> None:
    assert is_qualifier("Thời gian: Quý II/2024 hoàn thành việc rà soát.")
    assert is_qualifier("- Đơn vị chủ trì: Phòng Nội vụ")
    assert not is_qualifier("Giao Sở Nội vụ: tổng hợp")
    assert not is_qualifier("Nội dung: niêm yết công khai thủ tục hành chính")


# -- the agency finder under it ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Văn phòng UBND thành phố chủ trì", ["Văn phòng UBND thành phố"]),  # a city's office, not the province's
        ("Giao Văn phòng HĐND và UBND thị xã theo dõi", ["Văn phòng HĐND - UBND thị xã"]),
        ("Liên đoàn Lao động tỉnh, Hội Nông dân huyện phối hợp", ["Liên đoàn Lao động tỉnh", "Hội Nông dân huyện"]),
        ("Chi cục Thuế khu vực Biên Hòa - Vĩnh Cửu thực hiện", ["Chi cục Thuế khu vực Biên Hòa - Vĩnh Cửu"]),
        ("Giám đốc Sở Tư pháp có trách nhiệm chủ trì", ["Sở Tư pháp"]),
        ("Trưởng Phòng Nội vụ có trách nhiệm chủ trì", ["Phòng Nội vụ"]),
        ("Chánh Văn phòng UBND tỉnh có trách nhiệm", ["Văn phòng UBND tỉnh"]),
        ("Sở Du lịch xây dựng kế hoạch", ["Sở Du lịch"]),
        ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", []),  # a header in capitals
        ("số 2454/QĐ-UBND ngày 04/12/2022", []),  # the issuer code of a document number
        ("Báo cáo kết quả; Hội nghị tổng kết; Ban hành kế hoạch", []),
        ("Which agency proposed the UBND on fixing shortcomings", []),
    ],
)
def test_open_vocabulary_agency_mentions(vocab, text: str, expected: list[str]) -> None:
    found = vocab.find_agencies(text)
    assert [m.canonical for m in found] == expected
    assert all(text[m.start : m.end] == m.surface for m in found)
