"""seed_campaign holds discipline cases, polls, suggested reviews and commitments, and the demo
logins see them where a newcomer would look."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from kiemdiem.confidence.models import ConfidencePoll, ConfidenceResult
from kiemdiem.discipline.models import DisciplineCase
from kiemdiem.reviews.models import Commitment, DossierStatus, ReviewDossier, ReviewSuggestion


@pytest.fixture
def campaign(demo_campaign, db):
    """The demo, seeded once for the module (conftest.demo_campaign); writes roll back."""
    return demo_campaign


def client_of(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_demo_holds_the_records(campaign):
    assert "hồ sơ kỷ luật" in campaign
    cases = DisciplineCase.objects.all()
    assert cases.filter(form_in_force="removal_from_post").exists()
    assert cases.filter(form_in_force="warning").exists()
    assert cases.filter(status="proposed").exists() and cases.filter(status="appealed").exists()
    assert ConfidencePoll.objects.filter(status="finalized", two_year_rule=True).count() == 2
    assert ConfidenceResult.objects.filter(low_flag="dismissal").exists()
    statuses = set(ReviewDossier.objects.values_list("status", flat=True))
    assert {DossierStatus.PREPARING, DossierStatus.PENDING, DossierStatus.APPROVED} <= statuses
    assert ReviewSuggestion.objects.count() == 3
    assert Commitment.objects.exists()


def test_personas_see_them(campaign):
    office = client_of("vanphong").get(reverse("reports:records")).content.decode()
    assert "đảng viên bị kỷ luật:" in office and "cách chức" in office
    assert "Hai năm liền tín nhiệm thấp" in office
    suggestions = client_of("vanphong").get(reverse("reviews:suggestion-list")).content.decode()
    assert "CV/ĐU" in suggestions and "đã họp" in suggestions
    cell = client_of("bithuchibo").get(reverse("reviews:commitment-list")).content.decode()
    assert "chưa có" in cell
