using System.ComponentModel.DataAnnotations;

namespace RosterSync.Api.Http;

/// <summary>A list response (SPEC §7): <c>nextCursor</c> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

public static class Page
{
    /// <summary>From rows fetched with <c>Take(limit + 1)</c>: the extra row only tells that another page exists.</summary>
    public static Page<T> From<T>(List<T> rows, int limit, Func<T, string> cursorOf) =>
        rows.Count > limit ? new(rows[..limit], cursorOf(rows[limit - 1])) : new(rows, null);
}

/// <summary>The paging parameters every list takes.</summary>
public interface IPageQuery
{
    int? Limit { get; }
    string? Cursor { get; }
}

public static class Paging
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static int LimitOf(this IPageQuery query) => query.Limit ?? DefaultLimit;
}

/// <summary>The range check AddValidation applies to every <c>limit</c> query parameter.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PageLimitAttribute() : RangeAttribute(1, Paging.MaxLimit)
{
    public override string FormatErrorMessage(string name) => $"limit must be between 1 and {Paging.MaxLimit}.";
}
