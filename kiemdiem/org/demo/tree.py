"""The demo organization tree as a plan in memory: units with explicit ids and paths, the cells'
member counts, who in each cell holds which post, and the old → new successions of 2025.

Nothing here touches the database (writer.py stores a Plan) and layout.py decides what goes in.
"""

import datetime
import random
from dataclasses import dataclass, field

from kiemdiem.org.demo.people import NEW_START
from kiemdiem.org.models import PATH_STEP, PositionRole, UnitKind, path_segment

K = UnitKind
R = PositionRole


@dataclass(frozen=True)
class Profile:
    """How much of a province to generate."""

    communes: int | None  # communes per province (None: all of them)
    villages: tuple[int, int]  # residential cells per commune
    village_size: tuple[int, int]  # members of a residential cell
    agency_size: tuple[int, int]  # members of an agency, school or unit cell
    full: bool  # every board, department, army and police unit; otherwise a skeleton
    all_history: bool  # every old district and commune; otherwise only those of chosen communes

    @property
    def province_roles(self) -> list[str]:
        return (
            [R.SECRETARY]
            + [R.DEPUTY_SECRETARY] * (3 if self.full else 2)
            + [R.STANDING_MEMBER] * (10 if self.full else 3)
        )

    @property
    def commune_roles(self) -> list[str]:
        return (
            [R.SECRETARY]
            + [R.DEPUTY_SECRETARY] * (2 if self.full else 1)
            + [R.STANDING_MEMBER] * (3 if self.full else 2)
        )

    @property
    def committee_roles(self) -> list[str]:
        return [R.SECRETARY, R.DEPUTY_SECRETARY] + ([R.STANDING_MEMBER] * 2 if self.full else [])

    @property
    def head_roles(self) -> list[str]:
        return [R.HEAD] + [R.DEPUTY_HEAD] * (2 if self.full else 1)


@dataclass(slots=True, eq=False)
class UnitPlan:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    path: str
    valid_from: datetime.date | None
    valid_to: datetime.date | None = None
    admin_code: str = ""
    merged_into_id: int | None = None

    @property
    def depth(self) -> int:
        return len(self.path) // PATH_STEP - 1


@dataclass(slots=True, eq=False)
class CellPlan:
    """A cell and its members: ids first_id .. first_id + n - 1, leaders first.

    Slot 0 is the cell's secretary, slot 1 its deputy (when the cell has 6 or more members), and
    slots 2.. hold the posts in `duties` (posts in the committees, boards and agencies above).
    """

    unit: UnitPlan
    n: int
    duties: list[tuple[UnitPlan, str]] = field(default_factory=list)
    first_id: int = 0

    @property
    def lead_n(self) -> int:
        return 2 + len(self.duties)


@dataclass
class Plan:
    units: list[UnitPlan]
    cells: list[CellPlan]
    successions: list[tuple[int, int, str]]  # (predecessor id, successor id, note)
    root: UnitPlan
    main_province: UnitPlan
    second_province: UnitPlan
    demo_commune: UnitPlan  # its secretary logs in as "bithuxa"
    demo_cell: CellPlan  # its secretary is "bithuchibo", a plain member "dangvien"

    @property
    def person_count(self) -> int:
        return sum(c.n for c in self.cells)

    def positions(self) -> list[tuple[int, int, str]]:
        """(person id, unit id, role) of every post."""
        out = []
        for cell in self.cells:
            out.append((cell.first_id, cell.unit.id, R.SECRETARY.value))
            if cell.n >= 6:
                out.append((cell.first_id + 1, cell.unit.id, R.DEPUTY_SECRETARY.value))
            for i, (unit, role) in enumerate(cell.duties):
                out.append((cell.first_id + 2 + i, unit.id, str(role)))
        return out


class TreeBuilder:
    """Adds units in parent-before-child order with ids 1, 2, 3 ... and their paths."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.units: list[UnitPlan] = []
        self.cells: list[CellPlan] = []
        self.successions: list[tuple[int, int, str]] = []
        self._children: dict[int, int] = {}

    def add(
        self,
        parent: UnitPlan | None,
        name: str,
        kind: str,
        *,
        code: str | None = None,
        valid_from: datetime.date | None = NEW_START,
        valid_to: datetime.date | None = None,
        admin_code: str = "",
        merged_into: UnitPlan | None = None,
    ) -> UnitPlan:
        uid = len(self.units) + 1
        if code is None:  # children of X14797 are X14797-01, X14797-02 ...
            assert parent is not None
            n = self._children.get(parent.id, 0) + 1
            self._children[parent.id] = n
            code = f"{parent.code}-{n:02d}"
        unit = UnitPlan(
            id=uid,
            code=code,
            name=name,
            kind=str(kind),
            parent_id=parent.id if parent else None,
            path=(parent.path if parent else "") + path_segment(uid),
            valid_from=valid_from,
            valid_to=valid_to,
            admin_code=admin_code,
            merged_into_id=merged_into.id if merged_into else None,
        )
        self.units.append(unit)
        return unit

    def cell(self, parent: UnitPlan, name: str, size: tuple[int, int]) -> CellPlan:
        kind = K.SUBORDINATE_CELL if parent.kind == K.GRASSROOTS_COMMITTEE else K.GRASSROOTS_CELL
        plan = CellPlan(unit=self.add(parent, name, kind), n=self.rng.randint(*size))
        self.cells.append(plan)
        return plan

    def committee(
        self, parent: UnitPlan, name: str, cells: list[str], size: tuple[int, int]
    ) -> tuple[UnitPlan, list[CellPlan]]:
        """A grassroots committee with its subordinate cells; led from its first cell."""
        unit = self.add(parent, name, K.GRASSROOTS_COMMITTEE)
        plans = [self.cell(unit, cell_name, size) for cell_name in cells]
        self.lead(unit, plans[0], [R.SECRETARY, R.DEPUTY_SECRETARY])
        return unit, plans

    def lead(self, unit: UnitPlan, cell: CellPlan, roles: list[str]) -> None:
        """Members of `cell` hold `roles` in `unit` (leaders are members of some cell too)."""
        cell.duties += [(unit, role) for role in roles]

    def sample(self, names: list[str], low: int, high: int) -> list[str]:
        return self.rng.sample(names, min(len(names), self.rng.randint(low, high)))
