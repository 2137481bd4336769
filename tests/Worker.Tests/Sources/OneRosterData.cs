using System.Text.Json.Nodes;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>OneRoster 1.1 REST records as ClassLink sends them ("true" strings, upper-case names, two-digit grades), and a district.</summary>
public static class OneRosterData
{
    private const string Modified = "2025-09-01T12:00:00.000Z";

    public static JsonObject Ref(string type, string id) => new() { ["href"] = $"https://example.oneroster.com/{type}s/{id}", ["sourcedId"] = id, ["type"] = type };

    public static JsonObject Org(string id, string name, string type) => new()
    {
        ["sourcedId"] = id, ["status"] = "active", ["dateLastModified"] = Modified, ["name"] = name, ["type"] = type, ["identifier"] = id.ToUpperInvariant(),
    };

    public static JsonObject User(string id, string role, string? email, string given, string family, string[] orgs, string[]? agents = null, string? sms = "", string grade = "09") => new()
    {
        ["sourcedId"] = id, ["status"] = "active", ["dateLastModified"] = Modified, ["username"] = id, ["enabledUser"] = "true",
        ["userIds"] = new JsonArray(new JsonObject { ["type"] = "FED", ["identifier"] = id }),
        ["givenName"] = given, ["familyName"] = family, ["middleName"] = "", ["role"] = role, ["identifier"] = "SIS-" + id,
        ["email"] = email, ["sms"] = sms, ["phone"] = "", ["password"] = "",
        ["agents"] = new JsonArray([.. (agents ?? []).Select(a => (JsonNode)Ref("user", a))]),
        ["orgs"] = new JsonArray([.. orgs.Select(o => (JsonNode)Ref("org", o))]),
        ["grades"] = role == "student" ? new JsonArray(grade) : new JsonArray(),
    };

    public static JsonObject Class(string id, string title, string school, string classType = "scheduled") => new()
    {
        ["sourcedId"] = id, ["status"] = "active", ["dateLastModified"] = Modified, ["title"] = title, ["classCode"] = id.ToUpperInvariant(),
        ["classType"] = classType, ["location"] = "Room 1", ["grades"] = new JsonArray("09"), ["subjects"] = new JsonArray("science"),
        ["course"] = Ref("course", "crs-1"), ["school"] = Ref("org", school), ["terms"] = new JsonArray(Ref("academicSession", "term-1")),
    };

    public static JsonObject Enrollment(string id, string cls, string user, string role, JsonNode? primary = null) => new()
    {
        ["sourcedId"] = id, ["status"] = "active", ["dateLastModified"] = Modified, ["user"] = Ref("user", user), ["class"] = Ref("class", cls),
        ["school"] = Ref("org", "sch-1"), ["role"] = role, ["primary"] = primary ?? "true", ["beginDate"] = "2025-08-15", ["endDate"] = "2026-06-15",
    };

    /// <summary>
    /// A district org and two schools; students stu-1…stu-4 (stu-9 tobedeleted), teachers tch-1 and tch-2, an
    /// administrator at district level, an aide, a parent of stu-1 and stu-2, a guardian of stu-3 without email but
    /// with an SMS number; two classes (one a homeroom) with a teacher, a co-teacher (primary false) and an aide.
    /// </summary>
    public static void Adams(OneRosterTenant tenant)
    {
        tenant.Data["orgs"].AddRange([Org("dist-1", "Adams USD", "district"), Org("sch-1", "Adams High", "school"), Org("sch-2", "Adams Middle", "school")]);
        tenant.Data["academicSessions"].Add(new JsonObject
        {
            ["sourcedId"] = "term-1", ["status"] = "active", ["dateLastModified"] = Modified, ["title"] = "Fall 2025", ["type"] = "term",
            ["startDate"] = "2025-08-15", ["endDate"] = "2025-12-20", ["schoolYear"] = "2026",
        });
        tenant.Data["courses"].Add(new JsonObject
        {
            ["sourcedId"] = "crs-1", ["status"] = "active", ["dateLastModified"] = Modified, ["title"] = "Biology", ["courseCode"] = "BIO1",
            ["org"] = Ref("org", "sch-1"),
        });
        var stu9 = User("stu-9", "student", "gone@adams.example", "GONE", "STUDENT", ["sch-1"]);
        stu9["status"] = "tobedeleted";
        tenant.Users.AddRange([
            User("stu-1", "student", "ava.reyes@adams.example", "AVA", "REYES", ["dist-1", "sch-1"], ["par-1"]),
            User("stu-2", "student", "leo.reyes@adams.example", "LEO", "REYES", ["sch-1"], ["par-1"]),
            User("stu-3", "student", "mia.chen@adams.example", "MIA", "CHEN", ["sch-2"], ["gdn-1"], grade: "07"),
            User("stu-4", "student", "noah.kim@adams.example", "NOAH", "KIM", ["sch-2"], grade: "07"),
            stu9,
            User("tch-1", "teacher", "olga.berg@adams.example", "OLGA", "BERG", ["sch-1"]),
            User("tch-2", "teacher", "pete.cole@adams.example", "PETE", "COLE", ["sch-1", "sch-2"]),
            User("adm-1", "administrator", "quinn.dale@adams.example", "QUINN", "DALE", ["dist-1"]),
            User("aide-1", "aide", "rita.ames@adams.example", "RITA", "AMES", ["sch-1"]),
            User("par-1", "parent", "sofia.reyes@family.example", "SOFIA", "REYES", [], ["stu-1", "stu-2"]),
            User("gdn-1", "guardian", null, "TED", "CHEN", [], ["stu-3"], sms: "555-0199"),
        ]);
        tenant.Data["classes"].AddRange([Class("cls-1", "Biology - P2", "sch-1"), Class("cls-2", "Homeroom 7B", "sch-2", "homeroom")]);
        tenant.Data["enrollments"].AddRange([
            Enrollment("enr-1", "cls-1", "tch-1", "teacher"),
            Enrollment("enr-2", "cls-1", "tch-2", "teacher", primary: false),
            Enrollment("enr-3", "cls-1", "stu-1", "student", primary: false),
            Enrollment("enr-4", "cls-1", "stu-2", "student", primary: false),
            Enrollment("enr-5", "cls-2", "tch-2", "teacher"),
            Enrollment("enr-6", "cls-2", "stu-3", "student", primary: false),
            Enrollment("enr-7", "cls-2", "stu-4", "student", primary: false),
            Enrollment("enr-8", "cls-1", "aide-1", "aide", primary: false),
        ]);
    }
}
