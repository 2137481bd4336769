using RosterSync.Domain.Model;

namespace RosterSync.Domain.Snapshots;

/// <summary>
/// Guardian links from OneRoster users' agents, for the CSV reader and the REST mapping alike. Agents run either way
/// (guardian → student, student → guardian); agents of any other role are noise. A link's relationship is the
/// guardian's own OneRoster role (parent, guardian, relative): 1.1 has no other relationship field.
/// </summary>
public sealed class OneRosterAgents
{
    /// <summary>Students and guardians by source id: null for a student, the relationship for a guardian.</summary>
    private readonly Dictionary<string, string?> _relationshipOf = new(StringComparer.Ordinal);
    private readonly List<(string UserId, string[] AgentIds, SourceLocation At)> _agents = [];
    /// <summary>Users of the other roles: an agent among them is noise, not a missing reference.</summary>
    private readonly HashSet<string> _others = new(StringComparer.Ordinal);

    /// <summary>Notes a user of the <paramref name="mappedRole"/> (ours) read from <paramref name="sourceRole"/> (OneRoster's).</summary>
    public void AddUser(string userId, string mappedRole, string? sourceRole, string[] agentIds, SourceLocation at)
    {
        if (mappedRole is not (Roles.Student or Roles.Guardian))
        {
            _others.Add(userId);
            return;
        }

        _relationshipOf[userId] = mappedRole == Roles.Guardian ? Relationship(sourceRole) : null;
        if (agentIds.Length > 0) _agents.Add((userId, agentIds, at));
    }

    /// <summary>
    /// Each guardian–student pair once, in the order the users were read. An agent that names the user itself, or no
    /// user of the source, is reported to <paramref name="issues"/> (R27) and skipped.
    /// </summary>
    public IEnumerable<SourceGuardianLink> Links(List<SourceIssue>? issues = null)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var (userId, agentIds, at) in _agents)
        {
            var relationship = _relationshipOf[userId];
            foreach (var agentId in agentIds)
            {
                if (agentId == userId || (!_relationshipOf.ContainsKey(agentId) && !_others.Contains(agentId)))
                {
                    issues?.Add(new SourceIssue(Severities.Warning, ReaderIssues.References, Entities.GuardianLink, userId, at, agentId == userId
                        ? "The user names itself as its own agent; ignored"
                        : $"Agent '{agentId}' is not a user of the source; that link is skipped"));
                    continue;
                }

                if (!_relationshipOf.TryGetValue(agentId, out var agentRelationship) || (agentRelationship is null) == (relationship is null)) continue;
                var (guardian, student) = relationship is not null ? (userId, agentId) : (agentId, userId);
                if (seen.Add((guardian, student)))
                    yield return new SourceGuardianLink(guardian, student, relationship ?? agentRelationship, at);
            }
        }
    }

    private static string Relationship(string? sourceRole) => sourceRole?.Trim().ToLowerInvariant() switch
    {
        "parent" => "parent",
        "relative" => "relative",
        _ => "guardian",
    };
}
