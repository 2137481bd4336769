using System.Text;

namespace RosterSync.Domain.Reconciliation;

/// <summary>R1: the match key is the email trimmed, Unicode-normalized (NFKC) and lower-cased.</summary>
public static class EmailNormalizer
{
    public static string? Normalize(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) return null;
        // Nearly every address is ASCII, which NFKC leaves as it is: trim and lower-case it without the Unicode machinery.
        if (Ascii.IsValid(email))
        {
            var trimmed = email.AsSpan().Trim();
            if (!trimmed.ContainsAnyInRange('A', 'Z')) return trimmed.Length == email.Length ? email : trimmed.ToString();
            return string.Create(trimmed.Length, email, static (chars, source) => Ascii.ToLower(source.AsSpan().Trim(), chars, out _));
        }
        return email.Trim().Normalize(NormalizationForm.FormKC).ToLowerInvariant();
    }

    /// <summary>R6: a valid email has one @ with text on both sides, a dot in the domain, and no whitespace.</summary>
    public static bool IsValid(string? normalized)
    {
        if (string.IsNullOrEmpty(normalized) || normalized.Length > 254) return false;
        var at = normalized.IndexOf('@');
        if (at <= 0 || at != normalized.LastIndexOf('@') || at == normalized.Length - 1) return false;
        var domain = normalized.AsSpan(at + 1);
        if (!domain.Contains('.') || domain.StartsWith('.') || domain.EndsWith('.')) return false;
        foreach (var c in normalized)
            if (char.IsWhiteSpace(c)) return false;
        return true;
    }
}
