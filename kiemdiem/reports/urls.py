from django.urls import path

from kiemdiem.reports import records, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("ho-so/", records.records, name="records"),
    path("don-vi/<int:pk>/", views.unit_reports, name="report-list"),
    path("don-vi/<int:pk>/ky/<int:period_pk>/lap/", views.report_create, name="report-create"),
    path("don-vi/<int:pk>/ky/<int:period_pk>/tong-hop/", views.rollup_detail, name="rollup-detail"),
    path("<int:pk>/", views.report_detail, name="report-detail"),
    path("<int:pk>/sua/", views.report_edit, name="report-edit"),
    path("<int:pk>/gui/", views.report_submit, name="report-submit"),
]
