using RosterSync.Worker.Sources.ClassLink;

namespace RosterSync.Worker.Tests.Sources;

public class OAuth1SignerTests
{
    // The vector of research/source-apis.md §2.2, cross-checked against ClassLink's own algorithm.
    private static readonly Uri Url = new(
        "https://example-ca-v2.oneroster.com/ims/oneroster/v1p1/users?limit=100&offset=0&filter=dateLastModified%3E%272024-01-01T00%3A00%3A00Z%27");

    [Fact]
    public void Signature_matches_the_ClassLink_test_vector()
    {
        var signature = OAuth1Signer.Signature(HttpMethod.Get, Url,
            [("oauth_consumer_key", "client123"), ("oauth_nonce", "abcdefghij"), ("oauth_signature_method", "HMAC-SHA256"), ("oauth_timestamp", "1700000000")],
            "s3cr3t");

        Assert.Equal("iP8jc/pC+kcLdIauBHQJlEX7RZDzHfn5IZ/+4836Qyg=", signature);
    }

    [Fact]
    public void Each_request_gets_a_fresh_nonce_and_the_current_timestamp()
    {
        var signer = new OAuth1Signer("client123", "s3cr3t", TimeProvider.System);
        using var first = new HttpRequestMessage(HttpMethod.Get, Url);
        using var second = new HttpRequestMessage(HttpMethod.Get, Url);

        signer.Apply(first);
        signer.Apply(second);

        Assert.Equal("OAuth", first.Headers.Authorization!.Scheme);
        Assert.StartsWith("oauth_consumer_key=\"client123\",oauth_nonce=\"", first.Headers.Authorization.Parameter);
        Assert.NotEqual(first.Headers.Authorization.Parameter, second.Headers.Authorization!.Parameter);
        Assert.DoesNotContain("s3cr3t", first.Headers.Authorization.Parameter);
    }

    [Fact]
    public void The_base_string_keeps_a_non_default_port_and_decodes_plus_as_space()
    {
        var parameters = OAuth1Signer.QueryParameters(new Uri("http://127.0.0.1:5000/t/users?filter=a+b&limit=3")).ToList();

        Assert.Equal([("filter", "a b"), ("limit", "3")], parameters);
        Assert.NotEqual(
            OAuth1Signer.Signature(HttpMethod.Get, new Uri("http://127.0.0.1:5000/t/users"), [], "x"),
            OAuth1Signer.Signature(HttpMethod.Get, new Uri("http://127.0.0.1/t/users"), [], "x"));
    }
}
