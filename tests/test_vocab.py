"""The vocabulary: data files parse, aliases are unambiguous, matchers handle real phrasings."""

from __future__ import annotations

import shutil
import time
import tomllib
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.textnorm import fold_words, strip_diacritics
from ingest.vocab import Component, load_vocabulary
from ingest.vocab_load import DEFAULT_FOLDER


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.fixture(scope="module")
def vocab():
    return load_vocabulary()


def _agency_aliases() -> list[tuple[str, str]]:
    data = tomllib.loads((DEFAULT_FOLDER / "agencies.toml").read_text(encoding="utf-8"))
    return [(a, e["name"]) for e in data["agency"] for a in (e["name"], *e.get("aliases", []))]


# -- data files -------------------------------------------------------------------------------------
def test_data_files_parse_and_have_expected_sizes(vocab):
    for name in ("provinces", "agencies", "indices", "abbreviations", "document"):
        tomllib.loads((DEFAULT_FOLDER / f"{name}.toml").read_text(encoding="utf-8"))
    assert len(vocab.provinces()) == 63
    assert vocab.canonical_index_names() == ("PAPI", "PAR INDEX", "SIPAS", "PCI")
    papi = vocab.components("PAPI")
    assert len([c for c in papi if c.sub is None]) == 8
    assert len([c for c in vocab.components("PAR INDEX") if c.sub is None]) == 8
    assert len([c for c in vocab.components("SIPAS") if c.sub is None]) == 2
    assert len(vocab.components("PCI")) == 10


def test_no_agency_alias_maps_to_two_canonicals():
    seen: dict[str, str] = {}
    for alias, name in _agency_aliases():
        key = " ".join(w for w in fold_words(alias).split() if w != "va")
        assert seen.setdefault(key, name) == name, f"{alias!r} → {seen[key]!r} and {name!r}"


def test_every_alias_resolves_to_its_own_canonical(vocab):
    for alias, name in _agency_aliases():
        assert vocab.canonical_agency(alias) == name, alias


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_agency_aliases()))
def test_canonical_agency_ignores_diacritics_and_normal_form(vocab, pair):
    alias, _ = pair
    expected = vocab.canonical_agency(alias)
    assert vocab.canonical_agency(strip_diacritics(alias)) == expected
    assert vocab.canonical_agency(nfd(alias)) == expected
    assert vocab.canonical_agency(alias.upper()) == expected


def test_malformed_file_raises_value_error_naming_it(tmp_path: Path):
    for f in DEFAULT_FOLDER.glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    (tmp_path / "agencies.toml").write_text("[[agency]]\nname = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"agencies\.toml.*name"):
        load_vocabulary(tmp_path)
    (tmp_path / "agencies.toml").write_text("[[agency]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"agencies\.toml"):
        load_vocabulary(tmp_path / ".")


def test_duplicate_alias_is_rejected(tmp_path: Path):
    for f in DEFAULT_FOLDER.glob("*.toml"):
        shutil.copy(f, tmp_path / f.name)
    with (tmp_path / "agencies.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[agency]]\nname = "Sở Mới"\naliases = ["Sở TNMT"]\n')
    with pytest.raises(ValueError, match="Sở TNMT"):
        load_vocabulary(tmp_path)


def test_load_is_cached(vocab):
    assert load_vocabulary() is vocab


# -- agencies ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sở TN&MT", "Sở Tài nguyên và Môi trường"),
        ("so tnmt", "Sở Tài nguyên và Môi trường"),
        ("Sở TN và MT", "Sở Tài nguyên và Môi trường"),
        ("Sở Tài nguyên và Môi trường tỉnh Lạng Sơn", "Sở Tài nguyên và Môi trường"),
        ("SỞ TÀI NGUYÊN VÀ MÔI TRƯỜNG", "Sở Tài nguyên và Môi trường"),
        ("Sở GTVT", "Sở Giao thông vận tải"),
        ("Sở TC", "Sở Tài chính"),
        ("Sở Lao động – Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội"),
        ("Sở Lao động, Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội"),
        ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
        ("VP UBND tỉnh", "Văn phòng UBND tỉnh"),
        ("Văn phòng Ủy ban nhân dân tỉnh", "Văn phòng UBND tỉnh"),
        ("Văn phòng Uỷ ban nhân dân tỉnh", "Văn phòng UBND tỉnh"),
        ("UBND cấp huyện", "UBND các huyện, thành phố"),
        ("UBND các huyện, thành phố Long Khánh, thành phố Biên Hòa", "UBND các huyện, thành phố"),
        ("Ủy ban nhân dân các huyện, thành phố", "UBND các huyện, thành phố"),
        ("UBND cấp xã", "UBND các xã, phường, thị trấn"),
        ("UBND các xã, thị trấn", "UBND các xã, thị trấn"),
        ("Văn phòng HĐND và UBND huyện", "Văn phòng HĐND - UBND huyện"),
        ("VP HĐND-UBND", "Văn phòng HĐND - UBND huyện"),
        ("Phòng Tài chính – Kế hoạch", "Phòng Tài chính - Kế hoạch"),
        ("Phòng Tư Pháp", "Phòng Tư pháp"),
        ("Các phòng, ban chuyên môn liên quan", "Các phòng, ban chuyên môn"),
        ("Trưởng các phòng, đơn vị", "Trưởng các phòng, đơn vị"),
        ("trưởng các phòng, ban", "Trưởng các phòng, ban"),
        ("Đài Phát thanh và Truyền hình Đồng Nai", "Đài Phát thanh và Truyền hình tỉnh"),
        ("Báo Đồng Nai", "Báo tỉnh"),
        ("Ngân hàng nhà nước tỉnh", "Ngân hàng Nhà nước chi nhánh tỉnh"),
        ("Ủy ban MTTQVN tỉnh", "Ủy ban MTTQ Việt Nam tỉnh"),
        ("- Sở Nội vụ (b/c);", "Sở Nội vụ"),
        ("Phòng Nội vụ theo dõi", "Phòng Nội vụ"),
        ("Sở Du lịch Đồng Nai", "Sở Du lịch"),
        ("Trung tâm Văn hóa, Thể thao và Truyền thông huyện.", "Trung tâm Văn hóa, Thể thao và Truyền thông huyện"),
        ("Thường xuyên", None),
        ("Báo cáo kết quả thực hiện", None),
        ("Cả năm", None),
        ("", None),
    ],
)
def test_canonical_agency(vocab, text, expected):
    assert vocab.canonical_agency(text) == expected
    if expected and text:
        assert vocab.canonical_agency(nfd(text)) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (
            "Các Phòng: Nội vụ, VP HĐND - UBND, Tư Pháp, Tài chính - Kế hoạch, Văn hóa và Thông tin",
            (
                "Phòng Nội vụ",
                "Văn phòng HĐND - UBND huyện",
                "Phòng Tư pháp",
                "Phòng Tài chính - Kế hoạch",
                "Phòng Văn hóa và Thông tin",
            ),
        ),
        (
            "Phòng Văn hóa và Thông tin cùng với Văn phòng HĐND - UBND huyện chủ trì, phối hợp với các cơ quan "
            "liên quan thực hiện theo các tiêu chí, tiêu chí thành phần đánh giá",
            ("Phòng Văn hóa và Thông tin", "Văn phòng HĐND - UBND huyện"),
        ),
        (
            "Văn phòng HĐND và UBND huyện, Phòng Nội vụ, Phòng Tư Pháp, Phòng Tài chính - Kế hoạch; "
            "Phòng Văn hóa và Thông tin",
            (
                "Văn phòng HĐND - UBND huyện",
                "Phòng Nội vụ",
                "Phòng Tư pháp",
                "Phòng Tài chính - Kế hoạch",
                "Phòng Văn hóa và Thông tin",
            ),
        ),
        (
            "Các phòng, ban chuyên môn liên quan, UBND các xã, thị trấn",
            ("Các phòng, ban chuyên môn", "UBND các xã, thị trấn"),
        ),
        ("Sở Lao động - Thương binh và Xã hội và Sở Y tế", ("Sở Lao động - Thương binh và Xã hội", "Sở Y tế")),
        ("Sở Nội vụ; Sở Nội vụ, Sở TNMT", ("Sở Nội vụ", "Sở Tài nguyên và Môi trường")),
        (
            "- Sở Nội vụ;\n- Lãnh đạo Sở;\n- Các phòng, đơn vị thuộc Sở;",
            ("Sở Nội vụ", "Lãnh đạo Sở", "Các phòng, đơn vị thuộc Sở"),
        ),
        ("UBND các huyện, thành phố Long Khánh, thành phố Biên Hòa", ("UBND các huyện, thành phố",)),
        (
            "Phòng Văn hóa và Thông tin; Văn phòng HĐND và UBND huyện",
            ("Phòng Văn hóa và Thông tin", "Văn phòng HĐND - UBND huyện"),
        ),
        ("so gtvt, so tn&mt", ("Sở Giao thông vận tải", "Sở Tài nguyên và Môi trường")),
        ("", ()),
    ],
)
def test_split_agencies(vocab, cell, expected):
    assert vocab.split_agencies(cell) == expected
    assert vocab.split_agencies(nfd(cell)) == expected


def test_find_agencies_spans_point_into_the_text(vocab):
    text = (
        "Giao Sở Nội vụ chủ trì, phối hợp với các Sở, ban, ngành của tỉnh và UBND các huyện, thành phố "
        "Long Khánh, thành phố Biên Hòa; Sở Thương mại và Sở TN&MT."
    )
    known = ["Sở Nội vụ", "Các Sở, ban, ngành", "UBND các huyện, thành phố"]
    for form, expected in (
        (text, [*known, "Sở Thương mại", "Sở Tài nguyên và Môi trường"]),
        (nfd(text), [*known, "Sở Thương mại", "Sở Tài nguyên và Môi trường"]),
        (strip_diacritics(text), [*known, "Sở Tài nguyên và Môi trường"]),  # unknown names need "Sở" as written
    ):
        found = vocab.find_agencies(form)
        assert [m.canonical for m in found] == expected
        for m in found:
            assert form[m.start : m.end] == m.surface
    assert "cơ sở" not in [m.surface for m in vocab.find_agencies("phát triển cơ sở hạ tầng")]


# -- indices and components -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chỉ số PAPI", "PAPI"),
        ("Chỉ số PAR", "PAR INDEX"),
        ("PAR INDEX", "PAR INDEX"),
        ("chi so cai cach hanh chinh", "PAR INDEX"),
        ("CCHC index", "PAR INDEX"),
        ("Chỉ số hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước", "SIPAS"),
        ("sipas", "SIPAS"),
        ("Chỉ số năng lực cạnh tranh cấp tỉnh", "PCI"),
        ("Chỉ số hiệu quả quản trị và hành chính công cấp tỉnh", "PAPI"),
        ("cải cách hành chính", None),
    ],
)
def test_match_index(vocab, text, expected):
    assert vocab.match_index(text) == expected


def test_find_indices_in_order_of_first_mention(vocab):
    text = "cải thiện các chỉ số PAR INDEX, PAPI, SIPAS, PCI; Chỉ số PAPI năm 2024"
    assert vocab.find_indices(text) == ("PAR INDEX", "PAPI", "SIPAS", "PCI")


@pytest.mark.parametrize(
    ("text", "index", "path"),
    [
        (
            "Phúc đáp của chính quyền qua cổng thông tin điện tử",
            None,
            "Quản trị điện tử › Phúc đáp qua cổng thông tin điện tử",
        ),
        ("Tiếp cận và sử dụng Internet tại địa phương", None, "Quản trị điện tử › Sử dụng internet tại địa phương"),
        (
            "Giải đáp KNTC, khúc mắc",
            "PAPI",
            "Trách nhiệm giải trình với người dân › Giải đáp khiếu nại, tố cáo, khúc mắc của người dân",
        ),
        ("Quản trị môi trường", None, "Quản trị môi trường"),
        ("7.3 Chất lượng nước", "PAPI", "Quản trị môi trường › Chất lượng nước"),
        ("chat luong khong khi", None, "Quản trị môi trường › Chất lượng không khí"),
        (
            "Công bằng trong tuyển dụng vào cơ quan nhà nước",
            None,
            "Kiểm soát tham nhũng trong khu vực công › Công bằng trong tuyển dụng vào nhà nước",
        ),
        (
            "Mức độ hài lòng của người dân đối với trách nhiệm giải trình của chính quyền",
            "SIPAS",
            "Xây dựng, tổ chức thực hiện chính sách › Trách nhiệm giải trình của chính quyền",
        ),
        ("Tính năng động và tiên phong của chính quyền", "PCI", "Tính năng động của chính quyền"),
        ("Thiết chế pháp lý và an ninh trật tự", None, "Thiết chế pháp lý"),
        (
            "Công tác chỉ đạo điều hành về cải cách hành chính",
            "PAR INDEX",
            "Công tác chỉ đạo điều hành cải cách hành chính",
        ),
        (
            "Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
            None,
            "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
        ),
        ("Thủ tục hành chính", "SIPAS", "Cung ứng dịch vụ hành chính công › Thủ tục hành chính"),
    ],
)
def test_match_component(vocab, text, index, path):
    comp = vocab.match_component(text, index)
    assert isinstance(comp, Component)
    assert comp.path == path
    assert vocab.match_component(strip_diacritics(text), index) == comp


def test_match_component_restricts_and_refuses(vocab):
    assert vocab.match_component("Quản trị môi trường").sub is None
    assert vocab.match_component("Quản trị môi trường", "PCI") is None
    assert vocab.match_component("Tổng") is None
    assert vocab.match_component("Thường xuyên") is None
    assert vocab.match_component("Đào tạo lao động", "PAPI") is None


def test_every_component_name_matches_itself(vocab):
    for index in vocab.canonical_index_names():
        for comp in vocab.components(index):
            assert vocab.match_component(comp.sub or comp.dimension, index) == comp


# -- places and abbreviations -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "province", "level"),
    [
        ("Tam Đường", "Lai Châu", "huyện"),
        ("Phước Long", "Bình Phước", "thị xã"),
        ("Long Khánh", "Đồng Nai", "thành phố"),
        ("Biên Hòa", "Đồng Nai", "thành phố"),
        ("Biên Hoà", "Đồng Nai", "thành phố"),
        ("huyện Phước Long", "Bạc Liêu", "huyện"),
        ("thành phố Lạng Sơn", "Lạng Sơn", "thành phố"),
        ("TP.HCM", "Hồ Chí Minh", None),
        ("Sài Gòn", "Hồ Chí Minh", None),
        ("tỉnh Đồng Nai", "Đồng Nai", None),
        ("dong nai", "Đồng Nai", None),
        ("Atlantis", None, None),
    ],
)
def test_province_of(vocab, name, province, level):
    assert vocab.province_of(name) == province
    assert vocab.locality_level(name) == level


def test_every_listed_district_of_core_provinces(vocab):
    for province, districts in {
        "Lai Châu": ["Tam Đường", "Phong Thổ", "Sìn Hồ", "Mường Tè", "Than Uyên", "Nậm Nhùn"],
        "Đồng Nai": [
            "Biên Hòa",
            "Long Khánh",
            "Định Quán",
            "Vĩnh Cửu",
            "Trảng Bom",
            "Cẩm Mỹ",
            "Long Thành",
            "Xuân Lộc",
            "Nhơn Trạch",
        ],
        "Lạng Sơn": [
            "Tràng Định",
            "Văn Lãng",
            "Văn Quan",
            "Bình Gia",
            "Bắc Sơn",
            "Hữu Lũng",
            "Chi Lăng",
            "Cao Lộc",
            "Lộc Bình",
            "Đình Lập",
        ],
        "Bình Phước": [
            "Đồng Xoài",
            "Phước Long",
            "Bình Long",
            "Chơn Thành",
            "Bù Gia Mập",
            "Lộc Ninh",
            "Bù Đốp",
            "Hớn Quản",
            "Đồng Phú",
            "Bù Đăng",
            "Phú Riềng",
        ],
    }.items():
        for d in districts:
            assert vocab.province_of(d) == province, d


def test_find_provinces(vocab):
    text = "Kế hoạch của UBND huyện Tam Đường, tỉnh Lai Châu; học tập Đồng Nai, thống nhất với TP.HCM"
    assert vocab.find_provinces(text) == ("Lai Châu", "Đồng Nai", "Hồ Chí Minh")
    assert vocab.find_provinces("đảm bảo thống nhất, đồng bộ") == ()


def test_expand_abbreviations(vocab):
    out = vocab.expand_abbreviations("Sở TN&MT rà soát TTHC, CCHC theo KH 336/KH-UBND; Giải đáp KNTC")
    assert out == (
        "Sở Tài nguyên và Môi trường rà soát thủ tục hành chính, cải cách hành chính theo Kế hoạch "
        "336/KH-UBND; Giải đáp khiếu nại, tố cáo"
    )
    assert vocab.expand_abbreviations("ubnd") == "ubnd"  # all-caps abbreviations are case-sensitive


def test_matching_a_cell_is_fast(vocab):
    cell = (
        "Văn phòng HĐND và UBND huyện, Phòng Nội vụ, Phòng Tư Pháp, Phòng Tài chính - Kế hoạch; "
        "Phòng Văn hóa và Thông tin cùng với các phòng ban"
    )[:200]
    vocab.split_agencies(cell)
    start = time.perf_counter()
    for _ in range(200):
        vocab.split_agencies(cell)
        vocab.canonical_agency(cell)
        vocab.match_component(cell)
    assert (time.perf_counter() - start) / 200 < 0.003  # three look-ups, each well under 1 ms


def test_accented_words_must_match_their_spelling(vocab):
    # "bảo tính" folds like "Báo tỉnh" and "Số" like "Sở"; written with diacritics they are different words
    assert [m.canonical for m in vocab.find_agencies("đảm bảo tính khả thi; Báo Lạng Sơn đưa tin")] == ["Báo tỉnh"]
    assert vocab.canonical_agency("Số 12/KH-UBND") is None
    assert vocab.canonical_agency("bao tinh") == "Báo tỉnh"  # no diacritics: any spelling may be meant
