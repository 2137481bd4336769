using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace RosterSync.Domain.Tests.Corpus;

/// <summary>
/// A small, clean OneRoster 1.1 bundle (one school, term, course, class; two students, a teacher, a parent) and the
/// edits that make it malformed. Each corpus case starts from <see cref="Baseline"/> and changes one thing.
/// </summary>
internal sealed class CorpusBundle
{
    public const string Manifest = """
        propertyName,value
        manifest.version,1.0
        oneroster.version,1.1
        file.academicSessions,bulk
        file.orgs,bulk
        file.courses,bulk
        file.classes,bulk
        file.users,bulk
        file.enrollments,bulk
        file.demographics,absent

        """;

    public const string Orgs = """
        sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId
        dist-1,active,,Corpus District,district,,
        sch-1,active,,Lincoln High,school,,dist-1

        """;

    public const string Sessions = """
        sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear
        term-1,active,,Fall 2025,term,2025-08-15,2025-12-20,,2026

        """;

    public const string Courses = """
        sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes
        crs-1,active,,term-1,Algebra,ALG1,09,sch-1,Math,

        """;

    // Line 3 (stu-2) holds the first non-ASCII letter; line 4 a Windows-1252 apostrophe (’).
    public const string Users = """
        sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password
        stu-1,active,,true,sch-1,student,ana,,Ana,Diaz,,1001,ana.diaz@corpus.example,,,par-1,09,
        stu-2,active,,true,sch-1,student,zoe,,Zoé,Okafor,,1002,zoe.okafor@corpus.example,,,,09,
        tea-1,active,,true,sch-1,teacher,tom,,Tom,O’Hara,,2001,tom.ohara@corpus.example,,,,,
        par-1,active,,true,sch-1,parent,gia,,Gia,Diaz,,,gia.diaz@corpus.example,,,stu-1,,

        """;

    public const string Classes = """
        sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
        cls-1,active,,Algebra I,09,crs-1,ALG1-1,scheduled,,sch-1,term-1,Math,,

        """;

    public const string Enrollments = """
        sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate
        enr-1,active,,cls-1,sch-1,stu-1,student,false,,
        enr-2,active,,cls-1,sch-1,stu-2,student,false,,
        enr-3,active,,cls-1,sch-1,tea-1,teacher,true,,

        """;

    private readonly List<Entry> _entries = [];
    private readonly List<Func<byte[], byte[]>> _afterZip = [];

    private sealed class Entry(string name, byte[] content)
    {
        public string Name { get; set; } = name;
        public byte[] Content { get; set; } = content;
        public int? UnixMode { get; set; }
    }

    public static CorpusBundle Baseline()
    {
        var bundle = new CorpusBundle();
        foreach (var (name, text) in new[]
        {
            ("manifest.csv", Manifest), ("orgs.csv", Orgs), ("academicSessions.csv", Sessions), ("courses.csv", Courses),
            ("users.csv", Users), ("classes.csv", Classes), ("enrollments.csv", Enrollments),
        })
        {
            bundle._entries.Add(new Entry(name, Encoding.UTF8.GetBytes(text)));
        }

        return bundle;
    }

    public string TextOf(string name) => Encoding.UTF8.GetString(Find(name).Content);

    /// <summary>Replaces a file's bytes (or adds the file).</summary>
    public CorpusBundle Bytes(string name, byte[] content)
    {
        if (_entries.Find(e => e.Name == name) is { } entry) entry.Content = content;
        else _entries.Add(new Entry(name, content));
        return this;
    }

    public CorpusBundle Text(string name, string content) => Bytes(name, Encoding.UTF8.GetBytes(content));

    /// <summary>Replaces text that must be in the file: a case that edits nothing would test nothing.</summary>
    public CorpusBundle Replace(string name, string old, string replacement)
    {
        var text = TextOf(name);
        if (!text.Contains(old, StringComparison.Ordinal)) throw new InvalidOperationException($"{name} has no '{old}'");
        return Text(name, text.Replace(old, replacement, StringComparison.Ordinal));
    }

    public CorpusBundle AppendRow(string name, string row) => Text(name, TextOf(name) + row + "\n");

    public CorpusBundle Without(string name)
    {
        _entries.Remove(Find(name));
        return this;
    }

    /// <summary>A second entry under a name already used.</summary>
    public CorpusBundle Again(string name, string asName)
    {
        _entries.Add(new Entry(asName, Find(name).Content));
        return this;
    }

    public CorpusBundle Rename(Func<string, string> rename)
    {
        foreach (var entry in _entries) entry.Name = rename(entry.Name);
        return this;
    }

    public CorpusBundle Symlink(string name, string target)
    {
        _entries.Add(new Entry(name, Encoding.UTF8.GetBytes(target)) { UnixMode = 0xA1FF });
        return this;
    }

    /// <summary>Marks an entry encrypted (general purpose flag bit 0) in its local header and the central directory.</summary>
    public CorpusBundle Encrypt(string name)
    {
        _afterZip.Add(zip => SetEncrypted(zip, name));
        return this;
    }

    /// <summary>Sends these bytes instead of the zip.</summary>
    public CorpusBundle Instead(byte[] bytes)
    {
        _afterZip.Add(_ => bytes);
        return this;
    }

    public CorpusBundle Truncate(double keep)
    {
        _afterZip.Add(zip => zip[..(int)(zip.Length * keep)]);
        return this;
    }

    public byte[] Zip()
    {
        var stream = new MemoryStream();
        using (var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                var zipEntry = archive.CreateEntry(entry.Name);
                if (entry.UnixMode is { } mode) zipEntry.ExternalAttributes = mode << 16;
                using var content = zipEntry.Open();
                content.Write(entry.Content);
            }
        }

        return _afterZip.Aggregate(stream.ToArray(), (zip, change) => change(zip));
    }

    private Entry Find(string name) => _entries.Find(e => e.Name == name) ?? throw new InvalidOperationException($"No {name} in the bundle");

    private static byte[] SetEncrypted(byte[] zip, string name)
    {
        for (var at = 0; at + 46 <= zip.Length; at++)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at)) != 0x02014b50) continue;
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + 28));
            if (Encoding.UTF8.GetString(zip, at + 46, nameLength) != name) continue;
            zip[at + 8] |= 1;
            var local = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(at + 42));
            zip[local + 6] |= 1;
            return zip;
        }

        throw new InvalidOperationException($"No central directory entry {name}");
    }
}
