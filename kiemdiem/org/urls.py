from django.urls import path

from kiemdiem.org import lockout_views, views

app_name = "org"

urlpatterns = [
    path("", views.unit_tree, name="unit-tree"),
    path("tim-kiem/", views.search, name="search"),
    path("chon-don-vi/", views.unit_picker, name="unit-picker"),
    path("khoa-dang-nhap/", lockout_views.lockout_list, name="lockout-list"),
    path("khoa-dang-nhap/mo-khoa/", lockout_views.lockout_unlock, name="lockout-unlock"),
    path("don-vi/<int:pk>/", views.unit_detail, name="unit-detail"),
    path("don-vi/<int:pk>/con/", views.unit_children, name="unit-children"),
    path("don-vi/<int:pk>/them-don-vi/", views.unit_create, name="unit-create"),
    path("don-vi/<int:pk>/sua/", views.unit_edit, name="unit-edit"),
    path("don-vi/<int:pk>/chuyen/", views.unit_move, name="unit-move"),
    path("don-vi/<int:pk>/them-dang-vien/", views.person_create, name="person-create"),
    path("don-vi/<int:pk>/phan-quyen/", views.unit_access, name="unit-access"),
    path(
        "don-vi/<int:pk>/phan-quyen/<int:item>/thu-hoi/",
        views.access_revoke,
        name="access-revoke",
    ),
    path("dang-vien/<int:pk>/", views.person_detail, name="person-detail"),
    path("dang-vien/<int:pk>/tai-khoan/", views.person_account, name="person-account"),
    path("dang-vien/<int:pk>/sua/", views.person_edit, name="person-edit"),
    path("dang-vien/<int:pk>/sinh-hoat/", views.membership_add, name="membership-add"),
    path("dang-vien/<int:pk>/chuc-vu/", views.position_add, name="position-add"),
    path(
        "dang-vien/<int:pk>/sinh-hoat/<int:item>/ket-thuc/",
        views.membership_end,
        name="membership-end",
    ),
    path(
        "dang-vien/<int:pk>/chuc-vu/<int:item>/ket-thuc/", views.position_end, name="position-end"
    ),
]
