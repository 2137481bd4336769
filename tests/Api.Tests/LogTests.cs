using System.Collections.Concurrent;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using RosterSync.TestSupport;

namespace RosterSync.Api.Tests;

/// <summary>Secrets and keys are never logged; names and emails never at Information (SPEC §7, STYLE 15).</summary>
public sealed class LogTests(LogTests.Factory api) : IClassFixture<LogTests.Factory>
{
    public sealed class Factory : ApiFactory
    {
        public ConcurrentQueue<(LogLevel Level, string Category, string Text)> Lines { get; } = new();

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            new[] { "Default", "Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "MassTransit" }.Select(c => new KeyValuePair<string, string?>($"Logging:LogLevel:{c}", "Trace"));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new LogCapture(Lines)));
        }
    }

    [Fact]
    public async Task Secrets_and_keys_are_never_logged_and_personal_data_not_at_information()
    {
        var district = await api.NewDistrictAsync();
        var created = await (await api.Operator().PostAsJsonAsync(district.Path + "/api-keys", new { name = "x", scopes = new[] { "roster:read" } })).ReadAsync();
        var key = created.Str("key")!;
        (await district.Client.PutAsJsonAsync(district.Path + "/sync-settings",
            new { source = new { kind = "classlink", baseUrl = "https://cl.example", auth = "oauth2", clientId = "cid", tokenUrl = "https://cl.example/token", clientSecret = "s3cr3t-client-value" } }))
            .EnsureSuccessStatusCode();
        (await district.Client.PatchJsonAsync(district.Path + "/sync-settings", new { source = new { clientSecret = "s3cr3t-rotated-value" } })).EnsureSuccessStatusCode();
        (await district.Client.PostAsJsonAsync(district.Path + "/people",
            new { email = "private.person@x.org", givenName = "Privata", familyName = "Persona", roles = new[] { "teacher" } })).EnsureSuccessStatusCode();
        await Problem.AssertAsync(await api.Client("rsk_guessed-" + key[4..]).GetAsync(district.Path + "/people"), System.Net.HttpStatusCode.Unauthorized, "unauthorized");
        // Searches carry personal data in the query string, which request logging would write.
        (await district.Client.GetAsync(district.Path + "/people?email=private.person@x.org&q=Privata")).EnsureSuccessStatusCode();

        var all = api.Lines.ToList();
        Assert.Contains(all, line => line.Text.Contains("Executed DbCommand", StringComparison.Ordinal));
        foreach (var secret in new[] { "s3cr3t-client-value", "s3cr3t-rotated-value", key, key[4..], ApiFactory.OperatorKey, district.Key })
            Assert.DoesNotContain(all, line => line.Text.Contains(secret, StringComparison.Ordinal));
        foreach (var personal in new[] { "private.person@x.org", "Privata", "Persona" })
            Assert.DoesNotContain(all, line => line.Level >= LogLevel.Information && line.Text.Contains(personal, StringComparison.Ordinal));
    }
}
