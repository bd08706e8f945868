from django.urls import path

from kiemdiem.documents import views

app_name = "documents"

urlpatterns = [
    path("<slug:kind>/<int:pk>/docx/", views.document_docx, name="docx"),
    path("<slug:kind>/<int:pk>/pdf/", views.document_pdf, name="pdf"),
    path("<slug:kind>/<int:pk>/cap-so/", views.document_issue, name="issue"),
    path("so-van-ban-di/<int:unit>/", views.register, name="register"),
    path("so-van-ban-di/tep/<int:pk>/", views.document_file, name="file"),
    path("so-van-ban-di/van-ban/<int:pk>/", views.document_detail, name="document"),
    path("so-van-ban-di/van-ban/<int:pk>/ban-ky/", views.signed_file, name="signed-file"),
    path("mau/<int:unit>/", views.templates, name="templates"),
    path("tap/<int:unit>/", views.bundles, name="bundles"),
    path("tap/xem/<int:pk>/", views.bundle_detail, name="bundle"),
    path("tap/xem/<int:pk>/zip/", views.bundle_file, name="bundle-file"),
    path("mau/<int:unit>/<slug:kind>/tai-ve/", views.template_file, name="template-file"),
    path("mau/mac-dinh/<slug:kind>/", views.template_default_file, name="template-default"),
    path("mau/tep/<int:pk>/", views.template_upload_file, name="template-upload-file"),
    path("mau/tep/<int:pk>/thoi-dung/", views.template_withdraw, name="template-withdraw"),
]
