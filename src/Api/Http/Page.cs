using System.ComponentModel.DataAnnotations;
using System.Linq.Expressions;
using System.Reflection;
using Microsoft.EntityFrameworkCore;

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

    /// <summary>
    /// One page plus one row (<see cref="Page.From{T}"/>). The count is written into the SQL as a constant: with
    /// <c>LIMIT $1</c> PostgreSQL cannot price a generic plan (it assumes a tenth of the table, which also crosses the
    /// JIT threshold), so it plans every execution again; with <c>LIMIT 101</c> the prepared statement keeps its plan.
    /// </summary>
    public static IQueryable<T> TakePage<T>(this IQueryable<T> source, IPageQuery query) =>
        source.Provider.CreateQuery<T>(Expression.Call(TakeMethod.MakeGenericMethod(typeof(T)), source.Expression,
            Expression.Call(ConstantMethod, Expression.Constant(query.LimitOf() + 1))));

    // EF parameterizes Take's count even when it is a constant; EF.Constant, inside the expression, opts out.
    private static readonly MethodInfo TakeMethod = new Func<IQueryable<object>, int, IQueryable<object>>(Queryable.Take).Method.GetGenericMethodDefinition();
    private static readonly MethodInfo ConstantMethod = new Func<int, int>(EF.Constant).Method;
}

/// <summary>The range check AddValidation applies to every <c>limit</c> query parameter.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PageLimitAttribute() : RangeAttribute(1, Paging.MaxLimit)
{
    public override string FormatErrorMessage(string name) => $"limit must be between 1 and {Paging.MaxLimit}.";
}
