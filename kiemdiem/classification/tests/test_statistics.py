"""Statistics of the classification: summaries kept by merging change records equal a full
recomputation after random activity through the services; the figures, sentences and lists."""

import random

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from kiemdiem.classification import rules, services, statistics
from kiemdiem.classification.models import (
    Bucket,
    Rating,
    RatingStatus,
    StatisticsDelta,
    SubjectKind,
)
from kiemdiem.classification.tally import Cell
from kiemdiem.classification.tests.conftest import even_scores
from kiemdiem.core.errors import DomainError
from kiemdiem.core.permissions import SYSTEM

LEVELS = [rules.EXCELLENT, rules.GOOD, rules.COMPLETED, rules.NOT_COMPLETED]
LOWEST = rules.NOT_COMPLETED
TOTALS = {rules.EXCELLENT: 95, rules.GOOD: 80, rules.COMPLETED: 60, rules.NOT_COMPLETED: 40}


def _fresh(qs):
    return qs.select_related("round", "unit", "deciding_unit").order_by("pk")


GRADES = {
    rules.EXCELLENT: "excellent",
    rules.GOOD: "good",
    rules.COMPLETED: "average",
    rules.NOT_COMPLETED: "poor",
}


def scores_for(rating, level):
    from kiemdiem.classification.checks import criteria_for

    if rating.round.rules.scoring == "grades":
        return {c.code: GRADES[level] for c in criteria_for(rating)}
    return even_scores(TOTALS[level])


class Story:
    def __init__(self, rng, rounds):
        self.rng = rng
        self.rounds = rounds

    def pick(self, status):
        ids = list(
            Rating.objects.filter(round=self.rng.choice(self.rounds), status=status)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            return None
        return _fresh(Rating.objects.filter(pk=self.rng.choice(ids))).get()

    def op_self_assess(self):
        r = self.pick(self.rng.choice([RatingStatus.DRAFT, RatingStatus.SELF_ASSESSED]))
        if r:
            level = self.rng.choice(LEVELS)
            services.rating_self_assess(
                rating=r,
                by=SYSTEM,
                level=level,
                reasons="Tự đánh giá",
                version=r.version,
                scores=scores_for(r, level),
            )

    def op_return(self):
        r = self.pick(RatingStatus.SELF_ASSESSED)
        if r:
            services.rating_return(rating=r, by=SYSTEM, reason="Làm lại", version=r.version)

    def op_appraise(self):
        r = self.pick(RatingStatus.SELF_ASSESSED)
        if r:
            lower = LEVELS[LEVELS.index(r.self_level) :]
            services.rating_appraise(
                rating=r,
                by=SYSTEM,
                level=self.rng.choice(lower),
                reasons="Thẩm định",
                version=r.version,
            )

    def op_decide(self):
        r = self.pick(RatingStatus.APPRAISED)
        if r:
            services.rating_decide(
                rating=r,
                by=SYSTEM,
                level=r.appraised_level,
                version=r.version,
                overrides={c: "Xem xét" for c in ("quota", "remediation", "head_rule")},
            )

    def op_publish(self):
        r = self.pick(RatingStatus.DECIDED)
        if r:
            services.rating_publish(rating=r, by=SYSTEM, version=r.version)

    def op_cancel(self):
        r = self.pick(self.rng.choice([RatingStatus.DECIDED, RatingStatus.PUBLISHED]))
        if r:
            services.rating_cancel(
                rating=r, by=SYSTEM, reason="Sai", decision_number="03-QĐ", version=r.version
            )

    def op_exempt(self):
        r = self.pick(RatingStatus.DRAFT)
        if r:
            services.rating_exempt(
                rating=r, by=SYSTEM, exempt_reason="suspended", note="", version=r.version
            )

    def op_walk_to_lowest(self):
        """A draft taken through the three steps to the lowest level, preferably a subject
        already there in the other year (so that "two years running" happens, and is undone
        by later cancellations)."""
        low = Rating.objects.filter(status__in=["decided", "published"], decided_level=LOWEST)
        drafts = Rating.objects.filter(status="draft").order_by("pk")
        paired = drafts.filter(person_id__in=low.values("person_id"))
        pool = list(paired if paired.exists() and self.rng.random() < 0.7 else drafts)
        if not pool:
            return
        walk_to_lowest(_fresh(Rating.objects.filter(pk=self.rng.choice(pool).pk)).get())

    def op_merge(self):
        statistics.merge_pending(batch=self.rng.randint(1, 40))


def walk_to_lowest(r):
    """Self-assessed, appraised and decided at the lowest level."""
    services.rating_self_assess(
        rating=r,
        by=SYSTEM,
        level=LOWEST,
        reasons="Tự đánh giá",
        version=r.version,
        scores=scores_for(r, LOWEST),
    )
    r.refresh_from_db()
    services.rating_appraise(rating=r, by=SYSTEM, level=LOWEST, reasons="Đúng", version=r.version)
    r.refresh_from_db()
    services.rating_decide(rating=r, by=SYSTEM, level=LOWEST, version=r.version)
    r.refresh_from_db()


def test_a_past_year_cancelled_takes_the_subject_out_of_two_years_running(
    org_tree, office, round_2025
):
    """The 2024 result is cancelled after the 2025 one was decided (a re-check of the past
    year): this year's "two years running" drops, merged or not."""
    round_2024 = services.round_open(
        by=office, title="2024", year=2024, scope_unit=org_tree.province_a, populate=False
    )
    current = _fresh(
        Rating.objects.filter(
            round=round_2025, person=org_tree.members_a1[0], subject_kind="member"
        )
    ).get()
    past = services.rating_add(
        round_=round_2024,
        by=SYSTEM,
        subject_kind="member",
        unit=current.unit,
        person=current.person,
    )
    walk_to_lowest(_fresh(Rating.objects.filter(pk=past.pk)).get())
    walk_to_lowest(current)

    def twice() -> int:
        cells = statistics.figures_of([round_2025], org_tree.province_a)[round_2025.pk]
        return statistics.year_figures(round_2025, cells).twice

    assert twice() == 1
    statistics.merge_all()
    assert twice() == 1
    past.refresh_from_db()
    services.rating_cancel(
        rating=past, by=SYSTEM, reason="Sai", decision_number="03", version=past.version
    )
    assert twice() == 0  # pending
    statistics.merge_all()
    assert twice() == 0 and statistics.stored(round_2025) == statistics.recompute(round_2025)


def test_merged_summaries_equal_a_recomputation_after_random_activity(org_tree, office, round_2025):
    """Two years over the same subjects, moved at random in both: a result of the year before
    reaching or leaving the lowest level moves this year's "two years running" figure."""
    round_2024 = services.round_open(
        by=office, title="2024", year=2024, scope_unit=org_tree.province_a, populate=False
    )
    for r in Rating.objects.filter(round=round_2025, status="draft").select_related("unit"):
        services.rating_add(
            round_=round_2024,
            by=SYSTEM,
            subject_kind=r.subject_kind,
            unit=r.unit,
            person=r.person,
            position=r.position,
        )
    rng = random.Random(13)
    story = Story(rng, [round_2024, round_2025])
    ops = [name for name in dir(story) if name.startswith("op_")]
    weights = {
        "op_self_assess": 6,
        "op_appraise": 5,
        "op_decide": 5,
        "op_merge": 2,
        "op_cancel": 2,
        "op_walk_to_lowest": 2,
    }
    refused = 0
    for _step in range(420):
        name = rng.choices(ops, [weights.get(o, 1) for o in ops])[0]
        try:
            getattr(story, name)()
        except (DomainError, PermissionDenied):
            refused += 1  # refused moves must leave no change record behind
    assert refused  # the story did meet the rules
    statistics.merge_all()
    assert not StatisticsDelta.objects.exists()
    assert statistics.stored(round_2024) == statistics.recompute(round_2024)
    expected = statistics.recompute(round_2025)
    assert statistics.stored(round_2025) == expected
    twice = sum(n for c, n in expected[round_2025.scope_unit.path].items() if c.twice)
    province = org_tree.province_a
    assert twice == statistics.lowest_two_years(round_2025, province).count() > 0
    decided = Rating.objects.filter(round=round_2025, status__in=["decided", "published"])
    top = round_2025.scope_unit.path
    assert (
        sum(n for c, n in expected[top].items() if c.bucket in (Bucket.DECIDED, Bucket.PUBLISHED))
        == decided.count()
        > 0
    )
    assert Rating.objects.filter(round=round_2025, status="cancelled").exists()
    # A rebuild gives the same rows; so does the command.
    statistics.rebuild(round_2025)
    assert statistics.stored(round_2025) == expected
    call_command("rebuild_classification_statistics", round=round_2025.pk, stdout=None)
    assert statistics.stored(round_2025) == expected


def test_a_page_read_adds_what_is_not_merged_yet(org_tree, round_2025):
    rating = _fresh(
        Rating.objects.filter(
            round=round_2025, subject_kind=SubjectKind.MEMBER, unit=org_tree.cell_a1
        )
    ).first()
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=rules.EXCELLENT,
        reasons="Tự đánh giá",
        version=rating.version,
        scores=even_scores(95),
    )
    rating.refresh_from_db()
    services.rating_appraise(
        rating=rating, by=SYSTEM, level=rules.GOOD, reasons="Hạ mức", version=rating.version
    )
    statistics.rebuild(round_2025)  # nothing pending; then one more move, not merged
    rating.refresh_from_db()
    services.rating_decide(rating=rating, by=SYSTEM, level=rules.GOOD, version=rating.version)
    assert StatisticsDelta.objects.count() == 2  # left "open", entered "decided"
    for unit in (org_tree.province_a, org_tree.cell_a1):
        cells = statistics.figures_of([round_2025], unit)[round_2025.pk]
        down = Cell(SubjectKind.MEMBER, Bucket.DECIDED, rules.GOOD, rules.EXCELLENT, rules.GOOD)
        assert cells[down] == 1
        year = statistics.year_figures(round_2025, cells)
        members = next(k for k in year.kinds if k.kind == SubjectKind.MEMBER)
        assert dict((lv.code, n) for lv, n, _s in members.levels)[rules.GOOD] == 1
        assert [d.sentence for d in year.downgrades] == [
            "đảng viên bị hạ từ mức HTXSNV xuống HTTNV"
        ]
    assert not statistics.figures_of([round_2025], org_tree.province_b)[round_2025.pk]


def test_lowest_level_two_years_running(org_tree, office, round_2025, today):
    round_2024 = services.round_open(
        by=office, title="2024", year=2024, scope_unit=org_tree.province_a, populate=False
    )
    person = org_tree.members_a1[0]
    other = org_tree.members_a1[1]
    for p in (person, other):
        Rating.objects.create(
            round=round_2024,
            subject_kind=SubjectKind.MEMBER,
            unit=org_tree.cell_a1,
            person=p,
            deciding_unit=org_tree.grassroots_a1,
            status=RatingStatus.PUBLISHED if p == person else RatingStatus.DECIDED,
            decided_level=rules.NOT_COMPLETED if p == person else rules.COMPLETED,
        )
    Rating.objects.filter(round=round_2025, person__in=[person, other]).update(
        status=RatingStatus.DECIDED, decided_level=rules.NOT_COMPLETED
    )
    found = list(statistics.lowest_two_years(round_2025, org_tree.province_a))
    assert [r.person for r in found] == [person]
    assert not statistics.lowest_two_years(round_2025, org_tree.province_b).exists()
    assert statistics.history(round_2025, org_tree.cell_a1) == [round_2025, round_2024]


def test_statistics_page_numbers_link_to_their_lists(
    client, org_tree, office, outsider, round_2025
):
    from django.urls import reverse

    rating = _fresh(
        Rating.objects.filter(round=round_2025, subject_kind=SubjectKind.ORGANIZATION)
    ).first()
    services.rating_self_assess(
        rating=rating,
        by=SYSTEM,
        level=rules.EXCELLENT,
        reasons="Tự",
        version=rating.version,
        scores=even_scores(95),
    )
    rating.refresh_from_db()
    services.rating_appraise(
        rating=rating, by=SYSTEM, level=rules.GOOD, reasons="Hạ", version=rating.version
    )
    client.force_login(office)
    url = reverse("classification:statistics")
    html = client.get(url, {"dot": round_2025.pk}).content.decode()
    assert "1</a> tổ chức đảng bị hạ từ mức HTXSNV xuống HTTNV" in html
    listed = client.get(
        reverse("classification:statistics-list"),
        {
            "dot": round_2025.pk,
            "don_vi": org_tree.province_a.pk,
            "doi_tuong": "organization",
            "tu": rules.EXCELLENT,
            "xuong": rules.GOOD,
        },
    )
    assert listed.context["page"].paginator.count == 1
    assert listed.context["page"][0] == rating
    # From the menu with no parameters: the newest round the user may see.
    assert client.get(url).context["round"] == round_2025
    client.force_login(outsider)
    assert client.get(url, {"dot": round_2025.pk}).status_code == 404
    assert "Chưa có đợt đánh giá" in client.get(url).content.decode()
    lists = ["classification:statistics-list", "classification:statistics-lowest"]
    for name in lists:
        assert client.get(reverse(name), {"dot": round_2025.pk}).status_code == 404


def test_the_statistics_export_holds_the_page_figures(org_tree, office, round_2025):
    from kiemdiem.exports.registry import ExportRefused, build

    rating = _fresh(
        Rating.objects.filter(
            round=round_2025, person=org_tree.members_a1[0], subject_kind="member"
        )
    ).get()
    walk_to_lowest(rating)
    params = {"dot": str(round_2025.pk), "don_vi": str(org_tree.province_a.pk)}
    sheet = build("classification.statistics", office, params)
    lines = {(x.kind, x.figure): (x.n, x.share) for x in sheet.rows}
    assert lines[("Đảng viên", "KHTNV — Không hoàn thành nhiệm vụ")] == (1, 100.0)
    assert lines[("Đảng viên", "Đã quyết định")][0] == 1
    listed = build("classification.statistics-ratings", office, {**params, "muc": LOWEST})
    assert list(listed.rows) == [rating]
    with pytest.raises(ExportRefused):
        build("classification.statistics", office, {"dot": "999999"})


def test_a_unit_move_rebuilds_the_statistics(org_tree, office, round_2025):
    """Summaries are kept per unit path: after a move (the worker's rebuild task), the figures
    follow the unit to its new parent."""
    from kiemdiem.dashboard.tasks import summaries_rebuild_after_move
    from kiemdiem.org import services as org_services

    rating = _fresh(
        Rating.objects.filter(
            round=round_2025, person=org_tree.members_a1[0], subject_kind="member"
        )
    ).get()
    walk_to_lowest(rating)
    statistics.merge_all()
    old_path = org_tree.grassroots_a1.path
    org_services.unit_move(
        unit=org_tree.grassroots_a1, new_parent=org_tree.district_a2, by=SYSTEM, reason="Sáp nhập"
    )
    org_tree.grassroots_a1.refresh_from_db()
    assert "1 đợt xếp loại" in summaries_rebuild_after_move(old_path, org_tree.grassroots_a1.path)
    assert statistics.stored(round_2025) == statistics.recompute(round_2025)

    def decided(unit) -> int:
        cells = statistics.figures_of([round_2025], unit)[round_2025.pk]
        return sum(n for c, n in cells.items() if c.level)

    assert decided(org_tree.district_a2) == 1 and decided(org_tree.district_a1) == 0


def test_statistics_links_are_shown_only_to_those_who_may_open_them(
    client, org_tree, office, member, round_2025
):
    from django.urls import reverse

    client.force_login(member)
    detail = client.get(round_2025.get_absolute_url())
    assert detail.status_code == 200, "the member sees the round of their own rating"
    html = detail.content.decode()
    assert 'data-testid="round-statistics"' not in html
    assert (
        'data-testid="rounds-statistics"'
        not in client.get(reverse("classification:round-list")).content.decode()
    )
    client.force_login(office)
    detail = client.get(round_2025.get_absolute_url())
    assert 'data-testid="round-statistics"' in detail.content.decode()
    assert (
        'data-testid="rounds-statistics"'
        in client.get(reverse("classification:round-list")).content.decode()
    )
    assert client.get(detail.context["statistics_url"]).status_code == 200
