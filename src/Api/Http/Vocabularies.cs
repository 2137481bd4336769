using System.Reflection;
using RosterSync.Api.Auth;
using RosterSync.Api.History;
using RosterSync.Api.SyncSettings;
using RosterSync.Domain.Export;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Api.Http;

/// <summary>A closed set of string values, declared once in the document as an enum schema named <see cref="Name"/>.</summary>
public sealed record Vocabulary(string Name, IReadOnlyList<string> Values, string Description);

/// <summary>
/// The Api's closed vocabularies. Each is read from the string constants the code already uses (or their <c>All</c>
/// set), so a value added there reaches both the validation (<see cref="OneOfAttribute"/>) and the OpenAPI enum.
/// </summary>
public static class Vocabularies
{
    public static readonly Vocabulary RunStatus = Of(typeof(Domain.Model.RunStatus), "The state of a sync run.");
    public static readonly Vocabulary RunTrigger = Of(typeof(RunTriggers), "What started a run.");
    public static readonly Vocabulary RunPhase = Of(typeof(RunPhases), "The step a running run is in.");
    public static readonly Vocabulary SourceKind = Of(typeof(SourceKinds), "Where a district's roster comes from.");
    public static readonly Vocabulary RunSourceKind = new("RunSourceKind", [.. SourceKind.Values, RunTriggers.Revert],
        "The source a run read, or revert for a run that undoes another (R24).");
    public static readonly Vocabulary RecordStatus = Of(typeof(Domain.Model.RecordStatus), "Archived records stay; a sync never hard-deletes.");
    public static readonly Vocabulary Origin = Of(typeof(Origins), "Whether a record came from the source or was made through the Api.");
    public static readonly Vocabulary AccountState = Of(typeof(AccountStates), "invitee until a front end reports a sign-in (R8).");
    public static readonly Vocabulary Role = Of(typeof(Roles), "A person's role in the district.");
    public static readonly Vocabulary EnrollmentRole = Of(typeof(EnrollmentRoles), "A person's role in a class.");
    public static readonly Vocabulary ChangeEntity = Of(typeof(Entities), "The kind of record a change or issue is about.");
    public static readonly Vocabulary ChangeAction = Of(typeof(ChangeActions), "What a run or an Api edit did to a record.");
    public static readonly Vocabulary IssueSeverity = Of(typeof(Severities), "An error skipped the record; a warning did not.");
    public static readonly Vocabulary HistoryAuthor = Of(typeof(HistoryAuthors), "Whether a run or an Api key made a change.");
    public static readonly Vocabulary AbandonedStudents = Of(typeof(AbandonedStudentPolicy), "R12: what happens to a student the source no longer sends.");
    public static readonly Vocabulary FamilyAbandonment = Of(typeof(FamilyAbandonmentPolicy), "R15: what happens to a family the source no longer sends.");
    public static readonly Vocabulary ManualStudents = Of(typeof(ManualStudentsPolicy), "R19: whether students may be created by hand.");
    public static readonly Vocabulary ClassLinkAuth = Of(typeof(ClassLinkAuthMethods), "How RosterSync signs in to ClassLink.");
    public static readonly Vocabulary ImportKind = new("ImportKind", [SnapshotReader.Roster, SnapshotReader.Guardians],
        "roster: a OneRoster zip or a students/staff CSV; guardians: the supplementary guardian file.");
    public static readonly Vocabulary RegistrationStatus = new("RegistrationStatus", RegistrationStatuses.All, "Where a registration is in its review.");
    public static readonly Vocabulary ExportStatus = new("ExportStatus", ExportStatuses.All, "What the last export did with a registration.");
    public static readonly Vocabulary ExportRunStatus = new("ExportRunStatus",
        [Domain.Model.RunStatus.Queued, Domain.Model.RunStatus.Running, Domain.Model.RunStatus.Succeeded, ExportRunStatuses.PartiallySucceeded,
         Domain.Model.RunStatus.Failed, Domain.Model.RunStatus.Cancelled], "The state of an export run (SPEC §6).");
    public static readonly Vocabulary ExportAuthKind = new("ExportAuthKind", [ExportAuthKinds.OAuth2ClientCredentials, ExportAuthKinds.Bearer], "How RosterSync signs in to the district's SIS.");
    public static readonly Vocabulary DeliveryStatus = new("DeliveryStatus", Domain.Events.DeliveryStatus.All, "Where a webhook delivery is.");
    public static readonly Vocabulary Scope = new("Scope", [.. Scopes.All], "What a district key may do.");

    private static readonly Dictionary<string, Vocabulary> ByName = typeof(Vocabularies)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(Vocabulary))
        .ToDictionary(f => f.Name, f => (Vocabulary)f.GetValue(null)!);

    public static IEnumerable<Vocabulary> All => ByName.Values;

    /// <param name="name">The name of one of this class's fields, as <c>nameof(Vocabularies.RunStatus)</c>.</param>
    public static Vocabulary Named(string name) => ByName[name];

    private static Vocabulary Of(Type constants, string description)
    {
        var values = constants.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!).ToList();
        var name = constants.Name switch
        {
            var n when n.EndsWith("Policy", StringComparison.Ordinal) => n,
            var n when n.EndsWith("ies", StringComparison.Ordinal) => n[..^3] + "y",
            var n when n.EndsWith('s') && !n.EndsWith("us", StringComparison.Ordinal) => n[..^1],
            var n => n,
        };
        return new(name, values, description);
    }
}

/// <summary>
/// Marks a string (or list of strings) member of an answer or a body as taking values of one vocabulary, for the
/// document; validation of bodies stays in the handlers.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class ClosedAttribute(string vocabulary) : Attribute
{
    public Vocabulary Vocabulary { get; } = Vocabularies.Named(vocabulary);
}
