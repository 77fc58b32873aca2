from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "port.accounts"
    label = "accounts"
