"""POST /api/v1/status-updates/import/: a file of status updates, checked or imported."""

from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from commitments import services
from commitments.api.serializers.imports import ImportInputSerializer, ImportReportSerializer
from tracker.schema import ErrorSerializer

REFUSED = PolymorphicProxySerializer(
    component_name="ImportRefused",
    serializers=[ImportReportSerializer, ErrorSerializer],
    resource_type_field_name=None,
)


class StatusUpdateImportView(APIView):
    """Check (`dry_run`, the default) or import a CSV or XLSX file of status updates
    (analysts). Every row is checked as a status update created one at a time would be; the
    import creates every row as a submitted update with its source, in one transaction, or
    none. 200: the dry run found every row fine; 201: every row created (`created`); 400: the
    report, with the file's errors or each failing row's (or a malformed request)."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="v1_status_updates_import",
        request={"multipart/form-data": ImportInputSerializer},
        responses={
            200: ImportReportSerializer,
            201: ImportReportSerializer,
            400: OpenApiResponse(REFUSED, description="The report, or a malformed request."),
        },
    )
    def post(self, request):
        payload = ImportInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        upload = payload.validated_data["file"]
        run = services.import_check if payload.validated_data["dry_run"] else services.import_apply
        report = run(file=upload, filename=upload.name, author=request.user)
        if not report.ok:
            code = status.HTTP_400_BAD_REQUEST
        elif report.dry_run:
            code = status.HTTP_200_OK
        else:
            code = status.HTTP_201_CREATED
        return Response(ImportReportSerializer(report).data, status=code)
