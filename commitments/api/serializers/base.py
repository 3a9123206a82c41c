"""The base of every input serializer: unknown fields are refused."""

from rest_framework import serializers

from tracker import formats


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know, instead of ignoring them, and ids, dates and
    date-times in any form but the one the schema names (tracker.formats)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in unknown}, code="unknown_field"
            )
        malformed = {
            name: [message]
            for name, field in self.fields.items()
            if name in data and (message := formats.refusal(field, data[name]))
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **malformed}) from error
        if malformed:
            raise serializers.ValidationError(malformed)
        return value
