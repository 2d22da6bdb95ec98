"""Bearer-token authentication: ``Authorization: Bearer cs_<prefix>_<secret>``."""

from datetime import timedelta

from django.db.models import OuterRef
from django.utils import timezone
from rest_framework import authentication, exceptions

from scheduling.access import Access
from scheduling.models import ApiToken

# last_used_at is for people auditing tokens; minute precision spares a write per call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        try:
            clear = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.") from exc
        prefix = ApiToken.parse_prefix(clear)
        tokens = ApiToken.objects.active().select_related("user").filter(prefix=prefix)
        org_uuid = (getattr(request, "parser_context", None) or {}).get("kwargs", {}).get("org_id")
        if org_uuid is not None:
            # The caller's membership of the org in the path, read in the same query.
            tokens = tokens.annotate(
                membership=Access.membership_subquery(OuterRef("user_id"), org_uuid)
            )
        token = tokens.first() if prefix else None
        if token is None or not token.matches(clear) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
