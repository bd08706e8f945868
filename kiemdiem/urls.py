from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kiemdiem.core.auth_views import LoginView

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
    path("kiem-diem/", include("kiemdiem.reviews.urls")),
    path("bao-cao/", include("kiemdiem.reports.urls")),
    path("ke-hoach/", include("kiemdiem.remediation.urls")),
    path("nhap-xuat/", include("kiemdiem.transfer.urls")),
    path("xuat/", include("kiemdiem.exports.urls")),
    path("api/v1/", include("kiemdiem.api.urls")),
    path("tai-khoan/", include("kiemdiem.api.account_urls")),
    path("", include("kiemdiem.dashboard.urls")),
    path("", include("kiemdiem.core.urls")),
]

# JSON {code, message} under /api/, the usual HTML pages elsewhere.
handler400 = "kiemdiem.api.errors.bad_request"
handler404 = "kiemdiem.api.errors.page_not_found"
handler500 = "kiemdiem.api.errors.server_error"
