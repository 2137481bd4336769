using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace RosterSync.Domain.Export;

/// <summary>A registration form field: <c>section.name</c>, what it holds, and whether a submitted registration must answer it.</summary>
public sealed record CatalogueField(string Id, string Section, string Label, string Type, bool Required, IReadOnlyList<string>? Options = null);

public static class FieldTypes
{
    public const string Text = "text";
    /// <summary>A date as the form captures it: MM/dd/yyyy (or ISO yyyy-MM-dd).</summary>
    public const string Date = "date";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string Choice = "choice";
}

/// <summary>
/// The district's registration fields, grouped by section as Enroll groups them (student, address, enrollment, guardians),
/// and the validation of a registration's answers against them. Pure: no I/O.
/// </summary>
public static class FieldCatalogue
{
    public static readonly string[] DateFormats = ["MM/dd/yyyy", "M/d/yyyy", "yyyy-MM-dd"];
    public static readonly string[] Grades = ["K", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"];

    /// <summary>System values every registration has besides its answers, for mappings (e.g. the school's SIS number).</summary>
    public static readonly string[] SystemFields = ["registration.id", "school.identifier", "school.name"];

    public static readonly IReadOnlyList<CatalogueField> Default =
    [
        new("student.firstName", "student", "First name", FieldTypes.Text, true),
        new("student.middleName", "student", "Middle name", FieldTypes.Text, false),
        new("student.lastName", "student", "Last name", FieldTypes.Text, true),
        new("student.birthDate", "student", "Date of birth", FieldTypes.Date, true),
        new("student.gender", "student", "Gender", FieldTypes.Choice, true, ["Female", "Male", "Non-binary"]),
        new("student.email", "student", "Student email", FieldTypes.Email, true),
        new("student.homeLanguage", "student", "Home language", FieldTypes.Text, false),
        new("student.localId", "student", "Local student number", FieldTypes.Text, false),
        new("address.street", "address", "Street", FieldTypes.Text, false),
        new("address.city", "address", "City", FieldTypes.Text, false),
        new("address.state", "address", "State", FieldTypes.Text, false),
        new("address.postalCode", "address", "ZIP code", FieldTypes.Text, false),
        new("enrollment.grade", "enrollment", "Grade", FieldTypes.Choice, true, Grades),
        new("enrollment.entryDate", "enrollment", "First day of attendance", FieldTypes.Date, false),
        new("guardian1.firstName", "guardian1", "Guardian 1 first name", FieldTypes.Text, false),
        new("guardian1.lastName", "guardian1", "Guardian 1 last name", FieldTypes.Text, false),
        new("guardian1.relationship", "guardian1", "Guardian 1 relationship", FieldTypes.Choice, false, ["Mother", "Father", "Guardian", "Other"]),
        new("guardian1.phone", "guardian1", "Guardian 1 phone", FieldTypes.Phone, false),
        new("guardian1.email", "guardian1", "Guardian 1 email", FieldTypes.Email, false),
        new("guardian2.firstName", "guardian2", "Guardian 2 first name", FieldTypes.Text, false),
        new("guardian2.lastName", "guardian2", "Guardian 2 last name", FieldTypes.Text, false),
        new("guardian2.phone", "guardian2", "Guardian 2 phone", FieldTypes.Phone, false),
        new("guardian2.email", "guardian2", "Guardian 2 email", FieldTypes.Email, false),
    ];

    private static readonly Dictionary<string, CatalogueField> ById = Default.ToDictionary(f => f.Id);

    public static bool IsSourceField(string id) => ById.ContainsKey(id) || SystemFields.Contains(id);

    public static CatalogueField? Find(string id) => ById.GetValueOrDefault(id);

    /// <summary>
    /// Errors keyed by JSON path (<c>answers.student.birthDate</c>): unknown sections or fields, values of the wrong type or
    /// outside their options, and, when <paramref name="complete"/> (a registration leaving draft), unanswered required fields.
    /// </summary>
    public static Dictionary<string, string[]> Validate(JsonObject answers, bool complete)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (section, fields) in answers)
        {
            if (fields is not JsonObject sectionFields)
            {
                errors[$"answers.{section}"] = ["A section is an object of fields."];
                continue;
            }
            foreach (var (name, value) in sectionFields)
            {
                var path = $"answers.{section}.{name}";
                if (Find($"{section}.{name}") is not { } field) errors[path] = [$"Not a field of the catalogue ({section}.{name})."];
                else if (value is not null && ValueError(field, value) is { } error) errors[path] = [error];
            }
        }
        if (complete)
            foreach (var field in Default.Where(f => f.Required && Text(answers, f.Id) is null))
                errors.TryAdd("answers." + field.Id, [$"{field.Label} is required once the registration is submitted."]);
        return errors;
    }

    private static string? ValueError(CatalogueField field, JsonNode value)
    {
        if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String) return "Must be a string.";
        var text = v.GetValue<string>();
        if (text.Length == 0) return null;
        return field.Type switch
        {
            FieldTypes.Date when ParseDate(text) is null => "Must be a date (MM/dd/yyyy or yyyy-MM-dd).",
            FieldTypes.Email when !text.Contains('@', StringComparison.Ordinal) || text.Length > 254 => "Must be an email address.",
            FieldTypes.Phone when text.Count(char.IsAsciiDigit) is < 7 or > 15 => "Must be a phone number.",
            FieldTypes.Choice when !field.Options!.Contains(text) => $"Must be one of: {string.Join(", ", field.Options!)}.",
            _ when text.Length > 500 => "Must be 500 characters or fewer.",
            _ => null,
        };
    }

    public static DateOnly? ParseDate(string text) =>
        DateOnly.TryParseExact(text.Trim(), DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>The answer at <c>section.name</c>, null when missing or empty.</summary>
    public static string? Text(JsonObject answers, string id)
    {
        var dot = id.IndexOf('.', StringComparison.Ordinal);
        return answers[id[..dot]] is JsonObject section && section[id[(dot + 1)..]] is JsonValue value
            && value.GetValueKind() == JsonValueKind.String && value.GetValue<string>() is { Length: > 0 } text ? text : null;
    }

    /// <summary>Every source value of a registration: its answers plus the system fields, by field id.</summary>
    public static Dictionary<string, string?> SourceValues(Guid registrationId, JsonObject answers, string? schoolIdentifier, string schoolName)
    {
        var values = Default.ToDictionary(f => f.Id, f => Text(answers, f.Id));
        values["registration.id"] = registrationId.ToString();
        values["school.identifier"] = schoolIdentifier;
        values["school.name"] = schoolName;
        return values;
    }
}
