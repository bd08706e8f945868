from django.urls import path

from kiemdiem.classification import views, views_statistics

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
]

# Statistics (views_statistics.py)
urlpatterns += [
    path("thong-ke/", views_statistics.statistics_page, name="statistics"),
    path("thong-ke/danh-sach/", views_statistics.statistics_list, name="statistics-list"),
    path("thong-ke/hai-nam-lien/", views_statistics.statistics_lowest, name="statistics-lowest"),
]
urlpatterns += [
    path("thong-ke/don-vi/", views_statistics.statistics_units, name="statistics-units"),
]
