from django.urls import path

from kiemdiem.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("theo-doi/", views.cycle_list, name="cycle-list"),
    path("theo-doi/dot/<int:cycle_id>/", views.cycle_home, name="cycle-home"),
    path(
        "theo-doi/dot/<int:cycle_id>/don-vi/<int:unit_id>/", views.unit_summary, name="cycle-unit"
    ),
    path(
        "theo-doi/dot/<int:cycle_id>/don-vi/<int:unit_id>/cap-nhat/",
        views.summary_refresh,
        name="summary-refresh",
    ),
    path(
        "theo-doi/dot/<int:cycle_id>/don-vi/<int:unit_id>/<str:metric>/",
        views.metric_rows,
        name="metric-rows",
    ),
]
