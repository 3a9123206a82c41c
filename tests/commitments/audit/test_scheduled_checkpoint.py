"""The hourly checkpoint is signed only when the audit chain's head moved."""

import pytest

from commitments.models import AuditCheckpoint
from commitments.tasks import sign_audit_checkpoint
from tests.commitments.audit.test_tamper import history

pytestmark = pytest.mark.django_db


def test_the_schedule_signs_a_checkpoint_only_when_the_head_moved_since_the_latest():
    history(1)
    sign_audit_checkpoint.delay()

    sign_audit_checkpoint.delay()
    unmoved = AuditCheckpoint.objects.count()
    history(1)
    sign_audit_checkpoint.delay()

    assert unmoved == 1
    assert list(AuditCheckpoint.objects.order_by("pk").values_list("sequence", flat=True)) == [1, 2]
