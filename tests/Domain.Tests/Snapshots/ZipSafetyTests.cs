using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Tests.Snapshots;

public class ZipSafetyTests
{
    private const string Users = "sourcedId,role\nu1,student\n";

    [Fact]
    public void Rejects_a_file_that_is_not_a_zip()
    {
        var e = Assert.Throws<SourceReadException>(() => TestZips.Read(new MemoryStream(Encoding.UTF8.GetBytes(Users))));

        Assert.StartsWith("The file is not a zip archive", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../users.csv")]
    [InlineData("data/../../users.csv")]
    [InlineData("/etc/users.csv")]
    [InlineData("..\\users.csv")]
    [InlineData("C:/temp/users.csv")]
    public void Rejects_path_traversal_entry(string name)
    {
        using var zip = TestZips.FromText(("users.csv", Users), (name, Users));

        var e = Assert.Throws<SourceReadException>(() => TestZips.Read(zip));

        Assert.Contains("points outside the archive", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_symlink_entry()
    {
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var users = archive.CreateEntry("users.csv").Open())
            {
                users.Write(Encoding.UTF8.GetBytes(Users));
            }

            var link = archive.CreateEntry("orgs.csv");
            link.ExternalAttributes = unchecked((int)0xA1FF0000); // S_IFLNK | 0777
            using var target = link.Open();
            target.Write("/etc/passwd"u8);
        }

        zip.Position = 0;

        var e = Assert.Throws<SourceReadException>(() => TestZips.Read(zip));

        Assert.Equal("The zip entry 'orgs.csv' is a symbolic link", e.Message);
    }

    [Fact]
    public void Rejects_compression_bomb()
    {
        using var zip = Bomb();

        var e = Assert.Throws<SourceReadException>(() => TestZips.Read(zip));

        Assert.Contains("compressed more than 100:1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_compression_bomb_whose_header_understates_its_size()
    {
        using var zip = Bomb();
        SetDeclaredSize(zip, 3_000_000, "users.csv"); // under 100:1 as declared; 50 MB inflated

        var e = Assert.Throws<SourceReadException>(() => TestZips.Read(zip));

        // ZipArchive stops at the declared size; the size and CRC check at the end catches the lie.
        Assert.Contains("is corrupt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_an_entry_whose_checksum_does_not_match_its_header()
    {
        using var zip = TestZips.FromText(("users.csv", "sourcedId,role,email\nu1,student,u1@school.example.org\n"));
        SetHeaderField(zip, 0x12345678, "users.csv", 14, 16); // the CRC-32 field of the local and central headers

        var e = Assert.Throws<SourceReadException>(() => TestZips.Read(zip));

        Assert.Contains("is corrupt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_more_than_2_gb_declared()
    {
        using var zip = TestZips.FromText(("users.csv", Users), ("big.csv", "x"));
        SetDeclaredSize(zip, 0xC000_0000, "big.csv");

        var e = Assert.Throws<SourceReadException>(() => TestZips.Read(zip));

        Assert.Equal("The zip expands to more than 2 GB", e.Message);
    }

    [Fact]
    public void Reads_a_large_but_ordinary_csv()
    {
        var text = "sourcedId,role,email\n" + string.Concat(Enumerable.Range(0, 100_000).Select(i => $"u{i},student,u{i}@school.example.org\n"));
        using var zip = TestZips.FromText(("users.csv", text));

        Assert.Equal(100_000, TestZips.Read(zip).People.Count);
    }

    private static MemoryStream Bomb()
    {
        var zeros = new byte[50 * 1024 * 1024];
        "sourcedId,role\n"u8.CopyTo(zeros);
        return TestZips.FromBytes(("users.csv", zeros));
    }

    /// <summary>Rewrites the uncompressed size in the local and central headers: headers can lie.</summary>
    private static void SetDeclaredSize(MemoryStream stream, uint size, string entry) => SetHeaderField(stream, size, entry, 22, 24);

    /// <summary>Rewrites a 32-bit field of an entry's local and central headers (at the given offsets in each).</summary>
    private static void SetHeaderField(MemoryStream stream, uint value, string entry, int localAt, int centralAt)
    {
        var zip = stream.GetBuffer();
        for (var i = 0; i + 46 < stream.Length; i++)
        {
            var signature = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            var (sizeAt, nameLengthAt, nameAt) = signature switch
            {
                0x04034b50 => (localAt, 26, 30),
                0x02014b50 => (centralAt, 28, 46),
                _ => (0, 0, 0),
            };
            if (sizeAt == 0)
            {
                continue;
            }

            var name = Encoding.UTF8.GetString(zip, i + nameAt, BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(i + nameLengthAt)));
            if (name == entry)
            {
                BinaryPrimitives.WriteUInt32LittleEndian(zip.AsSpan(i + sizeAt), value);
            }
        }
    }
}
