using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace RosterSync.Worker.Sources.ClassLink;

/// <summary>
/// A district's OneRoster credentials for one read, carried on each request as an option and applied by
/// <see cref="OneRosterAuthHandler"/> on every attempt: the handler sits inside the retry, so each retry is signed afresh.
/// </summary>
public abstract class OneRosterAuth
{
    public const string Key = "rostersync.oneroster-auth";

    public abstract void Apply(HttpRequestMessage request);
}

/// <summary>A bearer token: the ClassLink proxy's, or an OAuth2 access token fetched for this read.</summary>
public sealed class BearerAuth(string token) : OneRosterAuth
{
    public override void Apply(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }
}

/// <summary>
/// OAuth 1.0a request signing with HMAC-SHA256 (RFC 5849), as ClassLink's own libraries do it: consumer key =
/// client id, no token (so the key is the encoded secret plus "&amp;"), a fresh nonce and timestamp per request,
/// and a base string over the method, scheme, host with a non-default port, path and every query parameter.
/// </summary>
public sealed class OAuth1Signer(string consumerKey, string consumerSecret, TimeProvider clock) : OneRosterAuth
{
    private const string NonceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public override void Apply(HttpRequestMessage request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "OAuth", Header(request.Method, request.RequestUri!, timestamp, RandomNumberGenerator.GetString(NonceChars, 16)));
    }

    /// <summary>The Authorization header's parameter list for one request.</summary>
    public string Header(HttpMethod method, Uri uri, string timestamp, string nonce)
    {
        (string Name, string Value)[] oauth =
        [
            ("oauth_consumer_key", consumerKey), ("oauth_nonce", nonce), ("oauth_signature_method", "HMAC-SHA256"), ("oauth_timestamp", timestamp),
        ];
        var signature = Signature(method, uri, oauth, consumerSecret);
        return string.Join(',', oauth.Append((Name: "oauth_signature", Value: signature)).Select(p => $"{p.Name}=\"{Encode(p.Value)}\""));
    }

    public static string Signature(HttpMethod method, Uri uri, IEnumerable<(string Name, string Value)> oauthParameters, string consumerSecret)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        var parameters = QueryParameters(uri).Concat(oauthParameters)
            .Select(p => (Name: Encode(p.Name), Value: Encode(p.Value)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}");
        var port = uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        var baseUri = $"{uri.Scheme.ToLowerInvariant()}://{uri.Host.ToLowerInvariant()}{port}{uri.AbsolutePath}";
        var baseString = $"{method.Method.ToUpperInvariant()}&{Encode(baseUri)}&{Encode(string.Join('&', parameters))}";
        var hash = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Encode(consumerSecret) + "&"), Encoding.UTF8.GetBytes(baseString));
        return Convert.ToBase64String(hash);
    }

    /// <summary>The query's parameters, decoded (RFC 5849 §3.4.1.3.1: "+" is a space).</summary>
    public static IEnumerable<(string Name, string Value)> QueryParameters(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = equals < 0 ? (pair, "") : (pair[..equals], pair[(equals + 1)..]);
            yield return (Decode(name), Decode(value));
        }
    }

    /// <summary>RFC 3986 percent-encoding: only A–Z, a–z, 0–9 and - . _ ~ stay as they are.</summary>
    public static string Encode(string value) => Uri.EscapeDataString(value);

    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));
}

/// <summary>Applies the request's <see cref="OneRosterAuth"/>, if any; registered inside the resilience handler.</summary>
public sealed class OneRosterAuthHandler : DelegatingHandler
{
    private static readonly HttpRequestOptionsKey<OneRosterAuth> AuthKey = new(OneRosterAuth.Key);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(AuthKey, out var auth))
        {
            auth.Apply(request);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
