from django.urls import path

from kiemdiem.api import pages

app_name = "account"

urlpatterns = [
    path("ma-truy-cap/", pages.tokens, name="tokens"),
    path("ma-truy-cap/<int:pk>/thu-hoi/", pages.token_revoke, name="token-revoke"),
]
