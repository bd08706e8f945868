"""What the demo tree contains, per scale: provinces and their agencies, communes and their
grassroots organizations, the central-level committees, and the pre-2025 units they replaced.

Everything random comes from the one random.Random(seed) passed in, drawn in a fixed order, so a
scale and seed always give the same tree.
"""

import datetime
import random

from kiemdiem.org.demo import catalog
from kiemdiem.org.demo.geo import Commune, Gazetteer, Province, division_phrase
from kiemdiem.org.demo.people import NEW_START
from kiemdiem.org.demo.tree import CellPlan, Plan, Profile, TreeBuilder, UnitPlan
from kiemdiem.org.models import PositionRole, UnitKind

K = UnitKind
R = PositionRole
HISTORY_START = datetime.date(2020, 1, 1)  # old districts and communes: "valid from" in the demo
OLD_END = datetime.date(2025, 6, 30)  # the district tier ended with 30/6/2025

MAIN_PROVINCE = 38  # Thanh Hóa: the press articles the demo follows are about it and Hà Tĩnh
SECOND_PROVINCE = 42  # Hà Tĩnh: the "other province" for outsider checks
SCALES = ("small", "province", "national")

SMALL = Profile(
    communes=3,
    villages=(2, 3),
    village_size=(3, 6),
    agency_size=(3, 5),
    full=False,
    all_history=False,
)
PROVINCE = Profile(
    communes=None,
    villages=(33, 50),
    village_size=(4, 10),
    agency_size=(3, 8),
    full=True,
    all_history=True,
)
NATIONAL = Profile(
    communes=None,
    villages=(40, 80),
    village_size=(10, 40),
    agency_size=(6, 24),
    full=True,
    all_history=True,
)
CENTRAL_ROLES = [R.SECRETARY, R.DEPUTY_SECRETARY, R.DEPUTY_SECRETARY] + [R.STANDING_MEMBER] * 4


def _residential_names(rng: random.Random, count: int, urban: bool) -> list[str]:
    word = "khu phố" if urban else "thôn"
    if rng.random() < 0.4:
        return [f"{word} {i}" for i in range(1, count + 1)]
    pool = [f"{a} {b}" for a in catalog.PLACE_FIRST for b in catalog.PLACE_SECOND if a != b]
    return [f"{word} {name}" for name in rng.sample(pool, count)]


def build_commune(
    b: TreeBuilder, province: UnitPlan, commune: Commune, profile: Profile
) -> tuple[UnitPlan, CellPlan]:
    """A commune committee and its grassroots organizations; returns it and its first village."""
    rng, size, place = b.rng, profile.agency_size, commune.place
    unit = b.add(
        province,
        f"Đảng bộ {place}",
        K.COMMUNE,
        code=f"X{commune.code:05d}",
        admin_code=f"{commune.code:05d}",
    )
    office = b.cell(unit, f"Chi bộ Cơ quan Đảng - Mặt trận - Đoàn thể {place}", size)
    b.lead(unit, office, profile.commune_roles)
    b.cell(unit, f"Chi bộ Cơ quan Ủy ban nhân dân {place}", size)
    police_cells = catalog.COMMUNE_POLICE_CELLS[: rng.randint(2, 3) if profile.full else 2]
    b.committee(unit, f"Đảng bộ Công an {place}", police_cells, size)
    if profile.full:
        b.cell(unit, f"Chi bộ Quân sự {place}", size)
        b.cell(unit, f"Chi bộ Trạm Y tế {place}", size)
        for school in ("Trường Mầm non", "Trường Tiểu học", "Trường THCS"):
            count = 1 if rng.random() < 0.6 else 2
            for i in range(1, count + 1):
                suffix = f" {i}" if count > 1 else ""
                b.cell(unit, f"Chi bộ {school} {commune.base}{suffix}", size)
        if rng.random() < 0.35:
            named = rng.random() < 0.5
            school = rng.choice(catalog.HIGH_SCHOOL_NAMES) if named else commune.base
            b.committee(
                unit,
                f"Đảng bộ Trường THPT {school}",
                b.sample(catalog.HIGH_SCHOOL_CELLS, 3, 5),
                size,
            )
        if not commune.is_urban and rng.random() < 0.6:
            b.cell(unit, f"Chi bộ Hợp tác xã Dịch vụ Nông nghiệp {commune.base}", size)
        if commune.is_urban and rng.random() < 0.5:
            b.cell(unit, f"Chi bộ Quỹ Tín dụng nhân dân {commune.base}", size)
    else:
        b.cell(unit, f"Chi bộ Trường Tiểu học {commune.base}", size)
    villages = [
        b.cell(unit, f"Chi bộ {name}", profile.village_size)
        for name in _residential_names(rng, rng.randint(*profile.villages), commune.is_urban)
    ]
    return unit, villages[0]


def build_province_agencies(b: TreeBuilder, p: UnitPlan, prov: Province, profile: Profile) -> None:
    """Provincial agency committees, advisory boards, Front and mass organizations, departments."""
    rng, size, full = b.rng, profile.agency_size, profile.full
    cqd = b.add(
        p, f"Đảng bộ các cơ quan Đảng {prov.short}", K.SECTORAL_COMMITTEE, code=f"{p.code}-CQD"
    )
    office = b.cell(cqd, f"Chi bộ Văn phòng {prov.committee}", size)
    b.lead(p, office, profile.province_roles)
    b.lead(cqd, office, profile.committee_roles)
    for suffix, template in catalog.ADVISORY_BOARDS:
        if full or suffix in catalog.SMALL_BOARDS:
            board = b.add(
                p, template.format(c=prov.committee), K.ADVISORY_BOARD, code=f"{p.code}-{suffix}"
            )
            cell = office if suffix == "VP" else b.cell(cqd, f"Chi bộ {board.name}", size)
            b.lead(board, cell, profile.head_roles)
    youth = "Thành đoàn" if prov.is_city else "Tỉnh đoàn"
    for suffix, template in catalog.MASS_ORGS if full else catalog.MASS_ORGS[:1]:
        name = template.format(l=prov.label, b=prov.base, youth=youth)
        org = b.add(p, name, K.MASS_ORG, code=f"{p.code}-{suffix}")
        b.lead(org, b.cell(cqd, f"Chi bộ Cơ quan {name}", size), [R.HEAD, R.DEPUTY_HEAD])
    if full:
        b.committee(
            cqd,
            f"Đảng bộ Báo và Phát thanh, Truyền hình {prov.base}",
            b.sample(catalog.NEWSROOM_CELLS, 3, 5),
            size,
        )
        b.cell(cqd, f"Chi bộ Trường Chính trị {prov.label}", size)

    ubnd = b.add(
        p, f"Đảng bộ Ủy ban nhân dân {prov.short}", K.SECTORAL_COMMITTEE, code=f"{p.code}-UBND"
    )
    ub_office = b.cell(ubnd, f"Chi bộ Văn phòng Ủy ban nhân dân {prov.short}", size)
    b.lead(ubnd, ub_office, profile.committee_roles)
    if full:
        gov = b.add(p, f"Ủy ban nhân dân {prov.label}", K.STATE_AGENCY, code=f"{p.code}-UB")
        b.lead(gov, ub_office, [R.HEAD] + [R.DEPUTY_HEAD] * 3)
    for suffix, template, big in catalog.DEPARTMENTS:
        if not (full or suffix in catalog.SMALL_DEPARTMENTS):
            continue
        name = template.format(s=prov.short)
        dept = b.add(p, name, K.STATE_AGENCY, code=f"{p.code}-{suffix}")
        if suffix == "VPUB":
            cell = ub_office
        elif big and full:
            _, cells = b.committee(
                ubnd, f"Đảng bộ {name}", b.sample(catalog.DEPARTMENT_CELLS, 3, 5), size
            )
            cell = cells[0]
        else:
            cell = b.cell(ubnd, f"Chi bộ {name}", size)
        b.lead(dept, cell, profile.head_roles)
    if not full:
        return
    b.committee(
        ubnd,
        f"Đảng bộ Bệnh viện Đa khoa {prov.label}",
        b.sample(catalog.HOSPITAL_CELLS, 5, 8),
        size,
    )
    military = b.add(p, f"Đảng bộ Quân sự {prov.short}", K.UPPER_GRASSROOTS, code=f"{p.code}-QS")
    _, cells = b.committee(
        military,
        f"Đảng bộ Cơ quan Bộ Chỉ huy Quân sự {prov.short}",
        catalog.MILITARY_HQ_CELLS,
        size,
    )
    b.lead(military, cells[0], profile.committee_roles)
    for i in range(1, rng.randint(2, 5) + 1):
        b.committee(
            military,
            f"Đảng bộ Ban Chỉ huy Phòng thủ khu vực {i}",
            catalog.MILITARY_UNIT_CELLS[: rng.randint(2, 4)],
            size,
        )
    police = b.add(p, f"Đảng bộ Công an {prov.short}", K.UPPER_GRASSROOTS, code=f"{p.code}-CA")
    first: CellPlan | None = None
    for division in catalog.POLICE_DIVISIONS:
        if rng.random() < 0.3:
            _, cells = b.committee(
                police, f"Đảng bộ {division}", catalog.POLICE_TEAM_CELLS[: rng.randint(2, 4)], size
            )
            cell = cells[0]
        else:
            cell = b.cell(police, f"Chi bộ {division}", size)
        first = first or cell
    assert first is not None
    b.lead(police, first, profile.committee_roles)


def build_history(
    b: TreeBuilder,
    gaz: Gazetteer,
    root: UnitPlan,
    prov: Province,
    p: UnitPlan,
    communes: dict[str, UnitPlan],
    profile: Profile,
) -> None:
    """Pre-2025 provinces (if merged), districts and communes, and their successions."""
    links = [link for link in gaz.links(prov) if link.new_key in communes]
    old_keys = sorted(
        {link.old_key for link in links},
        key=lambda k: (gaz.old_units[k].district_code, gaz.old_units[k].ward_code),
    )
    if not profile.all_history:  # a few old communes per chosen new commune, not all
        keep: set[str] = set()
        for new_key in communes:
            olds = [
                k for k in old_keys if any(x.old_key == k and x.new_key == new_key for x in links)
            ]
            keep.update(olds[:3])
        old_keys = [k for k in old_keys if k in keep]
        links = [link for link in links if link.old_key in keep]
    merged = gaz.old_province_keys(prov) != [prov.key]
    old_provinces: dict[str, UnitPlan] = {}
    districts: dict[tuple[str, str], UnitPlan] = {}
    old_communes: dict[str, UnitPlan] = {}
    # merged_into: the new commune that took the old one's seat, else (small scale, where that
    # one may not be generated) any new commune it went to.
    default_target: dict[str, UnitPlan] = {}
    for link in sorted(links, key=lambda x: not x.default):
        default_target.setdefault(link.old_key, communes[link.new_key])
    for key in old_keys:
        old = gaz.old_units[key]
        parent = p
        if merged:
            parent = old_provinces.get(old.province_key)
            if parent is None:
                kind_name = _province_type(old.province_name)
                parent = old_provinces[old.province_key] = b.add(
                    root,
                    f"Đảng bộ {division_phrase(kind_name, old.province_name)}",
                    K.PROVINCE,
                    code=f"TU{old.province_code}C",
                    admin_code=old.province_code,
                    valid_from=HISTORY_START,
                    valid_to=OLD_END,
                    merged_into=p,
                )
                b.successions.append(
                    (parent.id, p.id, "Hợp nhất đơn vị hành chính cấp tỉnh năm 2025")
                )
        district = districts.get((old.province_key, old.district_key))
        if district is None:
            district = districts[(old.province_key, old.district_key)] = b.add(
                parent,
                f"Đảng bộ {division_phrase(old.district_type, old.district_name)}",
                K.DISTRICT,
                code=f"HU{old.district_code}",
                admin_code=old.district_code,
                valid_from=HISTORY_START,
                valid_to=OLD_END,
            )
        if old.ward_code:
            old_communes[key] = b.add(
                district,
                f"Đảng bộ {division_phrase(old.ward_type, old.ward_name)}",
                K.COMMUNE,
                code=f"HU{old.district_code}-X{old.ward_code}",
                admin_code=old.ward_code,
                valid_from=HISTORY_START,
                valid_to=OLD_END,
                merged_into=default_target.get(key),
            )
    seen: set[tuple[int, int]] = set()
    for link in links:
        old = gaz.old_units[link.old_key]
        new = communes[link.new_key]
        district = districts[(old.province_key, old.district_key)]
        predecessor = old_communes.get(link.old_key, district)  # island districts have no communes
        if link.divided:
            note = "Chia địa giới năm 2025: " + (
                "đơn vị kế thừa chính" if link.default else "một phần địa bàn"
            )
        else:
            note = "Sắp xếp đơn vị hành chính cấp xã năm 2025: sáp nhập"
        for pred, text in (
            (predecessor, note),
            (district, "Kết thúc cấp huyện; địa bàn về xã mới"),
        ):
            if (pred.id, new.id) not in seen:
                seen.add((pred.id, new.id))
                b.successions.append((pred.id, new.id, text))


def _province_type(name: str) -> str:
    return "Thành phố" if name.startswith("Thành phố") else "Tỉnh"


def _pick_communes(rng: random.Random, prov: Province, count: int | None) -> list[Commune]:
    """All communes, or the first ward (the provincial seat) and count - 1 random rural communes."""
    if count is None:
        return list(prov.communes)
    urban = [c for c in prov.communes if c.is_urban]
    rural = [c for c in prov.communes if not c.is_urban]
    return urban[:1] + rng.sample(rural, count - 1)


def build_central(b: TreeBuilder, root: UnitPlan, profile: Profile) -> None:
    """Committees directly under the Central Committee (national scale)."""
    rng, size = b.rng, profile.agency_size
    root_pool: CellPlan | None = None
    for suffix, name, sector, orgs in catalog.CENTRAL_COMMITTEES:
        committee = b.add(root, name, K.CENTRAL_LEVEL_COMMITTEE, code=f"TW-{suffix}")
        office = b.cell(committee, "Chi bộ Văn phòng Đảng ủy", size)
        b.lead(committee, office, CENTRAL_ROLES)
        root_pool = root_pool or office
        templates, sub_cells = catalog.SECTOR_UNITS[sector]
        names = [t.format(n=i) for t in templates for i in ((1, 2, 3) if "{n}" in t else (0,))]
        for org in orgs:
            unit = b.add(committee, f"Đảng bộ {org}", K.UPPER_GRASSROOTS)
            b.lead(unit, b.cell(unit, "Chi bộ Văn phòng", size), [R.SECRETARY, R.DEPUTY_SECRETARY])
            for grassroots in b.sample(names, 6, 12):
                if rng.random() < 0.4:
                    cells = sub_cells[: rng.randint(2, len(sub_cells))]
                    b.committee(unit, f"Đảng bộ {grassroots}", cells, size)
                else:
                    b.cell(unit, f"Chi bộ {grassroots}", size)
    assert root_pool is not None
    b.lead(root, root_pool, [R.SECRETARY])


def build_plan(scale: str, seed: int, gaz: Gazetteer, provinces_limit: int | None = None) -> Plan:
    """The whole demo tree for a scale and seed. `provinces_limit` (national scale only): keep
    that many provinces (at least the two demo provinces, whose units the demo logins use): the
    national benchmark at a smaller scale, the same shape and profile per province."""
    rng = random.Random(seed)
    b = TreeBuilder(rng)
    root = b.add(None, "Ban Chấp hành Trung ương", K.CENTRAL_COMMITTEE, code="TW", valid_from=None)
    if scale == "national":
        build_central(b, root, NATIONAL)
        chosen = gaz.provinces
        if provinces_limit:
            demo_codes = {MAIN_PROVINCE, SECOND_PROVINCE}  # the demo logins live there
            others = [p.code for p in gaz.provinces if p.code not in demo_codes]
            kept = demo_codes | set(others[: max(provinces_limit - len(demo_codes), 0)])
            chosen = [p for p in gaz.provinces if p.code in kept]
        provinces = [(prov, NATIONAL) for prov in chosen]
    else:
        main_profile = PROVINCE if scale == "province" else SMALL
        provinces = [
            (gaz.province(MAIN_PROVINCE), main_profile),
            (gaz.province(SECOND_PROVINCE), SMALL),
        ]
    by_code: dict[int, UnitPlan] = {}
    demo: dict[int, tuple[UnitPlan, CellPlan]] = {}
    for prov, profile in provinces:
        merged = gaz.old_province_keys(prov) != [prov.key]
        p = b.add(
            root,
            f"Đảng bộ {prov.label}",
            K.PROVINCE,
            code=f"TU{prov.code:02d}",
            admin_code=f"{prov.code:02d}",
            # A province that was not merged keeps its committee across 2025 (the old districts
            # hang under it); a merged one is new from 01/7/2025.
            valid_from=NEW_START if merged else None,
        )
        by_code[prov.code] = p
        build_province_agencies(b, p, prov, profile)
        communes: dict[str, UnitPlan] = {}
        for commune in _pick_communes(rng, prov, profile.communes):
            unit, village = build_commune(b, p, commune, profile)
            communes[commune.key] = unit
            if not commune.is_urban and prov.code not in demo:
                demo[prov.code] = (unit, village)
        build_history(b, gaz, root, prov, p, communes, profile)
    next_id = 1
    for cell in b.cells:
        cell.n = max(cell.n, cell.lead_n + 1)  # at least one plain member besides the leaders
        cell.first_id = next_id
        next_id += cell.n
    demo_commune, demo_cell = demo[MAIN_PROVINCE]
    return Plan(
        units=b.units,
        cells=b.cells,
        successions=b.successions,
        root=root,
        main_province=by_code[MAIN_PROVINCE],
        second_province=by_code[SECOND_PROVINCE],
        demo_commune=demo_commune,
        demo_cell=demo_cell,
    )
