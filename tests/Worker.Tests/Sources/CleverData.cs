using System.Text.Json.Nodes;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>Clever v3.0 records in their wire shape, and the district most Clever tests start from.</summary>
public static class CleverData
{
    private const string District = "5f0000000000000000000001";

    public static JsonObject School(string id, string name, string number) => new()
    {
        ["id"] = id, ["district"] = District, ["name"] = name, ["sis_id"] = number, ["school_number"] = number,
        ["created"] = "2024-01-01T00:00:00.000Z", ["last_modified"] = "2024-01-01T00:00:00.000Z",
    };

    public static JsonObject Student(string id, string? email, string first, string last, string school, string grade, string sisId, params string[] otherSchools) =>
        User(id, email, first, last, new JsonObject
        {
            ["student"] = new JsonObject
            {
                ["sis_id"] = sisId, ["student_number"] = sisId, ["grade"] = grade, ["graduation_year"] = "2029", ["school"] = school,
                ["schools"] = new JsonArray([school, .. otherSchools.Select(s => (JsonNode)s)]), ["dob"] = "4/9/2011", ["gender"] = "F",
            },
        });

    public static JsonObject Teacher(string id, string email, string first, string last, string school, string sisId, bool alsoDistrictAdmin = false)
    {
        var roles = new JsonObject
        {
            ["teacher"] = new JsonObject { ["sis_id"] = sisId, ["teacher_number"] = sisId, ["school"] = school, ["schools"] = new JsonArray(school), ["title"] = "Teacher" },
        };
        if (alsoDistrictAdmin) roles["district_admin"] = new JsonObject { ["title"] = "Curriculum lead" };
        return User(id, email, first, last, roles);
    }

    public static JsonObject Staff(string id, string email, string first, string last, string staffId, params string[] schools) =>
        User(id, email, first, last, new JsonObject
        {
            ["staff"] = new JsonObject { ["staff_id"] = staffId, ["title"] = "Counselor", ["schools"] = new JsonArray([.. schools.Select(s => (JsonNode)s)]) },
        });

    public static JsonObject DistrictAdmin(string id, string email, string first, string last) =>
        User(id, email, first, last, new JsonObject { ["district_admin"] = new JsonObject { ["title"] = "Superintendent" } });

    /// <summary>A contact: Clever puts the full name in <c>name.last</c>.</summary>
    public static JsonObject Contact(string id, string? email, string fullName, string? phone, string phoneType, params (string Student, string Relationship)[] students) =>
        User(id, email, "", fullName, new JsonObject
        {
            ["contact"] = new JsonObject
            {
                ["sis_id"] = "C-" + id, ["phone"] = phone, ["phone_type"] = phoneType,
                ["student_relationships"] = new JsonArray([.. students.Select(s => (JsonNode)new JsonObject
                {
                    ["student"] = s.Student, ["relationship"] = s.Relationship, ["type"] = "Parent/Guardian",
                })]),
            },
        });

    public static JsonObject Section(
        string id, string name, string school, string? teacher, string[] teachers, string[] students,
        string subject = "math", string? period = "1", string? grade = "9", string? term = "term-1", string? course = "crs-1") => new()
    {
        ["id"] = id, ["district"] = District, ["name"] = name, ["school"] = school, ["sis_id"] = "SEC-" + id, ["section_number"] = id,
        ["subject"] = subject, ["period"] = period, ["grade"] = grade, ["term_id"] = term, ["course"] = course, ["teacher"] = teacher,
        ["teachers"] = new JsonArray([.. teachers.Select(t => (JsonNode)t)]), ["students"] = new JsonArray([.. students.Select(s => (JsonNode)s)]),
        ["created"] = "2024-01-01T00:00:00.000Z", ["last_modified"] = "2024-01-01T00:00:00.000Z",
    };

    /// <summary>
    /// Two schools; students a1…a5 (a2 also listed at the middle school, primary the high school; a5's email has
    /// capitals and spaces); teachers t1 (also a district admin) and t2; staff st1; district admin ad1; contacts c1
    /// (cell phone, two children) and c2 (no email, cell phone); four sections, two of them homerooms.
    /// </summary>
    public static void Lincoln(CleverTenant tenant)
    {
        tenant.Data["districts"].Add(new JsonObject { ["id"] = District, ["name"] = "Lincoln USD", ["state"] = "success" });
        tenant.Data["schools"].AddRange([School("sch-1", "Lincoln High", "100"), School("sch-2", "Lincoln Middle", "200")]);
        tenant.Data["terms"].Add(new JsonObject { ["id"] = "term-1", ["district"] = District, ["name"] = "Fall 2025", ["start_date"] = "2025-08-15", ["end_date"] = "2025-12-20" });
        tenant.Data["courses"].Add(new JsonObject { ["id"] = "crs-1", ["district"] = District, ["name"] = "Algebra I", ["number"] = "MATH101" });
        tenant.Users.AddRange([
            Student("a1", "ana.diaz@lincoln.example", "Ana", "Diaz", "sch-1", "9", "S1"),
            Student("a2", "ben.diaz@lincoln.example", "Ben", "Diaz", "sch-1", "9", "S2", "sch-2"),
            Student("a3", "cara.lee@lincoln.example", "Cara", "Lee", "sch-2", "7", "S3"),
            Student("a4", "dan.wu@lincoln.example", "Dan", "Wu", "sch-2", "7", "S4"),
            Student("a5", "  Eve.Smith@Lincoln.Example ", "Eve", "Smith", "sch-1", "9", "S5"),
            Teacher("t1", "tom.hill@lincoln.example", "Tom", "Hill", "sch-1", "T1", alsoDistrictAdmin: true),
            Teacher("t2", "tina.ortiz@lincoln.example", "Tina", "Ortiz", "sch-2", "T2"),
            Staff("st1", "sam.park@lincoln.example", "Sam", "Park", "ST1", "sch-1", "sch-2"),
            DistrictAdmin("ad1", "alice.admin@lincoln.example", "Alice", "Admin"),
            Contact("c1", "maria.diaz@family.example", "Maria Diaz", "555-0101", "Cell", ("a1", "Parent"), ("a2", "Parent")),
            Contact("c2", null, "Paul Smith", "555-0102", "Cell", ("a5", "Grandparent")),
        ]);
        tenant.Sections.AddRange([
            Section("sec-1", "Algebra I - P1", "sch-1", "t1", ["t1", "t2"], ["a1", "a2"]),
            Section("sec-2", "Homeroom 9A", "sch-1", "t1", ["t1"], ["a1", "a2", "a5"], subject: "homeroom/advisory", period: "HR"),
            Section("sec-3", "Science 7", "sch-2", "t2", ["t2"], ["a3", "a4"], subject: "science", period: "3", grade: "7"),
            Section("sec-4", "Ortiz 7", "sch-2", "t2", ["t2"], ["a3"], subject: "other", period: "Advisory", grade: "7"),
        ]);
    }

    private static JsonObject User(string id, string? email, string first, string last, JsonObject roles) => new()
    {
        ["id"] = id, ["district"] = District, ["email"] = email,
        ["name"] = new JsonObject { ["first"] = first, ["middle"] = null, ["last"] = last },
        ["created"] = "2024-01-01T00:00:00.000Z", ["last_modified"] = "2024-01-01T00:00:00.000Z", ["roles"] = roles,
    };
}
