from django.urls import path

from kiemdiem.documents import views

app_name = "documents"

urlpatterns = [
    path("ke-hoach/<int:pk>/docx/", views.plan_docx, name="plan-docx"),
    path("ke-hoach/<int:pk>/cap-so/", views.plan_issue, name="plan-issue"),
    path("so-van-ban-di/<int:unit>/", views.register, name="register"),
    path("so-van-ban-di/tep/<int:pk>/", views.document_file, name="file"),
]
