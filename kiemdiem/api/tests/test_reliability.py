"""Reliability scenarios that run in-process (make reliability runs them at full size):

- R5: random interleavings of concurrent edits of one object through the page and the API:
  a save with a stale version is always refused, never a silent overwrite.
- R7: every form of every page, filled by Hypothesis with hostile values: never a 5xx.
- R9: an IDOR sweep: random (outsider, object) pairs over every route that takes an id.

Sizes: KIEMDIEM_RELIABILITY=full (10,000 interleavings, 10,000 pairs), =short, or unset (a few,
so that `make test` keeps them working). Each test prints one FIGURES line.
"""

import os
import random
import re

from django.db.models import Q
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiemdiem.org.models import Unit

SCALE = os.environ.get("KIEMDIEM_RELIABILITY", "")
SIZES = {"full": (10_000, 10_000, 25), "short": (1_000, 2_000, 5)}.get(SCALE, (40, 300, 1))
INTERLEAVINGS, PAIRS, EXAMPLES = SIZES


# --- R5 ---------------------------------------------------------------------------------------


def _save(channel: str, client, api, unit: Unit, name: str, version: int) -> bool:
    """One save of the unit's name through the page or the API; True if it was accepted."""
    if channel == "page":
        data = {"code": unit.code, "name": name, "kind": unit.kind, "version": version}
        response = client.post(f"/to-chuc/don-vi/{unit.pk}/sua/", data)
        if response.status_code == 302:
            return True
        assert "vừa được người khác thay đổi" in response.content.decode()
        return False
    response = api.patch(
        f"/api/v1/units/{unit.pk}/", {"name": name, "version": version}, format="json"
    )
    assert response.status_code in (200, 409), response.content
    return response.status_code == 200


def test_r5_random_interleavings(client, api, org_tree, office, monkeypatch):
    """Actors load the unit (its version), then save in a random order, through a random
    channel. Exactly the saves made with the current version win; every other save is refused
    and leaves the stored name as the last winner wrote it."""
    # Tens of thousands of API writes by one user: the hourly rate limit is not what R5 tests.
    monkeypatch.setattr(
        "rest_framework.throttling.UserRateThrottle.allow_request", lambda *args: True
    )
    rng = random.Random(5)
    client.force_login(office)
    api_client = api(office)
    unit = org_tree.district_a1
    accepted = refused = 0
    for round_ in range(INTERLEAVINGS):
        actors = rng.randint(2, 3)
        events = [("load", a) for a in range(actors)] + [("save", a) for a in range(actors)]
        # Any order in which each actor loads before it saves.
        rng.shuffle(events)
        loaded_at: dict[int, int] = {}
        order = []
        pending = list(events)
        while pending:
            ready = [e for e in pending if e[0] == "load" or e[1] in loaded_at]
            event = rng.choice(ready)
            pending.remove(event)
            order.append(event)
            if event[0] == "load":
                loaded_at[event[1]] = -1
        loaded: dict[int, int] = {}
        for kind, actor in order:
            unit.refresh_from_db()
            if kind == "load":
                loaded[actor] = unit.version
                continue
            name = f"Tên {round_}-{actor}"
            expected = loaded[actor] == unit.version
            before = unit.name
            won = _save(rng.choice(["page", "api"]), client, api_client, unit, name, loaded[actor])
            unit.refresh_from_db()
            assert won == expected, (round_, order)
            assert unit.name == (name if won else before)  # never a silent overwrite
            accepted += won
            refused += not won
    print(
        f"FIGURES R5 interleavings={INTERLEAVINGS} saves={accepted + refused} "
        f"accepted={accepted} refused_stale={refused} silent_overwrites=0"
    )


# --- routes taking ids ------------------------------------------------------------------------


def _id_routes() -> list[tuple[str, list[str]]]:
    """(route template with {name} placeholders, int parameter names) of every page and API
    route that takes an id."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                names = re.findall(r"<int:(\w+)>", route)
                regex_names = re.findall(r"\(\?P<(\w+)>\[\^/\.\]\+\)", route)
                if regex_names:  # DRF router routes: ^units/(?P<pk>[^/.]+)/$
                    route = re.sub(r"\(\?P<(\w+)>\[\^/\.\]\+\)", r"<int:\1>", route)
                    names = regex_names
                if not names or "format" in route or "quan-tri" in route:
                    continue
                clean = route.replace("^", "").replace("$", "").replace("\\.", ".")
                found.append((re.sub(r"<int:(\w+)>", r"{\1}", clean), names))

    walk(get_resolver().url_patterns, "/")
    return sorted(set((r, tuple(n)) for r, n in found))


def _province_a_ids(org_tree) -> list[int]:
    """Ids of objects of province A, of every kind the routes take."""
    from kiemdiem.org.models import Membership, Person, Position
    from kiemdiem.remediation.models import PlanAction, RemediationPlan
    from kiemdiem.reviews.models import Finding, Review, ReviewCycle

    ids = set()
    prefix = org_tree.province_a.path
    for model, path in [
        (Unit, "path"),
        (Person, "memberships__unit__path"),
        (Membership, "unit__path"),
        (Position, "unit__path"),
        (ReviewCycle, "scope_unit__path"),
        (Review, "unit__path"),
        (Finding, "review__unit__path"),
        (RemediationPlan, "unit__path"),
        (PlanAction, "plan__unit__path"),
    ]:
        ids |= set(
            model.objects.filter(**{f"{path}__startswith": prefix}).values_list("pk", flat=True)
        )
    return sorted(ids)


def _visible_ids(user) -> set[int]:
    """Every id that names something `user` may see, of any kind (such an id could be a
    legitimate 200 on a route of another kind, so the sweep does not use it)."""
    from kiemdiem.api.models import ApiToken
    from kiemdiem.org.models import Membership, Position
    from kiemdiem.org.scoping import visible_people, visible_units
    from kiemdiem.remediation.models import PlanAction, RemediationPlan
    from kiemdiem.reviews.models import Finding, Review, ReviewCycle
    from kiemdiem.transfer.models import ImportJob

    seen = set(visible_units(user).values_list("pk", flat=True))
    seen |= set(visible_people(user).values_list("pk", flat=True))
    for model in [Membership, Position]:  # seen through their unit or their person
        seen |= set(
            model.objects.filter(
                Q(unit__in=visible_units(user)) | Q(person__in=visible_people(user))
            ).values_list("pk", flat=True)
        )
    for model in [ReviewCycle, Review, Finding, RemediationPlan]:
        manager = model.objects
        if hasattr(manager, "visible_to"):
            seen |= set(manager.visible_to(user).values_list("pk", flat=True))
    # A cycle is open to everyone inside its scope (a member sees the cycle over their cell).
    paths = list(visible_units(user).values_list("path", flat=True))
    for cycle_id, scope in ReviewCycle.objects.values_list("pk", "scope_unit__path"):
        if any(path.startswith(scope) for path in paths):
            seen.add(cycle_id)
    # Items are seen through their plan.
    plans = RemediationPlan.objects.visible_to(user)
    seen |= set(PlanAction.objects.filter(plan__in=plans).values_list("pk", flat=True))
    seen |= set(ApiToken.objects.filter(user=user).values_list("pk", flat=True))
    seen |= set(ImportJob.objects.visible_to(user).values_list("pk", flat=True))
    return seen


# --- R9 ---------------------------------------------------------------------------------------


def test_r9_idor_sweep(client, api, open_cycle, org_tree, outsider, member, cell_secretary):
    """Outsiders (province B's office; a member of cell A1 for everything beyond their cell)
    request province A's objects on every id-taking route, with GET and POST: only 404, 403,
    405 (or a login redirect) may come back, never a page or a change."""
    from kiemdiem.api.services import token_create
    from kiemdiem.core.models import AuditEvent
    from kiemdiem.remediation import services as plan_services
    from kiemdiem.remediation.models import RemediationPlan

    plan = RemediationPlan.objects.filter(unit=org_tree.cell_a1).first()
    if plan is not None:
        plan_services.action_add(plan=plan, by=cell_secretary, content="Sinh hoạt đúng kỳ")
    routes = _id_routes()
    targets = _province_a_ids(org_tree)
    rng = random.Random(9)
    personas = [outsider, member]
    statuses: dict[int, int] = {}
    leaks = []
    audit_before = AuditEvent.objects.exclude(action="login").count()
    for user in personas:
        client.force_login(user)
        _t, key = token_create(user=user, name="idor")
        blocked = _visible_ids(user)
        safe = [i for i in targets if i not in blocked]
        assert safe, "no province A id left to try"
        token = {"HTTP_AUTHORIZATION": f"Token {key}"}
        for _n in range(PAIRS):
            route, names = rng.choice(routes)
            url = route.format(**{name: rng.choice(safe) for name in names})
            method = rng.choice(["get", "post"])
            extra = token if url.startswith("/api/") else {}
            response = getattr(client, method)(url, **extra)
            code = response.status_code
            statuses[code] = statuses.get(code, 0) + 1
            if code not in (403, 404, 405) and not (
                code == 302 and "/dang-nhap/" in response.get("Location", "")
            ):
                leaks.append((user.username, method, url, code))
    written = list(AuditEvent.objects.exclude(action="login").order_by("id")[audit_before:])
    written = [(e.actor.username if e.actor else None, e.object_type, e.action) for e in written]
    assert written == [(u.username, "api.apitoken", "create") for u in personas], written
    print(
        f"FIGURES R9 pairs={PAIRS * len(personas)} routes={len(routes)} "
        f"objects={len(targets)} statuses={dict(sorted(statuses.items()))} leaks={len(leaks)}"
    )
    assert not leaks, leaks[:10]


# --- R7: every form, hostile values -------------------------------------------------------------

FIELD = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.I)
HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "",
            "0",
            "-1",
            "99999999999999999999",
            "31/02/2026",
            "1e400",
            "NaN",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "ẞ" * 5000,
            "01/01/0001",
            "31/12/9999",
            "true",
            "[]",
            "{}",
        ]
    ),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
)


def _form_routes(open_cycle, org_tree) -> list[str]:
    """Every page route, ids filled with objects the office can see."""
    visible = {
        "pk": [org_tree.cell_a1.pk, org_tree.members_a1[0].pk, open_cycle.pk],
        "item": [org_tree.members_a1[0].memberships.first().pk],
    }
    urls = []
    for route, names in _id_routes():
        if route.startswith("/api/"):
            continue
        for pk in visible["pk"]:
            urls.append(
                route.format(**{n: visible.get(n, [pk])[0] if n != "pk" else pk for n in names})
            )
    return sorted(set(urls))


def test_r7_forms_never_answer_5xx(client, open_cycle, org_tree, office):
    client.force_login(office)
    client.raise_request_exception = False
    forms = []
    for url in _form_routes(open_cycle, org_tree):
        page = client.get(url)
        if page.status_code == 200 and page["Content-Type"].startswith("text/html"):
            names = sorted(set(FIELD.findall(page.content.decode())) - {"csrfmiddlewaretoken"})
            if names:
                forms.append((url, names))
    sent = {"n": 0}
    server_errors = []

    @settings(
        max_examples=EXAMPLES * len(forms),
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def post_one(data):
        url, names = data.draw(st.sampled_from(forms))
        values = {name: data.draw(HOSTILE) for name in names}
        response = client.post(url, values)
        sent["n"] += 1
        if response.status_code >= 500:
            server_errors.append((url, values))

    if forms:
        post_one()
    print(f"FIGURES R7 forms={len(forms)} posts={sent['n']} server_errors={len(server_errors)}")
    assert not server_errors, server_errors[:3]
