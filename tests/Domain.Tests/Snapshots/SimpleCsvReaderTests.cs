using System.Text;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;
using RosterSync.TestSupport;

namespace RosterSync.Domain.Tests.Snapshots;

public class SimpleCsvReaderTests
{
    private static MemoryStream Csv(string text) => new(Encoding.UTF8.GetBytes(text));

    private static Snapshot Roster(string? students, string? staff) =>
        SimpleCsvReader.ReadRoster(students is null ? null : Csv(students), staff is null ? null : Csv(staff), null, CancellationToken.None);

    private static Snapshot Guardians(string text) => SimpleCsvReader.ReadGuardians(Csv(text), "guardians.csv", null, CancellationToken.None);

    [Fact]
    public void Reads_simple_pair_with_odd_headers()
    {
        var s = Roster(
            "\uFEFFFirst Name,LAST_NAME,Student SIS ID,e-mail,graduationYear,Grade,School\r\nAna,Diaz,1001,ana@x.org,2029,09,Lincoln High\r\n",
            "firstName,last name,SIS_ID,Email Address,Role\nBo,Li,T-7,bo@x.org,Principal\nCy,Ng,T-8,cy@x.org,\n");

        var ana = s.People[0];
        Assert.Equal(("1001", "1001", "Ana", "Diaz", "ana@x.org", 2029, "09"), (ana.SourceId, ana.SisId, ana.GivenName, ana.FamilyName, ana.Email, ana.GraduationYear, ana.Grade));
        Assert.Equal([Roles.Student], ana.Roles);
        Assert.Equal(["Lincoln High"], ana.SchoolSourceIds);
        Assert.Equal("Lincoln High", Assert.Single(s.Schools).Name);
        Assert.Equal([Roles.Administrator], s.People[1].Roles);
        Assert.Equal([Roles.Teacher], s.People[2].Roles);
        Assert.Null(s.People[1].GraduationYear);
        Assert.Equal(SimpleCsvReader.LinkKind, s.LinkKind);
        Assert.Equal(FeedMode.Bulk, s.ModeOf(SnapshotKinds.People));
        Assert.Null(s.BulkPeopleRoles);
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void A_lone_students_file_is_bulk_for_students_only()
    {
        var s = Roster("first_name,last_name,sis_id,email,graduation_year\nAna,Diaz,1,a@x.org,2029\n", null);

        Assert.Equal([Roles.Student], s.BulkPeopleRoles!);
        Assert.Equal(FeedMode.Absent, s.ModeOf(SnapshotKinds.Schools));
    }

    [Fact]
    public void Reports_missing_and_duplicate_sis_ids_and_bad_years()
    {
        var s = Roster("first name,last name,sis id,email,graduation year\nA,B,,a@x.org,2029\nC,D,7,c@x.org,29\nE,F,7,e@x.org,2030\n", null);

        Assert.Equal("7", Assert.Single(s.People).SourceId);
        Assert.Null(s.People[0].GraduationYear);
        Assert.Equal(2, s.Issues.Count(i => i.Severity == Severities.Error));
        Assert.Equal(1, s.CountIssues(Severities.Warning, "Graduation year '29'"));
        Assert.Contains("students.csv line 3 and students.csv line 4", s.Issues.Single(i => i.SourceId == "7" && i.Severity == Severities.Error).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_a_people_file_without_sis_id_column()
    {
        Assert.Throws<SourceReadException>(() => Roster("first name,last name,email\nA,B,a@x.org\n", null));
    }

    [Fact]
    public void Reads_clever_sandbox_students_with_bare_cr_line_ends()
    {
        using var students = File.OpenRead(Samples.Path("clever-sandbox", "students.csv"));
        using var teachers = File.OpenRead(Samples.Path("clever-sandbox", "teachers.csv"));

        var s = SimpleCsvReader.ReadRoster(students, teachers, null, CancellationToken.None);

        Assert.Equal(1004, s.People.Count(p => p.Roles[0] == Roles.Student));
        Assert.Equal(89, s.People.Count(p => p.Roles[0] == Roles.Teacher));
        Assert.Equal(3, s.Schools.Count);
        Assert.All(s.People, p => Assert.NotNull(p.Email));
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Reads_guardian_file_with_aliases()
    {
        var s = Guardians(
            "Guardian Email,Parent First Name,Guardian_Last_Name,Guardian Mobile,Student SIS ID,Student Email,Relationship\n" +
            "Mom@X.org,Ana,Diaz,5551234567,1001,,Mother\n" +
            "mom@x.org,Ana,Diaz,5551234567,1002,,Mother\n" +
            ",Dan,Diaz,5559876543,,kid@x.org,Father\n" +
            "mom@x.org,Ana,Diaz,,1001,,Mother\n");

        Assert.Equal(["mom@x.org", "5559876543"], s.People.Select(p => p.SourceId));
        Assert.All(s.People, p => Assert.Equal([Roles.Guardian], p.Roles));
        Assert.Equal(("Mom@X.org", "5551234567"), (s.People[0].Email, s.People[0].Sms));
        Assert.Equal(
            [("mom@x.org", "1001", "Mother", null), ("mom@x.org", "1002", "Mother", null), ("5559876543", "kid@x.org", "Father", "kid@x.org")],
            s.GuardianLinks.Select(l => (l.GuardianSourceId, l.StudentSourceId, l.Relationship, l.StudentEmail)));
        Assert.Equal(FeedMode.Bulk, s.ModeOf(SnapshotKinds.GuardianLinks));
        Assert.Equal(FeedMode.Delta, s.ModeOf(SnapshotKinds.People));
        Assert.Empty(s.Issues);
    }

    [Fact]
    public void Guardian_rows_without_contact_or_student_are_issues()
    {
        var s = Guardians("contact_name,contact_email,contact_phone,student_id\nAna Maria Diaz,,,1001\nBo Li,bo@x.org,,\nCy Ng,cy@x.org,,1002\n");

        var cy = Assert.Single(s.People);
        Assert.Equal(("Cy", "Ng"), (cy.GivenName, cy.FamilyName));
        Assert.Equal("R10", s.Issues.Single(i => i.Severity == Severities.Warning).Rule);
        Assert.Equal(3, s.Issues.Single(i => i.Severity == Severities.Error).At.Row);
    }

    [Fact]
    public void Rejects_guardian_file_without_student_column()
    {
        var e = Assert.Throws<SourceReadException>(() => Guardians("guardian email,first name\nmom@x.org,Ana\n"));

        Assert.Contains("no student column", e.Message, StringComparison.Ordinal);
    }
}
