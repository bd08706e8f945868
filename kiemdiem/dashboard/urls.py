from django.urls import path

from kiemdiem.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.cycle_list, name="cycle-list"),
    path("dot/<int:cycle_id>/", views.cycle_home, name="cycle-home"),
    path("dot/<int:cycle_id>/don-vi/<int:unit_id>/", views.unit_summary, name="cycle-unit"),
    path(
        "dot/<int:cycle_id>/don-vi/<int:unit_id>/giam-sat/",
        views.oversight_table,
        name="oversight",
    ),
    path(
        "dot/<int:cycle_id>/don-vi/<int:unit_id>/so-lieu/",
        views.children_figures,
        name="children-figures",
    ),
    path(
        "dot/<int:cycle_id>/don-vi/<int:unit_id>/giam-sat/nhan-xet/",
        views.oversight_assessments,
        name="oversight-assessments",
    ),
    path(
        "dot/<int:cycle_id>/don-vi/<int:unit_id>/<str:metric>/",
        views.metric_rows,
        name="metric-rows",
    ),
]
