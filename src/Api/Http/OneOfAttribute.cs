using System.ComponentModel.DataAnnotations;

namespace RosterSync.Api.Http;

/// <summary>A filter value from a fixed vocabulary (null allowed: no filter), with a message that lists the vocabulary.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute(params string[] values) : ValidationAttribute
{
    public IReadOnlyList<string> Values { get; } = values;

    public override bool IsValid(object? value) => value is null || (value is string s && Values.Contains(s));

    public override string FormatErrorMessage(string name) => $"Must be one of: {string.Join(", ", Values)}.";
}
