using System.Globalization;
using System.Text;
using RosterSync.Domain.Model;

namespace RosterSync.Domain.Snapshots;

/// <summary>
/// Reads the simple CSV pair (students.csv, staff.csv) and the supplementary guardian file (guardians.csv).
/// Headers match loosely — case, spaces, underscores and punctuation are ignored, as is a leading
/// "student"/"staff" (or "guardian"/"parent" in the guardian file) — so "First Name", "first_name",
/// "firstName" and "Student First Name" are one column. docs/formats.md lists every alias.
/// </summary>
public static class SimpleCsvReader
{
    /// <summary>Both files key people by SIS id.</summary>
    public const string LinkKind = "sis";
    public const string StudentsFile = "students.csv";
    public const string StaffFile = "staff.csv";
    public const string GuardiansFile = "guardians.csv";

    private static readonly string[] PeoplePrefixes = ["student", "staff", "teacher", "employee", "user"];
    private static readonly string[] GuardianPrefixes = ["guardian", "parent", "contact"];

    /// <summary>
    /// Reads either file or both. The People mode is bulk, but only for the roles the files given speak for
    /// (<see cref="Snapshot.BulkPeopleRoles"/>): a lone students.csv does not abandon staff.
    /// </summary>
    public static Snapshot ReadRoster(Stream? students, Stream? staff, IProgress<long>? rowsRead, CancellationToken ct)
    {
        if (students is null && staff is null)
        {
            throw new ArgumentException("Give students.csv, staff.csv or both.", nameof(students));
        }

        var reading = new PeopleReading(new RowCounter(rowsRead, ct));
        if (students is not null)
        {
            reading.Read(students, StudentsFile, students: true);
        }

        if (staff is not null)
        {
            reading.Read(staff, StaffFile, students: false);
        }

        return reading.Finish(students is not null, staff is not null);
    }

    /// <summary>
    /// Reads a guardian file: one row per guardian–student pair. Guardians are upserted (People mode delta:
    /// nobody is abandoned by this file), links are bulk (a link missing from the file ends, R11).
    /// </summary>
    public static Snapshot ReadGuardians(Stream csv, string fileName, IProgress<long>? rowsRead, CancellationToken ct)
    {
        var counter = new RowCounter(rowsRead, ct);
        var s = new Snapshot { LinkKind = LinkKind };
        using var reader = new CsvRowReader(csv, leaveOpen: true) { FileName = fileName };
        // Bulk links from an empty file would end every link; an empty file is a failed export, not news (R28).
        var head = ReaderIssues.Header(reader, fileName, "student");

        var h = new CsvHeader(head.Fields, name => Key(name, GuardianPrefixes));
        WarnDuplicates(s, h, new SourceLocation(fileName, head.Line));
        int id = h.Find("id", "sisid", "sourcedid"), email = h.Find("email", "emailaddress"),
            first = h.Find("firstname", "givenname", "first"), last = h.Find("lastname", "familyname", "surname", "last"),
            name = h.Find("name", "fullname"), phone = h.Find("phone", "phonenumber", "homephone"),
            sms = h.Find("sms", "mobile", "mobilephone", "cell", "cellphone", "smsphone"),
            studentId = h.Find("studentsisid", "studentid", "studentnumber", "studentsourcedid", "student"),
            studentEmail = h.Find("studentemail", "studentemailaddress"),
            relationship = h.Find("relationship", "relation", "relationshiptype");
        if (studentId < 0 && studentEmail < 0)
        {
            throw new SourceReadException($"{fileName} has no student column (e.g. 'Student SIS ID' or 'Student Email')") { File = fileName, Row = head.Line };
        }

        if (id < 0 && email < 0 && phone < 0 && sms < 0)
        {
            throw new SourceReadException($"{fileName} has no guardian email or phone column (e.g. 'Guardian Email')") { File = fileName, Row = head.Line };
        }

        var guardians = new HashSet<string>(StringComparer.Ordinal);
        var links = new HashSet<(string, string)>();
        while (reader.TryRead(out var row))
        {
            counter.Next();
            var f = row.Fields;
            if (Array.TrueForAll(f, string.IsNullOrWhiteSpace))
            {
                continue;
            }

            var at = new SourceLocation(fileName, row.Line);
            if (ReaderIssues.SkipForText(s.Issues, reader, Entities.GuardianLink, CsvHeader.Value(f, id), at))
            {
                continue;
            }

            WarnExtra(s, h, f, at);
            var guardianEmail = CsvHeader.Value(f, email);
            var key = CsvHeader.Value(f, id) ?? guardianEmail?.ToLowerInvariant() ?? CsvHeader.Value(f, sms) ?? CsvHeader.Value(f, phone);
            var studentMail = CsvHeader.Value(f, studentId) is null ? CsvHeader.Value(f, studentEmail) : null;
            var student = CsvHeader.Value(f, studentId) ?? studentMail;
            if (student is null)
            {
                Issue(s, Severities.Error, ReaderIssues.References, Entities.GuardianLink, key, at, "The row names no student (SIS id or email); skipped");
                continue;
            }

            if (key is null)
            {
                Issue(s, Severities.Warning, "R10", Entities.Person, null, at, "The guardian has no id, email or phone; skipped until a later file has one");
                continue;
            }

            if (guardians.Add(key))
            {
                var (given, family) = (CsvHeader.Value(f, first), CsvHeader.Value(f, last));
                if (given is null && family is null && CsvHeader.Value(f, name) is { } full)
                {
                    var space = full.LastIndexOf(' ');
                    (given, family) = space < 0 ? (full, null) : (full[..space].Trim(), full[(space + 1)..]);
                }

                s.People.Add(new SourcePerson(
                    key, guardianEmail, given, family, null, [Roles.Guardian], null, null,
                    CsvHeader.Value(f, sms), CsvHeader.Value(f, phone), CsvHeader.Value(f, id), [], at));
            }

            if (links.Add((key, student)))
            {
                s.GuardianLinks.Add(new SourceGuardianLink(key, student, CsvHeader.Value(f, relationship), at) { StudentEmail = studentMail });
            }
        }

        ReaderIssues.AddTextIssues(s.Issues, reader, fileName);
        s.Modes[SnapshotKinds.People] = FeedMode.Delta;
        s.Modes[SnapshotKinds.GuardianLinks] = FeedMode.Bulk;
        s.GuardiansNeedStudents = true;
        counter.Finish();
        return s;
    }

    /// <summary>Header key: letters and digits only, lower-case, without a leading prefix such as "student".</summary>
    internal static string Key(string header, string[] prefixes)
    {
        var key = new StringBuilder(header.Length);
        foreach (var c in header)
        {
            if (char.IsLetterOrDigit(c))
            {
                key.Append(char.ToLowerInvariant(c));
            }
        }

        var text = key.ToString();
        foreach (var prefix in prefixes)
        {
            if (text.Length > prefix.Length && text.StartsWith(prefix, StringComparison.Ordinal))
            {
                return text[prefix.Length..];
            }
        }

        return text;
    }

    private static void WarnDuplicates(Snapshot s, CsvHeader h, SourceLocation at)
    {
        foreach (var duplicate in h.Duplicates)
        {
            Issue(s, Severities.Warning, ReaderIssues.Structure, null, null, at, $"Column '{duplicate}' has the same name as an earlier column; the first is read");
        }
    }

    private static void WarnExtra(Snapshot s, CsvHeader h, string[] fields, SourceLocation at)
    {
        if (h.HasExtraValues(fields))
        {
            Issue(s, Severities.Warning, ReaderIssues.Structure, null, null, at, "The row has more values than the header has columns; the extra values are ignored");
        }
    }

    private static void Issue(Snapshot s, string severity, string? rule, string? entity, string? id, SourceLocation at, string message) =>
        s.Issues.Add(new SourceIssue(severity, rule, entity, id, at, message));

    private sealed class PeopleReading(RowCounter counter)
    {
        private readonly Snapshot _s = new() { LinkKind = LinkKind };
        private readonly Dictionary<string, SourceLocation> _ids = new(StringComparer.Ordinal);
        private readonly HashSet<string> _schools = new(StringComparer.Ordinal);

        public void Read(Stream stream, string file, bool students)
        {
            using var csv = new CsvRowReader(stream, leaveOpen: true) { FileName = file };
            // R28: an empty file would read as "nobody", and the People mode is bulk: everyone would be archived.
            var head = ReaderIssues.Header(csv, file, "SIS id");

            var h = new CsvHeader(head.Fields, name => Key(name, PeoplePrefixes));
            WarnDuplicates(_s, h, new SourceLocation(file, head.Line));
            int sis = h.Find("sisid", "sis", "sisnumber", "localid", "id", "number"),
                first = h.Find("firstname", "givenname", "first", "fname"), last = h.Find("lastname", "familyname", "surname", "last", "lname"),
                middle = h.Find("middlename", "middle"), email = h.Find("email", "emailaddress", "mail"),
                year = h.Find("graduationyear", "gradyear", "yearofgraduation", "classof"), grade = h.Find("grade", "gradelevel"),
                schoolId = h.Find("schoolid", "schoolsisid", "schoolcode", "school"), schoolName = h.Find("schoolname"),
                sms = h.Find("sms", "mobile", "mobilephone", "cell", "cellphone"), phone = h.Find("phone", "phonenumber", "homephone"),
                role = h.Find("role", "type", "position");
            if (sis < 0)
            {
                throw new SourceReadException($"{file} has no header row with a SIS id column (e.g. 'SIS ID'); add the header row") { File = file, Row = head.Line };
            }

            while (csv.TryRead(out var row))
            {
                counter.Next();
                var f = row.Fields;
                if (Array.TrueForAll(f, string.IsNullOrWhiteSpace))
                {
                    continue;
                }

                var at = new SourceLocation(file, row.Line);
                var rowId = CsvHeader.Value(f, sis)?.Replace("\0", "", StringComparison.Ordinal);
                if (ReaderIssues.SkipForText(_s.Issues, csv, Entities.Person, rowId, at))
                {
                    if (!string.IsNullOrEmpty(rowId))
                    {
                        _s.Skipped.Add(new SourceSkip(SnapshotKinds.People, rowId, at));
                    }

                    continue;
                }

                WarnExtra(_s, h, f, at);
                if (CsvHeader.Value(f, sis) is not { } id)
                {
                    Issue(_s, Severities.Error, ReaderIssues.Partial, Entities.Person, null, at, "The row has no SIS id; skipped");
                    continue;
                }

                if (!_ids.TryAdd(id, at))
                {
                    var firstAt = _ids[id];
                    Issue(_s, Severities.Error, ReaderIssues.Partial, Entities.Person, id, at,
                        $"SIS id '{id}' is on {firstAt.File} line {firstAt.Row} and {file} line {row.Line}; the first is read, this one skipped");
                    continue;
                }

                var school = CsvHeader.Value(f, schoolId) ?? CsvHeader.Value(f, schoolName);
                if (school is not null && _schools.Add(school))
                {
                    _s.Schools.Add(new SourceSchool(school, CsvHeader.Value(f, schoolName) ?? school, null, at));
                }

                _s.People.Add(new SourcePerson(
                    id, CsvHeader.Value(f, email), CsvHeader.Value(f, first), CsvHeader.Value(f, last), CsvHeader.Value(f, middle),
                    [students ? Roles.Student : StaffRole(CsvHeader.Value(f, role), id, at)], CsvHeader.Value(f, grade),
                    students ? GraduationYear(CsvHeader.Value(f, year), id, at) : null,
                    CsvHeader.Value(f, sms), CsvHeader.Value(f, phone), id, school is null ? [] : [school], at));
            }

            ReaderIssues.AddTextIssues(_s.Issues, csv, file);
        }

        public Snapshot Finish(bool students, bool staff)
        {
            _s.Modes[SnapshotKinds.People] = FeedMode.Bulk;
            _s.BulkPeopleRoles = students && staff ? null
                : students ? [Roles.Student]
                : [Roles.Teacher, Roles.Staff, Roles.Administrator];
            if (_s.Schools.Count > 0)
            {
                _s.Modes[SnapshotKinds.Schools] = FeedMode.Bulk;
            }

            counter.Finish();
            return _s;
        }

        /// <summary>staff.csv lists teachers unless a role column says otherwise (ClassTag's default).</summary>
        private string StaffRole(string? value, string id, SourceLocation at)
        {
            var role = value?.ToLowerInvariant() switch
            {
                null => Roles.Teacher,
                "admin" => Roles.Administrator,
                "staff" => Roles.Staff,
                _ => OneRosterZipReader.MapUserRole(value),
            };
            if (role is null or Roles.Student or Roles.Guardian)
            {
                Issue(_s, Severities.Warning, ReaderIssues.Partial, Entities.Person, id, at, $"Role '{value}' is not a staff role; read as teacher");
                return Roles.Teacher;
            }

            return role;
        }

        private int? GraduationYear(string? value, string id, SourceLocation at)
        {
            if (value is null)
            {
                return null;
            }

            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year is >= 1900 and <= 2200)
            {
                return year;
            }

            Issue(_s, Severities.Warning, ReaderIssues.Partial, Entities.Person, id, at, $"Graduation year '{value}' is not a four-digit year; left empty");
            return null;
        }
    }
}
