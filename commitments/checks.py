"""Deploy checks (`manage.py check --deploy`) for the audit history's guarantees.

The database triggers that keep the audit table append-only bind everyone but the table's
owner (who may switch them off) and superusers: the app should connect as a role that is
neither, and migrations run as the owner (README, production).
"""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction

AUDIT_TABLE = "commitments_auditevent"

# Whether the connected role owns the audit table (or is a member of its owner: the same
# powers), and whether it is a superuser.
ROLE_SQL = """
SELECT current_user,
       pg_has_role(current_user, c.relowner, 'MEMBER'),
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
FROM pg_class c
WHERE c.oid = to_regclass(%s)
"""


@checks.register(checks.Tags.security, deploy=True)
def audit_table_not_owned(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """commitments.W001: the app's database role can switch the audit table's triggers off."""
    if connection.vendor != "postgresql":
        return []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(ROLE_SQL, [AUDIT_TABLE])
            row = cursor.fetchone()
    except DatabaseError:
        return []  # no database to ask; the migrations' own checks say so
    if row is None:
        return []  # not migrated yet
    role, owns, superuser = row
    if not (owns or superuser):
        return []
    what = "is a superuser" if superuser else f"owns {AUDIT_TABLE}"
    return [
        checks.Warning(
            f"The app connects to PostgreSQL as {role!r}, which {what}: it can switch off the "
            "triggers that keep the audit history append-only.",
            hint="Run the app as a role that neither owns the audit table nor is a superuser; "
            "run migrations as the owner (README, production).",
            id="commitments.W001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def audit_signing_key_set(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """commitments.E001: checkpoints cannot be signed in production without a valid key."""
    from commitments.audit import checkpoints

    if settings.AUDIT_SIGNING_KEY:
        try:
            checkpoints.private_key()
        except ImproperlyConfigured as error:
            return [checks.Error(str(error), id="commitments.E001")]
        return []
    if settings.AUDIT_SIGNING_KEY_FROM_SECRET:
        return []
    return [
        checks.Error(
            "AUDIT_SIGNING_KEY is not set: the audit chain's checkpoints cannot be signed.",
            hint="Set AUDIT_SIGNING_KEY to base64 of a raw 32-byte Ed25519 private key "
            "(README, configuration).",
            id="commitments.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def webhook_secret_keys_set(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """commitments.E002: webhook secrets cannot be kept encrypted without valid keys."""
    from commitments import crypto

    if settings.WEBHOOK_SECRET_KEYS:
        try:
            crypto.fernet()
        except ImproperlyConfigured as error:
            return [checks.Error(str(error), id="commitments.E002")]
        return []
    if settings.WEBHOOK_SECRET_KEYS_FROM_SECRET:
        return []
    return [
        checks.Error(
            "WEBHOOK_SECRET_KEYS is not set: webhook endpoint secrets cannot be encrypted.",
            hint="Set WEBHOOK_SECRET_KEYS to one or more Fernet keys, newest first "
            "(README, configuration).",
            id="commitments.E002",
        )
    ]
