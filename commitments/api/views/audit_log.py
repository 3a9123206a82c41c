"""The audit log, its signed checkpoints and the public key that checks them."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments import services
from commitments.api import serializers as s
from commitments.audit import checkpoints
from commitments.models import AuditCheckpoint


class AuditCheckpointViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Signed checkpoints of the audit chain's head, newest first: readable by whoever may
    read the audit events; admins sign one on demand (a schedule signs one every hour in
    which the chain moved)."""

    serializer_class = s.AuditCheckpointSerializer
    filterset_class = None

    def get_queryset(self):
        return AuditCheckpoint.objects.order_by("-signed_at", "-pk")

    @extend_schema(request=s.EmptyInputSerializer, responses={201: s.AuditCheckpointSerializer})
    def create(self, request, *args, **kwargs):
        """Sign the chain's head now (admins only) and publish it."""
        s.EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        checkpoint = services.audit_checkpoint_create(actor=request.user)
        return Response(checkpoints.document(checkpoint), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.AuditCheckpointSerializer})
    @action(detail=False, methods=["get"], pagination_class=None)
    def latest(self, request):
        """The newest checkpoint: keep its JSON exactly as served, and check it later with
        `manage.py verify_audit --checkpoint FILE`."""
        checkpoint = checkpoints.latest()
        if checkpoint is None:
            raise Http404
        return Response(checkpoints.document(checkpoint))


class AuditPublicKeyView(APIView):
    """The key that signs the audit checkpoints: public, so anyone can check one."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: s.AuditPublicKeySerializer})
    def get(self, request):
        return Response(checkpoints.public_key_document())
