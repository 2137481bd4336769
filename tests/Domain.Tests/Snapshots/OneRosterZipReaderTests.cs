using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Tests.Snapshots;

public class OneRosterZipReaderTests
{
    private const string UsersHeader = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password";

    private static string Manifest(string users = "bulk", string enrollments = "absent", string classes = "absent") =>
        $"propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.users,{users}\nfile.classes,{classes}\nfile.enrollments,{enrollments}\n";

    private static Snapshot Read(params (string Name, string Content)[] files)
    {
        using var zip = TestZips.FromText(files);
        return TestZips.Read(zip);
    }

    [Fact]
    public void Reads_users_header_in_any_case_and_order_with_extra_columns()
    {
        var s = Read(
            ("MANIFEST.CSV", Manifest()),
            ("Users.csv", "Email,ROLE,sourcedid,metadata.x,GIVENNAME,familyName,Grades\r\nana@x.org,Student,u1,extra,Ana,Diaz,\"09,10\"\r\n"));

        var ana = Assert.Single(s.People);
        Assert.Equal(("u1", "ana@x.org", "Ana", "Diaz", "09"), (ana.SourceId, ana.Email, ana.GivenName, ana.FamilyName, ana.Grade));
        Assert.Equal([Roles.Student], ana.Roles);
        Assert.Equal(OneRosterZipReader.LinkKind, s.LinkKind);
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Reads_users_csv_with_bom_and_bare_cr()
    {
        using var zip = TestZips.FromBytes(("users.csv", [0xEF, 0xBB, 0xBF, .. "sourcedId,role\ru1,student\ru2,teacher"u8]));

        var s = TestZips.Read(zip);

        Assert.Equal(["u1", "u2"], s.People.Select(p => p.SourceId));
        Assert.Equal(3, s.People[1].At.Row);
    }

    [Fact]
    public void Warns_on_extra_values_beyond_the_header()
    {
        var s = Read(("users.csv", "sourcedId,role\nu1,student,,\nu2,student,oops\n"));

        Assert.Equal(2, s.People.Count);
        var issue = Assert.Single(s.Issues, i => i.Message.Contains("more values", StringComparison.Ordinal));
        Assert.Equal(new SourceLocation("users.csv", 3), issue.At);
    }

    [Fact]
    public void Maps_every_role_vocabulary_and_skips_unknown_roles()
    {
        var s = Read(("manifest.csv", Manifest()), ("users.csv",
            "sourcedId,role\n1,student\n2,teacher\n3,principal\n4,siteAdministrator\n5,districtAdministrator\n6,systemAdministrator\n" +
            "7,administrator\n8,aide\n9,proctor\n10,counselor\n11,parent\n12,guardian\n13,relative\n14,wizard\n15,\n"));

        Assert.Equal(
            ["student", "teacher", "administrator", "administrator", "administrator", "administrator", "administrator", "staff", "staff", "staff", "guardian", "guardian", "guardian"],
            s.People.Select(p => p.Roles.Single()));
        Assert.Equal(["14", "15"], s.Issues.Select(i => i.SourceId));
        Assert.All(s.Issues, i => Assert.Equal(Severities.Warning, i.Severity));
        Assert.Equal(["14", "15"], s.Skipped.Select(x => x.SourceId));
    }

    [Fact]
    public void Bulk_tobedeleted_row_is_absent()
    {
        var s = Read(
            ("manifest.csv", Manifest()),
            ("users.csv", "sourcedId,status,role\nu1,active,student\nu2,toBeDeleted,student\nu3,TOBEDELETED,student\nu4,inactive,student\n"));

        Assert.Equal(["u1", "u4"], s.People.Select(p => p.SourceId));
        Assert.Empty(s.Deletions);
        Assert.Empty(s.Skipped);
        Assert.Equal(2, s.CountIssues(Severities.Warning, "tobedeleted in a bulk file"));
        Assert.Equal(1, s.CountIssues(Severities.Warning, "inactive"));
    }

    [Fact]
    public void Delta_rows_of_one_record_the_latest_dateLastModified_wins_whatever_the_line_order()
    {
        var s = Read(
            ("manifest.csv", Manifest(users: "delta")),
            ("users.csv", "sourcedId,status,dateLastModified,role,givenName\n" +
                "u1,active,2025-09-03T10:00:00Z,student,Newest\n" +
                "u1,active,2025-09-01T10:00:00Z,student,Oldest\n" +
                "u2,active,2025-09-01T10:00:00.000Z,student,Kept\n" +
                "u2,tobedeleted,2025-09-02,student,Kept\n" +
                "u3,active,,student,Undated\n" +
                "u3,active,2025-09-01T00:00:00Z,student,Dated\n" +
                "u4,active,2025-09-01T00:00:00Z,student,Single\n"));

        Assert.Equal([("u1", "Newest"), ("u3", "Dated"), ("u4", "Single")], s.People.Select(p => (p.SourceId, p.GivenName)));
        Assert.Equal([new SourceDeletion(SnapshotKinds.People, "u2", new("users.csv", 5))], s.Deletions);
        Assert.Equal([("u1", 3), ("u2", 4), ("u3", 6)], s.Issues.Select(i => (i.SourceId!, i.At.Row!.Value)));
        Assert.All(s.Issues, i => Assert.Equal((Severities.Warning, true), (i.Severity, i.Message.Contains("latest dateLastModified", StringComparison.Ordinal))));
    }

    [Fact]
    public void Delta_tobedeleted_row_becomes_a_deletion()
    {
        var s = Read(
            ("manifest.csv", Manifest(users: "delta", enrollments: "delta")),
            ("users.csv", "sourcedId,status,role\nu1,active,student\nu2,tobedeleted,student\n"),
            ("enrollments.csv", "sourcedId,status,classSourcedId,userSourcedId,role\ne1,tobedeleted,c1,u2,student\n"));

        Assert.Equal("u1", Assert.Single(s.People).SourceId);
        Assert.Empty(s.Enrollments);
        Assert.Equal(
            [new SourceDeletion(SnapshotKinds.People, "u2", new("users.csv", 3)), new SourceDeletion(SnapshotKinds.Enrollments, "e1", new("enrollments.csv", 2))],
            s.Deletions);
        Assert.Equal(FeedMode.Delta, s.ModeOf(SnapshotKinds.People));
        Assert.Equal(FeedMode.Absent, s.ModeOf(SnapshotKinds.Classes));
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Duplicate_sourcedId_keeps_the_first_and_names_both_rows()
    {
        var s = Read(("users.csv", "sourcedId,role,givenName\nu1,student,First\nu2,student,Other\nu1,teacher,Second\n"));

        Assert.Equal("First", s.People.Single(p => p.SourceId == "u1").GivenName);
        var issue = Assert.Single(s.Issues, i => i.Severity == Severities.Error);
        Assert.Equal((Entities.Person, "u1", 4), (issue.Entity, issue.SourceId, issue.At.Row));
        Assert.Contains("lines 2 and 4", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_sourcedId_is_an_error_with_file_and_row()
    {
        var s = Read(("users.csv", "sourcedId,role\n,student\nu2,student\n"));

        Assert.Equal("u2", Assert.Single(s.People).SourceId);
        var issue = Assert.Single(s.Issues, i => i.Severity == Severities.Error);
        Assert.Equal(new SourceLocation("users.csv", 2), issue.At);
    }

    [Fact]
    public void Does_not_drop_people_for_bad_or_duplicate_emails()
    {
        var s = Read(("manifest.csv", Manifest()), ("users.csv", "sourcedId,role,email\nu1,student,same@x.org\nu2,student,SAME@x.org\nu3,student,not-an-email\nu4,student,\n"));

        Assert.Equal(4, s.People.Count);
        Assert.Null(s.People[3].Email);
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Maps_classes_and_enrollment_roles()
    {
        var s = Read(
            ("manifest.csv", Manifest(enrollments: "bulk", classes: "bulk")),
            ("users.csv", "sourcedId,role\nt1,teacher\n"),
            ("classes.csv", "sourcedId,title,grades,courseSourcedId,classType,schoolSourcedId,termSourcedIds,subjects\n" +
                "c1,Homeroom 5A,\"05,06\",k1,HomeRoom,s1,\"T1, T2\",\"Math, Art\"\n"),
            ("enrollments.csv", "sourcedId,classSourcedId,schoolSourcedId,userSourcedId,role,primary\n" +
                "e1,c1,s1,u1,student,\ne2,c1,s1,t1,teacher,TRUE\ne3,c1,s1,t2,teacher,false\ne4,c1,s1,t3,teacher,\n" +
                "e5,c1,s1,a1,aide,\ne6,c1,s1,p1,proctor,\ne7,c1,s1,x1,administrator,\ne8,,s1,u1,student,\n"));

        var c = Assert.Single(s.Classes);
        Assert.Equal(("Homeroom 5A", "05", "Math", "k1", "s1", true), (c.Name, c.Grade, c.Subject, c.CourseSourceId, c.SchoolSourceId, c.IsHomeroom));
        Assert.Equal(["T1", "T2"], c.TermSourceIds);
        Assert.Equal(["student", "teacher", "co-teacher", "teacher", "aide", "aide"], s.Enrollments.Select(e => e.Role));
        Assert.Equal(("e7", Severities.Warning), (s.Issues[0].SourceId, s.Issues[0].Severity));
        Assert.Equal(("e8", Severities.Error), (s.Issues[1].SourceId, s.Issues[1].Severity));
        Assert.Equal(["e7", "e8"], s.Skipped.Select(x => x.SourceId));
    }

    [Fact]
    public void Guardian_links_come_from_either_side_deduped_with_the_guardians_role_as_relationship_and_teacher_agents_are_noise()
    {
        var s = Read(("users.csv", UsersHeader + "\n" +
            "s1,,,true,,student,,,,,,,,,,\"g1, t1\",,\n" +
            "s2,,,true,,student,,,,,,,,,,g2,,\n" +
            "g1,,,true,,parent,,,,,,,,,,s1,,\n" +
            "g2,,,true,,guardian,,,,,,,,,,,,\n" +
            "g3,,,true,,relative,,,,,,,,,,\"s1,s2,nobody\",,\n" +
            "t1,,,true,,teacher,,,,,,,,,,s1,,\n"));

        Assert.Equal(
            [("g1", "s1", "parent"), ("g2", "s2", "guardian"), ("g3", "s1", "relative"), ("g3", "s2", "relative")],
            s.GuardianLinks.Select(l => (l.GuardianSourceId, l.StudentSourceId, l.Relationship)).Order());
    }

    [Fact]
    public void Drops_district_orgs_from_people_and_keeps_referenced_departments_as_schools()
    {
        var s = Read(
            ("orgs.csv", "sourcedId,name,type\nd,District,district\nh,High,school\ndep,Science Dept,department\nlonely,Unused Dept,department\n"),
            ("users.csv", "sourcedId,role,orgSourcedIds,primaryOrgSourcedId\nu1,student,\"d,dep,h\",h\n"));

        var u1 = Assert.Single(s.People);
        Assert.Equal(["dep", "h"], u1.SchoolSourceIds);
        Assert.Equal("h", u1.PrimarySchoolSourceId);
        Assert.Equal(["h", "dep"], s.Schools.Select(x => x.SourceId));
    }

    [Fact]
    public void Reads_session_dates_iso_and_us_and_warns_on_others()
    {
        var s = Read(
            ("users.csv", "sourcedId,role\nu1,student\n"),
            ("academicSessions.csv", "sourcedId,title,type,startDate,endDate,schoolYear\n" +
                "a,Fall,term,2024-08-20,12/20/2024,2025\nb,Spring,term,2025-01-06T00:00:00Z,15/06/2025,2025\n"));

        Assert.Equal((new DateOnly(2024, 8, 20), new DateOnly(2024, 12, 20)), (s.Sessions[0].StartDate, s.Sessions[0].EndDate));
        Assert.Equal((new DateOnly(2025, 1, 6), (DateOnly?)null), (s.Sessions[1].StartDate, s.Sessions[1].EndDate));
        Assert.Equal("b", Assert.Single(s.Issues, i => i.Entity == Entities.AcademicSession).SourceId);
    }

    [Fact]
    public void Follows_a_manifest_that_says_users_are_absent()
    {
        var s = Read(("manifest.csv", Manifest(users: "absent")), ("users.csv", "sourcedId,role\nu1,student\n"));

        Assert.Empty(s.People);
        Assert.Equal(FeedMode.Absent, s.ModeOf(SnapshotKinds.People));
        Assert.Equal(1, s.CountIssues(Severities.Warning, "manifest says it is absent"));
    }

    [Fact]
    public void Reads_files_inside_one_wrapping_folder_with_a_warning()
    {
        var s = Read(("export/users.csv", "sourcedId,role\nu1,student\n"), ("__MACOSX/export/._users.csv", "junk"));

        Assert.Single(s.People);
        Assert.Equal(1, s.CountIssues(Severities.Warning, "inside the folder 'export/'"));
    }

    [Fact]
    public void Rejects_a_zip_without_users_csv()
    {
        var e = Assert.Throws<SourceReadException>(() => Read(("manifest.csv", Manifest()), ("classes.csv", "sourcedId\n")));

        Assert.Equal("The zip has no users.csv", e.Message);
    }

    [Fact]
    public void Accepts_a_partial_package_whose_manifest_declares_users_absent()
    {
        var s = Read(("manifest.csv", Manifest(users: "absent", classes: "delta")), ("classes.csv", "sourcedId,status,title\nc1,tobedeleted,Old\n"));

        Assert.Equal(FeedMode.Absent, s.ModeOf(SnapshotKinds.People));
        Assert.Equal(new SourceDeletion(SnapshotKinds.Classes, "c1", new("classes.csv", 2)), Assert.Single(s.Deletions));
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Rejects_a_users_file_without_sourcedId_column()
    {
        var e = Assert.Throws<SourceReadException>(() => Read(("users.csv", "id,role\nu1,student\n")));

        Assert.Equal("users.csv", e.File);
    }

    [Fact]
    public void Reports_progress_every_10000_rows_and_at_the_end()
    {
        var text = "sourcedId,role\n" + string.Concat(Enumerable.Range(0, 25_000).Select(i => $"u{i},student\n"));
        using var zip = TestZips.FromText(("users.csv", text));
        var reports = new List<long>();

        var s = OneRosterZipReader.Read(zip, new SyncProgress(reports.Add), CancellationToken.None);

        Assert.Equal(25_000, s.People.Count);
        Assert.Equal([10_000L, 20_000L, 25_000L], reports);
    }

    [Fact]
    public async Task Reads_a_non_seekable_stream()
    {
        using var zip = TestZips.FromText(("users.csv", "sourcedId,role\nu1,student\n"));

        var s = await OneRosterZipReader.ReadAsync(new ForwardOnlyStream(zip), null, CancellationToken.None);

        Assert.Single(s.People);
    }

    [Fact]
    public void Honours_cancellation()
    {
        var text = "sourcedId,role\n" + string.Concat(Enumerable.Range(0, 5_000).Select(i => $"u{i},student\n"));
        using var zip = TestZips.FromText(("users.csv", text));

        Assert.Throws<OperationCanceledException>(() => OneRosterZipReader.Read(zip, null, new CancellationToken(canceled: true)));
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool; tests need the reports in order, now.</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}

/// <summary>An upload body as ASP.NET or SSH.NET may hand it over: read once, no seeking.</summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
