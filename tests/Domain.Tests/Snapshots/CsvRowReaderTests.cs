using System.Text;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Tests.Snapshots;

public class CsvRowReaderTests
{
    private static List<CsvRow> Rows(string text) => Rows(Encoding.UTF8.GetBytes(text));

    private static List<CsvRow> Rows(byte[] bytes)
    {
        using var reader = new CsvRowReader(new MemoryStream(bytes));
        return [.. reader.ReadAll()];
    }

    [Fact]
    public void Reads_crlf_and_bom()
    {
        var rows = Rows([0xEF, 0xBB, 0xBF, .. "sourcedId,name\r\n1,Ana\r\n2,Bo\r\n"u8]);

        Assert.Equal(["sourcedId", "name"], rows[0].Fields);
        Assert.Equal(["2", "Bo"], rows[2].Fields);
        Assert.Equal([1, 2, 3], rows.Select(r => r.Line));
    }

    [Fact]
    public void Strips_a_bom_left_in_a_text_reader()
    {
        using var reader = new CsvRowReader(new StringReader("\uFEFFid\n1"));

        Assert.Equal("id", reader.ReadAll().First().Fields[0]);
    }

    [Fact]
    public void Reads_bare_cr_lf_and_missing_final_eol()
    {
        var rows = Rows("a,b\rc,d\ne,f");

        Assert.Equal(3, rows.Count);
        Assert.Equal(["e", "f"], rows[2].Fields);
        Assert.Equal(3, rows[2].Line);
    }

    [Fact]
    public void Reads_quoted_newline_comma_and_doubled_quote()
    {
        var rows = Rows("id,note\r\n1,\"line one\r\nline \"\"two\"\", with comma\"\r\n2,x\r\n");

        Assert.Equal("line one\r\nline \"two\", with comma", rows[1].Fields[1]);
        Assert.Equal(2, rows[1].Line);
        Assert.Equal(4, rows[2].Line);
    }

    [Fact]
    public void Reads_every_value_quoted_and_empty_quoted_values()
    {
        var rows = Rows("\"a\",\"\",\"c\"\n\"\",\"\",\"\"\n");

        Assert.Equal(["a", "", "c"], rows[0].Fields);
        Assert.Equal(["", "", ""], rows[1].Fields);
    }

    [Fact]
    public void Keeps_trailing_empty_field_and_skips_blank_lines()
    {
        var rows = Rows("a,b,\n\n\r\nc,d,e\n");

        Assert.Equal(2, rows.Count);
        Assert.Equal(["a", "b", ""], rows[0].Fields);
        Assert.Equal(4, rows[1].Line);
    }

    [Fact]
    public void Keeps_stray_quotes_inside_unquoted_values()
    {
        var rows = Rows("franciscoo'hara@x.org,5\" ruler,\"ab\"c\n");

        Assert.Equal(["franciscoo'hara@x.org", "5\" ruler", "abc"], rows[0].Fields);
    }

    [Fact]
    public void Rejects_an_unclosed_quote_with_its_line()
    {
        var e = Assert.Throws<SourceReadException>(() => Rows("a\n\"never closed,\nmore\n"));

        Assert.Equal(2, e.Row);
    }

    [Fact]
    public void Reads_fields_longer_than_the_buffer()
    {
        var longValue = new string('x', 100_000);

        var rows = Rows($"a,\"{longValue}\",{longValue}\n");

        Assert.Equal(longValue, rows[0].Fields[1]);
        Assert.Equal(longValue, rows[0].Fields[2]);
    }

    [Fact]
    public void Header_maps_names_case_insensitively_and_keeps_first_duplicate()
    {
        var header = new CsvHeader([" SourcedID ", "role", "", "Role", "orgs"]);

        Assert.Equal(0, header.Find("sourcedId"));
        Assert.Equal(1, header.Find("role"));
        Assert.Equal(4, header.Find("orgSourcedIds", "orgs"));
        Assert.Equal(-1, header.Find("email"));
        Assert.Equal(["Role"], header.Duplicates);
    }

    [Fact]
    public void Header_tolerates_ragged_rows()
    {
        var header = new CsvHeader(["a", "b"]);

        Assert.Null(CsvHeader.Value(["1"], 1));
        Assert.False(header.HasExtraValues(["1", "2", "", " "]));
        Assert.True(header.HasExtraValues(["1", "2", "3"]));
        Assert.Equal(["x", "y"], CsvHeader.List(["x, ,y,"], 0));
    }
}
