using System.Net;
using System.Net.Sockets;

namespace RosterSync.Domain;

/// <summary>
/// Which URLs RosterSync may call out to on a district's behalf (webhook subscriptions, export connections): absolute http(s)
/// without credentials, and, unless the operator allows it (<c>Webhooks:AllowPrivateTargets</c>, <c>Export:AllowPrivateTargets</c>),
/// https to a public address only. Checked when the URL is written and again by the Worker on the address it actually connects
/// to (a name may resolve inward later).
/// </summary>
public static class TargetUrlRules
{
    /// <summary>Null when <paramref name="url"/> is acceptable; otherwise why not.</summary>
    public static string? Check(string? url, bool allowPrivateTargets)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return "Must be an absolute https URL.";
        if (uri.UserInfo.Length > 0) return "Must not carry a user name or password.";
        if (url!.Length > 2000) return "Must be at most 2000 characters.";
        if (allowPrivateTargets) return null;
        if (uri.Scheme != Uri.UriSchemeHttps) return "Must be an https URL.";
        // A name may end in the root's dot ("localhost.", "db.internal."): it resolves as the name without it, so the
        // checks read the name without it, as the Worker's resolver does when it sends.
        var host = uri.IdnHost.TrimEnd('.');
        if (uri.IsLoopback || host.Length == 0 || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && !IsPublic(address)))
            return "Must reach a public address: loopback, private, link-local and internal targets are refused.";
        return null;
    }

    /// <summary>Whether an address is on the public internet (not loopback, private, link-local, CGNAT, documentation, unique-local, multicast or unspecified).</summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
            return false;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return !(b[0] == 10 || b[0] == 0 || (b[0] == 172 && b[1] >= 16 && b[1] <= 31) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] >= 64 && b[1] <= 127) || b[0] >= 224
                // RFC 6890's other blocks that are not globally reachable: IETF assignments, TEST-NET-1/2/3, benchmarking.
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2) || (b[0] == 198 && b[1] is 18 or 19) || (b[0] == 198 && b[1] == 51 && b[2] == 100)
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));
        }
        var v6 = address.GetAddressBytes();
        return !(address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (v6[0] & 0xFE) == 0xFC);
    }
}
