"""The public "ask for help" page: no sign-in."""

from django.urls import path

from port.referrals.views import intake

app_name = "public"

urlpatterns = [
    path("", intake.ask_for_help_index, name="help_index"),
    path("<slug:program_slug>/", intake.ask_for_help, name="help"),
    path("<slug:program_slug>/thanks/", intake.ask_for_help_thanks, name="help_thanks"),
]
