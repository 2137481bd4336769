using System.IO.Compression;
using System.Text;

namespace RosterSync.Bench.Generator;

/// <summary>
/// A synthetic OneRoster 1.1 district. Every value is a pure function of (seed, kind, index), so the same
/// seed writes the same bytes, and the "change" variant is the same district with 1 % of its people
/// edited, 0.5 % added and 0.5 % gone (their enrollments and guardian links follow them).
/// </summary>
internal sealed class SyntheticDistrict(DistrictShape shape, ulong seed)
{
    private const int GonePerMille = 5;
    private const int EditedPerMille = 10;
    private const int AddedPerMille = 5;
    private const int CoursesPerSchool = 20;
    private const string Modified = "2026-08-15T12:00:00.000Z";
    private const string DistrictId = "dist-1";

    private enum Kind { Student = 1, Staff, Guardian, Class, Enrollment }

    private static readonly string[] FirstNames =
    [
        "Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Isla", "Jamal", "Kira", "Liam", "Maya", "Noah", "Olga", "Pablo",
        "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoe", "Amir", "Bianca", "Carlos", "Dana", "Emil", "Fatima",
        "Gus", "Hana", "Ivan", "June", "Kofi", "Lena", "Marco", "Nia", "Omar", "Priya", "Rafael", "Sofia", "Theo", "Ulla", "Vera", "Will",
    ];

    private static readonly string[] LastNames =
    [
        "Diaz", "Nguyen", "Smith", "Ito", "Okafor", "Kowalski", "Garcia", "Chen", "Johnson", "Silva", "Haddad", "Novak", "Brown", "Kim",
        "Lopez", "Patel", "Rossi", "Schmidt", "Tanaka", "Walker", "Yilmaz", "Andersen", "Baker", "Costa", "Dubois", "Evans", "Fischer",
        "Gomez", "Hughes", "Ivanova", "Jensen", "Khan", "Larsen", "Moreau", "Nakamura", "Olsen", "Perez", "Reyes", "Santos", "Torres",
    ];

    private static readonly string[] Subjects = ["Math", "English", "Science", "History", "Art", "Music", "PE", "Spanish", "Biology", "Chemistry"];

    private static readonly string[][] GradesByLevel =
    [
        ["KG", "01", "02", "03", "04", "05"],
        ["06", "07", "08"],
        ["09", "10", "11", "12"],
    ];

    private bool _change;

    /// <summary>Writes the CSV files into <paramref name="folder"/> and zips them into <paramref name="zipPath"/>.</summary>
    public void Write(string folder, string zipPath, bool change)
    {
        _change = change;
        Directory.CreateDirectory(folder);
        WriteManifest(Path.Combine(folder, "manifest.csv"));
        WriteOrgs(Path.Combine(folder, "orgs.csv"));
        WriteSessions(Path.Combine(folder, "academicSessions.csv"));
        WriteCourses(Path.Combine(folder, "courses.csv"));
        WriteClasses(Path.Combine(folder, "classes.csv"));
        WriteUsers(Path.Combine(folder, "users.csv"));
        WriteEnrollments(Path.Combine(folder, "enrollments.csv"));

        // Entries in name order with a fixed timestamp: the same seed gives the same zip, byte for byte.
        File.Delete(zipPath);
        using var zip = ZipFile.Open(zipPath, ZipArchiveMode.Create);
        foreach (var file in Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal))
        {
            var entry = zip.CreateEntry(Path.GetFileName(file), CompressionLevel.Optimal);
            entry.LastWriteTime = new DateTimeOffset(2026, 8, 15, 12, 0, 0, TimeSpan.Zero);
            using var source = File.OpenRead(file);
            using var target = entry.Open();
            source.CopyTo(target);
        }
    }

    private static void WriteManifest(string path)
    {
        using var csv = new CsvOut(path);
        csv.Row("propertyName", "value");
        csv.Row("manifest.version", "1.0");
        csv.Row("oneroster.version", "1.1");
        foreach (var file in new[] { "academicSessions", "classes", "courses", "enrollments", "orgs", "users" })
        {
            csv.Row("file." + file, "bulk");
        }

        foreach (var file in new[] { "categories", "classResources", "courseResources", "demographics", "lineItems", "resources", "results" })
        {
            csv.Row("file." + file, "absent");
        }

        csv.Row("source.systemName", "RosterSync bench generator");
        csv.Row("source.systemCode", "bench");
    }

    private void WriteOrgs(string path)
    {
        using var csv = new CsvOut(path);
        csv.Row("sourcedId", "status", "dateLastModified", "name", "type", "identifier", "parentSourcedId");
        csv.Row(DistrictId, "active", Modified, "Bench Unified School District", "district", "BUSD", "");
        for (var s = 0; s < shape.Schools; s++)
        {
            var level = new[] { "Elementary", "Middle", "High" }[s % 3];
            csv.Row(SchoolId(s), "active", Modified, $"{LastNames[s % LastNames.Length]} {level} School {s}", "school", $"S{s:D4}", DistrictId);
        }
    }

    private static void WriteSessions(string path)
    {
        using var csv = new CsvOut(path);
        csv.Row("sourcedId", "status", "dateLastModified", "title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear");
        csv.Row("sy-2026", "active", Modified, "2026-27", "schoolYear", "2026-08-17", "2027-06-11", "", "2027");
        csv.Row("term-1", "active", Modified, "Fall 2026", "term", "2026-08-17", "2026-12-18", "sy-2026", "2027");
        csv.Row("term-2", "active", Modified, "Spring 2027", "term", "2027-01-04", "2027-06-11", "sy-2026", "2027");
    }

    private void WriteCourses(string path)
    {
        using var csv = new CsvOut(path);
        csv.Row("sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title", "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes");
        for (var s = 0; s < shape.Schools; s++)
        {
            for (var j = 0; j < CoursesPerSchool; j++)
            {
                var subject = Subjects[j % Subjects.Length];
                var grade = GradesByLevel[s % 3][j % GradesByLevel[s % 3].Length];
                csv.Row(CourseId(s, j), "active", Modified, "sy-2026", $"{subject} {grade}", $"{subject[..Math.Min(3, subject.Length)].ToUpperInvariant()}{grade}-{j}", grade,
                    SchoolId(s), subject, "");
            }
        }
    }

    private void WriteClasses(string path)
    {
        using var csv = new CsvOut(path);
        csv.Row("sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId", "classCode", "classType", "location",
            "schoolSourcedId", "termSourcedIds", "subjects", "subjectCodes", "periods");
        for (var c = 0; c < shape.Classes; c++)
        {
            var school = ClassSchool(c);
            var j = (c - FirstClass(school)) % CoursesPerSchool;
            var subject = Subjects[j % Subjects.Length];
            var grade = GradesByLevel[school % 3][j % GradesByLevel[school % 3].Length];
            var period = (c % 8) + 1;
            csv.Row(ClassId(c), "active", Modified, $"{subject} {grade} - P{period}", grade, CourseId(school, j), $"C{c}-P{period}",
                c % 50 == 0 ? "homeroom" : "scheduled", $"Room {100 + (c % 300)}", SchoolId(school), c % 2 == 0 ? "term-1" : "term-2",
                subject, "", $"P{period}");
        }
    }

    private void WriteUsers(string path)
    {
        var guardiansOf = GuardiansByStudent();
        using var csv = new CsvOut(path);
        csv.Row("sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role", "username", "userIds", "givenName",
            "familyName", "middleName", "identifier", "email", "sms", "phone", "agentSourcedIds", "grades", "password");

        var agents = new StringBuilder();
        for (var t = 0; t < shape.Staff + Added(Kind.Staff); t++)
        {
            if (!Present(Kind.Staff, t)) continue;
            var (first, last) = Name(Kind.Staff, t);
            var school = StaffSchool(t);
            var orgs = Hash(Kind.Staff, t, 5) % 10 == 0 && shape.Schools > 1 ? $"{SchoolId(school)},{SchoolId((school + 1) % shape.Schools)}" : SchoolId(school);
            var role = t < shape.Teachers || t >= shape.Staff ? "teacher" : t % 2 == 0 ? "administrator" : "aide";
            var (emailFirst, emailLast) = EmailName(Kind.Staff, t);
            var email = $"{emailFirst}.{emailLast}.{t}@staff.bench.example".ToLowerInvariant();
            csv.Row(UserId(Kind.Staff, t), "active", Modified, "true", orgs, role, $"{first}{last}{t}".ToLowerInvariant(), "", first, last, "",
                $"T{t:D6}", email, "", Edited(Kind.Staff, t) ? $"555-{t % 10_000:D4}" : "", "", "", "");
        }

        for (var s = 0; s < shape.Students + Added(Kind.Student); s++)
        {
            if (!Present(Kind.Student, s)) continue;
            var (first, last) = Name(Kind.Student, s);
            var (emailFirst, emailLast) = EmailName(Kind.Student, s);
            agents.Clear();
            foreach (var g in guardiansOf[s])
            {
                if (agents.Length > 0) agents.Append(',');
                agents.Append(UserId(Kind.Guardian, g));
            }

            csv.Row(UserId(Kind.Student, s), "active", Modified, "true", SchoolId(StudentSchool(s)), "student", $"{first}{last}{s}".ToLowerInvariant(), "",
                first, last, "", $"S{s:D7}", $"{emailFirst}.{emailLast}.{s}@students.bench.example".ToLowerInvariant(), "", "", agents.ToString(),
                StudentGrade(s), "");
        }

        for (var g = 0; g < shape.Guardians + Added(Kind.Guardian); g++)
        {
            if (!Present(Kind.Guardian, g)) continue;
            var (first, last) = Name(Kind.Guardian, g);
            var (emailFirst, emailLast) = EmailName(Kind.Guardian, g);
            var students = GuardianStudents(g);
            agents.Clear();
            var schools = new List<string>(2);
            foreach (var s in students)
            {
                if (agents.Length > 0) agents.Append(',');
                agents.Append(UserId(Kind.Student, s));
                var school = SchoolId(StudentSchool(s));
                if (!schools.Contains(school)) schools.Add(school);
            }

            var phone = Edited(Kind.Guardian, g) ? $"+1555{(g + 7) % 10_000_000:D7}" : $"+1555{g % 10_000_000:D7}";
            csv.Row(UserId(Kind.Guardian, g), "active", Modified, "true", string.Join(',', schools), "guardian", "", "", first, last, "", "",
                $"{emailFirst}.{emailLast}.{g}@family.example".ToLowerInvariant(), $"+1444{g % 10_000_000:D7}", phone, agents.ToString(), "", "");
        }
    }

    private void WriteEnrollments(string path)
    {
        using var csv = new CsvOut(path);
        csv.Row("sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate");
        for (var c = 0; c < shape.Classes; c++)
        {
            var t = TeacherOf(c);
            if (!Present(Kind.Staff, t)) continue;
            csv.Row(EnrollmentId(c, Kind.Staff, t), "active", Modified, ClassId(c), SchoolId(ClassSchool(c)), UserId(Kind.Staff, t), "teacher", "true",
                "2026-08-17", "");
        }

        for (var s = 0; s < shape.Students + Added(Kind.Student); s++)
        {
            if (!Present(Kind.Student, s)) continue;
            var school = StudentSchool(s);
            var first = FirstClass(school);
            var count = FirstClass(school + 1) - first;
            var k = ClassesOf(s);
            var step = Math.Max(1, count / k);
            var start = (int)(Hash(Kind.Student, s, 6) % (ulong)count);
            for (var j = 0; j < k; j++)
            {
                var c = first + ((start + (j * step)) % count);
                csv.Row(EnrollmentId(c, Kind.Student, s), "active", Modified, ClassId(c), SchoolId(school), UserId(Kind.Student, s), "student", "false",
                    "2026-08-17", "");
            }
        }
    }

    // ---- the district's structure -------------------------------------------------------------

    private int Added(Kind kind) => !_change ? 0 : (int)((long)Count(kind) * AddedPerMille / 1000);

    private int Count(Kind kind) => kind switch
    {
        Kind.Student => shape.Students,
        Kind.Staff => shape.Staff,
        _ => shape.Guardians,
    };

    private bool Present(Kind kind, int i) =>
        i >= Count(kind) ? _change && i < Count(kind) + Added(kind) : !_change || Hash(kind, i, 1) % 1000 >= GonePerMille;

    private bool Edited(Kind kind, int i) => _change && i < Count(kind) && Hash(kind, i, 1) % 1000 is var h && h >= GonePerMille
        && h < GonePerMille + EditedPerMille;

    /// <summary>
    /// The name an email address is made of: the original one, except for one edit in ten, where the address
    /// follows the new name (the source then sends a changed email, R3).
    /// </summary>
    private (string First, string Last) EmailName(Kind kind, int i) =>
        Edited(kind, i) && Hash(kind, i, 10) % 10 == 0 ? Name(kind, i) : OriginalName(kind, i);

    private (string First, string Last) OriginalName(Kind kind, int i) =>
        (FirstNames[(int)(Hash(kind, i, 3) % (ulong)FirstNames.Length)], LastNames[(int)(Hash(kind, i, 4) % (ulong)LastNames.Length)]);

    private (string First, string Last) Name(Kind kind, int i)
    {
        var first = (int)(Hash(kind, i, 3) % (ulong)FirstNames.Length);
        var last = (int)(Hash(kind, i, 4) % (ulong)LastNames.Length);
        if (Edited(kind, i))
        {
            // An edit: a new given name, and for half of them a new family name too.
            first = (first + 1) % FirstNames.Length;
            if (Hash(kind, i, 2) % 2 == 0) last = (last + 1) % LastNames.Length;
        }

        return (FirstNames[first], LastNames[last]);
    }

    private int ClassSchool(int c) => (int)((long)c * shape.Schools / shape.Classes);

    /// <summary>The first class of a school: classes are spread over schools in index order.</summary>
    private int FirstClass(int school) => (int)((((long)school * shape.Classes) + shape.Schools - 1) / shape.Schools);

    private int TeacherOf(int c) => (int)((long)c * shape.Teachers / shape.Classes);

    private int StaffSchool(int t)
    {
        if (t >= shape.Staff) return (int)(Hash(Kind.Staff, t, 7) % (ulong)shape.Schools);
        if (t >= shape.Teachers) return (int)((long)t * shape.Schools / shape.Staff);
        var firstClass = (int)((((long)t * shape.Classes) + shape.Teachers - 1) / shape.Teachers);
        return firstClass < shape.Classes && TeacherOf(firstClass) == t ? ClassSchool(firstClass) : (int)((long)t * shape.Schools / shape.Teachers);
    }

    private int StudentSchool(int s) =>
        s < shape.Students ? (int)((long)s * shape.Schools / shape.Students) : (int)(Hash(Kind.Student, s, 7) % (ulong)shape.Schools);

    private string StudentGrade(int s)
    {
        var grades = GradesByLevel[StudentSchool(s) % 3];
        return grades[(int)(Hash(Kind.Student, s, 8) % (ulong)grades.Length)];
    }

    /// <summary>How many classes a student takes, spread so the district's total is exactly the shape's.</summary>
    private int ClassesOf(int s)
    {
        long n = shape.Students, total = shape.StudentEnrollments;
        var per = (int)(total / n);
        var extra = total - (per * n);
        if (s >= n) return Math.Max(1, per);
        return per + (int)((((s + 1) * extra) / n) - ((s * extra) / n));
    }

    /// <summary>Each guardian has one student, a quarter of them a second (a sibling); added guardians one existing student.</summary>
    private List<int> GuardianStudents(int g)
    {
        var students = new List<int>(2);
        if (shape.Guardians == 0) return students;
        if (g >= shape.Guardians)
        {
            var s = (int)(Hash(Kind.Guardian, g, 9) % (ulong)shape.Students);
            if (Present(Kind.Student, s)) students.Add(s);
            return students;
        }

        var first = (int)((long)g * shape.Students / shape.Guardians);
        if (Present(Kind.Student, first)) students.Add(first);
        if (Hash(Kind.Guardian, g, 2) % 4 == 0 && first + 1 < shape.Students && Present(Kind.Student, first + 1)) students.Add(first + 1);
        return students;
    }

    private List<int>[] GuardiansByStudent()
    {
        var byStudent = new List<int>[shape.Students + Added(Kind.Student)];
        for (var s = 0; s < byStudent.Length; s++) byStudent[s] = [];
        for (var g = 0; g < shape.Guardians + Added(Kind.Guardian); g++)
        {
            if (!Present(Kind.Guardian, g)) continue;
            foreach (var s in GuardianStudents(g)) byStudent[s].Add(g);
        }

        return byStudent;
    }

    // ---- ids ------------------------------------------------------------------------------------

    private static string SchoolId(int s) => $"sch-{s:D4}";

    private static string CourseId(int school, int j) => $"crs-{school:D4}-{j:D2}";

    private string ClassId(int c) => Guid(Kind.Class, c, 0);

    private string UserId(Kind kind, int i) => Guid(kind, i, 0);

    private string EnrollmentId(int c, Kind kind, int user) => Guid(Kind.Enrollment, c, ((long)kind << 32) | (uint)user);

    /// <summary>A GUID-shaped sourcedId (as ClassLink and many SIS exports send), derived from the seed.</summary>
    private string Guid(Kind kind, long index, long extra)
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, Hash(kind, index, extra ^ 0x1111));
        BitConverter.TryWriteBytes(bytes[8..], Hash(kind, index, extra ^ 0x2222));
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new System.Guid(bytes).ToString();
    }

    private ulong Hash(Kind kind, long index, long extra)
    {
        var x = seed ^ ((ulong)kind * 0x9E3779B97F4A7C15UL) ^ Mix((ulong)index) ^ (Mix((ulong)extra + 0x632BE59BD9B4E019UL) * 3);
        return Mix(Mix(x));
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>RFC 4180 output: CRLF line ends, fields quoted only when they hold a comma, quote or line break.</summary>
internal sealed class CsvOut(string path) : IDisposable
{
    private readonly StreamWriter _writer = new(path, false, new UTF8Encoding(false), 1 << 20) { NewLine = "\r\n" };

    public void Row(params ReadOnlySpan<string> fields)
    {
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0) _writer.Write(',');
            var field = fields[i];
            if (field.AsSpan().IndexOfAny(",\"\r\n") < 0)
            {
                _writer.Write(field);
                continue;
            }

            _writer.Write('"');
            _writer.Write(field.Replace("\"", "\"\"", StringComparison.Ordinal));
            _writer.Write('"');
        }

        _writer.WriteLine();
    }

    public void Dispose() => _writer.Dispose();
}
