from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    """The resource directory: the services, places and hours of the organizations a peer refers people
    to, modelled on Open Referral HSDS 3.0, with import, export and search."""

    name = "port.directory"
    label = "directory"
