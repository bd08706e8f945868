"""The top bar's menu (dashboard.context_processors.navigation): the entries follow the role, and
their URLs, reversed once per URL configuration, follow the configuration in use."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def menu(client, user) -> list[str]:
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    return re.findall(r'<a class="nav-link[^"]*" href="([^"]+)"', html)


def test_the_entries_follow_the_role(client, office, member, admin):
    office_menu = menu(client, office)
    assert reverse("transfer:index") in office_menu and reverse("org:lockout-list") in office_menu
    assert reverse("task-list") not in office_menu
    member_menu = menu(client, member)
    assert reverse("remediation:plan-list") in member_menu
    assert reverse("transfer:index") not in member_menu
    assert reverse("dashboard:cycle-list") not in member_menu  # leads nothing
    assert reverse("task-list") in menu(client, admin)


@override_settings(ROOT_URLCONF="kiemdiem.dashboard.tests.menu_urls")
def test_the_urls_come_from_the_configuration_in_use(client, office):
    office_menu = menu(client, office)
    assert office_menu[0] == "/khac/"
    # an entry whose page this configuration lacks is left out, not a broken link
    assert "/nhat-ky/" not in office_menu and reverse("org:lockout-list") in office_menu


def test_the_default_configuration_again(client, office):
    """(The menu reversed for the configuration above is not served with this one.)"""
    assert menu(client, office)[0] == "/" and "/nhat-ky/" in menu(client, office)
