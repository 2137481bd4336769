using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Options;
using Refit;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources.ClassLink;

/// <summary>
/// Reads a district's OneRoster 1.1 REST tenant (ClassLink) in full: orgs, academic sessions, courses, users, classes
/// and enrollments, each with <c>limit</c>/<c>offset</c> until <c>X-Total-Count</c> is reached (when sent) or a page
/// is empty. A short page is not the end while the total says more: servers cap page sizes.
/// </summary>
public sealed class ClassLinkReader(
    IOneRosterApi api, IOptions<ClassLinkOptions> classLinkOptions, IOptions<SourcesOptions> sourcesOptions, TimeProvider clock)
    : IPulledSource
{
    public const string OAuth1 = "oauth1";
    public const string OAuth2 = "oauth2";
    public const string Bearer = "bearer";

    public string Kind => SourceKinds.ClassLink;

    public string? CheckSettings(SourceSettings source, IReadOnlyDictionary<string, string> secrets, SourcesOptions sources)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sources);
        bool Has(string secret) => secrets.TryGetValue(secret, out var value) && !string.IsNullOrEmpty(value);
        if (Absolute(source.BaseUrl) is not { } baseUri)
        {
            return "source.baseUrl must be the tenant's OneRoster URL, e.g. https://<tenant>.oneroster.com/ims/oneroster/v1p1.";
        }

        switch (source.Auth)
        {
            case OAuth1 or OAuth2 when string.IsNullOrWhiteSpace(source.ClientId) || !Has(SecretNames.ClientSecret):
                return $"ClassLink with auth {source.Auth} needs source.clientId and source.clientSecret in sync-settings.";
            case OAuth2 when Absolute(source.TokenUrl) is null:
                return "ClassLink with auth oauth2 needs source.tokenUrl, an absolute http or https URL.";
            case Bearer when !Has(SecretNames.Token):
                return "ClassLink with auth bearer needs source.token in sync-settings.";
            case OAuth1 or OAuth2 or Bearer:
                break;
            default:
                return "source.auth must be oauth1, oauth2 or bearer.";
        }

        return sources.CheckHost(baseUri.Host) ?? (Absolute(source.TokenUrl) is { } tokenUri ? sources.CheckHost(tokenUri.Host) : null);
    }

    public async Task<Snapshot> ReadAsync(SourceRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var read = new Read(api, request, classLinkOptions.Value, sourcesOptions.Value.MaxRetries, clock);
        var map = new OneRosterRestMapping(LinkKinds.ClassLink);
        await foreach (var (org, at) in read.ListAsync("orgs", api.Orgs, p => p.Orgs, map.Issues, ct)) map.Add(org, at);
        await foreach (var (session, at) in read.ListAsync("academicSessions", api.AcademicSessions, p => p.AcademicSessions, map.Issues, ct)) map.Add(session, at);
        await foreach (var (course, at) in read.ListAsync("courses", api.Courses, p => p.Courses, map.Issues, ct)) map.Add(course, at);
        await foreach (var (user, at) in read.ListAsync("users", api.Users, p => p.Users, map.Issues, ct)) map.Add(user, at);
        await foreach (var (cls, at) in read.ListAsync("classes", api.Classes, p => p.Classes, map.Issues, ct)) map.Add(cls, at);
        await foreach (var (enrollment, at) in read.ListAsync("enrollments", api.Enrollments, p => p.Enrollments, map.Issues, ct)) map.Add(enrollment, at);
        request.Progress.Report(read.Records);
        return map.Finish();
    }

    private static Uri? Absolute(string? url) =>
        Uri.TryCreate(url?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri : null;

    private static string Rejected(HttpStatusCode status) => status == HttpStatusCode.Unauthorized
        ? "ClassLink rejected the request (401 authorization failed): the client id, secret or token is wrong, or the district removed "
          + "the app's access; check source.clientId and source.clientSecret (or source.token) in sync-settings."
        : "ClassLink refused access (403 forbidden): the app is not allowed this district's roster data; ask the district to grant "
          + "the app OneRoster access in ClassLink.";

    private static string TokenRejected(HttpStatusCode status) =>
        $"The OAuth2 token endpoint refused the client credentials ({(int)status} authorization failed): check source.clientId, "
        + "source.clientSecret and source.tokenUrl in sync-settings.";

    /// <summary>One read's state: the tenant, the credentials (an OAuth2 token lives only as long as this read) and the records read.</summary>
    private sealed class Read(IOneRosterApi api, SourceRequest request, ClassLinkOptions options, int retries, TimeProvider clock)
    {
        private readonly Uri _tenant = new(Absolute(request.Source.BaseUrl)!.ToString().TrimEnd('/') + "/");
        private readonly SourceCall _call = new("ClassLink", Rejected, retries);
        private OneRosterAuth? _auth;
        private DateTimeOffset _renewAt = DateTimeOffset.MaxValue;

        public long Records { get; private set; }

        public async IAsyncEnumerable<(T Record, SourceLocation At)> ListAsync<TPage, T>(
            string collection, Func<Uri, int, int, OneRosterAuth, string, CancellationToken, Task<ApiResponse<TPage>>> list,
            Func<TPage, IReadOnlyList<T>?> records, IList<SourceIssue> issues, [EnumeratorCancellation] CancellationToken ct)
            where TPage : class
        {
            var url = new Uri(_tenant, collection);
            var at = new SourceLocation(url.AbsolutePath);
            var offset = 0;
            while (true)
            {
                IReadOnlyList<T> rows;
                long? total;
                using (var response = await _call.SendAsync(
                           at.File, async () => await list(url, options.PageSize, offset, await AuthAsync(ct), request.CircuitKey, ct), ct, RenewToken))
                {
                    rows = records(response.Content!) ?? [];
                    total = Total(response.Headers);
                }

                if (rows.Count == 0)
                {
                    if (total > offset)
                    {
                        issues.Add(new SourceIssue(Severities.Warning, null, null, null, at,
                            $"An empty page at offset {offset} ended the list although X-Total-Count said {total}; the data may have changed while it was read"));
                    }

                    yield break;
                }

                foreach (var row in rows)
                {
                    yield return (row, at);
                }

                offset += rows.Count;
                Records += rows.Count;
                request.Progress.Report(Records);
                if (total <= offset)
                {
                    yield break;
                }
            }
        }

        private static long? Total(System.Net.Http.Headers.HttpResponseHeaders? headers) =>
            headers is not null && headers.TryGetValues("X-Total-Count", out var values)
            && long.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var total) ? total : null;

        /// <summary>An OAuth2 token refused before its time (revoked, or the tenant restarted) is fetched again, once per request.</summary>
        private bool RenewToken()
        {
            if (request.Source.Auth != OAuth2) return false;
            _auth = null;
            return true;
        }

        private async ValueTask<OneRosterAuth> AuthAsync(CancellationToken ct)
        {
            if (_auth is not null && clock.GetUtcNow() < _renewAt)
            {
                return _auth;
            }

            var source = request.Source;
            switch (source.Auth)
            {
                case OAuth1:
                    return _auth = new OAuth1Signer(source.ClientId!, request.Secret(SecretNames.ClientSecret)!, clock);
                case Bearer:
                    return _auth = new BearerAuth(request.Secret(SecretNames.Token)!);
            }

            var tokenUrl = Absolute(source.TokenUrl)!;
            var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
            if (!string.IsNullOrWhiteSpace(options.OAuth2Scope)) form["scope"] = options.OAuth2Scope;
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{source.ClientId}:{request.Secret(SecretNames.ClientSecret)}"));
            var call = new SourceCall("The OAuth2 token endpoint", TokenRejected, retries);
            using var response = await call.SendAsync(tokenUrl.AbsolutePath, () => api.Token(tokenUrl, form, basic, request.CircuitKey, ct), ct);
            if (string.IsNullOrEmpty(response.Content!.AccessToken))
            {
                throw new SourceReadException("The OAuth2 token endpoint answered without an access_token.");
            }

            // Renewed a minute early; a token without expires_in serves the whole read.
            _renewAt = response.Content.ExpiresIn is > 60 and var seconds ? clock.GetUtcNow().AddSeconds(seconds - 60) : DateTimeOffset.MaxValue;
            return _auth = new BearerAuth(response.Content.AccessToken);
        }
    }
}
