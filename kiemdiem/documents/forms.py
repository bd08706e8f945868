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


# An office's template is a few hundred kilobytes at most (a logo-less Word file).
TEMPLATE_MAX_BYTES = 5 * 1024 * 1024


class TemplateUploadForm(StyledForm):
    """A template of the office's own for one kind of document."""

    id_prefix = "mau"

    kind = forms.ChoiceField(label="Loại văn bản")
    file = forms.FileField(
        label="Tệp mẫu (.docx)",
        help_text="Tải mẫu đang dùng về, sửa trong Word hoặc LibreOffice (giữ nguyên các ô "
        "{{ … }} và thẻ {% … %}), rồi tải lên.",
        widget=forms.ClearableFileInput(attrs={"accept": ".docx"}),
        error_messages={"required": "Chọn tệp mẫu .docx để tải lên."},
    )
    note = forms.CharField(label="Ghi chú", max_length=300, required=False)

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > TEMPLATE_MAX_BYTES:
            raise forms.ValidationError(
                "Tệp mẫu quá lớn (tối đa 5 MB); bỏ ảnh lớn trong mẫu rồi tải lên lại."
            )
        return upload


class SignedCopyForm(StyledForm):
    """The signed and sealed copy, scanned to PDF."""

    id_prefix = "ban_ky"

    file = forms.FileField(
        label="Bản đã ký, đóng dấu (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": "Chọn tệp PDF bản đã ký, đóng dấu."},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class BundleForm(StyledForm):
    """A subtree's documents of one kind as one ZIP."""

    id_prefix = "tap"

    kind = forms.ChoiceField(label="Loại văn bản")
    cycle = forms.ChoiceField(
        label="Đợt kiểm điểm",
        required=False,
        help_text="Cho các văn bản thuộc một đợt (ví dụ kế hoạch khắc phục).",
    )
    organizations_only = forms.BooleanField(
        label="Chỉ văn bản của tổ chức (không gồm văn bản của từng đảng viên)",
        required=False,
        initial=True,
    )

    def __init__(self, *args, kinds: list[tuple[str, str]], cycles: list[tuple[str, str]], **kw):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kw)
        self.fields["kind"].choices = kinds
        self.fields["cycle"].choices = [("", "—"), *cycles]
