from django.db import models
from django.utils.translation import gettext_lazy as _


class CommitmentStatus(models.TextChoices):
    PLEDGED = "pledged", _("Pledged")
    SIGNED = "signed", _("Signed")
    IN_PARLIAMENT = "in_parliament", _("In parliament")
    RATIFIED = "ratified", _("Ratified")
    IN_FORCE = "in_force", _("In force")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class UpdateState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    STALE = "stale", _("Stale")


class GuaranteeDomain(models.TextChoices):
    LAND = "land", _("Land")
    AIR = "air", _("Air")
    SEA = "sea", _("Sea")
    TRAINING = "training", _("Training")
    EQUIPMENT = "equipment", _("Equipment")
    MONITORING = "monitoring", _("Monitoring")
    TECHNOLOGY = "technology", _("Technology")
    INTELLIGENCE = "intelligence", _("Intelligence")
    FINANCIAL = "financial", _("Financial")
    OTHER = "other", _("Other")


class ParticipantKind(models.TextChoices):
    COUNTRY = "country", _("Country")
    ORGANISATION = "organisation", _("International organisation")


class AgreementKind(models.TextChoices):
    JOINT_STATEMENT = "joint_statement", _("Joint statement")
    DECLARATION = "declaration", _("Declaration")
    TREATY = "treaty", _("Treaty")
    MEMORANDUM = "memorandum", _("Memorandum of understanding")
    OTHER = "other", _("Other")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail, at once")
    DIGEST = "digest", _("E-mail, daily digest")
    IN_APP = "in_app", _("In-app inbox")


class NotificationKind(models.TextChoices):
    STATUS_CHANGED = "status_changed", _("Status changed")
    UPDATE_SUBMITTED = "update_submitted", _("Update submitted for review")
    UPDATE_APPROVED = "update_approved", _("Update approved")
    UPDATE_REJECTED = "update_rejected", _("Update rejected")
    UPDATE_STALE = "update_stale", _("Update stale")
    REVIEW_REMINDER = "review_reminder", _("Reminder: updates waiting for review")
    ENDPOINT_DISABLED = "endpoint_disabled", _("Webhook endpoint disabled")
    AUDIT_CHAIN_BROKEN = "audit_chain_broken", _("Audit history verification failed")
    UPDATES_IMPORTED = "updates_imported", _("Updates submitted by an import")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class VerificationTrigger(models.TextChoices):
    """What started a verification of the audit chain."""

    SCHEDULE = "schedule", _("Schedule (beat)")
    COMMAND = "command", _("manage.py verify_audit")
    ADMIN = "admin", _("An admin, on demand")
