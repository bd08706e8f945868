from django.urls import path

from kiemdiem.discipline import views

app_name = "discipline"

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("them/", views.case_create, name="case-create"),
    path("<int:pk>/", views.case_detail, name="case-detail"),
    path("<int:pk>/sua/", views.case_edit, name="case-edit"),
    path("<int:pk>/quyet-dinh/", views.case_decide, name="case-decide"),
    path("<int:pk>/khong-ky-luat/", views.case_drop, name="case-drop"),
    path("<int:pk>/khieu-nai/", views.case_appeal, name="case-appeal"),
    path("<int:pk>/giai-quyet-khieu-nai/", views.case_settle, name="case-settle"),
    path("<int:pk>/xoa-bo/", views.case_annul, name="case-annul"),
]
