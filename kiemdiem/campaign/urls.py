from django.urls import path

from kiemdiem.campaign import views

app_name = "campaign"

urlpatterns = [
    path("dot/tao/", views.cycle_create, name="cycle-create"),
    path("dot/<int:pk>/sua/", views.cycle_edit, name="cycle-edit"),
    path("dot/<int:pk>/trien-khai/", views.cycle_open, name="cycle-open"),
    path("dot/<int:pk>/ket-thuc/", views.cycle_close, name="cycle-close"),
]
