"""The record: who pledged what, and where its ratification stands.

Models stay plain. Every write goes through commitments.services; audited models refuse
QuerySet.update(), QuerySet.delete() and bulk_create(), which would bypass the audit history.
An instance's own save() and delete() stay (the services call them and record the event).
Django's cascades do not go through QuerySet.delete() (its Collector deletes in batches of its
own), so deleting a user or a reference row is not blocked by these refusals.

The one escape hatch is unaudited_bulk_create(): for benchmarks and test fixtures that build
large histories or records directly, never for the application's own writes.
"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from commitments.choices import (
    AgreementKind,
    CommitmentStatus,
    GuaranteeDomain,
    ParticipantKind,
    UpdateState,
)
from commitments.exceptions import AuditedWriteForbidden

# A URL the record keeps (a source's, a webhook endpoint's): http or https, at most this long.
URL_MAX_LENGTH = 2000
url_validator = URLValidator(schemes=["http", "https"])


class AuditedQuerySet(models.QuerySet):
    """Bulk updates, deletes and inserts would change the record without an audit event:
    refuse them."""

    def update(self, **kwargs):
        raise AuditedWriteForbidden()

    update.queryset_only = True

    def delete(self):
        raise AuditedWriteForbidden()

    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditedWriteForbidden()

    def bulk_update(self, objs, *args, **kwargs):
        raise AuditedWriteForbidden()


def unaudited_bulk_create(model: type[models.Model], objs, **kwargs) -> list:
    """Insert rows of an audited model (or audit events) in bulk, with no audit event: the
    documented escape hatch for benchmarks and fixtures. On PostgreSQL the audit table's
    triggers still accept only events that continue the chain."""
    return models.QuerySet(model).bulk_create(objs, **kwargs)


class Source(models.Model):
    url = models.URLField(_("URL"), max_length=URL_MAX_LENGTH)
    title = models.CharField(_("title"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    excerpt = models.TextField(_("excerpt"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "pk"]

    def __str__(self) -> str:
        return self.title or self.url


class Participant(models.Model):
    """A country (ISO 3166-1 alpha-2) or an international organisation that pledges."""

    code = models.CharField(
        _("code"),
        max_length=10,
        unique=True,
        help_text=_("ISO 3166-1 alpha-2 for a country (FR), a short code for an organisation."),
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ParticipantKind.choices)
    needs_parliamentary_approval = models.BooleanField(
        _("needs parliamentary approval"), default=True
    )
    approval_body = models.CharField(
        _("approving body"), max_length=200, blank=True, help_text=_('e.g. "Bundestag"')
    )
    notes = models.TextField(_("notes"), blank=True)
    is_sample = models.BooleanField(
        _("illustrative sample data"), default=False, help_text=_("Demo data, not a real record.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ParticipantKind.values), name="participant_kind_valid"
            ),
            models.CheckConstraint(
                condition=~Q(kind=ParticipantKind.COUNTRY) | Q(code__regex=r"^[A-Z]{2}$"),
                name="participant_country_code_iso",
                violation_error_message=_("A country's code is two capital letters (ISO 3166-1)."),
            ),
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z][A-Z0-9]{1,9}$"),
                name="participant_code_format",
                violation_error_message=_("A code is capital letters and digits."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """The instrument in which guarantees were pledged."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(
        _("kind"), max_length=20, choices=AgreementKind.choices, default=AgreementKind.OTHER
    )
    signed_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="agreements")
    is_sample = models.BooleanField(_("illustrative sample data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AgreementKind.values), name="agreement_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Guarantee(models.Model):
    """One pledged guarantee of an agreement, in one domain."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="guarantees")
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    domain = models.CharField(_("domain"), max_length=20, choices=GuaranteeDomain.choices)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["agreement", "position", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(domain__in=GuaranteeDomain.values), name="guarantee_domain_valid"
            ),
            models.UniqueConstraint(
                fields=["agreement", "title"], name="guarantee_title_unique_per_agreement"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Commitment(models.Model):
    """One participant's part in one guarantee: the unit whose ratification is tracked."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="commitments"
    )
    guarantee = models.ForeignKey(Guarantee, on_delete=models.PROTECT, related_name="commitments")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.PLEDGED,
    )
    status_date = models.DateField(_("status effective since"), null=True, blank=True)
    status_changed_at = models.DateTimeField(_("status recorded at"), null=True, blank=True)
    pledged_on = models.DateField(_("pledged on"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    in_parliament_on = models.DateField(_("in parliament since"), null=True, blank=True)
    ratified_on = models.DateField(_("ratified on"), null=True, blank=True)
    in_force_on = models.DateField(_("in force since"), null=True, blank=True)
    rejected_on = models.DateField(_("rejected on"), null=True, blank=True)
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    subject_to_ratification = models.BooleanField(_("subject to ratification"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    notes = models.TextField(_("notes"), blank=True)
    sources = models.ManyToManyField(Source, blank=True, related_name="commitments")
    is_sample = models.BooleanField(_("illustrative sample data"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["guarantee", "participant__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "guarantee"],
                name="commitment_unique_per_participant_guarantee",
                violation_error_message=_("This participant already has a commitment here."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=CommitmentStatus.values),
                name="commitment_status_on_ladder",
                violation_error_message=_("The status is not on the ratification ladder."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="commitment_version_positive"),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["updated_at"])]

    def __str__(self) -> str:
        return f"{self.participant} · {self.guarantee}"

    def stage_date(self, status: str):
        """The date a stage was reached, or None."""
        return getattr(self, f"{status}_on", None)


class StatusUpdate(models.Model):
    """An analyst's proposed status for a commitment, reviewed before it touches the record."""

    commitment = models.ForeignKey(Commitment, on_delete=models.PROTECT, related_name="updates")
    proposed_status = models.CharField(
        _("proposed status"), max_length=20, choices=CommitmentStatus.choices
    )
    effective_date = models.DateField(_("effective date"))
    summary = models.TextField(_("summary"))
    sources = models.ManyToManyField(Source, related_name="updates")
    is_correction = models.BooleanField(_("correction"), default=False)
    correction_reason = models.TextField(_("correction reason"), blank=True)
    # Held by its sequence number, the event's public name (the history lists it).
    corrects = models.ForeignKey(
        "AuditEvent",
        to_field="sequence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("corrects event"),
        help_text=_(
            "The earlier status change this correction says was wrong: it and every later "
            "status change of the commitment are superseded when the correction is applied."
        ),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=UpdateState.choices, default=UpdateState.DRAFT
    )
    base_version = models.PositiveIntegerField(_("written against version"))
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposed_updates"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviewed_updates",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=UpdateState.values), name="update_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(proposed_status__in=CommitmentStatus.values),
                name="update_proposed_status_on_ladder",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[UpdateState.APPROVED, UpdateState.REJECTED])
                | Q(reviewed_by__isnull=False, reviewed_at__isnull=False),
                name="update_decision_names_reviewer",
                violation_error_message=_("A decided update names its reviewer."),
            ),
            models.CheckConstraint(
                condition=Q(reviewed_by__isnull=True) | ~Q(reviewed_by=F("proposed_by")),
                name="update_four_eyes",
                violation_error_message=_("Nobody reviews their own update (four eyes)."),
            ),
            models.CheckConstraint(
                condition=~Q(state=UpdateState.REJECTED) | ~Q(review_comment=""),
                name="update_rejection_has_comment",
                violation_error_message=_("A rejection needs a comment."),
            ),
            models.CheckConstraint(
                condition=Q(is_correction=False) | ~Q(correction_reason=""),
                name="update_correction_has_reason",
                violation_error_message=_("A correction needs a reason."),
            ),
            models.CheckConstraint(
                condition=Q(is_correction=True) | Q(corrects__isnull=True),
                name="update_only_correction_names_event",
                violation_error_message=_("Only a correction names the event it corrects."),
            ),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"])]

    def __str__(self) -> str:
        return f"#{self.pk}: {self.commitment} → {self.get_proposed_status_display()}"
