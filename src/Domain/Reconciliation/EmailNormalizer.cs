using System.Text;

namespace RosterSync.Domain.Reconciliation;

/// <summary>R1: the match key is the email trimmed, Unicode-normalized (NFKC) and lower-cased.</summary>
public static class EmailNormalizer
{
    public static string? Normalize(string? email)
    {
        if (string.IsNullOrWhiteSpace(email)) return null;
        return email.Trim().Normalize(NormalizationForm.FormKC).ToLowerInvariant();
    }

    /// <summary>R6: a valid email has one @ with text on both sides, a dot in the domain, and no whitespace.</summary>
    public static bool IsValid(string? normalized)
    {
        if (string.IsNullOrEmpty(normalized) || normalized.Length > 254) return false;
        var at = normalized.IndexOf('@');
        if (at <= 0 || at != normalized.LastIndexOf('@') || at == normalized.Length - 1) return false;
        var domain = normalized[(at + 1)..];
        return domain.Contains('.') && !domain.StartsWith('.') && !domain.EndsWith('.')
            && !normalized.Any(char.IsWhiteSpace);
    }
}
