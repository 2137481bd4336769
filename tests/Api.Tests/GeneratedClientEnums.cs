namespace RosterSync.Api.Tests.Generated;

/// <summary>
/// NSwag 14.7's System.Text.Json client names enum values by their C# names and writes a list of enums as numbers
/// (its TODO: no item converter), while the document's values are "roster:read", "co-teacher", …. Its own hook adds
/// a converter that reads and writes the EnumMember values the generator put on each enum.
/// </summary>
public partial class RosterSyncClient
{
    static partial void UpdateJsonSerializerSettings(System.Text.Json.JsonSerializerOptions settings) =>
        settings.Converters.Add(new EnumMemberConverterFactory());
}

internal sealed class EnumMemberConverterFactory : System.Text.Json.Serialization.JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override System.Text.Json.Serialization.JsonConverter CreateConverter(Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        (System.Text.Json.Serialization.JsonConverter)Activator.CreateInstance(typeof(EnumMemberConverter<>).MakeGenericType(typeToConvert))!;
}

internal sealed class EnumMemberConverter<T> : System.Text.Json.Serialization.JsonConverter<T> where T : struct, Enum
{
    private static readonly Dictionary<T, string> Names = Enum.GetValues<T>().ToDictionary(v => v, v =>
        typeof(T).GetField(v.ToString())!.GetCustomAttributes(typeof(System.Runtime.Serialization.EnumMemberAttribute), false)
            .OfType<System.Runtime.Serialization.EnumMemberAttribute>().FirstOrDefault()?.Value ?? v.ToString());

    public override T Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Names.First(n => n.Value == text).Key;
    }

    public override void Write(System.Text.Json.Utf8JsonWriter writer, T value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(Names[value]);
}
