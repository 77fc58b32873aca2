"""Records the participant's page makes itself: the resource lists given to a person or a supporter."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from port.accounts.models import Program
from port.directory.models import Service
from port.outreach.models import Supporter
from port.participants.models import Participant


class ResourceList(models.Model):
    """Directory services picked for the participant (or one of their supporters), in English or Spanish,
    as given: printed and as a text message. It shows on the participant's timeline."""

    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Español"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="resource_lists")
    supporter = models.ForeignKey(
        Supporter, null=True, blank=True, on_delete=models.PROTECT, related_name="resource_lists"
    )
    services = models.ManyToManyField(Service, related_name="+")
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    made_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-made_at", "-pk"]
        indexes = [models.Index(fields=["participant", "made_at"], name="resource_list_timeline")]
        verbose_name = _("resource list")

    def __str__(self) -> str:
        return f"Resource list {self.pk}"
