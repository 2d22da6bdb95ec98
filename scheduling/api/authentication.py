"""Bearer-token authentication: ``Authorization: Bearer cs_<prefix>_<secret>``."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework import authentication, exceptions

from scheduling.access import NOT_READ, Access
from scheduling.db import column_list, from_row, prepared_cursor
from scheduling.models import ApiToken, Membership, MembershipLocation, Organization

# last_used_at is for people auditing tokens; minute precision spares a write per call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@cache
def _token_select() -> tuple[str, tuple[int, int, int]]:
    """One constant statement for every call: the active token with this prefix, its user,
    and the user's membership of the org in the path (its org, and its locations unless
    it has all of them). Returns the SQL and where each model's columns end in a row."""
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (ApiToken, get_user_model(), Membership, Organization, MembershipLocation)
    }
    counts = [len(model._meta.concrete_fields) for model in (ApiToken, get_user_model())]
    counts += [len(Membership._meta.concrete_fields), len(Organization._meta.concrete_fields)]
    ends = (counts[0], counts[0] + counts[1], counts[0] + counts[1] + counts[2])
    sql = (
        f"SELECT {column_list(ApiToken, 't')}, {column_list(get_user_model(), 'u')},"
        f" {column_list(Membership, 'm')}, {column_list(Organization, 'o')},"
        f" CASE WHEN m.all_locations THEN NULL ELSE ARRAY("
        f"SELECT ml.location_id FROM {table[MembershipLocation]} ml"
        f" WHERE ml.membership_id = m.id AND ml.org_id = m.org_id) END"
        f" FROM {table[ApiToken]} t JOIN {table[get_user_model()]} u ON u.id = t.user_id"
        f" LEFT JOIN ({table[Membership]} m JOIN {table[Organization]} o"
        f" ON o.id = m.org_id AND o.uuid = %s::uuid) ON m.user_id = t.user_id"
        f" WHERE t.prefix = %s AND t.revoked_at IS NULL"
    )
    return sql, ends


def read_token(prefix: str, org_uuid) -> tuple[ApiToken, Access | None | object] | None:
    """The active token with ``prefix`` (its user loaded) and the caller's Access to the
    org ``org_uuid`` (None: not a member; NOT_READ when no org was given), in one round
    trip; None when no active token has that prefix."""
    sql, (token_end, user_end, membership_end) = _token_select()
    with prepared_cursor() as cursor:
        cursor.execute(sql, [org_uuid, prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    token = from_row(ApiToken, row[:token_end])
    token.user = from_row(get_user_model(), row[token_end:user_end])
    if org_uuid is None:
        return token, NOT_READ
    if row[user_end] is None:  # the membership's id
        return token, None
    membership = from_row(Membership, row[user_end:membership_end])
    membership.org = from_row(Organization, row[membership_end:-1])
    membership.user = token.user
    return token, Access(membership.org, membership, location_ids=row[-1])


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
        org_uuid = (getattr(request, "parser_context", None) or {}).get("kwargs", {}).get("org_id")
        found = read_token(prefix, org_uuid) if prefix else None
        if found is None or not found[0].matches(clear) or not found[0].user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        token, token.access = found  # the caller's Access to the org in the path, if any
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
