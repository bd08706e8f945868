from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "kiemdiem.documents"
    label = "documents"
    verbose_name = "Văn bản theo thể thức của Đảng"
