using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Refit;
using RosterSync.Domain.Model;
using RosterSync.Domain.Reconciliation;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Worker.Sources.Clever;

/// <summary>
/// Reads a district's Clever data (v3.0) in full: districts, schools, users of every role, sections, terms and
/// courses, following each list's <c>next</c> link until there is none. Every kind is bulk: what Clever no longer
/// sends is absent.
/// </summary>
public sealed class CleverReader(ICleverApi api, IOptions<CleverOptions> cleverOptions, IOptions<SourcesOptions> sourcesOptions) : IPulledSource
{
    private const string Version = "/v3.0/";

    public string Kind => SourceKinds.Clever;

    public string? CheckSettings(SourceSettings source, IReadOnlyDictionary<string, string> secrets, SourcesOptions sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        if (!secrets.TryGetValue(SecretNames.Token, out var token) || string.IsNullOrEmpty(token))
        {
            return "No Clever district token is stored: save it in sync-settings as source.token.";
        }

        if (BaseUri(source) is not { } uri)
        {
            return "source.baseUrl must be an absolute http or https URL such as https://api.clever.com.";
        }

        return sources.CheckHost(uri.Host);
    }

    public async Task<Snapshot> ReadAsync(SourceRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var read = new Read(BaseUri(request.Source)!, request, cleverOptions.Value.PageSize, new SourceCall("Clever", Rejected, sourcesOptions.Value.MaxRetries));
        var snapshot = new Snapshot { LinkKind = LinkKinds.Clever };
        var keywords = cleverOptions.Value.HomeroomKeywords;

        await foreach (var _ in read.ListAsync("districts", api.Districts, ct))
        {
            // Read for completeness and as the first authorization check; a district token sees its one district.
        }

        await foreach (var (school, at) in read.ListAsync("schools", api.Schools, ct))
        {
            snapshot.Schools.Add(CleverMapping.School(school, at));
        }

        await foreach (var (term, at) in read.ListAsync("terms", api.Terms, ct))
        {
            snapshot.Sessions.Add(CleverMapping.Session(term, at));
        }

        await foreach (var (course, at) in read.ListAsync("courses", api.Courses, ct))
        {
            snapshot.Courses.Add(CleverMapping.Course(course, at));
        }

        await foreach (var (user, at) in read.ListAsync("users", api.Users, ct))
        {
            if (CleverMapping.Person(user, at) is not { } person)
            {
                snapshot.Issues.Add(new SourceIssue(Severities.Warning, null, Entities.Person, user.Id, at, "The user holds no role that is synced; skipped"));
                snapshot.Skipped.Add(new SourceSkip(SnapshotKinds.People, user.Id!, at));
                continue;
            }

            snapshot.People.Add(person);
            snapshot.GuardianLinks.AddRange(CleverMapping.GuardianLinks(user, at));
        }

        await foreach (var (section, at) in read.ListAsync("sections", api.Sections, ct))
        {
            snapshot.Classes.Add(CleverMapping.Class(section, keywords, at));
            snapshot.Enrollments.AddRange(CleverMapping.Enrollments(section, at));
        }

        foreach (var kind in new[]
        {
            SnapshotKinds.Schools, SnapshotKinds.People, SnapshotKinds.Classes, SnapshotKinds.Enrollments, SnapshotKinds.Sessions,
            SnapshotKinds.Courses, SnapshotKinds.GuardianLinks,
        })
        {
            snapshot.Modes[kind] = FeedMode.Bulk;
        }

        request.Progress.Report(read.Records);
        return snapshot;
    }

    private Uri? BaseUri(SourceSettings source) =>
        string.IsNullOrWhiteSpace(source.BaseUrl) ? cleverOptions.Value.BaseUrl
        : Uri.TryCreate(source.BaseUrl.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri
        : null;

    private static string Rejected(HttpStatusCode status) => status == HttpStatusCode.Unauthorized
        ? "Clever rejected the district token (401 authorization failed): the token was revoked or the app's access removed; "
          + "reconnect the district in Clever and save the new token in sync-settings."
        : "Clever refused access (403 forbidden): the app's access to this district's data was removed or narrowed; "
          + "check the app's data sharing in the district's Clever dashboard, then save a fresh token in sync-settings.";

    /// <summary>One read's paging state: the host, the district's token and the records read so far.</summary>
    private sealed class Read(Uri host, SourceRequest request, int pageSize, SourceCall call)
    {
        private readonly string _token = request.Secret(SecretNames.Token)!;

        public long Records { get; private set; }

        /// <summary>Every record of a list: the first page, then each <c>next</c> link (relative to the host) until none is sent or a page is empty.</summary>
        public async IAsyncEnumerable<(T Record, SourceLocation At)> ListAsync<T>(
            string resource, Func<Uri, string, string, CancellationToken, Task<ApiResponse<CleverPage<T>>>> list,
            [EnumeratorCancellation] CancellationToken ct)
            where T : class, ICleverRecord
        {
            var at = new SourceLocation(Version + resource);
            var page = new Uri(host, $"{Version}{resource}?limit={pageSize}");
            var seen = new HashSet<Uri>();
            while (page is not null)
            {
                if (!seen.Add(page))
                {
                    throw new SourceReadException($"Clever's next link for {at.File} leads back to a page already read; the list cannot be read completely.");
                }

                CleverPage<T> content;
                using (var response = await call.SendAsync(at.File, () => list(page, _token, request.CircuitKey, ct), ct))
                {
                    content = response.Content!;
                }

                var items = content.Data ?? [];
                foreach (var item in items)
                {
                    if (string.IsNullOrEmpty(item.Data?.Id))
                    {
                        throw new SourceReadException($"Clever sent a record without an id in {at.File}; the list cannot be read reliably.");
                    }

                    yield return (item.Data!, at);
                }

                Records += items.Count;
                request.Progress.Report(Records);
                var next = content.Links?.FirstOrDefault(l => string.Equals(l.Rel, "next", StringComparison.OrdinalIgnoreCase))?.Uri;
                page = items.Count == 0 || string.IsNullOrWhiteSpace(next) ? null : new Uri(host, next);
                if (page is not null && !string.Equals(page.Authority, host.Authority, StringComparison.OrdinalIgnoreCase))
                {
                    // The district's token must never go to another host.
                    throw new SourceReadException($"Clever's next link for {at.File} points to another host; the list cannot be read.");
                }
            }
        }
    }
}
