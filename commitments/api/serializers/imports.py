"""The import of status updates: the uploaded file, and the report the API answers with."""

from rest_framework import serializers

from commitments.api.serializers.base import StrictInputSerializer


class ImportInputSerializer(StrictInputSerializer):
    file = serializers.FileField(
        allow_empty_file=True,
        help_text="A CSV (UTF-8, with or without a byte order mark) or XLSX file of status "
        "updates, at most 5 MB and 10,000 rows; its name ends in .csv or .xlsx. Columns: "
        "participant, guarantee, proposed_status, effective_date, summary, source_url, "
        "source_title, correction, correction_reason.",
    )
    dry_run = serializers.BooleanField(
        default=True,
        help_text="true (the default): check every row and create nothing. false: create "
        "every row as a submitted update, or none.",
    )


class ImportRowErrorSerializer(serializers.Serializer):
    column = serializers.CharField(help_text="The column at fault; empty for the whole row.")
    message = serializers.CharField()


class ImportRowSerializer(serializers.Serializer):
    row = serializers.IntegerField(source="number", help_text="The row's line in the file.")
    ok = serializers.BooleanField()
    participant = serializers.CharField()
    guarantee = serializers.CharField()
    commitment = serializers.IntegerField(
        source="commitment_id", allow_null=True, help_text="The commitment it updates."
    )
    old_status = serializers.CharField(help_text="The commitment's status now (empty if none).")
    proposed_status = serializers.CharField()
    effective_date = serializers.DateField(allow_null=True)
    errors = ImportRowErrorSerializer(many=True)
    update = serializers.IntegerField(
        source="update_id", allow_null=True, help_text="The update created (an import's)."
    )


class ImportReportSerializer(serializers.Serializer):
    filename = serializers.CharField()
    format = serializers.CharField(source="file_format", help_text="csv or xlsx (empty: neither).")
    dry_run = serializers.BooleanField()
    ok = serializers.BooleanField(help_text="No file error and every row fine.")
    file_errors = serializers.ListField(child=serializers.CharField())
    row_count = serializers.SerializerMethodField()
    rows_with_errors = serializers.IntegerField()
    rows = ImportRowSerializer(many=True)
    created = serializers.ListField(
        child=serializers.IntegerField(), help_text="The ids of the updates created."
    )

    def get_row_count(self, report) -> int:
        return len(report.rows)
