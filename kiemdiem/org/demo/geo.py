"""Real administrative units for the demo tree, read from two PyPI packages.

- `vietnam-provinces`: the 34 provinces and 3,321 communes, wards and special zones of 01/7/2025.
- `vietnamadminunits`: the pre-2025 provinces, districts and communes (data/dataset.db) and how the
  old communes map onto the new ones (data/converter_2025.json). Its data files are read directly,
  without importing the package (that loads every parser table, ~0.5 s).
"""

import importlib.util
import json
import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from vietnam_provinces import Province as PackageProvince
from vietnam_provinces import Ward as PackageWard

from kiemdiem.core.text import fold, normalize_text


def _key(text: str) -> str:
    """The packages' lookup key: accent-free letters and digits ("Phường Hạc Thành" -> ...)."""
    return re.sub(r"[^a-z0-9]", "", fold(text))


def _strip_prefix(name: str, prefix: str) -> str:
    name = normalize_text(name)
    if name.lower().startswith(prefix.lower() + " "):
        return name[len(prefix) + 1 :]
    return name


@dataclass(frozen=True)
class Commune:
    """A commune, ward or special zone since 01/7/2025."""

    code: int
    division: str  # "xã", "phường" or "đặc khu"
    base: str  # the name without its division: "Hạc Thành"
    key: str  # vietnamadminunits ward key, e.g. "phuonghacthanh"

    @property
    def place(self) -> str:
        """ "xã Quảng Phú", used inside names ("Chi bộ Quân sự xã Quảng Phú")."""
        return f"{self.division} {self.base}"

    @property
    def is_urban(self) -> bool:
        return self.division != "xã"


@dataclass(frozen=True)
class Province:
    """A province or centrally-run city since 01/7/2025."""

    code: int
    is_city: bool
    base: str  # "Thanh Hóa", "Hà Nội"
    key: str  # "tinhthanhhoa", "thanhphohanoi"
    communes: tuple[Commune, ...]

    @property
    def short(self) -> str:
        return "thành phố" if self.is_city else "tỉnh"

    @property
    def label(self) -> str:
        """ "tỉnh Thanh Hóa", "thành phố Hà Nội"."""
        return f"{self.short} {self.base}"

    @property
    def committee(self) -> str:
        """The executive committee's short name: "Tỉnh ủy" or "Thành ủy"."""
        return "Thành ủy" if self.is_city else "Tỉnh ủy"


@dataclass(frozen=True)
class OldUnit:
    """A pre-2025 district, or a commune in it (ward_* empty for island districts)."""

    province_code: str
    province_name: str  # "Tỉnh Hà Nam"
    province_key: str
    district_code: str
    district_name: str  # "Huyện Nông Cống"
    district_type: str  # "Huyện", "Thị xã", "Thành phố", "Quận"
    district_key: str
    ward_code: str
    ward_name: str
    ward_type: str
    key: str  # the converter's key: "province_district_ward" ("tinhhanam_huyenkimbang_xanhatan")


@dataclass(frozen=True)
class Link:
    """One old commune (or island district) → one new commune, from the 2025 converter table."""

    old_key: str
    new_key: str
    divided: bool  # the old commune was split between several new ones
    default: bool  # the new commune that took the old one's seat (for merged_into)


def division_phrase(type_name: str, name: str) -> str:
    """ "Huyện Nông Cống" -> "huyện Nông Cống" (inside "Đảng bộ huyện Nông Cống")."""
    name = normalize_text(name)
    return type_name.lower() + name[len(type_name) :] if name.startswith(type_name) else name


def _package_dir() -> Path:
    spec = importlib.util.find_spec("vietnamadminunits")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("Thiếu gói vietnamadminunits (pip install vietnamadminunits).")
    return Path(next(iter(spec.submodule_search_locations)))


class Gazetteer:
    """Provinces and communes of 01/7/2025, and the old units that became them."""

    def __init__(self) -> None:
        data_dir = _package_dir() / "data"
        with open(data_dir / "converter_2025.json", encoding="utf-8") as fh:
            self._converter = json.load(fh)
        db = sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True)
        try:
            self._new_rows = db.execute(
                "SELECT provinceKey, ward, wardCode, wardKey FROM admin_units"
            ).fetchall()
            self._old_rows = db.execute(
                "SELECT provinceCode, province, provinceKey, districtCode, district, "
                "districtType, districtKey, wardCode, ward, wardType, wardKey "
                "FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"
            ).fetchall()
        finally:
            db.close()

    @cached_property
    def provinces(self) -> list[Province]:
        """The 34 provinces in code order, each with its communes in the package's order."""
        by_name = {(pk, normalize_text(ward)): wk for pk, ward, _, wk in self._new_rows}
        by_fold: dict[tuple[str, str], list[str]] = defaultdict(list)
        by_code = {}
        for pk, ward, code, wk in self._new_rows:
            by_fold[(pk, _key(ward))].append(wk)
            by_code[(pk, int(code))] = wk
        out = []
        for p in sorted(PackageProvince.iter_all(), key=lambda p: int(p.code)):
            name = normalize_text(p.name)
            is_city = name.startswith("Thành phố ")
            pkey = _key(name if is_city else f"Tỉnh {name}")
            communes = []
            for w in PackageWard.iter_by_province(p.code):
                wname = normalize_text(w.name)
                division = str(w.division_type.value)
                # The two packages spell a few names differently (Thuỷ/Thủy, double spaces) and
                # number 161 wards differently: match on name, then folded name, then code.
                wkey = by_name.get((pkey, wname))
                if wkey is None and len(by_fold[(pkey, _key(wname))]) == 1:
                    wkey = by_fold[(pkey, _key(wname))][0]
                if wkey is None:
                    wkey = by_code.get((pkey, int(w.code)), "")
                base = _strip_prefix(wname, division)
                communes.append(Commune(code=int(w.code), division=division, base=base, key=wkey))
            base = _strip_prefix(name, "Thành phố") if is_city else name
            out.append(
                Province(
                    code=int(p.code), is_city=is_city, base=base, key=pkey, communes=tuple(communes)
                )
            )
        return out

    def province(self, code: int) -> Province:
        return next(p for p in self.provinces if p.code == code)

    @cached_property
    def old_units(self) -> dict[str, OldUnit]:
        """Old communes (and island districts without communes) by converter key."""
        out = {}
        for pc, pn, pk, dc, dn, dt, dk, wc, wn, wt, wk in self._old_rows:
            key = f"{pk}_{dk}_{wk or ''}"
            out[key] = OldUnit(
                province_code=pc,
                province_name=normalize_text(pn),
                province_key=pk,
                district_code=dc,
                district_name=normalize_text(dn),
                district_type=dt,
                district_key=dk,
                ward_code=wc or "",
                ward_name=normalize_text(wn or ""),
                ward_type=wt or "",
                key=key,
            )
        return out

    def old_province_keys(self, province: Province) -> list[str]:
        """Keys of the pre-2025 provinces that formed `province` (itself only if not merged)."""
        return list(self._converter["DICT_PROVINCE"].get(province.key, [province.key]))

    def links(self, province: Province) -> list[Link]:
        """Every old commune → new commune link inside `province`, in a stable order."""
        out = []
        for new_key, old_keys in sorted(
            self._converter["DICT_PROVINCE_WARD_NO_DIVIDED"].get(province.key, {}).items()
        ):
            out += [Link(old, new_key, divided=False, default=True) for old in old_keys]
        for old_key, targets in sorted(
            self._converter["DICT_PROVINCE_WARD_DIVIDED"].get(province.key, {}).items()
        ):
            out += [
                Link(old_key, t["newWardKey"], divided=True, default=bool(t["isDefaultNewWard"]))
                for t in targets
            ]
        return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    return Gazetteer()
