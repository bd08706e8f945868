from django.urls import path

from kiemdiem.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.job_list, name="job-list"),
    path("tao/", views.export_create, name="create"),
    path("<int:pk>/", views.job_detail, name="job-detail"),
    path("<int:pk>/tai-ve/", views.job_download, name="job-download"),
]
