from django.urls import path

from kiemdiem.transfer import records_views, views

app_name = "transfer"

urlpatterns = [
    path("", views.index, name="index"),
    path("mau/", views.template_download, name="template"),
    path("tai-len/", views.upload, name="upload"),
    path("xuat/", views.export, name="export"),
    path("luot/<int:pk>/", views.job_detail, name="job-detail"),
    path("luot/<int:pk>/tien-do/", views.job_progress, name="job-progress"),
    path("luot/<int:pk>/xac-nhan/", views.job_confirm, name="job-confirm"),
    # discipline decisions and confidence-vote results
    path("ho-so/", records_views.records_index, name="records"),
    path("ho-so/mau/<str:kind>/", records_views.records_template, name="records-template"),
    path("ho-so/tai-len/", records_views.records_upload, name="records-upload"),
    path("ho-so/<int:pk>/", records_views.records_detail, name="records-detail"),
    path("ho-so/<int:pk>/nhap/", records_views.records_confirm, name="records-confirm"),
]
