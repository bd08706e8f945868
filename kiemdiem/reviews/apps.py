from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "kiemdiem.reviews"
    label = "reviews"
    verbose_name = "Kiểm điểm"
