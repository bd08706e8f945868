from django.urls import path

from kiemdiem.remediation import views

app_name = "remediation"

urlpatterns = [
    path("", views.plan_list, name="plan-list"),
    path("cho-tham-dinh/", views.queue_appraisal, name="queue-appraisal"),
    path("cho-xac-nhan/", views.queue_verification, name="queue-verification"),
    path("<int:pk>/", views.plan_detail, name="plan-detail"),
    path("<int:pk>/them-noi-dung/", views.action_add, name="action-add"),
    path("<int:pk>/chon-nguoi/", views.responsible_people_picker, name="responsible-people"),
    path("<int:pk>/nop/", views.plan_submit, name="plan-submit"),
    path("<int:pk>/tra-lai/", views.plan_return, name="plan-return"),
    path("<int:pk>/dat/", views.plan_accept, name="plan-accept"),
    path("<int:pk>/ban-hanh/", views.plan_adopt, name="plan-adopt"),
    path("noi-dung/<int:pk>/", views.action_detail, name="action-detail"),
    path("noi-dung/<int:pk>/sua/", views.action_edit, name="action-edit"),
    path("noi-dung/<int:pk>/xoa/", views.action_remove, name="action-remove"),
    path("noi-dung/<int:pk>/tien-do/", views.action_progress, name="action-progress"),
    path("noi-dung/<int:pk>/xac-nhan/", views.action_verify, name="action-verify"),
    path("noi-dung/<int:pk>/huy/", views.action_cancel, name="action-cancel"),
    path("noi-dung/<int:pk>/thay-the/", views.action_replace, name="action-replace"),
    path("minh-chung/<int:pk>/", views.evidence_download, name="evidence-download"),
]
