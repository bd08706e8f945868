from django.urls import path

from kiemdiem.transfer import views

app_name = "transfer"

urlpatterns = [
    path("", views.index, name="index"),
    path("mau/", views.template_download, name="template"),
    path("tai-len/", views.upload, name="upload"),
    path("xuat/", views.export, name="export"),
    path("luot/<int:pk>/", views.job_detail, name="job-detail"),
    path("luot/<int:pk>/tien-do/", views.job_progress, name="job-progress"),
    path("luot/<int:pk>/xac-nhan/", views.job_confirm, name="job-confirm"),
]
