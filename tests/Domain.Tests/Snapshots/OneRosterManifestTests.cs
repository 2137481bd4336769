using System.Text;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Tests.Snapshots;

public class OneRosterManifestTests
{
    [Theory]
    [InlineData("propertyName,value\r\nfile.users,bulk\r\nfile.enrollments,Delta\r\n", true)]
    [InlineData("propertyName,value\nfile.users,bulk\nfile.classes,absent\n", false)]
    [InlineData("propertyName,value\nsource.systemName,delta\n", false)]
    public void A_package_is_delta_when_its_manifest_declares_a_delta_file(string manifest, bool delta)
    {
        using var zip = TestZips.FromText(("Manifest.csv", manifest), ("users.csv", "sourcedId\nu1\n"));
        Assert.Equal(delta, OneRosterManifest.IsDeltaPackage(zip));
    }

    [Fact]
    public void A_zip_without_manifest_or_a_file_that_is_no_zip_is_not_delta()
    {
        using var noManifest = TestZips.FromText(("users.csv", "sourcedId\nu1\n"));
        using var csv = new MemoryStream(Encoding.UTF8.GetBytes("first name,last name\n"));
        Assert.False(OneRosterManifest.IsDeltaPackage(noManifest));
        Assert.False(OneRosterManifest.IsDeltaPackage(csv));
    }
}
