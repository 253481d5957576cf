"""The pieces of the chat page that need no knowledge base: card titles, [n] links, conversations kept in the
browser (whatever the browser hands back)."""

from __future__ import annotations

from datetime import UTC, datetime

from ui import handlers
from ui.render import cite_links, conversation_sources_html, short_title

# the Đồng Nai plan's title as its header writes it (ALL CAPS, 260 characters)
CAPS_TITLE = (
    "THỰC HIỆN CHỈ THỊ SỐ 36-CT/TU NGÀY 06/8/2024 CỦA BAN THƯỜNG VỤ TỈNH ỦY VỀ NÂNG CAO VAI TRÒ, TRÁCH NHIỆM "
    "CỦA CẤP ỦY, CHÍNH QUYỀN, ĐOÀN THỂ CÁC CẤP TRONG LÃNH ĐẠO, ĐIỀU HÀNH THỰC HIỆN HIỆU QUẢ PHỤC VỤ NGƯỜI DÂN "
    "VÀ DOANH NGHIỆP TRÊN ĐỊA BÀN TỈNH"
)


def test_a_capitals_title_is_shown_short_in_sentence_case_with_its_codes() -> None:
    short = short_title(CAPS_TITLE)
    assert short.startswith("Thực hiện chỉ thị số 36-CT/TU ngày 06/8/2024 của ban thường vụ tỉnh ủy")
    assert len(short) <= 112 and short.endswith(" …")
    assert CAPS_TITLE.lower().startswith(short[:-2].lower())  # cut at a word, nothing else changed
    mixed = "Triển khai nâng cao Chỉ số cải cách hành chính (PAR INDEX) năm 2024"
    assert short_title(mixed) == mixed  # a title in sentence case already is left as written
    assert short_title("KẾ HOẠCH NÂNG CAO CHỈ SỐ (PAPI) NĂM 2025") == "Kế hoạch nâng cao chỉ số (PAPI) năm 2025"


def test_only_the_answer_s_own_markers_become_links() -> None:
    answer = "**Sở Y tế** [1], [12]; plan text \\[3\\] and a link [[4]](#x)"
    linked = cite_links(answer, 2)
    assert "[\\[1\\]](#pq-src-2-1)" in linked and "[\\[12\\]](#pq-src-2-12)" in linked
    assert "\\[3\\]" in linked and "#pq-src-2-3" not in linked and "[[4]](#x)" in linked


def test_each_answer_keeps_its_sources_section() -> None:
    turn = {"question": "Q1", "found": True, "agencies": [], "citations": [
        {"n": 1, "doc_id": "d", "source": "a.txt", "title": CAPS_TITLE, "province": "Đồng Nai",
         "location": "Phụ lục 9 › 1", "text": "Sở Y tế <b>", "passage_id": "p1", "doc_number": "336/KH-UBND"}]}  # fmt: skip
    docs = {"d": {"doc_id": "d", "issuer": "UBND tỉnh Đồng Nai", "year": 2024, "title": CAPS_TITLE}}
    html = conversation_sources_html([turn, {**turn, "question": "Q2"}], {}, docs, active=1)
    assert html.count('class="pq-turn') == 2 and '<section class="pq-turn pq-active" data-turn="1"' in html
    assert 'id="pq-src-1-1"' in html and 'id="pq-src-2-1"' in html
    assert "336/KH-UBND · UBND tỉnh Đồng Nai · Đồng Nai · 2024" in html and "a.txt" not in html
    assert "&lt;b&gt;" in html and "<b>" not in html.replace("<b>336", "")  # plan text is text


def test_saved_conversations_survive_anything_the_browser_hands_back() -> None:
    for junk in (None, "", [], {"conversations": "x"}, {"conversations": [1, {"id": "a"}]}, 42):
        assert handlers.saved_choices(junk) == []
        assert handlers.open_saved(junk, "a")["turns"] == []
    first = handlers.new_conversation(datetime(2026, 12, 6, 8, 15, tzinfo=UTC))
    first["turns"] = [{"question": "Sở Y tế Đồng Nai được giao những nhiệm vụ gì?", "answer": "…"}]
    first["title"] = first["turns"][0]["question"]
    saved = handlers.saved_with({}, first)
    second = handlers.new_conversation()
    saved = handlers.saved_with(saved, second)  # an empty conversation is not listed, but it is the open one
    assert saved["current"] == second["id"] and [c["id"] for c in saved["conversations"]] == [first["id"]]
    ((label, value),) = handlers.saved_choices(saved)
    assert value == first["id"] and label.endswith("Sở Y tế Đồng Nai được giao những nhiệm vụ gì? (1 câu hỏi)")
    assert handlers.open_saved(saved, first["id"])["turns"] == first["turns"]
    assert handlers.conversation_status(second) == "" and "1 câu hỏi" in handlers.conversation_status(first)
    assert handlers.forget_saved(saved, first["id"])["conversations"] == []
    many = {}
    for _ in range(handlers.MAX_SAVED_CONVERSATIONS + 5):
        conv = {**handlers.new_conversation(), "turns": [{"question": "q", "answer": "a"}]}
        many = handlers.saved_with(many, conv)
    assert len(many["conversations"]) == handlers.MAX_SAVED_CONVERSATIONS
