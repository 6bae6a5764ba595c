"""File upload: the learner hands in files as evidence (photos, video, drawings), marked by hand."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import require_dict, require_list, require_number, require_text
from .manual import (
    MAX_EVIDENCE_FILES,
    ManualQuestionType,
    rubric_marking_score,
    rubric_or_points_max,
    validate_evidence,
    validate_rubric_marking,
    validate_rubric_or_points,
)

MAX_FILE_MB = 10_000  # 10 GB: a long practical video, not more


class FileUpload(ManualQuestionType):
    """Body: {"accepted_types"?: ["image/*", "application/pdf"...], "max_files"?,
    "max_file_mb"?, "rubric"? or "points"?}.

    Response: [{"file", "content_type", "size"}...] as stored by the upload endpoint.
    Marking: as an essay's.
    """

    name = "file_upload"
    label = gettext_lazy("File upload")

    def validate_body(self, body):
        require_dict(body, _("The question definition"))
        validate_rubric_or_points(body)
        for content_type in require_list(body.get("accepted_types", []), _("Accepted file types")):
            require_text(content_type, _("An accepted file type"))
        max_files = body.get("max_files", 1)
        if isinstance(max_files, bool) or not isinstance(max_files, int):
            raise ValidationError(_("The number of files must be a whole number."))
        require_number(max_files, _("The number of files"), minimum=1, maximum=MAX_EVIDENCE_FILES)
        if "max_file_mb" in body:
            require_number(
                body["max_file_mb"], _("The largest file size"), minimum=0, maximum=MAX_FILE_MB
            )

    def max_score(self, body):
        return rubric_or_points_max(body)

    def validate_response(self, body, response):
        max_mb = body.get("max_file_mb")
        validate_evidence(
            response,
            accepted_types=body.get("accepted_types", []),
            max_files=body.get("max_files", 1),
            max_bytes=int(Decimal(str(max_mb)) * 1024 * 1024) if max_mb is not None else None,
        )

    def validate_marking(self, body, marking):
        validate_rubric_marking(body, marking)

    def mark_manual(self, body, marking):
        self.validate_marking(body, marking)
        return rubric_marking_score(body, marking)
