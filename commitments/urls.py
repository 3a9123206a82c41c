from django.urls import path

from commitments import feeds
from commitments.views import changes, home, placeholders

app_name = "commitments"

urlpatterns = [
    path("", home.HomeView.as_view(), name="home"),
    path("changes/", changes.ChangesView.as_view(), name="changes"),
    path("changes/feed/", feeds.RecordChangesFeed(), name="changes_feed"),
    path("participants/<str:code>/feed/", feeds.ParticipantFeed(), name="participant_feed"),
    path("guarantees/<slug:slug>/feed/", feeds.GuaranteeFeed(), name="guarantee_feed"),
    path("agreements/<slug:slug>/feed/", feeds.AgreementFeed(), name="agreement_feed"),
    # placeholder: detail pages come from the "pages" branch
    path("participants/<str:code>/", placeholders.not_yet, name="participant_detail"),
    # placeholder: detail pages come from the "pages" branch
    path("guarantees/<slug:slug>/", placeholders.not_yet, name="guarantee_detail"),
    # placeholder: detail pages come from the "pages" branch
    path("agreements/<slug:slug>/", placeholders.not_yet, name="agreement_detail"),
    # placeholder: detail pages come from the "pages" branch
    path("commitments/<int:pk>/", placeholders.not_yet, name="commitment_detail"),
]
