"""Forms of the courseware admin screens: upload a package, upload a new version."""

from django import forms
from django.utils.translation import gettext_lazy as _

from institutions.api import TrainingLevel, is_national_admin, staff_institution_ids
from institutions.models import Institution

from .models import Licence


def _archive_field() -> forms.FileField:
    return forms.FileField(
        label=_("Package file (.zip)"),
        help_text=_(
            "A SCORM 1.2 or 2004 package, a cmi5 course, an IMS Common Cartridge or a folder of "
            "web pages with an index.html, zipped."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )


class PackageUploadForm(forms.Form):
    """A first upload: the archive and the package's catalogue metadata."""

    institution = forms.ModelChoiceField(queryset=Institution.objects.none(), label=_("Owner"))
    file = _archive_field()
    title = forms.CharField(
        label=_("Title"),
        max_length=255,
        required=False,
        help_text=_("Left empty, the title comes from the package's manifest."),
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    occupation_code = forms.CharField(label=_("Occupation code"), max_length=16, required=False)
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", "—"), *TrainingLevel.choices], required=False
    )
    language = forms.ChoiceField(
        label=_("Language"), choices=[("vi", _("Vietnamese")), ("en", _("English"))]
    )
    keywords = forms.CharField(
        label=_("Keywords"), required=False, help_text=_("Separated by commas.")
    )
    licence = forms.ChoiceField(
        label=_("Licence"), choices=Licence.choices, initial=Licence.ALL_RIGHTS_RESERVED
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = Institution.objects.order_by("name")
        if not is_national_admin(user):
            institutions = institutions.filter(pk__in=staff_institution_ids(user))
        self.fields["institution"].queryset = institutions
        if institutions.count() == 1:
            self.fields["institution"].initial = institutions.first()

    def metadata(self) -> dict:
        data = self.cleaned_data
        keywords = [word.strip() for word in data["keywords"].split(",") if word.strip()]
        return {
            "title": data["title"],
            "description": data["description"],
            "occupation_code": data["occupation_code"],
            "level": data["level"],
            "language": data["language"],
            "keywords": keywords,
            "licence": data["licence"],
        }


class VersionUploadForm(forms.Form):
    """A new archive of a package that exists: it becomes the next version."""

    file = _archive_field()
