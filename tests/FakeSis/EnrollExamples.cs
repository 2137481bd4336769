namespace RosterSync.FakeSis;

/// <summary>
/// What the tests send through RosterSync to this fake, shared by the Api tests and the fault suite: registration answers,
/// a connection to the fake, and a mapping of RosterSync's field catalogue onto its Ed-Fi resources using every mapping type.
/// </summary>
public static class EnrollExamples
{
    /// <summary>Registration answers as a registration front end writes them (RosterSync's field catalogue).</summary>
    public static object Answers(
        string first = "Ana", string last = "Diaz", string email = "ana.diaz@lincoln.k12.example", string birth = "09/01/2007", string gender = "Female",
        string grade = "09", string? localId = "100234", string postalCode = "94110") => new
    {
        student = new { firstName = first, lastName = last, birthDate = birth, gender, email, localId, homeLanguage = "Spanish" },
        address = new { street = "12 Oak St", city = "San Francisco", state = "CA", postalCode },
        enrollment = new { grade, entryDate = "08/20/2026" },
        guardian1 = new { firstName = "Rosa", lastName = "Diaz", relationship = "Mother", phone = "415-555-0142", email = "rosa.diaz@example.org" },
    };

    public static readonly object[] Operations = [new { method = "POST", path = "/students" }, new { method = "POST", path = "/studentSchoolAssociations" }];

    /// <summary>A connection to the fake at <paramref name="address"/> (POST export-connections' body), OAuth2 client credentials.</summary>
    public static object Connection(Uri address, string clientId, string clientSecret, Guid? example = null) => new
    {
        name = "Ed-Fi ODS",
        baseUrl = address.ToString(),
        auth = new { kind = "oauth2-client-credentials", tokenUrl = "/oauth/token", clientId, clientSecret },
        openApiUrl = "/metadata/openapi.json",
        operations = Operations,
        exampleRegistrationId = example,
    };

    private const string Students = "POST /students";
    private const string Associations = "POST /studentSchoolAssociations";

    private static object Field(string field) => new { fn = "field", field };

    /// <summary>Every mapping type: none, direct, codes and transform (date, pick, phone, upper, transliterate).</summary>
    public static object[] Mappings(bool withNonBinary = true) =>
    [
        new { operation = Students, target = "studentUniqueId", type = "direct", source = "student.localId" },
        new { operation = Students, target = "firstName", type = "transform", transform = new { fn = "transliterate", args = new[] { Field("student.firstName") } } },
        new { operation = Students, target = "middleName", type = "none" },
        new { operation = Students, target = "lastSurname", type = "direct", source = "student.lastName" },
        new { operation = Students, target = "birthDate", type = "transform", transform = new { fn = "date", args = new[] { Field("student.birthDate") } } },
        new
        {
            operation = Students, target = "sexDescriptor", type = "codes", source = "student.gender",
            codes = withNonBinary
                ? new Dictionary<string, string> { ["Female"] = FakeSisApp.SexDescriptors[0], ["Male"] = FakeSisApp.SexDescriptors[1], ["Non-binary"] = FakeSisApp.SexDescriptors[2] }
                : new Dictionary<string, string> { ["Female"] = FakeSisApp.SexDescriptors[0], ["Male"] = FakeSisApp.SexDescriptors[1] },
        },
        new { operation = Students, target = "electronicMailAddress", type = "direct", source = "student.email" },
        new { operation = Students, target = "addresses[0].streetNumberName", type = "direct", source = "address.street" },
        new { operation = Students, target = "addresses[0].city", type = "transform", transform = new { fn = "upper", args = new[] { Field("address.city") } } },
        new { operation = Students, target = "addresses[0].postalCode", type = "direct", source = "address.postalCode" },
        new { operation = Students, target = "contacts[0].telephoneNumber", type = "transform", transform = new { fn = "phone", args = new[] { Field("guardian1.phone") } } },
        new { operation = Associations, target = "studentReference.studentUniqueId", type = "direct", source = "student.localId" },
        new { operation = Associations, target = "schoolReference.schoolId", type = "direct", source = "school.identifier" },
        new
        {
            operation = Associations, target = "entryDate", type = "transform",
            transform = new { fn = "pick", args = new object[] { new { fn = "date", args = new[] { Field("enrollment.entryDate") } }, new { fn = "today" } } },
        },
        new
        {
            operation = Associations, target = "entryGradeLevelDescriptor", type = "codes", source = "enrollment.grade",
            codes = new Dictionary<string, string> { ["09"] = FakeSisApp.GradeLevelDescriptors[9], ["10"] = FakeSisApp.GradeLevelDescriptors[10] },
        },
    ];
}
