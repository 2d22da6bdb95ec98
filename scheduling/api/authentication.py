"""Bearer-token authentication: ``Authorization: Bearer cs_<prefix>_<secret>``."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Companion:
    """A read a view sends along with the caller's token: in the token's statement, so
    the request makes one round trip instead of two.

    ``sql`` selects at most one row; ``{org}`` and ``{locations}`` in it stand for the
    caller's org id and permitted location ids (an array, NULL for all) read from the
    membership in the same statement, so with ``Restriction.over`` it sees what
    ``restrict(access)`` shows the caller (a non-member, nothing). ``sql`` is constant
    text (the statement is prepared once per text), ``params`` its values. The row is
    handed to the view only once the token is verified.
    """

    ORG = "{org}"
    LOCATIONS = "{locations}"

    sql: str
    params: tuple = ()


@cache
def _token_select(companion_sql: str | None = None) -> tuple[str, tuple[int, int, int]]:
    """One constant statement for every call: the active token with this prefix, its user,
    and the user's membership of the org in the path (its org with the zone of its first
    location, and its locations unless it has all of them), then the columns of
    ``companion_sql`` (a ``Companion``'s) when given. Returns the SQL and where each
    model's columns end in a row."""
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (ApiToken, get_user_model(), Membership, Organization, MembershipLocation)
    }
    counts = [len(model._meta.concrete_fields) for model in (ApiToken, get_user_model())]
    counts += [len(Membership._meta.concrete_fields), len(Organization._meta.concrete_fields)]
    ends = (counts[0], counts[0] + counts[1], counts[0] + counts[1] + counts[2])
    companion = ""
    if companion_sql is not None:
        sql = companion_sql.replace(Companion.ORG, "caller.org_id")
        sql = sql.replace(Companion.LOCATIONS, "caller.location_ids")
        companion = f" LEFT JOIN LATERAL ({sql}) companion ON TRUE"
    sql = (
        f"SELECT {column_list(ApiToken, 't')}, {column_list(get_user_model(), 'u')},"
        f" {column_list(Membership, 'm')}, {column_list(Organization, 'o')},"
        f" {Organization.fallback_timezone_sql('o')},"
        f" caller.location_ids{', companion.*' if companion else ''}"
        f" FROM {table[ApiToken]} t JOIN {table[get_user_model()]} u ON u.id = t.user_id"
        f" LEFT JOIN ({table[Membership]} m JOIN {table[Organization]} o"
        f" ON o.id = m.org_id AND o.uuid = %s::uuid) ON m.user_id = t.user_id"
        f" CROSS JOIN LATERAL (SELECT m.org_id, CASE WHEN m.all_locations THEN NULL"
        f" ELSE ARRAY(SELECT ml.location_id FROM {table[MembershipLocation]} ml"
        f" WHERE ml.membership_id = m.id AND ml.org_id = m.org_id) END AS location_ids)"
        f" caller{companion}"
        f" WHERE t.prefix = %s AND t.revoked_at IS NULL"
    )
    return sql, ends


@dataclass
class TokenRead:
    """What ``read_token`` found: the token (its user loaded), the caller's Access to the
    org in the path (None: not a member; NOT_READ: no org given), and the companion's row
    (None when it found none; NOT_READ when none was sent)."""

    token: ApiToken
    access: Access | None | object
    companion_row: tuple | None | object = NOT_READ


def read_token(prefix: str, org_uuid, companion: Companion | None = None) -> TokenRead | None:
    """The active token with ``prefix`` and the caller's Access to the org ``org_uuid``
    (and ``companion``'s row), in one round trip; None when no active token has that
    prefix."""
    if org_uuid is None:
        companion = None  # nothing to restrict it to
    sql, (token_end, user_end, membership_end) = _token_select(
        None if companion is None else companion.sql
    )
    params = [org_uuid, *(() if companion is None else companion.params), prefix]
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    org_end = membership_end + len(Organization._meta.concrete_fields)
    fallback_timezone, location_ids = row[org_end : org_end + 2]
    access_end = org_end + 2
    token = from_row(ApiToken, row[:token_end])
    token.user = from_row(get_user_model(), row[token_end:user_end])
    found = TokenRead(token, NOT_READ)
    if companion is not None:
        rest = row[access_end:]
        found.companion_row = None if rest[0] is None else rest
    if org_uuid is None:
        return found
    if row[user_end] is None:  # the membership's id
        found.access = None
        return found
    membership = from_row(Membership, row[user_end:membership_end])
    membership.org = from_row(Organization, row[membership_end:org_end])
    membership.org.fallback_timezone_read(fallback_timezone)
    membership.user = token.user
    found.access = Access(membership.org, membership, location_ids=location_ids)
    return found


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
        context = getattr(request, "parser_context", None) or {}
        org_uuid = context.get("kwargs", {}).get("org_id")
        view = context.get("view")
        companion = view.read_with_token() if hasattr(view, "read_with_token") else None
        found = read_token(prefix, org_uuid, companion) if prefix else None
        if found is None or not found.token.matches(clear) or not found.token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        token = found.token
        token.access = found.access  # the caller's Access to the org in the path, if any
        token.companion_row = found.companion_row  # the view's read, if it sent one
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
