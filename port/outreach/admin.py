"""Text-message templates in the program admin, scoped to the admin's programs like everything else there
(port.accounts.admin_site.ProgramScopeMixin). The wording must stay neutral: the form refuses anything that
names an overdose or naloxone, since the phone may not be the participant's."""

import re

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from port.accounts.admin_site import admin_site
from port.audit.admin_mixins import ProgramScopedAdmin
from port.outreach.models import TextTemplate
from port.outreach.selectors import PLACEHOLDERS, template_placeholders

# Words that would tell whoever reads the phone why the team is in touch (English and Spanish).
REVEALING_WORDS = re.compile(r"overdos|sobredosis|naloxon|narcan|opioid|fentanyl|fentanilo", re.IGNORECASE)


class TextTemplateForm(forms.ModelForm):
    class Meta:
        model = TextTemplate
        fields = ("program", "name", "language", "body", "is_active")
        help_texts = {
            "body": gettext_lazy(
                "Neutral wording: say “community outreach”, never the overdose. {peer_name} is "
                "replaced with the sender's first name and {first_name} with the participant's."
            ),
        }

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        found = REVEALING_WORDS.search(body)
        if found:
            raise forms.ValidationError(
                _("Keep the wording neutral: “%(word)s” tells whoever reads the phone why the team is in touch.")
                % {"word": found.group(0)}
            )
        try:
            names = template_placeholders(body)
        except ValueError:
            raise forms.ValidationError(_("Braces must come in pairs, as in {peer_name}.")) from None
        unknown = sorted(names - PLACEHOLDERS)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholder: %(names)s. Use {peer_name} or {first_name}.")
                % {"names": ", ".join("{" + name + "}" for name in unknown)}
            )
        return body


@admin.register(TextTemplate, site=admin_site)
class TextTemplateAdmin(ProgramScopedAdmin):
    form = TextTemplateForm
    list_display = ("name", "language", "is_active", "program")
    list_filter = ("language", "is_active", ("program", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("program",)
    search_fields = ("name", "body")
    ordering = ("program", "language", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return ("program",) if obj is not None else ()
