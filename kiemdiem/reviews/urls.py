from django.urls import path

from kiemdiem.reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.cycle_list, name="cycle-list"),
    path("dot/<int:pk>/", views.cycle_detail, name="cycle-detail"),
    path("ban/<int:pk>/", views.review_detail, name="review-detail"),
    path("ban/<int:pk>/sua/", views.review_edit, name="review-edit"),
    path("ban/<int:pk>/gui/", views.review_submit, name="review-submit"),
    path("ban/<int:pk>/rut-ve/", views.review_withdraw, name="review-withdraw"),
    path("ban/<int:pk>/da-thao-luan/", views.review_discuss, name="review-discuss"),
    path("ban/<int:pk>/hoan-chinh/", views.review_finalize, name="review-finalize"),
    path("ban/<int:pk>/han-che/", views.finding_list, name="finding-list"),
    path("ban/<int:pk>/han-che/them/", views.finding_add, name="finding-add"),
    path("ban/<int:pk>/hoi-nghi/", views.meeting_record, name="meeting-record"),
    path("ban/<int:pk>/hoi-nghi/sua/", views.meeting_edit, name="meeting-edit"),
    path("han-che/<int:pk>/sua/", views.finding_edit, name="finding-edit"),
    path("han-che/<int:pk>/xoa/", views.finding_delete, name="finding-delete"),
    path("han-che/<int:pk>/danh-gia/", views.finding_assess, name="finding-assess"),
]
