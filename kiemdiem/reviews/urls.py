from django.urls import path

from kiemdiem.reviews import commitment_views, suggestion_views, views

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
    # upper-level suggestions and the dossier vetting
    path("goi-y/", suggestion_views.suggestion_list, name="suggestion-list"),
    path("ban/<int:pk>/goi-y/", suggestion_views.suggestion_create, name="suggestion-create"),
    path("goi-y/<int:pk>/", suggestion_views.suggestion_detail, name="suggestion-detail"),
    path(
        "goi-y/<int:pk>/thu-hoi/", suggestion_views.suggestion_withdraw, name="suggestion-withdraw"
    ),
    path("goi-y/noi-dung/<int:pk>/", suggestion_views.item_answer, name="suggestion-answer"),
    path("ho-so/<int:pk>/", suggestion_views.dossier_detail, name="dossier-detail"),
    path("ho-so/<int:pk>/gui/", suggestion_views.dossier_submit, name="dossier-submit"),
    path("ho-so/<int:pk>/tra-lai/", suggestion_views.dossier_return, name="dossier-return"),
    path("ho-so/<int:pk>/dat/", suggestion_views.dossier_approve, name="dossier-approve"),
    path("ho-so/<int:pk>/lich-hop/", suggestion_views.dossier_schedule, name="dossier-schedule"),
    # yearly commitments
    path("cam-ket/", commitment_views.commitment_list, name="commitment-list"),
    path("cam-ket/nhap/", commitment_views.commitment_create, name="commitment-create"),
    path("cam-ket/<int:pk>/", commitment_views.commitment_detail, name="commitment-detail"),
    path("cam-ket/<int:pk>/sua/", commitment_views.commitment_revise, name="commitment-revise"),
    path(
        "cam-ket/noi-dung/<int:pk>/danh-gia/",
        commitment_views.item_assess,
        name="commitment-assess",
    ),
]
