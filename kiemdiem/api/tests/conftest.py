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
