using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>
/// A fake OneRoster 1.1 REST tenant (ClassLink-shaped): collections under <c>/{tenant}/ims/oneroster/v1p1</c> as
/// <c>{"users":[…]}</c>, <c>limit</c>/<c>offset</c> paging capped at the tenant's page size, <c>X-Total-Count</c> and a
/// <c>Link</c> next header; OAuth 1.0a HMAC-SHA256 signatures recomputed here (stale timestamps and reused nonces
/// refused), OAuth2 client credentials at <c>/{tenant}/oauth/token</c>, or a fixed bearer token.
/// </summary>
public sealed class FakeOneRosterServer : FakeServer
{
    public static readonly string[] Collections = ["orgs", "academicSessions", "courses", "users", "classes", "enrollments"];

    private readonly ConcurrentDictionary<string, OneRosterTenant> _tenants = new();

    public OneRosterTenant AddTenant(string auth)
    {
        var tenant = new OneRosterTenant(auth);
        _tenants[tenant.Name] = tenant;
        return tenant;
    }

    public string BaseUrl(OneRosterTenant tenant) => $"{Address}{tenant.Name}/ims/oneroster/v1p1";

    public string TokenUrl(OneRosterTenant tenant) => $"{Address}{tenant.Name}/oauth/token";

    protected override void Map(WebApplication app)
    {
        app.MapGet("/{tenant}/ims/oneroster/v1p1/{collection}", async (HttpContext http) =>
        {
            if (!_tenants.TryGetValue((string)http.GetRouteValue("tenant")!, out var tenant))
            {
                http.Response.StatusCode = 404;
                return;
            }

            if (await FaultAsync(http, tenant)) return;
            if (tenant.CountDataRequest() == tenant.RevokeTokensAtRequest) tenant.IssuedTokens.Clear();
            if (Unauthorized(http, tenant) is { } reason)
            {
                http.Response.StatusCode = 401;
                http.Response.ContentType = "application/json";
                await http.Response.WriteAsync(new JsonObject
                {
                    ["imsx_codeMajor"] = "failure", ["imsx_severity"] = "error", ["imsx_description"] = reason,
                    ["imsx_CodeMinor"] = new JsonObject { ["imsx_codeMinorField"] = new JsonArray(new JsonObject
                    {
                        ["imsx_codeMinorFieldName"] = "TargetEndSystem", ["imsx_codeMinorFieldValue"] = "unauthorisedrequest",
                    }) },
                }.ToJsonString());
                return;
            }

            var collection = (string)http.GetRouteValue("collection")!;
            var records = tenant.Data[collection].OrderBy(r => (string)r["sourcedId"]!, StringComparer.Ordinal).ToList();
            var limit = Math.Min(int.TryParse(http.Request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? l : 100, tenant.MaxPageSize);
            var offset = int.TryParse(http.Request.Query["offset"], CultureInfo.InvariantCulture, out var o) ? o : 0;
            var page = records.Skip(offset).Take(limit).ToList();
            if (tenant.SendTotal) http.Response.Headers["X-Total-Count"] = records.Count.ToString(CultureInfo.InvariantCulture);
            if (offset + page.Count < records.Count)
            {
                http.Response.Headers.Link = $"<{http.Request.Scheme}://{http.Request.Host}{http.Request.Path}?limit={limit}&offset={offset + page.Count}>; rel=\"next\"";
            }

            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(new JsonObject { [collection] = new JsonArray([.. page.Select(r => r.DeepClone())]) }.ToJsonString());
        });

        app.MapPost("/{tenant}/oauth/token", async (HttpContext http) =>
        {
            if (!_tenants.TryGetValue((string)http.GetRouteValue("tenant")!, out var tenant)) return;
            tenant.CountTokenRequest();
            var form = await http.Request.ReadFormAsync();
            var basic = http.Request.Headers.Authorization.ToString();
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{tenant.ClientId}:{tenant.ClientSecret}"));
            http.Response.ContentType = "application/json";
            if (basic != expected || form["grant_type"] != "client_credentials")
            {
                http.Response.StatusCode = 401;
                await http.Response.WriteAsync("""{"error":"invalid_client"}""");
                return;
            }

            var token = Guid.NewGuid().ToString("N");
            tenant.IssuedTokens[token] = true;
            await http.Response.WriteAsync(new JsonObject
            {
                ["access_token"] = token, ["token_type"] = "bearer", ["expires_in"] = 3600, ["scope"] = form["scope"].ToString(),
            }.ToJsonString());
        });
    }

    /// <summary>Why the request's credentials are refused; null when they are good.</summary>
    private static string? Unauthorized(HttpContext http, OneRosterTenant tenant)
    {
        var header = http.Request.Headers.Authorization.ToString();
        switch (tenant.Auth)
        {
            case "bearer":
                return header == "Bearer " + tenant.ClientSecret ? null : "bad bearer token";
            case "oauth2":
                return header.StartsWith("Bearer ", StringComparison.Ordinal) && tenant.IssuedTokens.ContainsKey(header[7..]) ? null : "unknown access token";
        }

        if (!header.StartsWith("OAuth ", StringComparison.Ordinal)) return "no OAuth header";
        var oauth = header[6..].Split(',').Select(p => p.Trim().Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1].Trim('"')));
        if (oauth.GetValueOrDefault("oauth_consumer_key") != tenant.ClientId) return "unknown consumer key";
        if (oauth.GetValueOrDefault("oauth_signature_method") != "HMAC-SHA256") return "signature method must be HMAC-SHA256";
        if (!long.TryParse(oauth.GetValueOrDefault("oauth_timestamp"), CultureInfo.InvariantCulture, out var timestamp)
            || Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp) > 300) return "stale timestamp";
        if (oauth.GetValueOrDefault("oauth_nonce") is not { Length: > 0 } nonce || !tenant.Nonces.TryAdd(nonce, true)) return "reused nonce";
        var parameters = QueryHelpers.ParseQuery(http.Request.QueryString.Value)
            .SelectMany(q => q.Value.Select(v => (q.Key, Value: v ?? "")))
            .Concat(oauth.Where(p => p.Key != "oauth_signature").Select(p => (p.Key, p.Value)));
        var url = $"{http.Request.Scheme}://{http.Request.Host.Value!.ToLowerInvariant()}{http.Request.PathBase}{http.Request.Path}";
        return Signature("GET", url, parameters, tenant.ClientSecret) == oauth.GetValueOrDefault("oauth_signature") ? null : "bad signature";
    }

    /// <summary>RFC 5849 §3.4 with HMAC-SHA256, written out again here so the Worker's signer is checked, not echoed.</summary>
    public static string Signature(string method, string url, IEnumerable<(string Key, string Value)> parameters, string secret)
    {
        static string Enc(string s) => Uri.EscapeDataString(s);
        var normalized = string.Join('&', parameters.Select(p => (Key: Enc(p.Key), Value: Enc(p.Value)))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));
        var text = $"{method}&{Enc(url)}&{Enc(normalized)}";
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.ASCII.GetBytes(Enc(secret) + "&"), Encoding.ASCII.GetBytes(text)));
    }
}

public sealed class OneRosterTenant(string auth) : FakeTenant
{
    public string Name { get; } = "t" + Guid.NewGuid().ToString("N")[..12];
    public string Auth { get; } = auth;
    public string ClientId { get; } = "client-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>The consumer or client secret; with auth bearer, the token.</summary>
    public string ClientSecret { get; set; } = Guid.NewGuid().ToString("N");

    /// <summary>The most records a page holds, whatever limit is asked (servers cap it).</summary>
    public int MaxPageSize { get; set; } = 10_000;

    public bool SendTotal { get; set; } = true;

    private int _tokenRequests;

    public int TokenRequests => _tokenRequests;

    public ConcurrentDictionary<string, bool> IssuedTokens { get; } = new();

    public ConcurrentDictionary<string, bool> Nonces { get; } = new();

    public Dictionary<string, List<JsonObject>> Data { get; } = FakeOneRosterServer.Collections.ToDictionary(c => c, _ => new List<JsonObject>());

    public List<JsonObject> Users => Data["users"];

    public void CountTokenRequest() => Interlocked.Increment(ref _tokenRequests);

    private int _dataRequests;

    /// <summary>With oauth2: every token issued so far stops working at this data request (1-based), as a revocation would.</summary>
    public int? RevokeTokensAtRequest { get; set; }

    public int CountDataRequest() => Interlocked.Increment(ref _dataRequests);

    public JsonObject Record(string collection, string id) => Data[collection].Single(r => (string)r["sourcedId"]! == id);
}
