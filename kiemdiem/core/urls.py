from django.urls import path

from kiemdiem.core import task_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("nhat-ky/", views.audit_list, name="audit-list"),
    path("tien-trinh-nen/", task_views.task_list, name="task-list"),
]
