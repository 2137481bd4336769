using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace RosterSync.Worker.Tests.Sources;

/// <summary>
/// A fake Clever Data API v3.0: the <c>data</c>/<c>links</c> envelope, records sorted by id, <c>limit</c> (413 above
/// 10,000) and <c>starting_after</c> cursors, a relative <c>next</c> link while more remain, bearer tokens per
/// district (an unknown or revoked token gets Clever's HTML 401).
/// </summary>
public sealed class FakeCleverServer : FakeServer
{
    public static readonly string[] Lists = ["districts", "schools", "users", "sections", "terms", "courses"];

    private readonly ConcurrentDictionary<string, CleverTenant> _tenants = new();

    public CleverTenant AddDistrict()
    {
        var tenant = new CleverTenant();
        _tenants[tenant.Token] = tenant;
        return tenant;
    }

    protected override void Map(WebApplication app) => app.MapGet("/v3.0/{list}", async (HttpContext http) =>
    {
        var auth = http.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.Ordinal) || !_tenants.TryGetValue(auth[7..], out var tenant) || tenant.Revoked)
        {
            http.Response.StatusCode = 401;
            http.Response.ContentType = "text/html";
            await http.Response.WriteAsync("<html><body>401 Unauthorized: invalid auth</body></html>");
            return;
        }

        if (await FaultAsync(http, tenant)) return;
        var list = (string)http.GetRouteValue("list")!;
        if (!tenant.Data.TryGetValue(list, out var records))
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsync("""{"message":"not found"}""");
            return;
        }

        var limit = int.TryParse(http.Request.Query["limit"], CultureInfo.InvariantCulture, out var l) ? l : 100;
        if (limit > 10_000)
        {
            http.Response.StatusCode = 413;
            return;
        }

        var after = http.Request.Query["starting_after"].ToString();
        var remaining = records.OrderBy(r => (string)r["id"]!, StringComparer.Ordinal)
            .Where(r => after.Length == 0 || string.CompareOrdinal((string)r["id"]!, after) > 0).ToList();
        var page = remaining.Take(limit).ToList();
        var links = new JsonArray(new JsonObject { ["rel"] = "self", ["uri"] = http.Request.Path + http.Request.QueryString });
        if (remaining.Count > page.Count || (tenant.EmptyLastPage && page.Count > 0))
        {
            links.Add(new JsonObject { ["rel"] = "next", ["uri"] = $"/v3.0/{list}?limit={limit}&starting_after={page[^1]["id"]}" });
        }

        var body = new JsonObject
        {
            ["data"] = new JsonArray([.. page.Select(r => (JsonNode)new JsonObject { ["data"] = r.DeepClone(), ["uri"] = $"/v3.0/{list}/{r["id"]}" })]),
            ["links"] = links,
        };
        http.Response.ContentType = "application/json";
        http.Response.Headers["X-Ratelimit-Bucket"] = "bearer";
        await http.Response.WriteAsync(body.ToJsonString());
    });
}

public sealed class CleverTenant : FakeTenant
{
    public string Token { get; } = Guid.NewGuid().ToString("N");

    /// <summary>List name → records as Clever sends them (snake_case JSON).</summary>
    public Dictionary<string, List<JsonObject>> Data { get; } = FakeCleverServer.Lists.ToDictionary(l => l, _ => new List<JsonObject>());

    /// <summary>The district disconnected the app: every call answers 401.</summary>
    public bool Revoked { get; set; }

    /// <summary>A <c>next</c> link on the last full page too, leading to <c>"data": []</c>.</summary>
    public bool EmptyLastPage { get; set; }

    public List<JsonObject> Users => Data["users"];
    public List<JsonObject> Sections => Data["sections"];

    public JsonObject User(string id) => Users.Single(u => (string)u["id"]! == id);
}
