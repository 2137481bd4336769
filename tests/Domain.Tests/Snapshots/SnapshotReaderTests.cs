using System.Text;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;
using RosterSync.TestSupport;

namespace RosterSync.Domain.Tests.Snapshots;

public class SnapshotReaderTests
{
    private static Task<Snapshot> Upload(Stream content, string fileName, string kind = SnapshotReader.Roster) =>
        SnapshotReader.ReadUploadAsync(content, fileName, kind, null, CancellationToken.None);

    [Theory]
    [InlineData("moodle-enrol-oneroster", "Test_full_data_set.zip", 6)]
    [InlineData("moodle-enrol-oneroster", "Test_minimal_data_set.zip", 6)]
    [InlineData("moodle-enrol-oneroster", "oneroster_test_data.zip", 1)]
    [InlineData("moodle-enrol-oneroster", "v1p2_full_dataset.zip", 6)]
    [InlineData("classlink-sandbox", "OneRoster-original.zip", 180)]
    [InlineData("lepo-roster-hub/en", "oneroster.zip", 20)]
    [InlineData("lepo-roster-hub/ja", "oneroster.zip", 20)]
    public async Task Sniffs_oneroster_sample_zips(string folder, string file, int people)
    {
        await using var zip = File.OpenRead(Samples.Path(folder, file));

        var s = await Upload(zip, file);

        Assert.Equal(OneRosterZipReader.LinkKind, s.LinkKind);
        Assert.Equal(people, s.People.Count);
    }

    [Fact]
    public async Task Sniffs_simple_pair_in_a_zip_and_wrapping_folder()
    {
        using var zip = TestZips.FromText(
            ("Export/Students.csv", "first name,last name,sis id,email,graduation year\nAna,Diaz,1,a@x.org,2029\n"),
            ("Export/staff.csv", "first name,last name,sis id,email\nBo,Li,T1,b@x.org\n"));

        var s = await Upload(new ForwardOnlyStream(zip), "roster.zip");

        Assert.Equal(SimpleCsvReader.LinkKind, s.LinkKind);
        Assert.Equal([Roles.Student, Roles.Teacher], s.People.Select(p => p.Roles[0]));
        Assert.Null(s.BulkPeopleRoles);
    }

    [Theory]
    [InlineData("students.csv", Roles.Student)]
    [InlineData("Students 2025-26.CSV", Roles.Student)]
    [InlineData("staff.csv", Roles.Teacher)]
    [InlineData("teachers.csv", Roles.Teacher)]
    public async Task Reads_a_single_csv_named_for_its_people(string fileName, string role)
    {
        using var csv = new MemoryStream("first name,last name,sis id,email\r\nAna,Diaz,1,a@x.org\r\n"u8.ToArray());

        var s = await Upload(csv, fileName);

        Assert.Equal(role, Assert.Single(s.People).Roles[0]);
    }

    [Fact]
    public async Task Rejects_a_single_csv_with_an_unhelpful_name()
    {
        using var csv = new MemoryStream("first name,sis id\nAna,1\n"u8.ToArray());

        var e = await Assert.ThrowsAsync<SourceReadException>(() => Upload(csv, "export.csv"));

        Assert.Contains("students.csv or staff.csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_binary_garbage()
    {
        var garbage = new byte[2048];
        new Random(42).NextBytes(garbage);

        var e = await Assert.ThrowsAsync<SourceReadException>(() => Upload(new MemoryStream(garbage), "roster.zip"));

        Assert.Equal(("The file is neither a OneRoster zip nor a CSV file", "roster.zip"), (e.Message, e.File));
    }

    [Fact]
    public async Task Rejects_a_zip_with_neither_format()
    {
        using var zip = TestZips.FromText(("readme.txt", "hello"));

        var e = await Assert.ThrowsAsync<SourceReadException>(() => Upload(zip, "roster.zip"));

        Assert.StartsWith("The zip has no users.csv", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rejects_an_empty_upload()
    {
        await Assert.ThrowsAsync<SourceReadException>(() => Upload(new MemoryStream(), "students.csv"));
    }

    [Fact]
    public async Task Reads_guardian_file_as_csv_or_zip()
    {
        const string text = "guardian email,guardian first name,guardian last name,student sis id,relationship\nmom@x.org,Ana,Diaz,1001,Mother\n";

        var fromCsv = await Upload(new MemoryStream(Encoding.UTF8.GetBytes(text)), "Parents.csv", SnapshotReader.Guardians);
        using var zip = TestZips.FromText(("contacts.csv", text));
        var fromZip = await Upload(zip, "guardians.zip", SnapshotReader.Guardians);

        Assert.Single(fromCsv.GuardianLinks);
        Assert.Equal(fromCsv.GuardianLinks[0] with { At = fromZip.GuardianLinks[0].At }, fromZip.GuardianLinks[0]);
        Assert.Equal("contacts.csv", fromZip.GuardianLinks[0].At.File);
    }

    [Fact]
    public async Task Rejects_unknown_kind()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Upload(new MemoryStream("a"u8.ToArray()), "x.csv", "teachers"));
    }
}
