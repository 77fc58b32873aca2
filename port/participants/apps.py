from django.apps import AppConfig


class ParticipantsConfig(AppConfig):
    name = "port.participants"
    label = "participants"
