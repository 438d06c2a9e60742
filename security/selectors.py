from django.contrib.auth import get_user_model


def account_for(typed: str):
    """The account whose e-mail address is `typed` (in any case), or None: a failed login or a
    reset request names it so that DGA staff see attempts on a real account."""
    typed = (typed or "").strip()
    if not typed:
        return None
    User = get_user_model()
    lookup = {f"{User.USERNAME_FIELD}__iexact": typed}
    return User._default_manager.filter(**lookup).first()
