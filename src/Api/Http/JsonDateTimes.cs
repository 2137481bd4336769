using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace RosterSync.Api.Http;

/// <summary>
/// One date-time format in every answer: UTC, 6 fractional digits, 'Z' (PostgreSQL keeps microseconds, so a value read
/// back equals the one written). Without it a just-created record showed 7 digits and the same record read later 6.
/// Any ISO 8601 date-time is read.
/// </summary>
public static class JsonDateTimes
{
    public const string Format = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static void AddTo(JsonSerializerOptions options)
    {
        options.Converters.Add(new OffsetConverter());
        options.Converters.Add(new DateTimeConverter());
    }

    private sealed class OffsetConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString(Format, CultureInfo.InvariantCulture));
    }

    private sealed class DateTimeConverter : JsonConverter<DateTime>
    {
        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDateTime();

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToUniversalTime().ToString(Format, CultureInfo.InvariantCulture));
    }
}
