using System.ComponentModel.DataAnnotations;

namespace RosterSync.Api.Http;

/// <summary>
/// A filter value from a closed vocabulary (null allowed: no filter), with a message that lists it. The document
/// declares the parameter as that vocabulary's enum.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute(string vocabulary) : ValidationAttribute
{
    public Vocabulary Vocabulary { get; } = Vocabularies.Named(vocabulary);

    public override bool IsValid(object? value) => value is null || (value is string s && Vocabulary.Values.Contains(s));

    public override string FormatErrorMessage(string name) => $"Must be one of: {string.Join(", ", Vocabulary.Values)}.";
}
