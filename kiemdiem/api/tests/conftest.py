import pytest
from rest_framework.test import APIClient

from kiemdiem.api.services import token_create


@pytest.fixture
def api():
    """api(user) → an APIClient sending a real token of `user` (None: no credentials)."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            _token, key = token_create(user=user, name="test")
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return client_for


@pytest.fixture
def appraiser(org_tree):
    """Office of the grassroots committee A1: the recipient of cell A1's plans, so the one who
    appraises and verifies them (the province office only sees them)."""
    from conftest import START, make_user
    from kiemdiem.org import services
    from kiemdiem.org.models import AccessRole

    user = make_user("vanphong_cs")
    services.access_grant(
        user=user, unit=org_tree.grassroots_a1, role=AccessRole.OFFICE, by=None, valid_from=START
    )
    return user
