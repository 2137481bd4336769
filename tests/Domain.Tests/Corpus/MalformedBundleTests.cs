using System.Text;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Domain.Tests.Rules;
using static RosterSync.Domain.Model.Severities;

namespace RosterSync.Domain.Tests.Corpus;

/// <summary>
/// The corpus of malformed bundles (issue 9): each case changes one thing in a clean bundle, and is read through the
/// one entry point uploads and SFTP files use. Either the read fails with the exact reason (R22: nothing applied), or
/// it yields exactly the issues listed (file, line, rule, severity, source id) and, planned against the roster the clean
/// bundle made, changes nothing and abandons nothing: a bad row is skipped, never read as absent.
/// </summary>
public class MalformedBundleTests
{
    private const string U = "users.csv", C = "classes.csv", E = "enrollments.csv", M = "manifest.csv", S = "academicSessions.csv";

    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    /// <summary>An issue the case must raise; <see cref="SourceId"/> null means "names no record".</summary>
    public sealed record Expected(string Severity, string Rule, string? File, int? Line, string? SourceId = null);

    /// <summary>What a case yields: a failed read (message part, file), or issues (and, where the case says so, changes).</summary>
    public sealed record Outcome(string? Failure = null, string? FailureFile = null, Expected[]? Issues = null, (string Entity, string Action, string Rule)[]? Changes = null);

    private static Outcome Fails(string message, string? file = null) => new(message, file);

    private static Outcome Issues(params Expected[] issues) => new(Issues: issues);

    private static Expected W(string rule, string? file, int? line, string? id = null) => new(Warning, rule, file, line, id);

    private static Expected Err(string rule, string? file, int? line, string? id = null) => new(Error, rule, file, line, id);

    private static string UserRow(string id, string given = "Sam", string email = "sam@corpus.example", string role = "student", string agents = "") =>
        $"{id},active,,true,sch-1,{role},{id},,{given},Lee,,9{id.Length},{email},,,{agents},09,";

    private static string Quoted(string csv) => string.Join('\n', csv.Split('\n').Select(line =>
        line.Length == 0 ? line : string.Join(',', line.Split(',').Select(v => v.Length == 0 ? v : $"\"{v}\""))));

    private static byte[] Bom(Encoding encoding, string text) => [.. encoding.GetPreamble(), .. encoding.GetBytes(text)];

    private static readonly Dictionary<string, (Func<CorpusBundle, CorpusBundle> Make, Outcome Outcome)> Table = new()
    {
        // Archives
        ["not a zip (a PDF)"] = (b => b.Instead([.. "%PDF-1.7\n"u8, .. Enumerable.Range(0, 64).Select(i => (byte)(i % 32))]),
            Fails("neither a OneRoster zip nor a CSV file", "roster.zip")),
        ["empty upload"] = (b => b.Instead([]), Fails("The file is empty (0 bytes)", "roster.zip")),
        ["truncated zip"] = (b => b.Truncate(0.6), Fails("not a zip archive, or a damaged one", "roster.zip")),
        ["encrypted entry"] = (b => b.Encrypt(U), Fails("'users.csv' is encrypted (the zip has a password)", U)),
        ["duplicate entry names"] = (b => b.Again(U, U), Fails("two entries named 'users.csv'", U)),
        ["duplicate entry names in another case"] = (b => b.Again(U, "Users.csv"), Fails("two entries named 'Users.csv'", "Users.csv")),
        ["zip-slip path"] = (b => b.Again(U, "../users.csv"), Fails("'../users.csv' points outside the archive", "roster.zip")),
        ["zip-slip absolute path"] = (b => b.Again(U, "/etc/users.csv"), Fails("'/etc/users.csv' points outside the archive", "roster.zip")),
        ["symbolic link entry"] = (b => b.Symlink("link.csv", "/etc/passwd"), Fails("'link.csv' is a symbolic link", "roster.zip")),
        ["missing users.csv"] = (b => b.Without(U), Fails("The zip has no users.csv", U)),
        ["missing manifest"] = (b => b.Without(M), Issues(W("R28", "", null))),
        ["files in one wrapping folder"] = (b => b.Rename(n => "export/" + n), Issues(W("R28", "", null))),
        ["files split over two folders"] = (b => b.Rename(n => (n.Length % 2 == 0 ? "a/" : "b/") + n), Fails("no users.csv")),
        ["manifest declares a file the zip lacks"] = (b => b.Without("courses.csv"), Issues(W("R28", M, 6))),
        ["file in the zip the manifest calls absent"] = (b => b.Replace(M, "file.courses,bulk", "file.courses,absent"), Issues(W("R28", M, 6))),
        ["unknown file mode in the manifest"] = (b => b.Replace(M, "file.courses,bulk", "file.courses,full"), Issues(W("R28", M, 6))),
        ["unknown manifest version"] = (b => b.Replace(M, "oneroster.version,1.1", "oneroster.version,2.0"), Issues(W("R28", M, 3))),
        ["unknown manifest key"] = (b => b.AppendRow(M, "fiel.demographics,bulk"), Issues(W("R28", M, 11))),
        ["empty manifest"] = (b => b.Text(M, ""), Fails("manifest.csv is empty", M)),

        // Encodings
        ["users.csv in Windows-1252"] = (b => b.Bytes(U, Windows1252.GetBytes(b.TextOf(U))), Issues(W("R26", U, 3))),
        ["users.csv in UTF-16 LE with BOM"] = (b => b.Bytes(U, Bom(Encoding.Unicode, b.TextOf(U))), Issues()),
        ["users.csv in UTF-16 BE with BOM"] = (b => b.Bytes(U, Bom(Encoding.BigEndianUnicode, b.TextOf(U))), Issues()),
        ["users.csv with a UTF-8 BOM"] = (b => b.Bytes(U, Bom(new UTF8Encoding(true), b.TextOf(U))), Issues()),
        ["users.csv in UTF-16 without BOM"] = (b => b.Bytes(U, Encoding.Unicode.GetBytes(b.TextOf(U))), Fails("The header row of users.csv holds a NUL character", U)),
        ["BOM inside a value"] = (b => b.Replace(U, "zoe.okafor@", "\uFEFFzoe.okafor@"), Issues(W("R26", U, 3))),
        ["two exports joined, BOM in the middle"] = (b => b.Text(U, b.TextOf(U) + "\uFEFF" + b.TextOf(U)), Issues(
            W("R28", U, 6), W("R26", U, 6), Err("R22", U, 7, "stu-1"), Err("R22", U, 8, "stu-2"), Err("R22", U, 9, "tea-1"), Err("R22", U, 10, "par-1"))),
        ["NUL in a value"] = (b => b.Replace(U, "Zoé", "Zo\0é"), Issues(Err("R26", U, 3, "stu-2"))),
        ["NUL in the header row"] = (b => b.Replace(U, "givenName", "given\0Name"), Fails("The header row of users.csv holds a NUL character", U)),
        ["NUL in the manifest"] = (b => b.Replace(M, "file.demographics,absent", "file.demo\0graphics,absent"), Issues(Err("R26", M, 10))),
        ["NUL in an enrollment row"] = (b => b.Replace(E, "enr-2,active,", "enr-2,act\0ive,"), Issues(Err("R26", E, 3, "enr-2"))),
        ["NUL in a class row"] = (b => b.Replace(C, "Algebra I", "Algebra\0I"), Issues(Err("R26", C, 2, "cls-1"))),
        ["mixed line endings"] = (b => b.Text(U, string.Concat(b.TextOf(U).Split('\n').Select((l, i) => l + (i % 3 == 0 ? "\r\n" : i % 3 == 1 ? "\n" : "\r")))), Issues()),
        ["blank lines and blank rows"] = (b => b.Replace(U, "\nstu-2", "\n\n,,,,,,\n   \nstu-2"), Issues()),

        // CSV structure
        ["users.csv without header row"] = (b => b.Text(U, b.TextOf(U)[(b.TextOf(U).IndexOf('\n', StringComparison.Ordinal) + 1)..]), Fails("users.csv has no header row", U)),
        ["empty users.csv"] = (b => b.Text(U, ""), Fails("users.csv is empty", U)),
        ["empty classes.csv"] = (b => b.Text(C, ""), Fails("classes.csv is empty", C)),
        ["blank-lines-only orgs.csv"] = (b => b.Text("orgs.csv", "\n\n\r\n"), Fails("orgs.csv is empty", "orgs.csv")),
        ["unbalanced quotes"] = (b => b.Replace(U, ",Ana,Diaz,", ",\"Ana,Diaz,"), Fails("a quoted value opened on line 2 is never closed", U)),
        ["extra values on a row"] = (b => b.Replace(U, "zoe.okafor@corpus.example,,,,09,", "zoe.okafor@corpus.example,,,,09,,surplus"), Issues(W("R28", U, 3, "stu-2"))),
        ["missing values on a row"] = (b => b.Replace(U, "stu-2,active,,true,sch-1,student,zoe,,Zoé,Okafor,,1002,zoe.okafor@corpus.example,,,,09,", "stu-2,active,,true,sch-1,student"),
            Issues(Err("R6", U, 3, "stu-2"))),
        ["duplicate header name"] = (b => b.Text(U, string.Join('\n', b.TextOf(U).Split('\n').Select((l, i) => l.Length == 0 ? l : l + (i == 0 ? ",email" : ",other@corpus.example")))),
            Issues(W("R28", U, 1))),
        ["header names in another case"] = (b => b.Replace(U, "sourcedId,status", "SOURCEDID,Status").Replace(U, ",email,", ",EMAIL,"), Issues()),
        ["every value quoted"] = (b => b.Text(U, Quoted(b.TextOf(U))), Issues()),
        ["row without sourcedId"] = (b => b.AppendRow(U, UserRow("")), Issues(Err("R22", U, 6))),

        // References
        ["class with a school not in the bundle"] = (b => b.AppendRow(C, "cls-2,active,,Geometry,09,crs-1,GEO,scheduled,,sch-9,term-1,Math,,"), Issues(Err("R27", C, 3, "cls-2"))),
        ["class with no school"] = (b => b.AppendRow(C, "cls-2,active,,Geometry,09,crs-1,GEO,scheduled,,,term-1,Math,,"), Issues(Err("R27", C, 3, "cls-2"))),
        ["class with a course not in the bundle"] = (b => b.Replace(C, ",crs-1,", ",crs-9,"), Issues(W("R27", C, 2, "cls-1"))),
        ["class with a term not in the bundle"] = (b => b.Replace(C, ",term-1,", ",term-9,"), Issues(W("R27", C, 2, "cls-1"))),
        ["enrollment in a class not in the bundle"] = (b => b.AppendRow(E, "enr-4,active,,cls-9,sch-1,stu-1,student,false,,"), Issues(W("R27", E, 5, "enr-4"))),
        ["enrollment of a user not in the bundle"] = (b => b.AppendRow(E, "enr-4,active,,cls-1,sch-1,stu-9,student,false,,"), Issues(W("R27", E, 5, "enr-4"))),
        ["guardian agent names a student not in the bundle"] = (b => b.Replace(U, ",,stu-1,,", ",,\"stu-1,stu-9\",,"), Issues(W("R27", U, 5, "par-1"))),
        ["agent loop: a user is its own agent"] = (b => b.Replace(U, ",,stu-1,,", ",,\"stu-1,par-1\",,"), Issues(W("R27", U, 5, "par-1"))),

        // Values
        ["bad email"] = (b => b.Replace(U, "zoe.okafor@corpus.example", "zoe.okafor-at-corpus"), Issues(Err("R6", U, 3, "stu-2"))),
        ["duplicate sourcedId"] = (b => b.AppendRow(U, UserRow("stu-2", "Other")), Issues(Err("R22", U, 6, "stu-2"))),
        ["duplicate email"] = (b => b.AppendRow(U, UserRow("stu-3", email: "ana.diaz@corpus.example")), Issues(Err("R6", U, 6, "stu-3"))),
        ["unknown user role"] = (b => b.Replace(U, "sch-1,student,zoe", "sch-1,pupil,zoe"), Issues(W("R22", U, 3, "stu-2"))),
        ["unknown status"] = (b => b.Replace(U, "stu-2,active", "stu-2,suspended"), Issues(W("R22", U, 3, "stu-2"))),
        ["status inactive (OneRoster 1.0)"] = (b => b.Replace(U, "stu-2,active", "stu-2,inactive"), Issues(W("R22", U, 3, "stu-2"))),
        ["unknown enrollment role"] = (b => b.Replace(E, "stu-2,student", "stu-2,guardian"), Issues(W("R22", E, 3, "enr-2"))),
        ["overlong value"] = (b => b.Replace(U, "Zoé", new string('z', 1001)), Issues(Err("R26", U, 3, "stu-2"))),
        // A bad date or grade is reported and its row still read: the change is listed with the rule that made it.
        ["day-first date"] = (b => b.Replace(S, "2025-08-15", "15/08/2025"),
            new(Issues: [W("R22", S, 2, "term-1")], Changes: [(Entities.AcademicSession, ChangeActions.Updated, "R7")])),
        ["grade that is not a CEDS code"] = (b => b.Replace(U, "zoe.okafor@corpus.example,,,,09,", "zoe.okafor@corpus.example,,,,Ninth,"),
            new(Issues: [W("R22", U, 3, "stu-2")], Changes: [(Entities.Person, ChangeActions.Updated, "R7")])),
        // A header-only file is a file with no rows (1EdTech allows it, HMH asks for it): here, no enrollments.
        ["header-only enrollments.csv"] = (b => b.Text(E, b.TextOf(E).Split('\n')[0] + "\n"),
            new(Issues: [], Changes: [.. Enumerable.Repeat((Entities.Enrollment, ChangeActions.Removed, "R14"), 3)])),
    };

    public static TheoryData<string> Cases() => [.. Table.Keys];

    private static readonly Lazy<RosterState> BaselineState = new(() => RosterState.Empty.Sync(Read(CorpusBundle.Baseline().Zip())));

    [Fact]
    public void The_clean_bundle_reads_without_issues_and_plans_no_change_against_itself()
    {
        var snapshot = Read(CorpusBundle.Baseline().Zip());

        Assert.Empty(snapshot.Issues);
        Assert.Equal((4, 1, 3, 1), (snapshot.People.Count, snapshot.Classes.Count, snapshot.Enrollments.Count, snapshot.GuardianLinks.Count));
        Assert.Empty(Planner.Plan(snapshot, BaselineState.Value, SyncSettings.Default).Changes);
        Assert.Contains(BaselineState.Value.People, p => p.GivenName == "Zoé");
        Assert.Contains(BaselineState.Value.People, p => p.FamilyName == "O’Hara");
    }

    [Fact]
    public void The_corpus_holds_at_least_forty_malformed_bundles() => Assert.True(Table.Count >= 40, $"{Table.Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Malformed_bundle_is_reported_exactly_and_changes_nothing_it_should_not(string name)
    {
        var (make, outcome) = Table[name];
        var zip = make(CorpusBundle.Baseline()).Zip();

        if (outcome.Failure is { } failure)
        {
            var e = Assert.Throws<SourceReadException>(() => Read(zip));
            Assert.Contains(failure, e.Message, StringComparison.Ordinal);
            Assert.Equal(outcome.FailureFile, e.File);
            return;
        }

        var plan = Planner.Plan(Read(zip), BaselineState.Value, SyncSettings.Default);

        // The planner's own account of absent records it kept (R14: none silently) is not a reading issue; each keep
        // must be explained by a rule that one of the expected row issues names, or by R22 (a row the reader skipped).
        var kept = plan.Issues.Where(i => IsKeptSummary(plan, i)).ToList();
        Assert.All(kept, k => Assert.True(k.Rule == "R22" || outcome.Issues!.Any(e => e.Rule == k.Rule), $"kept under {k.Rule}"));
        var actual = plan.Issues.Except(kept).Select(i => (i.Severity, i.Rule, i.File, i.Row, i.SourceId)).OrderBy(i => i.ToString(), StringComparer.Ordinal).ToList();
        var expected = outcome.Issues!.Select(i => (i.Severity, (string?)i.Rule, i.File, i.Line, i.SourceId)).OrderBy(i => i.ToString(), StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(
            (outcome.Changes ?? []).Select(c => (c.Entity, c.Action, (string?)c.Rule)).Order(),
            plan.Changes.Select(c => (c.Entity, c.Action, c.Rule)).Order());
        Assert.Null(plan.SafetyStop);
    }

    internal static bool IsKeptSummary(Plan plan, PlanIssue issue) =>
        issue.File is null && issue.SourceId is null && plan.Kept.Any(k => k.Rule == issue.Rule && k.Entity == issue.Entity);

    internal static Snapshot Read(byte[] zip) =>
        SnapshotReader.ReadUploadAsync(new MemoryStream(zip), "roster.zip", SnapshotReader.Roster, null, CancellationToken.None).GetAwaiter().GetResult();
}
