"""The admin's registry, written out: tests that open every registered admin page take their
models from the registry, so a model dropped from it would silently drop its tests too."""

from django.contrib import admin


def test_the_admin_registers_exactly_the_models_it_manages():
    registered = {model._meta.label for model in admin.site._registry}

    assert registered == {
        "accounts.ApiToken",
        "accounts.User",
        "auth.Group",
        "axes.AccessAttempt",
        "axes.AccessLog",
        "commitments.Agreement",
        "commitments.AuditCheckpoint",
        "commitments.AuditEvent",
        "commitments.AuditVerification",
        "commitments.Commitment",
        "commitments.Guarantee",
        "commitments.Notification",
        "commitments.Participant",
        "commitments.Source",
        "commitments.StatusUpdate",
        "commitments.Subscription",
        "commitments.WebhookDelivery",
        "commitments.WebhookEndpoint",
    }
