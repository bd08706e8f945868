from django.urls import path

from kiemdiem.confidence import views

app_name = "confidence"

urlpatterns = [
    path("", views.poll_list, name="poll-list"),
    path("them/", views.poll_create, name="poll-create"),
    path("<int:pk>/", views.poll_detail, name="poll-detail"),
    path("<int:pk>/sua/", views.poll_edit, name="poll-edit"),
    path("<int:pk>/chot/", views.poll_finalize, name="poll-finalize"),
    path("<int:pk>/mo-lai/", views.poll_reopen, name="poll-reopen"),
    path("<int:pk>/them-nguoi/", views.result_add, name="result-add"),
    path("ket-qua/", views.result_list, name="result-list"),
    path("ket-qua/<int:pk>/", views.result_detail, name="result-detail"),
    path("ket-qua/<int:pk>/sua/", views.result_edit, name="result-edit"),
    path("ket-qua/<int:pk>/xoa/", views.result_remove, name="result-remove"),
]
