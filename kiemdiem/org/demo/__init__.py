"""Demo and scale data: `manage.py seed_demo --scale small|province|national --seed N`.

- small: Thanh Hóa and Hà Tĩnh, three communes each, ~270 members; a second or two (tests, e2e).
- province: all 166 communes of Thanh Hóa (~60,000 members, ~10,000 units) and Hà Tĩnh as a
  skeleton (the "other province" for outsider checks); what `make run` loads on first start.
- national: 34 provinces and the central-level committees, ~265,000 units, ~5.6 million members.

The same scale and seed always give the same rows: layout.py draws from one random.Random(seed),
people.py hashes the person id, and no value comes from the clock. Data are as of 01/11/2026.
Demo logins share the password DEMO_PASSWORD.
"""

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from kiemdiem.core.audit import audit_record
from kiemdiem.core.models import AuditAction, AuditEvent
from kiemdiem.core.permissions import SYSTEM
from kiemdiem.org import member_counts
from kiemdiem.org.demo.geo import gazetteer
from kiemdiem.org.demo.layout import SCALES, build_plan
from kiemdiem.org.demo.people import NEW_START, Salts
from kiemdiem.org.demo.tree import Plan
from kiemdiem.org.demo.writer import ORG_MODELS, Writer
from kiemdiem.org.models import AccessGrant, AccessRole, Person, PositionRole, Unit

DEMO_PASSWORD = "kiemdiem-demo-2026"
AUDIT_REASON = "Nạp dữ liệu mẫu quy mô"  # every load's audit reason starts with this
DEMO_USERNAMES = [
    "admin",
    "vanphong",
    "thuongvu",
    "bithuxa",
    "bithuchibo",
    "dangvien",
    "vanphong2",
    "tocongtac",
]

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_USERNAMES",
    "SCALES",
    "DemoLogin",
    "SeedRefused",
    "SeedReport",
    "existing_logins",
    "has_org_data",
    "seed_demo",
]


class SeedRefused(Exception):
    """The database is not in a state the demo data may be loaded into (message in Vietnamese)."""


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str


@dataclass
class SeedReport:
    scale: str
    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


def seed_demo(
    *,
    scale: str,
    seed: int,
    force: bool = False,
    log: Callable[[str], object] = lambda _: None,
    provinces: int | None = None,
) -> SeedReport:
    """Load the demo data of `scale` into an empty organization tree (or replace it, with force).
    `provinces`: at national scale, only that many provinces (layout.build_plan)."""
    if scale not in SCALES:
        raise SeedRefused(f"Quy mô không hợp lệ: “{scale}”; chọn một trong {', '.join(SCALES)}.")
    report = SeedReport(scale=scale, seed=seed)

    def record(label: str, start: float) -> None:
        seconds = time.perf_counter() - start
        report.timings.append((label, seconds))
        log(f"  {label}: {seconds:.1f} s")

    @contextmanager
    def phase(label: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        record(label, start)

    writer = Writer(connection)
    set_based = writer.postgres and scale == "national"
    restore: list[str] = []
    with transaction.atomic():
        stale = _check_can_load(force)
        if set_based:  # first, so the delete below does not maintain indexes or queue checks
            with phase("Tạm bỏ chỉ mục và ràng buộc để nạp khối lớn"):
                restore = writer.drop_constraints_and_indexes(ORG_MODELS)
        if stale:
            with phase("Xóa dữ liệu mẫu cũ"):
                writer.delete_org_data()
        with phase("Đọc danh mục đơn vị hành chính"):
            gaz = gazetteer()
            gaz.provinces, gaz.old_units  # noqa: B018 (load both now, so the timing is honest)
        with phase("Dựng cây tổ chức"):
            plan = build_plan(scale, seed, gaz, provinces)
        with phase("Ghi đơn vị và chuyển đổi cũ → mới"):
            report.counts["units"] = writer.write_units(plan)
            report.counts["successions"] = writer.write_successions(plan)
        with phase("Ghi đảng viên và sinh hoạt đảng"):
            salts = Salts.for_seed(seed)
            if set_based:
                people, memberships = writer.write_people_sql(plan, salts, log=log)
            else:
                people, memberships = writer.write_people_python(plan, salts)
            report.counts["persons"] = people
            report.counts["memberships"] = memberships
        with phase("Ghi chức vụ"):
            report.counts["positions"] = writer.write_positions(plan)
        if restore:
            with phase("Tạo lại chỉ mục, kiểm tra ràng buộc"):
                writer.restore_constraints_and_indexes(restore, log=log)
        # PostgreSQL: the memberships' changes, appended per unit by their triggers, added to
        # every ancestor's total now rather than by the first merge after the load.
        with phase("Cộng số đảng viên của từng đơn vị"):
            member_counts.merge_all()
        with phase("Tài khoản demo và nhật ký"):
            if writer.postgres:
                writer.reset_sequences()  # before the ORM inserts grants below
            report.logins = _create_logins(plan)
            root = Unit.objects.get(pk=plan.root.id)
            audit_record(
                obj=root,
                action=AuditAction.CREATE,
                by=SYSTEM,
                changes={name: [None, count] for name, count in report.counts.items()},
                reason=f"{AUDIT_REASON} {scale} (seed {seed})",
                unit_path=root.path,
            )
        commit_start = time.perf_counter()
    record("Kiểm tra khóa ngoại, ghi nhận giao dịch", commit_start)
    with phase("Cập nhật thống kê của cơ sở dữ liệu"):
        writer.analyze()
    return report


def has_org_data() -> bool:
    """Whether the database already holds units or people (demo or not)."""
    return Unit.objects.exists() or Person.objects.exists()


def existing_logins() -> list[str]:
    """The demo usernames that exist, in the order seed_demo creates them."""
    found = set(
        get_user_model()
        .objects.filter(username__in=DEMO_USERNAMES)
        .values_list("username", flat=True)
    )
    return [name for name in DEMO_USERNAMES if name in found]


def _check_can_load(force: bool) -> bool:
    """Refuse to mix demo data into real data, and never delete audit history.

    Returns whether there are old org rows to delete first (only with force).
    """
    units, people = Unit.objects.count(), Person.objects.count()
    if not (units or people):
        return False
    if not force:
        units_text, people_text = (f"{n:,}".replace(",", ".") for n in (units, people))
        raise SeedRefused(
            f"Cơ sở dữ liệu đã có {units_text} đơn vị và {people_text} đảng viên. Dữ liệu mẫu chỉ "
            "nạp vào cơ sở dữ liệu trống; dùng --force để xóa dữ liệu mẫu cũ và nạp lại."
        )
    # The audit trail is append-only: any row other than a previous demo load (or a login, or a
    # demo login's password being set again) means the data have been worked on, and deleting
    # them would orphan that history.
    foreign_audit = (
        AuditEvent.objects.exclude(action=AuditAction.LOGIN)
        .exclude(object_type="auth.user")
        .exclude(action=AuditAction.CREATE, reason__startswith=AUDIT_REASON)
        .count()
    )
    if foreign_audit:
        raise SeedRefused(
            f"Không thể xóa để nạp lại: nhật ký thay đổi đã có {foreign_audit} bản ghi ngoài các "
            "lần nạp dữ liệu mẫu, và nhật ký không được xóa. Hãy dùng một cơ sở dữ liệu mới."
        )
    own = set(ORG_MODELS)
    for model in ORG_MODELS:
        for rel in model._meta.related_objects:
            other = rel.related_model
            if other not in own and other.objects.exists():
                raise SeedRefused(
                    f"Không thể xóa để nạp lại: bảng “{other._meta.verbose_name}” còn dữ liệu "
                    "tham chiếu đến cây tổ chức. Hãy dùng một cơ sở dữ liệu mới."
                )
    return True


def _holder(plan: Plan, unit_id: int, role: str) -> int:
    """Person id of the first holder of `role` in the unit `unit_id`."""
    return next(p for p, u, r in plan.positions() if u == unit_id and r == role)


def _create_logins(plan: Plan) -> list[DemoLogin]:
    """One login per role, all with DEMO_PASSWORD; leaders are linked to their Person."""
    User = get_user_model()
    encoded = make_password(DEMO_PASSWORD)  # hashed once: PBKDF2 takes ~0.5 s per call
    main, second = plan.main_province, plan.second_province
    commune, cell = plan.demo_commune, plan.demo_cell
    # The head of the province's Organization Board: a working group member (seed_campaign
    # seats them), with no standing post.
    board = next(u for u in plan.units if u.code == f"{main.code}-BTC")
    people = {
        "thuongvu": _holder(plan, main.id, PositionRole.STANDING_MEMBER),
        "bithuxa": _holder(plan, commune.id, PositionRole.SECRETARY),
        "bithuchibo": cell.first_id,
        "dangvien": cell.first_id + cell.lead_n,  # the first member without any post
        "tocongtac": _holder(plan, board.id, PositionRole.HEAD),
    }
    names = dict(Person.objects.filter(pk__in=people.values()).values_list("pk", "full_name"))
    committee = commune.name.replace("Đảng bộ", "Đảng ủy", 1)
    specs = [
        ("admin", "Quản trị hệ thống (xem và quản lý toàn bộ)", plan.root, True),
        ("vanphong", "Văn phòng Tỉnh ủy (quản lý cây tổ chức của tỉnh)", main, False),
        ("thuongvu", f"Ủy viên Ban Thường vụ Tỉnh ủy: {names[people['thuongvu']]}", main, False),
        ("bithuxa", f"Bí thư {committee}: {names[people['bithuxa']]}", commune, False),
        ("bithuchibo", f"Bí thư {cell.unit.name}: {names[people['bithuchibo']]}", cell.unit, False),
        ("dangvien", f"Đảng viên {cell.unit.name}: {names[people['dangvien']]}", cell.unit, False),
        ("vanphong2", "Văn phòng Tỉnh ủy tỉnh khác (kiểm tra người ngoài phạm vi)", second, False),
        (
            "tocongtac",
            f"Thành viên Tổ công tác số 1 của Tỉnh ủy (Trưởng {board.name}): "
            f"{names[people['tocongtac']]}",
            board,
            False,
        ),
    ]
    logins = []
    for username, role, scope, superuser in specs:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "password": encoded,
                "is_superuser": superuser,
                # The administrator also opens /quan-tri/ (Django admin: audited access grants).
                "is_staff": superuser,
                "is_active": True,
                "first_name": names.get(people.get(username, 0), ""),
            },
        )
        AccessGrant.objects.filter(user=user).delete()
        if username in people:
            Person.objects.filter(pk=people[username]).update(user=user)
        if username in ("vanphong", "vanphong2"):
            AccessGrant.objects.create(
                user=user, unit_id=scope.id, role=AccessRole.OFFICE, valid_from=NEW_START
            )
        logins.append(DemoLogin(username=username, role=role, scope=scope.name))
    return logins
