"""Login with a Vietnamese form; axes counts failures and locks out repeated guessing."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: sai nhiều lần sẽ bị khóa tạm thời."
        ),
        "inactive": _("Tài khoản này đã bị khóa."),
    }


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True
