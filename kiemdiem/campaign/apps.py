from django.apps import AppConfig


class CampaignConfig(AppConfig):
    name = "kiemdiem.campaign"
    label = "campaign"
    verbose_name = "Triển khai đợt kiểm điểm"
