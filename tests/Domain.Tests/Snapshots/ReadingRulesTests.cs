using System.Text;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;
using RosterSync.Domain.Tests.Corpus;
using RosterSync.Domain.Tests.Rules;

namespace RosterSync.Domain.Tests.Snapshots;

/// <summary>The reading rules R26–R28 (SPEC §4), one defect each; the corpus (Corpus/) covers their variants.</summary>
public class ReadingRulesTests
{
    private static readonly Encoding Windows1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252)!;

    private static Snapshot Read(CorpusBundle bundle) => MalformedBundleTests.Read(bundle.Zip());

    private static RosterState Baseline() => RosterState.Empty.Sync(Read(CorpusBundle.Baseline()));

    [Fact]
    public void R26_latin1_users_csv_is_read_as_windows_1252_with_one_warning()
    {
        var latin1 = CorpusBundle.Baseline().Replace("users.csv", "Ana,Diaz", "Anaïs,Díaz");
        latin1.Bytes("users.csv", Windows1252.GetBytes(latin1.TextOf("users.csv")));

        var snapshot = Read(latin1);

        Assert.Equal(["Anaïs Díaz", "Zoé Okafor", "Tom O’Hara", "Gia Diaz"], snapshot.People.Select(p => $"{p.GivenName} {p.FamilyName}"));
        var warning = Assert.Single(snapshot.Issues);
        Assert.Equal((Severities.Warning, "R26", "users.csv", 2), (warning.Severity, warning.Rule, warning.At.File, warning.At.Row));
        Assert.Contains("users.csv is not valid UTF-8", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(snapshot.People, p => $"{p.GivenName}{p.FamilyName}".Contains('\uFFFD', StringComparison.Ordinal));
    }

    [Fact]
    public void R26_every_windows_1252_byte_decodes_without_a_replacement_character()
    {
        var bytes = Enumerable.Range(0x80, 0x80).Select(b => (byte)b).ToArray();
        using var reader = new SourceTextReader(new MemoryStream(bytes));

        var text = reader.ReadToEnd();

        Assert.Equal(0x80, text.Length);
        Assert.DoesNotContain('\uFFFD', text);
        Assert.Equal(TextEncodingKind.Windows1252, reader.Encoding);
        Assert.Equal("€", text[..1]);
    }

    [Fact]
    public void R26_the_warning_names_the_line_where_the_file_stops_being_utf8_even_after_many_buffers()
    {
        var rows = string.Concat(Enumerable.Range(1, 3000).Select(i => $"s{i},student,Name{i},Last,s{i}@corpus.example\n"));
        var csv = Encoding.UTF8.GetBytes("sourcedId,role,givenName,familyName,email\n" + rows)
            .Concat(Windows1252.GetBytes("late,student,José,Ruiz,late@corpus.example\n")).ToArray();

        var snapshot = MalformedBundleTests.Read(CorpusBundle.Baseline().Without("manifest.csv").Bytes("users.csv", csv).Zip());

        Assert.Equal("José", snapshot.People.Single(p => p.SourceId == "late").GivenName);
        var warning = Assert.Single(snapshot.Issues, i => i.Rule == "R26");
        Assert.Equal(("users.csv", 3002), (warning.At.File, warning.At.Row));
    }

    [Theory]
    [InlineData("utf-8", 1)]
    [InlineData("utf-8", 7)]
    [InlineData("utf-16", 3)]
    [InlineData("utf-16BE", 5)]
    [InlineData("windows-1252", 2)]
    public void R26_decoding_does_not_depend_on_how_the_bytes_arrive(string encodingName, int chunk)
    {
        var encoding = encodingName == "windows-1252" ? Windows1252 : Encoding.GetEncoding(encodingName);
        var text = string.Concat(Enumerable.Range(0, 5000).Select(i => $"u{i},Zoé Ñandú O’Hara {(encodingName == "windows-1252" ? "" : "😀 ")}{i}\n"));
        var bytes = encodingName.StartsWith("utf-16", StringComparison.Ordinal) ? [.. encoding.GetPreamble(), .. encoding.GetBytes(text)] : encoding.GetBytes(text);
        using var reader = new SourceTextReader(new Trickle(bytes, chunk));

        Assert.Equal(text, reader.ReadToEnd());
    }

    /// <summary>A stream that hands out at most <paramref name="chunk"/> bytes a read, as an inflating zip entry may.</summary>
    private sealed class Trickle(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
    }

    [Theory]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    public void R26_utf16_with_a_bom_is_decoded(string encodingName)
    {
        var encoding = Encoding.GetEncoding(encodingName);
        var bundle = CorpusBundle.Baseline();
        bundle.Bytes("users.csv", [.. encoding.GetPreamble(), .. encoding.GetBytes(bundle.TextOf("users.csv"))]);

        var snapshot = Read(bundle);

        Assert.Empty(snapshot.Issues);
        Assert.Contains(snapshot.People, p => p.GivenName == "Zoé");
    }

    [Fact]
    public async Task R26_a_lone_students_csv_in_windows_1252_is_accepted_by_the_sniffer_and_read()
    {
        var csv = Windows1252.GetBytes("SIS ID,First Name,Last Name,Email\n1001,Zoé,Okafor,zoe@corpus.example\n");

        var snapshot = await SnapshotReader.ReadUploadAsync(new MemoryStream(csv), "students.csv", SnapshotReader.Roster, null, CancellationToken.None);

        Assert.Equal(FileFormat.Windows1252Csv, SnapshotReader.Sniff(csv));
        Assert.Equal("Zoé", Assert.Single(snapshot.People).GivenName);
        Assert.Equal(("R26", "students.csv", 2), (snapshot.Issues.Single().Rule, snapshot.Issues.Single().At.File, snapshot.Issues.Single().At.Row));
    }

    [Fact]
    public void R26_a_nul_in_a_value_skips_its_row_with_an_error_and_the_person_is_not_archived()
    {
        var state = Baseline();
        var snapshot = Read(CorpusBundle.Baseline().Replace("users.csv", "Zoé", "Zo\0é"));

        var plan = Planner.Plan(snapshot, state, SyncSettings.Default);

        var error = Assert.Single(plan.Issues, i => !MalformedBundleTests.IsKeptSummary(plan, i));
        Assert.Equal((Severities.Error, "R26", "users.csv", 3, "stu-2"), (error.Severity, error.Rule, error.File, error.Row, error.SourceId));
        Assert.Empty(plan.Changes);
        Assert.DoesNotContain(snapshot.People, p => p.SourceId == "stu-2");
    }

    [Fact]
    public void R26_a_nul_in_a_simple_students_csv_skips_the_row_and_archives_nobody()
    {
        static Snapshot Students(string rows) => SimpleCsvReader.ReadRoster(
            new MemoryStream(Encoding.UTF8.GetBytes("SIS ID,First Name,Last Name,Email\n" + rows)), null, null, CancellationToken.None);
        var state = RosterState.Empty.Sync(Students("1001,Ana,Diaz,ana@corpus.example\n1002,Zoe,Okafor,zoe@corpus.example\n"));

        var plan = Planner.Plan(Students("1001,Ana,Diaz,ana@corpus.example\n1002,Zo\0e,Okafor,zoe@corpus.example\n"), state, SyncSettings.Default);

        Assert.Equal(("R26", "students.csv", 3, "1002"), (plan.Issues.Single().Rule, plan.Issues.Single().File, plan.Issues.Single().Row, plan.Issues.Single().SourceId));
        Assert.Empty(plan.Changes);
    }

    [Fact]
    public void R27_a_class_whose_school_is_not_in_the_bundle_is_skipped_unless_mapped()
    {
        var state = Baseline();
        var snapshot = Read(CorpusBundle.Baseline().AppendRow("classes.csv", "cls-2,active,,Geometry,09,crs-1,GEO,scheduled,,sch-9,term-1,Math,,"));

        var skipped = Planner.Plan(snapshot, state, SyncSettings.Default);
        var mapped = Planner.Plan(snapshot, state, SyncSettings.Default with
        {
            SchoolMappings = [new SchoolMapping("sch-9", state.Schools.Single().Id)],
        });

        var issue = Assert.Single(skipped.Issues);
        Assert.Equal((Severities.Error, "R27", "classes.csv", 3, "cls-2"), (issue.Severity, issue.Rule, issue.File, issue.Row, issue.SourceId));
        Assert.Empty(skipped.Changes);
        Assert.Empty(mapped.Issues);
        Assert.Equal(state.Schools.Single().Id, Assert.Single(mapped.Classes).SchoolId);
    }

    [Fact]
    public void R27_a_class_in_a_delta_package_whose_school_was_synced_before_is_created_in_that_school()
    {
        var state = Baseline();
        var delta = CorpusBundle.Baseline().Without("orgs.csv")
            .Replace("manifest.csv", "file.orgs,bulk", "file.orgs,absent").Replace("manifest.csv", "file.classes,bulk", "file.classes,delta")
            .Text("classes.csv", CorpusBundle.Classes.Split('\n')[0] + "\ncls-2,active,,Geometry,09,crs-1,GEO,scheduled,,sch-1,term-1,Math,,\n");

        var plan = Planner.Plan(Read(delta), state, SyncSettings.Default);

        Assert.Empty(plan.Issues);
        Assert.Equal(state.Schools.Single().Id, Assert.Single(plan.Classes).SchoolId);
    }

    [Fact]
    public void R27_an_enrollment_naming_a_class_or_person_not_in_the_source_is_skipped_with_an_R27_issue()
    {
        var plan = Planner.Plan(Read(CorpusBundle.Baseline()
            .AppendRow("enrollments.csv", "enr-4,active,,cls-9,sch-1,stu-1,student,false,,")
            .AppendRow("enrollments.csv", "enr-5,active,,cls-1,sch-1,stu-9,student,false,,")), Baseline(), SyncSettings.Default);

        Assert.Equal([("R27", "enrollments.csv", 5, "enr-4"), ("R27", "enrollments.csv", 6, "enr-5")],
            plan.Issues.Select(i => (i.Rule!, i.File!, i.Row!.Value, i.SourceId!)));
        Assert.Empty(plan.Changes);
    }

    [Fact]
    public async Task R27_guardian_file_rows_naming_unknown_students_are_skipped_and_no_guardian_is_created()
    {
        var state = Baseline();
        var file = """
            Guardian Email,Guardian First Name,Guardian Last Name,Student Email,Relationship
            new.parent@corpus.example,Nia,Park,nobody@corpus.example,mother
            other.parent@corpus.example,Oli,Park,zoe.okafor@corpus.example,father
            other.parent@corpus.example,Oli,Park,ghost@corpus.example,father

            """;

        var snapshot = await SnapshotReader.ReadUploadAsync(new MemoryStream(Encoding.UTF8.GetBytes(file)), "guardians.csv", SnapshotReader.Guardians, null,
            CancellationToken.None);
        var plan = Planner.Plan(snapshot, state, SyncSettings.Default);

        Assert.Equal(
            [("R27", Entities.GuardianLink, 2), ("R27", Entities.GuardianLink, 4), ("R27", Entities.Person, 2)],
            plan.Issues.Select(i => (i.Rule!, i.Entity!, i.Row!.Value)).Order());
        var created = Assert.Single(plan.People);
        Assert.Equal("other.parent@corpus.example", created.Email);
        var link = Assert.Single(plan.GuardianLinks);
        Assert.Equal((created.Id, state.People.Single(p => p.GivenName == "Zoé").Id), (link.PersonId, link.TargetId));
    }

    [Fact]
    public void R28_an_empty_users_csv_fails_the_read_instead_of_archiving_everyone()
    {
        var e = Assert.Throws<SourceReadException>(() => Read(CorpusBundle.Baseline().Text("users.csv", "")));

        Assert.Equal("users.csv", e.File);
        Assert.StartsWith("users.csv is empty: it has no header row", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void R28_a_users_csv_without_header_row_fails_the_read()
    {
        var e = Assert.Throws<SourceReadException>(() => Read(CorpusBundle.Baseline().Text("users.csv", "stu-1,active,,true,sch-1,student\n")));

        Assert.Equal(("users.csv", 1), (e.File, e.Row));
        Assert.StartsWith("users.csv has no header row: its first line has no sourcedId column", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void R28_an_empty_students_csv_fails_the_read()
    {
        var e = Assert.Throws<SourceReadException>(() =>
            SimpleCsvReader.ReadRoster(new MemoryStream(), null, null, CancellationToken.None));

        Assert.Equal("students.csv", e.File);
    }

    [Fact]
    public void R28_two_zip_entries_with_the_same_name_fail_the_read()
    {
        var e = Assert.Throws<SourceReadException>(() => Read(CorpusBundle.Baseline().Again("users.csv", "users.csv")));

        Assert.Equal("users.csv", e.File);
        Assert.Contains("two entries named 'users.csv'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("manifest.version,1.0", "manifest.version,3", 2)]
    [InlineData("oneroster.version,1.1", "oneroster.version,1.3", 3)]
    [InlineData("oneroster.version,1.1", "oneroster.version,", 3)]
    public void R28_an_unknown_manifest_version_is_a_warning(string known, string unknown, int line)
    {
        var snapshot = Read(CorpusBundle.Baseline().Replace("manifest.csv", known, unknown));

        var warning = Assert.Single(snapshot.Issues);
        Assert.Equal((Severities.Warning, "R28", "manifest.csv", line), (warning.Severity, warning.Rule, warning.At.File, warning.At.Row));
        Assert.Equal(4, snapshot.People.Count);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1.2")]
    public void R28_known_manifest_versions_raise_no_warning(string version)
    {
        Assert.Empty(Read(CorpusBundle.Baseline().Replace("manifest.csv", "manifest.version,1.0", "manifest.version," + version)).Issues);
    }

    [Fact]
    public void An_encrypted_zip_entry_is_reported_as_encrypted_with_what_to_do()
    {
        var e = Assert.Throws<SourceReadException>(() => Read(CorpusBundle.Baseline().Encrypt("users.csv")));

        Assert.Equal("users.csv", e.File);
        Assert.Equal("The zip entry 'users.csv' is encrypted (the zip has a password), so it cannot be read; zip the export again without a password", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14 }, FileFormat.Zip)]
    [InlineData(new byte[] { 0xFF, 0xFE, 0x61, 0x00 }, FileFormat.Utf16LittleEndianCsv)]
    [InlineData(new byte[] { 0xFE, 0xFF, 0x00, 0x61 }, FileFormat.Utf16BigEndianCsv)]
    [InlineData(new byte[] { 0x61, 0x2C, 0xC3, 0xA9, 0x0A }, FileFormat.Utf8Csv)]
    [InlineData(new byte[] { 0x61, 0x2C, 0xE9, 0x0A }, FileFormat.Windows1252Csv)]
    [InlineData(new byte[] { 0x61, 0x00, 0x62, 0x00 }, FileFormat.Other)]
    [InlineData(new byte[0], FileFormat.Empty)]
    public void The_one_sniffer_says_what_a_byte_prefix_is(byte[] head, FileFormat format) => Assert.Equal(format, SnapshotReader.Sniff(head));
}
