"""Evidence sentences: how passages are cut, which sentence answers what a question asks, figures by year."""

from __future__ import annotations

import pytest

from assistant.evidence import FIGURES, mentions_year_figure, rank_sentences, split_sentences, terms
from index_store.protocols import Hit
from ingest.model import Passage
from ingest.vocab import load_vocabulary


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def _passage(text: str, kind: str = "prose", pid: str = "p1", header: str = "Hải Hậu · 52/KH-UBND") -> Passage:
    return Passage(pid, "d1", kind, header, text, "III", (0, len(text)))


def _texts(passage: Passage) -> list[str]:
    return [t for _, _, t in split_sentences(passage)]


def test_a_table_row_is_one_piece_of_evidence() -> None:
    row = (
        "3. Cải cách thủ tục hành chính\nNăm 2023: Chỉ số 99,85%, Thứ hạng 1\nCơ quan chủ trì: Văn phòng HĐND - UBND huyện"
        * 2
    )
    assert _texts(_passage(row, kind="assignment")) == [row]


def test_item_numbers_headings_qualifiers_and_lists_stay_with_what_they_introduce() -> None:
    text = (
        "14. Đài Phát thanh và Truyền hình Đồng Nai, Báo Đồng Nai\n"
        "Đẩy mạnh và đổi mới hình thức tuyên truyền đối với các chủ trương, đường lối của Đảng. "
        "Trong đó, tập trung tuyên truyền quyền và lợi ích của người dân để dân biết, dân bàn.\n"
        "Giao Phòng Văn hóa và Thông tin chủ trì nâng cấp Trang thông tin điện tử của huyện.\n"
        "Thời gian: Nâng cấp Trang thông tin điện tử của huyện hoàn thành trong Quý II/2024.\n"
        "Có 05 nhóm tiêu chí sau:\nTiếp cận dịch vụ;\nThủ tục hành chính."
    )
    pieces = _texts(_passage(text))
    assert pieces[0].startswith("14. Đài Phát thanh") and "Đẩy mạnh" in pieces[0]  # heading + its text
    assert any(p.startswith("Giao Phòng Văn hóa") and "Quý II/2024" in p for p in pieces)  # item + "Thời gian:"
    assert pieces[-1].startswith("Có 05 nhóm tiêu chí sau:") and pieces[-1].endswith("Thủ tục hành chính.")


def test_dates_and_document_numbers_are_not_figures() -> None:
    assert FIGURES.search("Phấn đấu đạt từ 85 điểm trở lên") and FIGURES.search("đạt 99,85%")
    assert FIGURES.search("Năm 2023: 2.99/10.00") and FIGURES.search("tăng ít nhất 01 bậc")
    assert not FIGURES.search("Thông báo số 277/TB-UBND ngày 25/5/2024")
    assert not FIGURES.search("Ngày 31/3, UBND tỉnh ban hành kế hoạch")


def test_a_year_with_a_figure_beside_it_or_in_the_next_sentence() -> None:
    assert mentions_year_figure(["Phấn đấu năm 2024 Chỉ số PAR INDEX của huyện đạt từ 86 điểm trở lên."], 2024)
    letter = "VCCI công bố kết quả Chỉ số PCI năm 2023. Theo đó, tỉnh Bắc Giang đạt 68,56 điểm, xếp thứ 11/63."
    assert mentions_year_figure([letter], 2023)
    dates_only = "Thực hiện văn bản số 5586/UBND-HCC ngày 20/5/2024 về Chỉ số hài lòng của người dân năm 2024."
    assert not mentions_year_figure([dates_only], 2024)
    goal = "phấn đấu PCI cải thiện sau mỗi năm và nằm trong nhóm tốt vào năm 2020"
    assert not mentions_year_figure([goal], 2020) and mentions_year_figure([goal], 2020, targets=True)


def _rank(vocab, texts: list[str], question_words: list[str], ask: str, year: int | None = None) -> list[str]:
    hits = [Hit(_passage(t, pid=f"p{i}"), 1.0 / (i + 1), {}) for i, t in enumerate(texts)]
    return [s.text for s in rank_sentences(hits, terms(question_words), ask, vocab, year=year)]


def test_who_prefers_the_sentence_that_gives_an_agency_its_role(vocab) -> None:
    texts = [
        "Nâng cấp Trang thông tin điện tử của huyện là nhiệm vụ trọng tâm năm 2024.",
        "Giao Phòng Văn hóa và Thông tin chủ trì nâng cấp Trang thông tin điện tử của huyện.",
    ]
    best = _rank(vocab, texts, ["nâng cấp", "trang thông tin điện tử"], "who")[0]
    assert best.startswith("Giao Phòng Văn hóa")


def test_a_figure_question_prefers_the_sentence_with_the_figure_of_its_year(vocab) -> None:
    texts = [
        "Chỉ số SIPAS của thành phố năm 2023 được công bố tại hội nghị.",
        "Năm 2024, Chỉ số SIPAS của thành phố đạt 86,50%, xếp thứ 11/63 tỉnh, thành phố.",
        "Năm 2022, Chỉ số SIPAS của thành phố đạt 80,1%.",
    ]
    assert _rank(vocab, texts, ["chỉ số", "sipas", "thành phố"], "figure", year=2024)[0].startswith("Năm 2024")


def test_a_when_question_prefers_the_deadline(vocab) -> None:
    texts = [
        "Các phòng, ban báo cáo kết quả thực hiện Kế hoạch qua Phòng Nội vụ.",
        "Các phòng, ban báo cáo kết quả thực hiện Kế hoạch qua Phòng Nội vụ trước ngày 15/11/2024.",
    ]
    assert "15/11/2024" in _rank(vocab, texts, ["báo cáo", "kết quả", "phòng nội vụ"], "when")[0]
