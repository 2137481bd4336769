using System.Net;
using RosterSync.Worker.Sources;
using RosterSync.Worker.Sources.Sftp;

namespace RosterSync.Worker.Tests.Sources;

public class SourceResilienceTests
{
    private static readonly TimeSpan Max = TimeSpan.FromMinutes(2);

    [Fact]
    public void A_429_waits_for_Retry_After_or_X_RateLimit_Reset_capped()
    {
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.Add("Retry-After", "7");
        using var reset = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        reset.Headers.Add("X-RateLimit-Reset", DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var tooLong = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        tooLong.Headers.Add("Retry-After", "86400");
        using var serverError = new HttpResponseMessage(HttpStatusCode.InternalServerError);
        serverError.Headers.Add("Retry-After", "7");

        Assert.Equal(TimeSpan.FromSeconds(7), SourceResilience.ServerDelay(seconds, TimeProvider.System, Max));
        Assert.InRange(SourceResilience.ServerDelay(reset, TimeProvider.System, Max)!.Value, TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(31));
        Assert.Equal(Max, SourceResilience.ServerDelay(tooLong, TimeProvider.System, Max));
        Assert.Null(SourceResilience.ServerDelay(serverError, TimeProvider.System, Max));
    }

    [Theory]
    [InlineData("api.clever.com", true)]
    [InlineData("API.Clever.com", true)]
    [InlineData("adams-ca-v2.oneroster.com", true)]
    [InlineData("oneroster.com.evil.example", false)]
    [InlineData("127.0.0.1", false)]
    public void Allowed_hosts_match_exactly_or_by_leading_wildcard(string host, bool allowed)
    {
        var options = new SourcesOptions { AllowedHosts = ["api.clever.com", "*.oneroster.com"] };

        Assert.Equal(allowed, options.AllowsHost(host));
        Assert.True(new SourcesOptions().AllowsHost(host));
    }

    [Fact]
    public void Fingerprints_compare_with_or_without_prefix_and_padding()
    {
        Assert.Equal(
            SftpFetcher.NormalizeFingerprint("SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8"),
            SftpFetcher.NormalizeFingerprint("nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8="));
    }
}
