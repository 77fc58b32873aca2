from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "port.referrals"
    label = "referrals"
