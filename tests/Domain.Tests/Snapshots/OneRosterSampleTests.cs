using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;
using RosterSync.TestSupport;

namespace RosterSync.Domain.Tests.Snapshots;

/// <summary>Every OneRoster sample in shared/samples, as published: counts and exactly the issues its defects deserve.</summary>
public class OneRosterSampleTests
{
    private static Snapshot ReadZip(params string[] path)
    {
        using var zip = File.OpenRead(Samples.Path(path));
        return TestZips.Read(zip);
    }

    private static Snapshot ReadFolder(params string[] path)
    {
        using var zip = TestZips.FromFolder(Samples.Path(path));
        return TestZips.Read(zip);
    }

    [Fact]
    public void Classlink_sandbox_reads_complete_bulk_bundle()
    {
        var s = ReadZip("classlink-sandbox", "OneRoster-original.zip");

        Assert.Equal(180, s.People.Count);
        Assert.Equal(72, s.Classes.Count);
        Assert.Equal(305, s.Enrollments.Count);
        Assert.Equal(["2", "3", "7"], s.Schools.Select(x => x.SourceId));
        Assert.Equal(7, s.Sessions.Count);
        Assert.Equal(40, s.Courses.Count);
        Assert.Empty(s.Issues);
        Assert.Empty(s.GuardianLinks);
        Assert.Equal(140, s.People.Count(p => p.Roles.SequenceEqual([Roles.Student])));
        Assert.Equal(80, s.Enrollments.Count(e => e.Role == EnrollmentRoles.Teacher));
        Assert.All(new[] { SnapshotKinds.People, SnapshotKinds.Classes, SnapshotKinds.Enrollments, SnapshotKinds.Schools }, k => Assert.Equal(FeedMode.Bulk, s.ModeOf(k)));
        var billy = s.People.Single(p => p.SourceId == "18125");
        Assert.Equal(("billy.flores@classlink.k12.nj.us", "BILLY", "11", "17580", "2"), (billy.Email, billy.GivenName, billy.Grade, billy.SisId, billy.PrimarySchoolSourceId));
        Assert.Equal(new DateOnly(2018, 9, 5), s.Sessions.Single(x => x.SourceId == "FY").StartDate);
    }

    [Fact]
    public void Classlink_csv_dump_reads_duplicate_role_column_and_10_names()
    {
        var s = ReadFolder("classlink-sandbox", "csv-dump");

        Assert.Equal(180, s.People.Count);
        Assert.Equal(305, s.Enrollments.Count);
        var issue = Assert.Single(s.Issues);
        Assert.Contains("'role' appears more than once", issue.Message, StringComparison.Ordinal);
        Assert.Equal(["2"], s.People.Single(p => p.SourceId == "18125").SchoolSourceIds);
    }

    [Fact]
    public void Moodle_full_data_set_applies_bulk_status_and_links_guardian()
    {
        var s = ReadZip("moodle-enrol-oneroster", "Test_full_data_set.zip");

        Assert.Equal(6, s.People.Count);
        Assert.Equal("cls-222-123456", Assert.Single(s.Classes).SourceId);
        Assert.Equal(6, s.Enrollments.Count);
        Assert.Equal(4, s.Sessions.Count);
        Assert.Empty(s.Courses);
        Assert.Equal(FeedMode.Absent, s.ModeOf(SnapshotKinds.Courses));
        Assert.Equal("org-sch-222-456", Assert.Single(s.Schools).SourceId);
        var link = Assert.Single(s.GuardianLinks);
        Assert.Equal(("usr-222-1234561", "usr-222-66778899"), (link.GuardianSourceId, link.StudentSourceId));
        Assert.Equal(2, s.Enrollments.Count(e => e.Role == EnrollmentRoles.CoTeacher));
        Assert.Equal(2, s.CountIssues(Severities.Warning, "tobedeleted in a bulk file"));
        Assert.Equal(1, s.CountIssues(Severities.Warning, "inactive"));
        Assert.Equal(3, s.Issues.Count);
        Assert.Empty(s.Deletions);
        var physics = s.Classes[0];
        Assert.Equal(("09", "Science", false), (physics.Grade, physics.Subject, physics.IsHomeroom));
        Assert.Equal(["as-trm-222-1234"], physics.TermSourceIds);
    }

    [Fact]
    public void Moodle_minimal_data_set_reads_blank_primary_as_teacher()
    {
        var s = ReadZip("moodle-enrol-oneroster", "Test_minimal_data_set.zip");

        Assert.Equal(6, s.People.Count);
        Assert.Equal(2, s.Classes.Count);
        Assert.True(s.Classes.Single(c => c.SourceId == "cls-222-123478").IsHomeroom);
        Assert.Equal(2, s.Enrollments.Count(e => e.Role == EnrollmentRoles.Teacher));
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Moodle_12_delta_takes_role_from_roles_csv()
    {
        var s = ReadZip("moodle-enrol-oneroster", "oneroster_test_data.zip");

        var bruce = Assert.Single(s.People);
        Assert.Equal([Roles.Student], bruce.Roles);
        Assert.Equal(["ORG_1"], bruce.SchoolSourceIds);
        Assert.Single(s.Classes);
        Assert.Single(s.Courses);
        Assert.Single(s.Enrollments);
        Assert.Equal(FeedMode.Delta, s.ModeOf(SnapshotKinds.People));
        Assert.Equal(FeedMode.Delta, s.ModeOf(SnapshotKinds.Enrollments));
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Moodle_12_full_dataset_takes_primary_role_and_ignores_blank_manifest_values()
    {
        var s = ReadZip("moodle-enrol-oneroster", "v1p2_full_dataset.zip");

        Assert.Equal(6, s.People.Count);
        Assert.Equal([Roles.Teacher], s.People.Single(p => p.SourceId == "usr-222-123456").Roles);
        Assert.Equal([Roles.Administrator], s.People.Single(p => p.SourceId == "usr-222-1234561").Roles);
        Assert.Equal("org-sch-222-456", s.People[0].PrimarySchoolSourceId);
        Assert.Empty(s.GuardianLinks);
        Assert.Equal(2, s.CountIssues(Severities.Warning, "tobedeleted in a bulk file"));
        Assert.Equal(3, s.Issues.Count);
    }

    [Theory]
    [InlineData("en")]
    [InlineData("ja")]
    public void Lepo_reads_fully_quoted_files_and_flags_misspelt_manifest_key(string language)
    {
        var s = ReadZip("lepo-roster-hub", language, "oneroster.zip");

        Assert.Equal(20, s.People.Count);
        Assert.Equal(5, s.Classes.Count);
        Assert.Equal(30, s.Enrollments.Count);
        Assert.Equal(5, s.Enrollments.Count(e => e.Role == EnrollmentRoles.Teacher));
        Assert.Single(s.Schools);
        var issue = Assert.Single(s.Issues);
        Assert.Contains("fiel.demographics", issue.Message, StringComparison.Ordinal);
        Assert.Equal(s.People.Count, ReadFolder("lepo-roster-hub", language).People.Count);
    }

    [Fact]
    public void Lepo_ja_keeps_japanese_names()
    {
        var s = ReadZip("lepo-roster-hub", "ja", "oneroster.zip");

        Assert.Contains(s.People, p => p.GivenName?.Contains('名', StringComparison.Ordinal) == true);
        Assert.Contains(s.Classes, c => c.Name == "情報処理入門");
    }

    [Fact]
    public void Edfi_reads_ragged_rows_and_per_term_enrollments()
    {
        var s = ReadFolder("edfi-lms-toolkit", "OneRoster-1.1-Sample-Data");

        Assert.Equal(10, s.People.Count);
        Assert.Equal(2, s.Classes.Count);
        Assert.Equal(24, s.Enrollments.Count);
        Assert.Equal("255901001", Assert.Single(s.Schools).SourceId);
        Assert.Equal(2, s.Classes[0].TermSourceIds.Count);
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Oat_reads_reordered_columns_10_names_and_header_only_files()
    {
        var s = ReadFolder("oat-oneroster-import", "OneRosterv1p1BaseCSV");

        Assert.Equal(2, s.People.Count);
        Assert.Equal(3, s.Classes.Count);
        Assert.Equal(3, s.Enrollments.Count);
        Assert.Equal(2, s.Schools.Count);
        Assert.Empty(s.Sessions);
        Assert.Empty(s.Courses);
        Assert.Equal("2", s.Classes[0].Grade);
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Onerostersync_root_reads_without_manifest_as_bulk()
    {
        var s = ReadFolder("onerostersync-net");

        Assert.Equal(4, s.People.Count);
        Assert.Equal(3, s.Classes.Count);
        Assert.Equal(3, s.Enrollments.Count);
        Assert.Equal(4, s.Courses.Count);
        Assert.Equal(["Sch_000001", "Sch_S00002"], s.Schools.Select(x => x.SourceId));
        Assert.Equal(new DateOnly(2018, 8, 27), s.Sessions[0].StartDate);
        Assert.Equal(FeedMode.Bulk, s.ModeOf(SnapshotKinds.People));
        Assert.Equal(1, s.CountIssues(Severities.Warning, "no manifest.csv"));
        Assert.Equal(1, s.CountIssues(Severities.Warning, "tobedeleted in a bulk file"));
        Assert.Equal(2, s.Issues.Count);
    }

    [Theory]
    [InlineData("Step1-UpdateCourse", 5, 4, 3)]
    [InlineData("Step2-AddCourse", 5, 4, 2)]
    [InlineData("Step3-DeleteCourse", 4, 4, 2)]
    [InlineData("Step4-AddClass", 4, 5, 3)]
    public void Onerostersync_steps_read_in_order(string step, int courses, int classesWithDeleted, int issues)
    {
        var s = ReadFolder("onerostersync-net", step);

        Assert.Equal(courses, s.Courses.Count);
        Assert.Equal(classesWithDeleted - 1, s.Classes.Count);
        Assert.Equal(4, s.People.Count);
        Assert.Equal(issues, s.Issues.Count);
    }

    [Fact]
    public void Onerostersync_step4_flags_class_in_district_org()
    {
        var s = ReadFolder("onerostersync-net", "Step4-AddClass");

        var issue = Assert.Single(s.Issues, i => i.SourceId == "3221847");
        Assert.Contains("is a district", issue.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mocker_users_build_guardian_links_at_scale_and_keep_duplicate_emails()
    {
        using var zip = TestZips.FromBytes(("users.csv", File.ReadAllBytes(Samples.Path("oneroster-mocker", "test-csv.csv"))));

        var s = TestZips.Read(zip);

        Assert.Equal(1999, s.People.Count);
        Assert.Equal(812, s.People.Count(p => p.Roles[0] == Roles.Guardian));
        Assert.Equal(401 * 1 + 369 * 2 + 417 * 3, s.GuardianLinks.Count);
        Assert.Equal(2, s.People.Count(p => p.Email == "franciscoo'hara@nicelion.com"));
        Assert.Equal(2, s.People.Count(p => p.Email == "tyreseo'hara@nicelion.com"));
        Assert.Equal(["slksldkmlsk49303"], s.People[0].SchoolSourceIds);
        Assert.Equal(FeedMode.Bulk, s.ModeOf(SnapshotKinds.GuardianLinks));
        Assert.Contains("no manifest.csv", Assert.Single(s.Issues).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mocker_small_set_maps_principal_and_drops_district_org()
    {
        using var zip = TestZips.FromFolder(Samples.Path("oneroster-mocker"), name => name == "test-csv.csv" ? "ignored.csv" : name);

        var s = TestZips.Read(zip);

        Assert.Equal(4, s.People.Count);
        Assert.Equal([Roles.Administrator], s.People.Single(p => p.GivenName == "Everette").Roles);
        Assert.Equal(2, s.GuardianLinks.Count);
        Assert.Equal("40a9b1be-6eb9-4456-836f-d00c0a444151", Assert.Single(s.Schools).SourceId);
    }
}
