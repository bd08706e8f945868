from django import forms

from kiemdiem.core.forms import StyledForm, VnDateField
from kiemdiem.documents.models import DocumentType


class ManualDocumentForm(StyledForm):
    """A document made outside the system, entered in the register with its own number."""

    doc_type = forms.ChoiceField(label="Loại văn bản", choices=DocumentType.choices)
    manual_number = forms.CharField(
        label="Số", max_length=10, help_text="Số đã ghi trên văn bản, ví dụ 42 hoặc 42a."
    )
    issued_on = VnDateField(label="Ngày ban hành")
    title = forms.CharField(label="Trích yếu", max_length=500)
    signer = forms.CharField(label="Người ký", max_length=200, required=False)
    recipients = forms.CharField(
        label="Nơi nhận", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
