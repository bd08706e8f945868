"""Demo party members: names and dates as a pure function of (seed, person id, leader flag).

The same function exists twice: in Python (small and province scales, and national on SQLite) and
as one SQL SELECT for PostgreSQL (national scale, set-based over generate_series). Both hash the
person id with the same 32-bit integer mix, so a seed gives the same people on either path;
test_seed_demo checks that on PostgreSQL.
"""

import datetime
from dataclasses import dataclass
from functools import cache

from kiemdiem.core.text import fold, name_sort_key, normalize_text

# Data are "as of" this day; nothing depends on the real clock.
REF_DATE = datetime.date(2026, 11, 1)
# Party cells of the two-tier system exist from 01/7/2025; memberships there start no earlier.
NEW_START = datetime.date(2025, 7, 1)

BIRTH_MIN = datetime.date(1950, 1, 1)
BIRTH_SPAN = (datetime.date(2004, 12, 31) - BIRTH_MIN).days + 1
LEADER_BIRTH_MIN = datetime.date(1963, 1, 1)
LEADER_BIRTH_SPAN = (datetime.date(1990, 12, 31) - LEADER_BIRTH_MIN).days + 1
# Admission at 18 or older (services check (admission - birth).days / 365.25 >= 18: 6576 passes).
ADULT_DAYS = 6576
# Ordinary members join between 18 and ~42, and no later than LATEST_ADMISSION: the young ones
# joined recently, and those admitted within the last year are still probationary.
ADMISSION_SPAN = 8766
LATEST_ADMISSION = REF_DATE - datetime.timedelta(days=45)
LEADER_ADMISSION_MIN = ADULT_DAYS + 730  # leaders joined at 20-32, before 2023
LEADER_ADMISSION_SPAN = 4380
CARD_MULTIPLIER = 48271  # coprime with 10: id -> (id * m + offset) mod 10^8 is one-to-one

_MASK = 0xFFFFFFFF
_MIX = 0x45D9F3B


def _weighted(pairs: list[tuple[str, int]]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """Distinct names and a lookup table where each name's index appears `weight` times."""
    names = tuple(normalize_text(name) for name, _ in pairs)
    table = tuple(i for i, (_, weight) in enumerate(pairs) for _ in range(weight))
    return names, table


# Family names, per mille: Nguyễn ~38%, Trần ~12%, Lê ~9.5%, Phạm 7%, Hoàng/Huỳnh ~5%, Phan 4.5%,
# Vũ/Võ ~4%, then Đặng, Bùi, Đỗ, Hồ, Ngô, Dương, Lý and a tail of rarer names.
FAMILY, FAMILY_TABLE = _weighted(
    [
        ("Nguyễn", 384), ("Trần", 121), ("Lê", 95), ("Phạm", 70), ("Hoàng", 31), ("Huỳnh", 20),
        ("Phan", 45), ("Vũ", 20), ("Võ", 19), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13),
        ("Ngô", 13), ("Dương", 10), ("Lý", 5), ("Đinh", 12), ("Trịnh", 10), ("Mai", 8),
        ("Lương", 8), ("Cao", 7), ("Đào", 7), ("Hà", 7), ("Trương", 7), ("Lưu", 5), ("Đoàn", 6),
        ("Tạ", 4), ("Chu", 4), ("Lâm", 4), ("Kiều", 2), ("Quách", 3), ("Tô", 3), ("Vương", 2),
    ]
)  # fmt: skip
# Middle names, per cent. "Văn" only for men and "Thị" only for women, so gender matches them.
MIDDLE_MALE, MIDDLE_MALE_TABLE = _weighted(
    [
        ("Văn", 38), ("Đức", 7), ("Minh", 8), ("Quang", 6), ("Hữu", 6), ("Thanh", 5), ("Ngọc", 4),
        ("Công", 5), ("Xuân", 4), ("Đình", 6), ("Mạnh", 3), ("Trọng", 3), ("Anh", 2), ("Tiến", 2),
        ("Duy", 1),
    ]
)  # fmt: skip
MIDDLE_FEMALE, MIDDLE_FEMALE_TABLE = _weighted(
    [
        ("Thị", 55), ("Thu", 6), ("Ngọc", 6), ("Thanh", 5), ("Minh", 4), ("Hồng", 4),
        ("Thị Thu", 4), ("Thị Thanh", 3), ("Phương", 3), ("Kim", 3), ("Mai", 2), ("Bích", 2),
        ("Thúy", 1), ("Diệu", 1), ("Hải", 1),
    ]
)  # fmt: skip
GIVEN_MALE = tuple(
    normalize_text(n)
    for n in (
        "Đức Hùng Dũng Tuấn Hải Nam Long Thắng Cường Hiếu Sơn Trung Bình Phong Quân Toàn Tùng Lâm "
        "Khánh Ước Ơn Hưng Thành Vinh Hoàng Huy Kiên Lợi Lực Mạnh Nghĩa Phúc Quang Tài Tâm Thái "
        "Thịnh Thuận Tiến Trí Tú Việt Vũ Anh Hà Hòa Chiến Công Đạt Định Giang Hậu Khoa Lộc Ninh"
    ).split()
)
GIVEN_FEMALE = tuple(
    normalize_text(n)
    for n in (
        "Hương Lan Hà Ánh Hằng Linh Trang Thảo Nga Huyền Nhung Hoa Yến Phương Mai Thủy Loan Dung "
        "Oanh Uyên Hạnh Hiền Hồng Hường Liên Ly Ngân Ngọc Nhàn Nhi Quyên Quỳnh Tâm Thanh Thơm Thu "
        "Thúy Trinh Vân Xuân Lý Gấm Lụa Chinh Duyên Hoài Lệ Minh Nguyệt Sen"
    ).split()
)
N_MIDDLE = max(len(MIDDLE_MALE), len(MIDDLE_FEMALE))
N_GIVEN = max(len(GIVEN_MALE), len(GIVEN_FEMALE))


def mix32(x: int) -> int:
    """A 32-bit integer hash (two multiply-xorshift rounds); spelled the same way in SQL."""
    x = (((x >> 16) ^ x) * _MIX) & _MASK
    x = (((x >> 16) ^ x) * _MIX) & _MASK
    return (x >> 16) ^ x


def sql_mix32(expr: str) -> str:
    """mix32 as a PostgreSQL bigint expression (`#` is xor); products stay below 2**59."""
    a = f"(((({expr}) >> 16) # ({expr})) * {_MIX} & {_MASK})"
    b = f"(((({a}) >> 16) # ({a})) * {_MIX} & {_MASK})"
    return f"((({b}) >> 16) # ({b}))"


@dataclass(frozen=True)
class Salts:
    """Per-seed constants: one hash salt per drawn attribute, and the card-number offset."""

    gender: int
    family: int
    middle: int
    given: int
    birth: int
    admission: int
    card_offset: int

    @classmethod
    def for_seed(cls, seed: int) -> "Salts":
        values = [mix32((seed * 1000003 + i * 7919 + 17) & _MASK) for i in range(7)]
        values[-1] %= 100_000_000
        return cls(*values)


def combo_index(female: bool, family: int, middle: int, given: int) -> int:
    return ((int(female) * len(FAMILY) + family) * N_MIDDLE + middle) * N_GIVEN + given


@cache
def name_parts(combo: int) -> tuple[str, str, str, str]:
    """(full name, folded name, sort key, gender) of one name combination."""
    rest, given = divmod(combo, N_GIVEN)
    rest, middle = divmod(rest, N_MIDDLE)
    female, family = divmod(rest, len(FAMILY))
    middles, givens = (MIDDLE_FEMALE, GIVEN_FEMALE) if female else (MIDDLE_MALE, GIVEN_MALE)
    full = f"{FAMILY[family]} {middles[middle]} {givens[given]}"
    return full, fold(full), name_sort_key(full), "female" if female else "male"


def all_name_combos() -> list[tuple[int, str, str, str, str]]:
    """Every (combo, full name, folded, sort key, gender) a person can get (for the SQL path)."""
    rows = []
    for female, middles, givens in ((0, MIDDLE_MALE, GIVEN_MALE), (1, MIDDLE_FEMALE, GIVEN_FEMALE)):
        for f in range(len(FAMILY)):
            for m in range(len(middles)):
                for g in range(len(givens)):
                    combo = combo_index(bool(female), f, m, g)
                    rows.append((combo, *name_parts(combo)))
    return rows


def add_one_year(day: datetime.date) -> datetime.date:
    """day + 1 year; 29/02 becomes 28/02 (what PostgreSQL's `+ interval '1 year'` does)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True, slots=True)
class PersonData:
    id: int
    full_name: str
    gender: str
    birth_date: datetime.date
    admission_date: datetime.date
    official_date: datetime.date | None
    party_card_number: str
    search_text: str
    sort_key: str


def person_data(salts: Salts, pid: int, leader: bool) -> PersonData:
    """The demo person with id `pid`; leaders are older full members (they hold posts)."""
    m = mix32(pid & _MASK)
    female = mix32(m ^ salts.gender) % 1000 < (200 if leader else 340)
    family = FAMILY_TABLE[mix32(m ^ salts.family) % len(FAMILY_TABLE)]
    if female:
        middle = MIDDLE_FEMALE_TABLE[mix32(m ^ salts.middle) % len(MIDDLE_FEMALE_TABLE)]
        given = mix32(m ^ salts.given) % len(GIVEN_FEMALE)
    else:
        middle = MIDDLE_MALE_TABLE[mix32(m ^ salts.middle) % len(MIDDLE_MALE_TABLE)]
        given = mix32(m ^ salts.given) % len(GIVEN_MALE)
    h_birth = mix32(m ^ salts.birth)
    h_adm = mix32(m ^ salts.admission)
    if leader:
        birth = LEADER_BIRTH_MIN + datetime.timedelta(days=h_birth % LEADER_BIRTH_SPAN)
        admission = birth + datetime.timedelta(
            days=LEADER_ADMISSION_MIN + h_adm % LEADER_ADMISSION_SPAN
        )
    else:
        birth = BIRTH_MIN + datetime.timedelta(days=h_birth % BIRTH_SPAN)
        span = min(ADMISSION_SPAN, (LATEST_ADMISSION - birth).days - ADULT_DAYS)
        admission = birth + datetime.timedelta(days=ADULT_DAYS + h_adm % span)
    official = add_one_year(admission)
    card = f"{(pid * CARD_MULTIPLIER + salts.card_offset) % 100_000_000:08d}"
    full, folded, key, gender = name_parts(combo_index(female, family, middle, given))
    return PersonData(
        id=pid,
        full_name=full,
        gender=gender,
        birth_date=birth,
        admission_date=admission,
        official_date=official if official <= REF_DATE else None,
        party_card_number=card,
        search_text=f"{folded} {card}",
        sort_key=key,
    )


def person_select_sql(cells_table: str, names_table: str, salts: Salts) -> tuple[str, dict]:
    """PostgreSQL SELECT of the people of every cell in `cells_table`, same values as person_data.

    `cells_table` has (seq, cell_id, first_id, n, lead_n): the cell's people are ids first_id ..
    first_id + n - 1, the first lead_n of them leaders. `names_table` holds all_name_combos().
    The caller passes %(lo)s and %(hi)s: the range of cells (seq) to generate.
    Each level ends in OFFSET 0 so PostgreSQL computes the hashes once per row instead of
    pasting the hash expression into every place that uses it (17 s → 1 s per 100,000 people).
    """
    params = {
        "fam": list(FAMILY_TABLE),
        "mid_m": list(MIDDLE_MALE_TABLE),
        "mid_f": list(MIDDLE_FEMALE_TABLE),
        "birth_min": BIRTH_MIN,
        "lbirth_min": LEADER_BIRTH_MIN,
        "latest": LATEST_ADMISSION,
        "ref": REF_DATE,
    }
    s = salts
    sql = f"""
SELECT p.id, p.cell_id, nm.full_name, p.birth AS birth_date, nm.gender,
       p.card AS party_card_number, p.adm AS admission_date,
       CASE WHEN (p.adm + interval '1 year')::date <= %(ref)s::date
            THEN (p.adm + interval '1 year')::date END AS official_date,
       nm.folded || ' ' || p.card AS search_text, nm.sort_key
FROM (
    SELECT t.id, t.cell_id, t.card, t.birth,
           t.birth + (CASE WHEN t.leader
                           THEN {LEADER_ADMISSION_MIN} + t.h_adm %% {LEADER_ADMISSION_SPAN}
                           ELSE {ADULT_DAYS} + t.h_adm %% LEAST({ADMISSION_SPAN},
                                (%(latest)s::date - t.birth) - {ADULT_DAYS}) END)::int AS adm,
           ((t.female::int * {len(FAMILY)}
              + (%(fam)s::int[])[1 + t.h_family %% {len(FAMILY_TABLE)}]) * {N_MIDDLE}
             + CASE WHEN t.female
                    THEN (%(mid_f)s::int[])[1 + t.h_middle %% {len(MIDDLE_FEMALE_TABLE)}]
                    ELSE (%(mid_m)s::int[])[1 + t.h_middle %% {len(MIDDLE_MALE_TABLE)}] END)
             * {N_GIVEN}
             + CASE WHEN t.female THEN t.h_given %% {len(GIVEN_FEMALE)}
                    ELSE t.h_given %% {len(GIVEN_MALE)} END AS combo
    FROM (
      SELECT u.*,
             (u.h_gender %% 1000) < CASE WHEN u.leader THEN 200 ELSE 340 END AS female,
             CASE WHEN u.leader
                  THEN %(lbirth_min)s::date + (u.h_birth %% {LEADER_BIRTH_SPAN})::int
                  ELSE %(birth_min)s::date + (u.h_birth %% {BIRTH_SPAN})::int END AS birth,
             lpad(((u.id * {CARD_MULTIPLIER} + {s.card_offset}) %% 100000000)::text, 8, '0')
               AS card
      FROM (
        SELECT x.id, x.cell_id, x.leader,
               {sql_mix32(f"x.m # {s.gender}")} AS h_gender,
               {sql_mix32(f"x.m # {s.family}")} AS h_family,
               {sql_mix32(f"x.m # {s.middle}")} AS h_middle,
               {sql_mix32(f"x.m # {s.given}")} AS h_given,
               {sql_mix32(f"x.m # {s.birth}")} AS h_birth,
               {sql_mix32(f"x.m # {s.admission}")} AS h_adm
        FROM (
          SELECT c.cell_id, c.first_id + k AS id, k < c.lead_n AS leader,
                 {sql_mix32("c.first_id + k")} AS m
          FROM {cells_table} c CROSS JOIN LATERAL generate_series(0, c.n - 1) AS k
          WHERE c.seq BETWEEN %(lo)s AND %(hi)s
          OFFSET 0
        ) x
        OFFSET 0
      ) u
      OFFSET 0
    ) t
) p
JOIN {names_table} nm ON nm.combo = p.combo
"""
    return sql, params
