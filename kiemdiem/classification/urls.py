from django.urls import path

from kiemdiem.classification import recheck_views, views, views_round

app_name = "classification"

urlpatterns = [
    path("", views.round_list, name="round-list"),
    path("mo-dot/", views.round_create, name="round-create"),
    path("dot/<int:pk>/", views.round_detail, name="round-detail"),
    path("<int:pk>/", views.rating_detail, name="rating-detail"),
    path("<int:pk>/tu-danh-gia/", views.rating_self_assess, name="rating-self-assess"),
    path("<int:pk>/tham-dinh/", views.rating_appraise, name="rating-appraise"),
    path("<int:pk>/tra-lai/", views.rating_return, name="rating-return"),
    path("<int:pk>/xac-minh/", views.rating_verify, name="rating-verify"),
    path("<int:pk>/quyet-dinh/", views.rating_decide, name="rating-decide"),
    path("<int:pk>/cong-khai/", views.rating_publish, name="rating-publish"),
    path("<int:pk>/huy/", views.rating_cancel, name="rating-cancel"),
    # re-check campaigns (recheck_views)
    path("ra-soat/", recheck_views.recheck_list, name="recheck-list"),
    path("ra-soat/mo/", recheck_views.recheck_create, name="recheck-create"),
    path("ra-soat/<int:pk>/", recheck_views.recheck_detail, name="recheck-detail"),
    path("ra-soat/<int:pk>/ket-thuc/", recheck_views.recheck_close, name="recheck-close"),
    path("ra-soat/don-vi/<int:pk>/", recheck_views.recheck_task, name="recheck-task"),
    path("ra-soat/don-vi/<int:pk>/bao-cao/", recheck_views.recheck_report, name="recheck-report"),
    path("ra-soat/don-vi/<int:pk>/tra-lai/", recheck_views.recheck_return, name="recheck-return"),
    path("ra-soat/ket-qua/<int:pk>/dung/", recheck_views.recheck_confirm, name="recheck-confirm"),
    path("ra-soat/ket-qua/<int:pk>/sua/", recheck_views.recheck_correct, name="recheck-correct"),
]

# Peer groups and grants, opening and closing a round, exemptions, special cases, quarters,
# scoring sheets (views_round.py).
urlpatterns += [
    path("dot/<int:pk>/nhom/", views_round.round_groups, name="round-groups"),
    path("nhom/<int:pk>/nang-ti-le/", views_round.group_grant, name="group-grant"),
    path("dot/<int:pk>/mo-doi-tuong/", views_round.round_populate, name="round-populate"),
    path("dot/<int:pk>/ket-thuc/", views_round.round_close, name="round-close"),
    path("<int:pk>/khong-xep-loai/", views_round.rating_exempt, name="rating-exempt"),
    path("<int:pk>/dac-thu/", views_round.rating_special, name="rating-special"),
    path(
        "<int:pk>/nhan-xet-tam-thoi/",
        views_round.rating_temporary_comment,
        name="rating-temporary-comment",
    ),
    path("<int:pk>/quy/", views_round.rating_quarters, name="rating-quarters"),
    path("bang-diem/", views_round.sheet_list, name="sheet-list"),
    path("bang-diem/moi/", views_round.sheet_create, name="sheet-create"),
    path("bang-diem/<int:pk>/", views_round.sheet_edit, name="sheet-edit"),
]
