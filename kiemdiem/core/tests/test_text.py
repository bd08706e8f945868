import pytest

from kiemdiem.core.text import fold, name_sort_key, normalize_text, split_name


@pytest.mark.parametrize(
    "typed",
    ["nguyen van duc", "Nguyen Van Đuc", "NGUYỄN VĂN ĐỨC", "nguyễn  văn   đức "],
)
def test_fold_matches_accented_name(typed):
    assert fold(typed) == fold("Nguyễn Văn Đức") == "nguyen van duc"


def test_fold_handles_decomposed_unicode():
    decomposed = "Nguye\u0302\u0303n Va\u0306n \u0110u\u031b\u0301c"
    assert fold(decomposed) == "nguyen van duc"
    assert normalize_text(decomposed) == "Nguyễn Văn Đức"


def test_split_name_family_middle_given():
    assert split_name("Nguyễn Thị Minh Khai") == ("Nguyễn", "Thị Minh", "Khai")
    assert split_name("Lan") == ("", "", "Lan")


def test_sort_by_given_name_first():
    names = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn Bình"]
    ordered = sorted(names, key=name_sort_key)
    assert ordered == ["Nguyễn Thị An", "Lê Văn Bình", "Trần Văn Bình"]


def test_vietnamese_letters_follow_their_base_letters():
    # a < ă < â < b ; d < đ < e ; o < ô < ơ ; u < ư < v
    names = [
        "Lê Văn Đông",
        "Lê Văn Dũng",
        "Lê Văn Ân",
        "Lê Văn Ăn",
        "Lê Văn An",
        "Lê Văn Bảo",
        "Lê Văn Ơn",
        "Lê Văn Ôn",
        "Lê Văn On",
        "Lê Văn Ước",
        "Lê Văn Uy",
        "Lê Văn Vinh",
        "Lê Văn Em",
    ]
    ordered = [n.split()[-1] for n in sorted(names, key=name_sort_key)]
    assert ordered == [
        "An",
        "Ăn",
        "Ân",
        "Bảo",
        "Dũng",
        "Đông",
        "Em",
        "On",
        "Ôn",
        "Ơn",
        "Uy",
        "Ước",
        "Vinh",
    ]


def test_shorter_given_name_sorts_first_and_tones_break_ties():
    assert sorted(["Phạm Anh", "Phạm An"], key=name_sort_key) == ["Phạm An", "Phạm Anh"]
    assert sorted(["Bùi Hạ", "Bùi Hà", "Bùi Ha"], key=name_sort_key) == [
        "Bùi Ha",
        "Bùi Hà",
        "Bùi Hạ",
    ]


def test_sort_key_is_digits_only_so_any_collation_agrees():
    assert name_sort_key("Đặng Thị Ước").isdigit()


def test_latin_eth_counts_as_d_stroke_in_search_and_order():
    # "Ð" (U+00D0) looks like "Đ" (U+0110) and gets typed for it.
    assert fold("\u00d0ức") == fold("Đức") == "duc"
    assert fold("\u00f0ức") == "duc"
    assert name_sort_key("Lê Văn \u00d0ức") == name_sort_key("Lê Văn Đức")
    ordered = sorted(["Lê Văn Em", "Lê Văn \u00d0ức", "Lê Văn Dũng"], key=name_sort_key)
    assert ordered == ["Lê Văn Dũng", "Lê Văn \u00d0ức", "Lê Văn Em"]
