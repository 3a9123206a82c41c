"""Atom feeds of the record's applied changes: the whole record, and one per participant,
guarantee and agreement. They read the same selector as /changes/ (what an anonymous
reader may see), fifty entries, newest first."""

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.syndication.views import Feed
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest
from django.http.request import split_domain_port
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from commitments import selectors
from commitments.models import Agreement, Guarantee, Participant
from commitments.selectors import RecordChange

FEED_SIZE = 50
# Entry ids are tag URIs (RFC 4151) naming the audit event's sequence, its public name:
# stable whatever the entry's title, link or the feed it appears in.
TAG_DATE = "2024"


def _host(request: HttpRequest) -> str:
    return split_domain_port(request.get_host())[0] or "localhost"


@dataclass(frozen=True)
class Subject:
    """What one request's feed is about, and for whom: a feed instance serves every request
    (and thread), so nothing of a request is kept on it."""

    viewer: Any
    host: str
    path: str
    item: Any = None
    filters: dict = field(default_factory=dict)


class Entry(NamedTuple):
    """One entry: the change, and the host its tag URI names."""

    change: RecordChange
    host: str


class RecordChangesFeed(Feed):
    """The whole record's applied changes."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args, **kwargs) -> Subject:
        return Subject(viewer=request.user, host=_host(request), path=request.path)

    def title(self, obj: Subject) -> str:
        return _("Commitment Tracker: changes to the record")

    def subtitle(self, obj: Subject) -> str:
        return _("The latest applied status changes of pledged guarantees, newest first.")

    def link(self, obj: Subject) -> str:
        return reverse("commitments:changes")

    def feed_url(self, obj: Subject) -> str:
        return obj.path

    def items(self, obj: Subject) -> list["Entry"]:
        changes = selectors.record_changes(viewer=obj.viewer, **obj.filters)[:FEED_SIZE]
        return [Entry(change, obj.host) for change in changes]

    def item_title(self, entry: Entry) -> str:
        item = entry.change
        subject = f"{item.participant.name}: {item.guarantee.title}"
        if item.is_new_commitment:
            move = item.status_to_label.lower()
        else:
            move = f"{item.status_from_label.lower()} → {item.status_to_label.lower()}"
        if item.is_correction:
            move = _("%(move)s (correction)") % {"move": move}
        return f"{subject} — {move}"

    def item_link(self, entry: Entry) -> str:
        return reverse("commitments:commitment_detail", kwargs={"pk": entry.change.commitment_id})

    def item_guid(self, entry: Entry) -> str:
        return f"tag:{entry.host},{TAG_DATE}:event-{entry.change.sequence}"

    item_guid_is_permalink = False

    def item_pubdate(self, entry: Entry):
        return entry.change.recorded_at

    def item_updateddate(self, entry: Entry):
        return entry.change.recorded_at

    def item_author_name(self, entry: Entry) -> str | None:
        return entry.change.reviewed_by

    def item_categories(self, entry: Entry) -> list[str]:
        return [entry.change.status_to_label]

    def item_description(self, entry: Entry) -> str:
        # Rendered without the request: the syndication framework's description_template
        # would run every context processor once per entry, for nothing an entry shows.
        return render_to_string("feeds/change_summary.html", {"change": entry.change}).strip()


class _SubjectFeed(RecordChangesFeed):
    """The changes of one participant (by code), guarantee or agreement (by slug); an
    unknown one is a 404."""

    def get_object(self, request: HttpRequest, *args, **kwargs) -> Subject:
        try:
            item = self.lookup(**kwargs)
        except ObjectDoesNotExist as error:
            raise Http404(str(error)) from error
        return Subject(
            viewer=request.user,
            host=_host(request),
            path=request.path,
            item=item,
            filters={self.subject_kind: item},
        )


class ParticipantFeed(_SubjectFeed):
    subject_kind = "participant"

    def lookup(self, *, code: str) -> Participant:
        return selectors.participant_lookup().get(code=code)

    def title(self, obj: Subject) -> str:
        return _("Commitment Tracker: changes for %(name)s") % {"name": obj.item.name}

    def link(self, obj: Subject) -> str:
        return reverse("commitments:participant_detail", kwargs={"code": obj.item.code})


class GuaranteeFeed(_SubjectFeed):
    subject_kind = "guarantee"

    def lookup(self, *, slug: str) -> Guarantee:
        return selectors.guarantee_lookup().get(slug=slug)

    def title(self, obj: Subject) -> str:
        return _("Commitment Tracker: changes to %(title)s") % {"title": obj.item.title}

    def link(self, obj: Subject) -> str:
        return reverse("commitments:guarantee_detail", kwargs={"slug": obj.item.slug})


class AgreementFeed(_SubjectFeed):
    subject_kind = "agreement"

    def lookup(self, *, slug: str) -> Agreement:
        return selectors.agreement_lookup().prefetch_related(None).get(slug=slug)

    def title(self, obj: Subject) -> str:
        return _("Commitment Tracker: changes under %(title)s") % {"title": obj.item.title}

    def link(self, obj: Subject) -> str:
        return reverse("commitments:agreement_detail", kwargs={"slug": obj.item.slug})
