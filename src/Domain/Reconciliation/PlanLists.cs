using System.Collections;
using RosterSync.Domain.Model;
using RosterSync.Domain.Snapshots;

namespace RosterSync.Domain.Reconciliation;

/// <summary>
/// Memberships, enrollments or guardian links stored column by column (ids, codes and flags, no objects):
/// a large district holds millions. Reading a row builds a <see cref="LinkRecord"/> on the spot; the
/// planner and the applier read the columns directly.
/// </summary>
public sealed class LinkList : IReadOnlyList<LinkRecord>
{
    private const byte EndedFlag = 1;
    private const byte CreatedFlag = 2;
    private readonly ChunkedList<Guid> _ids = new();
    private readonly ChunkedList<Guid> _persons = new();
    private readonly ChunkedList<Guid> _targets = new();
    private readonly ChunkedList<int> _roles = new();
    private readonly ChunkedList<byte> _origins = new();
    private readonly ChunkedList<byte> _flags = new();
    private readonly CodeTable _roleCodes = new(int.MaxValue);
    private readonly CodeTable _originCodes = new(byte.MaxValue);
    private readonly int _synced;

    public LinkList() => _synced = _originCodes.Code(Origins.Synced);

    public int Count => _ids.Count;

    public LinkRecord this[int index] => new()
    {
        Id = _ids[index], PersonId = _persons[index], TargetId = _targets[index], Role = Role(index), Origin = Origin(index), Ended = Ended(index),
    };

    public void Add(LinkRecord link)
    {
        ArgumentNullException.ThrowIfNull(link);
        Add(link.Id, link.PersonId, link.TargetId, link.Role, link.Origin, link.Ended, created: false);
    }

    public void AddRange(IEnumerable<LinkRecord> links)
    {
        ArgumentNullException.ThrowIfNull(links);
        foreach (var link in links)
        {
            Add(link);
        }
    }

    /// <param name="created">A link this plan creates: the applier inserts it instead of upserting it.</param>
    internal int Add(Guid id, Guid personId, Guid targetId, string? role, string origin, bool ended, bool created)
    {
        _ids.Add(id);
        _persons.Add(personId);
        _targets.Add(targetId);
        _roles.Add(_roleCodes.Code(role));
        _origins.Add((byte)_originCodes.Code(origin));
        _flags.Add((byte)((ended ? EndedFlag : 0) | (created ? CreatedFlag : 0)));
        return _ids.Count - 1;
    }

    internal Guid Id(int index) => _ids[index];

    internal Guid PersonId(int index) => _persons[index];

    internal Guid TargetId(int index) => _targets[index];

    internal string? Role(int index) => _roleCodes[_roles[index]];

    internal string Origin(int index) => _originCodes[_origins[index]]!;

    internal bool IsSynced(int index) => _origins[index] == _synced;

    internal bool Ended(int index) => (_flags[index] & EndedFlag) != 0;

    internal bool Created(int index) => (_flags[index] & CreatedFlag) != 0;

    internal void SetRole(int index, string? role) => _roles[index] = _roleCodes.Code(role);

    internal void SetEnded(int index, bool ended) =>
        _flags[index] = (byte)(ended ? _flags[index] | EndedFlag : _flags[index] & ~EndedFlag);

    /// <summary>Open synced links: what R21 counts as a kind's active synced records.</summary>
    internal static int CountOpenSynced(IReadOnlyList<LinkRecord> links)
    {
        if (links is not LinkList list)
        {
            return links.Count(l => l.Origin == Origins.Synced && !l.Ended);
        }

        var n = 0;
        for (var i = 0; i < list.Count; i++)
        {
            if (list.IsSynced(i) && !list.Ended(i))
            {
                n++;
            }
        }

        return n;
    }

    public IEnumerator<LinkRecord> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// A plan's change list, stored column by column: entity, action and rule as codes, the record id, the
/// source id packed (<see cref="PackedIds"/>) and field/before/after only for the changes that have them.
/// A first import of a large district records millions of changes; this keeps each to about 40 bytes.
/// </summary>
public sealed class ChangeList : IReadOnlyList<Change>
{
    private readonly ChunkedList<byte> _entities = new();
    private readonly ChunkedList<byte> _actions = new();
    private readonly ChunkedList<byte> _rules = new();
    private readonly ChunkedList<Guid> _records = new();
    private readonly PackedIds _sources = new();
    private readonly ChunkedList<int> _details = new();
    private readonly List<(string? Field, string? Before, string? After)> _detailValues = [];
    private readonly CodeTable _entityCodes = new(byte.MaxValue);
    private readonly CodeTable _actionCodes = new(byte.MaxValue);
    private readonly CodeTable _ruleCodes = new(byte.MaxValue);

    public int Count => _entities.Count;

    public Change this[int index]
    {
        get
        {
            var (field, before, after) = Detail(index);
            return new(Entity(index), RecordId(index), SourceId(index), Action(index), field, before, after, Rule(index));
        }
    }

    public void Add(Change change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _entities.Add((byte)_entityCodes.Code(change.Entity));
        _actions.Add((byte)_actionCodes.Code(change.Action));
        _rules.Add((byte)_ruleCodes.Code(change.Rule));
        _records.Add(change.RecordId ?? Guid.Empty);
        _sources.Add(change.SourceId);
        if (change.Field is null && change.Before is null && change.After is null)
        {
            _details.Add(-1);
        }
        else
        {
            _details.Add(_detailValues.Count);
            _detailValues.Add((change.Field, change.Before, change.After));
        }
    }

    public void AddRange(IEnumerable<Change> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var change in changes)
        {
            Add(change);
        }
    }

    internal string Entity(int index) => _entityCodes[_entities[index]]!;

    internal string Action(int index) => _actionCodes[_actions[index]]!;

    internal string? Rule(int index) => _ruleCodes[_rules[index]];

    internal Guid? RecordId(int index) => _records[index] == Guid.Empty ? null : _records[index];

    internal string? SourceId(int index) => _sources[index];

    internal (string? Field, string? Before, string? After) Detail(int index) =>
        _details[index] < 0 ? default : _detailValues[_details[index]];

    public IEnumerator<Change> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// The records of one kind a plan writes, in two groups: records the plan creates (the applier inserts
/// them with COPY) and records that already exist (the applier upserts them).
/// </summary>
public sealed class PlanRecords<T> : IReadOnlyList<T>
{
    private readonly List<T> _created = [];
    private readonly List<T> _existing = [];

    public int Count => _created.Count + _existing.Count;

    public T this[int index] => index < _created.Count ? _created[index] : _existing[index - _created.Count];

    /// <summary>Records new to the database.</summary>
    public IReadOnlyList<T> Created => _created;

    /// <summary>Records that may already exist: written by id, inserted or updated.</summary>
    public IReadOnlyList<T> Existing => _existing;

    /// <summary>Adds a record that may exist already (it is upserted).</summary>
    public void Add(T record) => _existing.Add(record);

    public void AddRange(IEnumerable<T> records) => _existing.AddRange(records);

    /// <summary>Adds a record this plan creates (it is inserted).</summary>
    public void AddCreated(T record) => _created.Add(record);

    public IEnumerator<T> GetEnumerator() => _created.Concat(_existing).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
