from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from agencies import views as account_views

from . import views
from .health import HealthView

accounts = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        account_views.PasswordResetView.as_view(
            email_template_name="registration/password_reset_email.txt",
            html_email_template_name="registration/password_reset_email.html",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The one-time link of an invitation: set a first password, then straight to the survey.
    path(
        "set-password/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_set.html",
            post_reset_login=True,
            success_url=reverse_lazy("surveys:responses"),
        ),
        name="password_set",
    ),
    # The second factor (agencies/mfa.py), the person's own account page and password.
    path("mfa/", account_views.mfa_verify, name="mfa_verify"),
    path("mfa/setup/", account_views.mfa_setup, name="mfa_setup"),
    path("mfa/recovery-codes/", account_views.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("security/", account_views.account_security, name="account_security"),
    path(
        "security/recovery-codes/new/",
        account_views.recovery_codes_regenerate,
        name="recovery_codes_regenerate",
    ),
    path("security/mfa-off/", account_views.mfa_disable, name="mfa_disable"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("ping/", views.ping, name="ping"),
    path("health/", HealthView.as_view(), name="health"),
    path("accounts/", include(accounts)),
    path("survey/", include("surveys.urls")),
    path("awards/", include("awards.urls")),
    path("", include("results.urls")),
    path("api/v1/", include("results.api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(settings.ADMIN_URL, admin.site.urls),
]

admin.site.site_header = _("dgaweb administration")
admin.site.site_title = _("dgaweb administration")
admin.site.index_title = _("Digital Government Readiness Survey and Awards")
