from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kiemdiem.core import notification_views, task_views
from kiemdiem.core.auth_views import LoginView
from kiemdiem.dashboard import views as dashboard_views
from kiemdiem.org import views as org_views

urlpatterns = [
    path("dang-nhap/", LoginView.as_view(), name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "doi-mat-khau/",
        auth_views.PasswordChangeView.as_view(success_url="/doi-mat-khau/xong/"),
        name="password_change",
    ),
    path(
        "doi-mat-khau/xong/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("quan-tri/", admin.site.urls),
    path("to-chuc/", include("kiemdiem.org.urls")),
    path("kiem-diem/", include("kiemdiem.campaign.urls")),
    path("kiem-diem/", include("kiemdiem.reviews.urls")),
    path("bao-cao/", include("kiemdiem.reports.urls")),
    path("theo-doi/", include("kiemdiem.dashboard.urls")),
    path("ke-hoach/", include("kiemdiem.remediation.urls")),
    path("ky-luat/", include("kiemdiem.discipline.urls")),
    path("tin-nhiem/", include("kiemdiem.confidence.urls")),
    path("nhap-xuat/", include("kiemdiem.transfer.urls")),
    path("xuat/", include("kiemdiem.exports.urls")),
    path("giam-sat/", include("kiemdiem.oversight.urls")),
    path("xep-loai/", include("kiemdiem.classification.urls")),
    path("van-ban/", include("kiemdiem.documents.urls")),
    path("thong-bao/", notification_views.notification_list, name="notifications"),
    path("thong-bao/<int:pk>/", notification_views.notification_open, name="notification-open"),
    path("thong-bao/da-doc/", notification_views.notification_read_all, name="notifications-read"),
    path(
        "thong-bao/cai-dat/",
        notification_views.notification_settings,
        name="notification-settings",
    ),
    path("api/v1/", include("kiemdiem.api.urls")),
    path("tai-khoan/", include("kiemdiem.api.account_urls")),
    path("nhat-ky/", org_views.audit_list, name="audit-list"),
    path("tien-trinh-nen/", task_views.task_list, name="task-list"),
    path("cong-viec/<int:pk>/", task_views.job_detail, name="job-detail"),
    path("cong-viec/<int:pk>/tien-do/", task_views.job_progress, name="job-progress"),
    path("", dashboard_views.home, name="home"),
]

# JSON {code, message} under /api/, the usual HTML pages elsewhere.
handler400 = "kiemdiem.api.errors.bad_request"
handler404 = "kiemdiem.api.errors.page_not_found"
handler500 = "kiemdiem.api.errors.server_error"
