using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using RosterSync.Domain.Model;

namespace RosterSync.Api.Tests;

public sealed class ImportTests(ImportTests.Factory api) : IClassFixture<ImportTests.Factory>
{
    /// <summary>A small upload limit, so the 413 path needs no large file.</summary>
    public sealed class Factory : ApiFactory
    {
        public const int MaxFileBytes = 16 * 1024;
        protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Imports:MaxFileBytes", MaxFileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    public static byte[] OneRosterZip()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create))
        {
            // A fixed entry time: the same bundle twice is the same bytes (Idempotency-Key compares bodies).
            var entry = zip.CreateEntry("users.csv");
            entry.LastWriteTime = new DateTimeOffset(2025, 9, 1, 8, 0, 0, TimeSpan.Zero);
            using var writer = new StreamWriter(entry.Open());
            writer.Write("sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\r\n");
            writer.Write("stu-1,active,,true,org-1,student,ana,,Ana,Diaz,,100234,ana.diaz@lincoln.k12.example,,,,09,\r\n");
        }
        return buffer.ToArray();
    }

    private static MultipartFormDataContent Form(byte[] file, string fileName = "roster.zip", string? dryRun = null, string? kind = null)
    {
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", fileName);
        if (dryRun is not null) form.Add(new StringContent(dryRun), "dryRun");
        if (kind is not null) form.Add(new StringContent(kind), "kind");
        return form;
    }

    private async Task AssertNothingStoredAsync(Guid districtId)
    {
        await using var db = api.Db();
        Assert.False(await db.Uploads.AnyAsync(u => u.DistrictId == districtId));
        Assert.False(await db.SyncRuns.AnyAsync(r => r.DistrictId == districtId));
    }

    [Fact]
    public async Task A_zip_is_stored_and_queued_as_an_upload_run()
    {
        var district = await api.NewDistrictAsync();
        var zip = OneRosterZip();
        var response = await district.Client.PostAsync(district.Path + "/imports", Form(zip, dryRun: "true"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await response.ReadAsync();
        Assert.Equal($"{district.Path}/sync-runs/{run.Id()}", response.Headers.Location?.ToString());
        Assert.Equal("upload", run.Str("trigger"));
        Assert.True(run.GetProperty("dryRun").GetBoolean());

        await using var db = api.Db();
        var stored = await db.SyncRuns.SingleAsync(r => r.Id == run.Id());
        Assert.Equal(SourceKinds.Upload, stored.SourceKind);
        Assert.NotNull(stored.PublishedAt);
        var upload = await db.Uploads.SingleAsync(u => u.Id == stored.UploadId);
        Assert.Equal(zip, upload.Content);
        Assert.Equal(zip.Length, upload.Size);
        Assert.Equal("roster.zip", upload.FileName);
        Assert.Equal("roster", upload.Kind);
    }

    [Fact]
    public async Task A_csv_guardian_file_is_accepted()
    {
        var district = await api.NewDistrictAsync();
        var csv = Encoding.UTF8.GetBytes("\uFEFFstudent sis id,guardian email\r\n100234,mom@example.org\r\n");
        var response = await district.Client.PostAsync(district.Path + "/imports", Form(csv, "guardians.csv", kind: "guardians"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await using var db = api.Db();
        Assert.Equal("guardians", (await db.Uploads.SingleAsync(u => u.DistrictId == district.Id)).Kind);
    }

    [Theory]
    [InlineData("utf-16le")]
    [InlineData("utf-16BE")]
    public async Task R26_a_utf16_csv_with_a_byte_order_mark_is_accepted_as_the_run_reads_it(string encoding)
    {
        var district = await api.NewDistrictAsync();
        var text = Encoding.GetEncoding(encoding);
        byte[] csv = [.. text.GetPreamble(), .. text.GetBytes("student id,first name,last name,email,grade\r\n100234,Ana,Díaz,ana@x.org,09\r\n")];
        Assert.Equal(RosterSync.Domain.Snapshots.FileKind.Text, RosterSync.Domain.Snapshots.SnapshotReader.Sniff(csv));
        var response = await district.Client.PostAsync(district.Path + "/imports", Form(csv, "students.csv", dryRun: "true"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await using var db = api.Db();
        Assert.Equal(csv, (await db.Uploads.SingleAsync(u => u.DistrictId == district.Id)).Content);
    }

    [Fact]
    public async Task A_file_that_is_neither_zip_nor_csv_is_a_415_problem_and_changes_nothing()
    {
        var district = await api.NewDistrictAsync();
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52 };
        await Problem.AssertAsync(await district.Client.PostAsync(district.Path + "/imports", Form(png, "roster.png")),
            HttpStatusCode.UnsupportedMediaType, "not-zip-or-csv");
        await AssertNothingStoredAsync(district.Id);
    }

    [Fact]
    public async Task An_empty_file_is_a_400_problem_and_changes_nothing()
    {
        var district = await api.NewDistrictAsync();
        await Problem.AssertAsync(await district.Client.PostAsync(district.Path + "/imports", Form([])), HttpStatusCode.BadRequest, "empty-file");
        await AssertNothingStoredAsync(district.Id);
    }

    [Fact]
    public async Task A_request_without_a_file_is_a_validation_problem()
    {
        var district = await api.NewDistrictAsync();
        var form = new MultipartFormDataContent { { new StringContent("true"), "dryRun" } };
        await Problem.AssertInvalidAsync(await district.Client.PostAsync(district.Path + "/imports", form), "file");
        await AssertNothingStoredAsync(district.Id);
    }

    [Fact]
    public async Task An_unknown_kind_is_a_validation_problem()
    {
        var district = await api.NewDistrictAsync();
        await Problem.AssertInvalidAsync(await district.Client.PostAsync(district.Path + "/imports", Form(OneRosterZip(), kind: "teachers")), "kind");
        await AssertNothingStoredAsync(district.Id);
    }

    [Theory]
    [InlineData(Factory.MaxFileBytes + 1)]
    [InlineData(Factory.MaxFileBytes * 8)]
    public async Task A_file_over_the_size_limit_is_a_413_problem_and_changes_nothing(int size)
    {
        var district = await api.NewDistrictAsync();
        var file = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("a,b,c\r\n", size / 7 + 1)))[..size];
        await Problem.AssertAsync(await district.Client.PostAsync(district.Path + "/imports", Form(file, "big.csv")),
            HttpStatusCode.RequestEntityTooLarge, "payload-too-large");
        await AssertNothingStoredAsync(district.Id);
    }

    [Fact]
    public async Task An_unknown_district_is_a_404_problem()
    {
        var response = await api.Operator().PostAsync($"/api/v1/districts/{Guid.NewGuid()}/imports", Form(OneRosterZip()));
        await Problem.AssertAsync(response, HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task R25_an_upload_while_a_run_is_open_answers_that_run_and_stores_nothing()
    {
        var district = await api.NewDistrictAsync();
        var open = await api.RunAsync(district.Id, RunStatus.Running);
        var response = await district.Client.PostAsync(district.Path + "/imports", Form(OneRosterZip()));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(open.Id, (await response.ReadAsync()).Id());
        await using var db = api.Db();
        Assert.False(await db.Uploads.AnyAsync(u => u.DistrictId == district.Id));
    }

    [Fact]
    public async Task A_repeated_upload_with_the_same_idempotency_key_answers_the_first_run()
    {
        var district = await api.NewDistrictAsync();
        var key = Guid.NewGuid().ToString();
        async Task<HttpResponseMessage> Send(byte[] file)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, district.Path + "/imports") { Content = Form(file) };
            request.Headers.Add("Idempotency-Key", key);
            return await district.Client.SendAsync(request);
        }
        var first = await (await Send(OneRosterZip())).ReadAsync();
        var again = await Send(OneRosterZip());
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(first.Id(), (await again.ReadAsync()).Id());
        Assert.Equal($"{district.Path}/sync-runs/{first.Id()}", again.Headers.Location?.ToString());
        await Problem.AssertAsync(await Send(Encoding.UTF8.GetBytes("other,file\r\n")), HttpStatusCode.UnprocessableEntity, "idempotency-key-reused");
        await using var db = api.Db();
        Assert.Equal(1, await db.Uploads.CountAsync(u => u.DistrictId == district.Id));
    }
}
