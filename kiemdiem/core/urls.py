from django.urls import path

from kiemdiem.core import views

app_name = "core"

urlpatterns = [
    path("nhat-ky/", views.audit_list, name="audit-list"),
]
