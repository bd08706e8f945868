"""Forms for the organization tree and people. Every choice is narrowed to the user's scope."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kiemdiem.core.dates import today
from kiemdiem.core.forms import Picker, PickOption, VersionedForm, VnDateField
from kiemdiem.core.text import normalize_text
from kiemdiem.org.models import (
    CELL_KINDS,
    AccessRole,
    Gender,
    MembershipKind,
    Person,
    PositionRole,
    Unit,
    UnitKind,
)
from kiemdiem.org.scoping import access_for, first_top_unit, visible_units
from kiemdiem.org.selectors import first_children

# Options a picker lists before anything is typed (the unit itself and its first children).
PICKER_OPTIONS = 25


class UnitCodeField(forms.CharField):
    """A unit given by its code, looked up inside the units the user may see."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.user = None

    def clean(self, value):
        code = normalize_text(super().clean(value) or "").upper()
        if not code:
            return None
        unit = visible_units(self.user).filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(
                _("Không tìm thấy đơn vị có mã “%(code)s” trong phạm vi của bạn."),
                params={"code": code},
            )
        return unit


def unit_option(unit: Unit) -> PickOption:
    return PickOption(str(unit.pk), unit.name, str(unit.get_kind_display()))


def person_option(person: Person) -> PickOption:
    born = person.birth_date.strftime("%Y") if person.birth_date else ""
    return PickOption(
        str(person.pk), person.full_name, _("sinh năm %(y)s") % {"y": born} if born else ""
    )


class PickedChoiceField(forms.ModelChoiceField):
    """An object chosen by name with the picker (core.forms.Picker) among those a form allows:
    the form narrows `queryset` (limit_to); a posted id outside it is refused with the field's
    Vietnamese message and nothing is saved."""

    model: type = Unit
    option = staticmethod(unit_option)
    placeholder = ""
    legend = ""

    def __init__(self, **kwargs):
        super().__init__(queryset=self.model.objects.none(), widget=Picker, **kwargs)
        self.widget.placeholder = self.placeholder
        self.widget.legend = self.legend

    def _offer(self, queryset, search_url: str, first) -> None:
        self.queryset = queryset
        self.widget.search_url = search_url
        self.widget.options = [self.option(obj) for obj in first]
        # Here, on the form's own copy: a widget is copied shallowly with its field, so a
        # method bound in __init__ would still describe values with the class's field.
        self.widget.describe = self._describe

    def _describe(self, value) -> PickOption | None:
        if isinstance(value, self.model):
            return self.option(value)
        found = self.queryset.filter(pk=value).first() if str(value).isdigit() else None
        return self.option(found) if found else None


class UnitChoiceField(PickedChoiceField):
    """A unit of a subtree the user can see, chosen by name (`limit_to(user, within)`)."""

    model = Unit
    option = staticmethod(unit_option)
    placeholder = _("Gõ tên đơn vị để tìm (không dấu cũng được)")
    legend = _("Đơn vị tìm thấy")
    default_error_messages = {
        "invalid_choice": _(
            "Đơn vị đã chọn không thuộc phạm vi được chọn hoặc đồng chí không được xem. Hãy tìm "
            "theo tên và chọn lại."
        )
    }

    def __init__(
        self, *, kinds: list[str] | None = None, whole_scope: bool = False, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        # Unit kinds the field accepts (e.g. cells for a membership); None: any.
        self.kinds = kinds
        # Offer every unit the user can see (ScopedForm calls limit_to_scope); otherwise the
        # form narrows the field itself (limit_to).
        self.whole_scope = whole_scope

    def limit_to(self, user, within: Unit) -> None:
        """The units of `within`'s subtree valid today that `user` can see."""
        units = visible_units(user).filter(path__startswith=within.path).valid_on(today())
        self._offer_from(within, units.filter(kind__in=self.kinds) if self.kinds else units)

    def limit_to_scope(self, user) -> None:
        """Any unit `user` can see, searched from the top of their scope (ScopedForm does this
        for every unit field a form does not narrow itself)."""
        root = first_top_unit(user)
        if root is None:
            self._offer(Unit.objects.none(), reverse("org:unit-picker"), [])
            return
        units = visible_units(user).valid_on(today())
        self._offer_from(root, units.filter(kind__in=self.kinds) if self.kinds else units)

    def _offer_from(self, within: Unit, units) -> None:
        """Offer `units`, searched from `within`: it and its first children come first."""
        first = [within, *first_children(within, PICKER_OPTIONS - 1)]
        if self.kinds:
            first = [u for u in first if u.kind in self.kinds]
        url = reverse("org:unit-picker") + f"?within={within.pk}"
        if self.kinds:
            url += "&" + urlencode({"kinds": ",".join(self.kinds)})
        self._offer(units, url, first)


class PersonChoiceField(PickedChoiceField):
    """A person among those a form allows, chosen by name (`limit_to(people, search_url)`)."""

    model = Person
    option = staticmethod(person_option)
    placeholder = _("Gõ họ tên để tìm (không dấu cũng được)")
    legend = _("Người tìm thấy")
    default_error_messages = {
        "invalid_choice": _(
            "Người đã chọn không thuộc danh sách được chọn (đảng viên, cán bộ của đơn vị). Hãy "
            "tìm theo tên và chọn lại."
        )
    }

    def limit_to(self, people, search_url: str) -> None:
        self._offer(people, search_url, people[:PICKER_OPTIONS])


class AccountField(forms.CharField):
    """A login by user name: active accounts (administrators' only for an administrator)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 150)
        super().__init__(*args, **kwargs)
        self.user = None

    def clean(self, value):
        username = (super().clean(value) or "").strip()
        if not username:
            return None
        accounts = get_user_model().objects.filter(is_active=True)
        if not access_for(self.user).everything:
            accounts = accounts.filter(is_superuser=False)
        account = accounts.filter(username=username).first()
        if account is None:
            raise forms.ValidationError(
                _("Không có tài khoản đang hoạt động tên “%(u)s”."), params={"u": username}
            )
        return account


class ScopedForm(VersionedForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            if isinstance(field, UnitCodeField | AccountField):
                field.user = user
            if isinstance(field, UnitChoiceField) and field.whole_scope:
                field.limit_to_scope(user)


class UnitForm(ScopedForm):
    code = forms.CharField(label=_("Mã đơn vị"), max_length=40)
    name = forms.CharField(label=_("Tên đơn vị"), max_length=255)
    kind = forms.ChoiceField(label=_("Loại đơn vị"), choices=UnitKind.choices)
    admin_code = forms.CharField(label=_("Mã hành chính"), max_length=10, required=False)
    valid_from = VnDateField(label=_("Hiệu lực từ"), required=False)
    valid_to = VnDateField(label=_("Hiệu lực đến"), required=False)
    reason = forms.CharField(
        label=_("Lý do / căn cứ"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class UnitMoveForm(ScopedForm):
    new_parent = UnitChoiceField(label=_("Đơn vị cấp trên mới"), whole_scope=True)
    reason = forms.CharField(
        label=_("Lý do / căn cứ (quyết định số…)"), widget=forms.Textarea(attrs={"rows": 2})
    )


class PersonForm(ScopedForm):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=120)
    birth_date = VnDateField(label=_("Ngày sinh"), required=False)
    gender = forms.ChoiceField(
        label=_("Giới tính"), choices=[("", "—"), *Gender.choices], required=False
    )
    party_card_number = forms.CharField(label=_("Số thẻ đảng viên"), max_length=20, required=False)
    admission_date = VnDateField(label=_("Ngày vào Đảng"), required=False)
    official_date = VnDateField(label=_("Ngày chính thức"), required=False)
    reason = forms.CharField(label=_("Ghi chú thay đổi"), required=False)


class MembershipForm(ScopedForm):
    unit = UnitChoiceField(label=_("Chi bộ"), kinds=sorted(CELL_KINDS), whole_scope=True)
    kind = forms.ChoiceField(label=_("Hình thức"), choices=MembershipKind.choices)
    valid_from = VnDateField(label=_("Từ ngày"))
    valid_to = VnDateField(label=_("Đến ngày"), required=False)
    reason = forms.CharField(label=_("Căn cứ"), required=False)


class PositionForm(ScopedForm):
    unit = UnitChoiceField(label=_("Đơn vị"), whole_scope=True)
    role = forms.ChoiceField(label=_("Chức vụ"), choices=PositionRole.choices)
    valid_from = VnDateField(label=_("Từ ngày"))
    valid_to = VnDateField(label=_("Đến ngày"), required=False)
    is_concurrent = forms.BooleanField(label=_("Kiêm nhiệm"), required=False)
    reason = forms.CharField(label=_("Căn cứ"), required=False)


class PeriodEndForm(ScopedForm):
    """End a membership or a post: the last day, and the decision it follows."""

    valid_to = VnDateField(label=_("Ngày kết thúc"))
    reason = forms.CharField(label=_("Căn cứ (quyết định số…)"), required=False)


class AccessGrantForm(ScopedForm):
    """Give a login a role on the unit's subtree."""

    account = AccountField(label=_("Tên đăng nhập"))
    role = forms.ChoiceField(label=_("Vai trò"), choices=AccessRole.choices)
    reason = forms.CharField(label=_("Căn cứ (quyết định số…)"), required=False)


class AccessRevokeForm(ScopedForm):
    reason = forms.CharField(label=_("Lý do thu hồi"), required=False)


class PersonAccountForm(ScopedForm):
    """Link a login to the person (empty: remove the link)."""

    account = AccountField(
        label=_("Tên đăng nhập"),
        required=False,
        help_text=_("Để trống để gỡ tài khoản đang gắn."),
    )
    reason = forms.CharField(label=_("Ghi chú"), required=False)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Tìm đơn vị hoặc đảng viên"), max_length=100, required=False)


def unit_initial(unit: Unit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "admin_code": unit.admin_code,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
        "version": unit.version,
    }
