extern alias worker;

using System.Net.Http.Json;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using RosterSync.ServiceDefaults;
using RosterSync.TestSupport;

namespace RosterSync.Api.Tests;

/// <summary>
/// Issue 9 defect 5: the Data Protection key ring in PostgreSQL is encrypted to a certificate from configuration, so a
/// database dump alone yields no district's secrets; the Api and the Worker share it through the same certificate.
/// </summary>
public sealed class KeyRingTests(KeyRingTests.Factory api) : IClassFixture<KeyRingTests.Factory>
{
    /// <summary>Its own database: the key ring it inspects is the one this host wrote.</summary>
    public sealed class Factory : ApiFactory;

    [Fact]
    public async Task The_stored_key_ring_holds_no_plaintext_master_key()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", new { source = new { kind = "clever", token = "clever-secret-token" } }))
            .EnsureSuccessStatusCode();

        await using var command = api.Database.DataSource.CreateCommand("SELECT xml FROM data_protection_keys");
        var keys = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync()) keys.Add(reader.GetString(0));
        Assert.NotEmpty(keys);
        Assert.All(keys, xml =>
        {
            Assert.Contains("<encryptedSecret", xml);
            Assert.Contains("EncryptedXmlDecryptor", xml);
            Assert.DoesNotContain("<masterKey", xml);
        });
    }

    [Fact]
    public async Task A_secret_the_Api_writes_the_Worker_reads_with_the_same_certificate()
    {
        var district = await api.NewDistrictAsync();
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings", new { source = new { kind = "clever", token = "shared-secret-token" } }))
            .EnsureSuccessStatusCode();
        await using var db = api.Db();
        var stored = (await db.SyncSettings.SingleAsync(s => s.DistrictId == district.Id)).EncryptedSecrets;

        using var worker = WorkerHost(api, KeyRingCertificate.Settings);
        Assert.Equal("shared-secret-token", worker.Services.GetRequiredService<SecretProtector>().Unprotect(stored)["token"]);

        // Another certificate cannot open the ring: the certificate, not the database, is what decrypts.
        var otherPassword = "other-" + Guid.NewGuid().ToString("N");
        using var stranger = WorkerHost(api, [
            new("DataProtection:KeyEncryptionCertificatePath", KeyRingCertificate.CreatePfx(otherPassword)),
            new("DataProtection:KeyEncryptionCertificatePassword", otherPassword)],
            // It would otherwise make itself a key of its own in the shared ring.
            services => services.Configure<KeyManagementOptions>(o => o.AutoGenerateKeys = false));
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(
            () => stranger.Services.GetRequiredService<SecretProtector>().Unprotect(stored));
    }

    [Fact]
    public async Task A_Worker_without_the_certificate_refuses_to_start_and_says_what_to_set()
    {
        using var host = WorkerHost(api, []);
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains("DataProtection__KeyEncryptionCertificatePath", e.Message);
        Assert.Contains("DataProtection__KeyEncryptionCertificatePassword", e.Message);
    }

    [Fact]
    public void The_Api_without_the_certificate_refuses_to_start_outside_development()
    {
        using var production = new ProductionWithoutCertificate(api);
        var e = Assert.ThrowsAny<Exception>(() => production.CreateClient());
        var messages = string.Join(" | ", Unwrap(e).Select(x => x.Message));
        Assert.Contains("DataProtection__KeyEncryptionCertificatePath", messages);
    }

    /// <summary>The Worker's own registration (not started), in Production, over the Api's database.</summary>
    private static IHost WorkerHost(ApiFactory api, IEnumerable<KeyValuePair<string, string?>> keyRing, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Configuration.AddInMemoryCollection([new("ConnectionStrings:Roster", api.Database.ConnectionString), .. api.Broker.Settings, .. keyRing]);
        worker::RosterSync.Worker.Extensions.AddWorkerServices(builder);
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    private static IEnumerable<Exception> Unwrap(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException) yield return x;
    }

    private sealed class ProductionWithoutCertificate(ApiFactory api) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(Environments.Production);
            builder.UseSetting("ConnectionStrings:Roster", api.Database.ConnectionString);
            builder.UseSetting("Auth:OperatorKey", ApiFactory.OperatorKey);
            foreach (var (key, value) in api.Broker.Settings) builder.UseSetting(key, value);
        }
    }
}
