namespace RosterSync.Domain.Model;

/// <summary>
/// A bundle an SFTP run took (name, size and modification time identify the version of the file), and the run that
/// took it. The file counts as processed while that run is open or once it succeeded (not as a dry run); a failed,
/// cancelled or dry run leaves it to be taken again.
/// </summary>
public sealed class SftpProcessedFile
{
    public Guid DistrictId { get; set; }
    public required string FileName { get; set; }
    public long Size { get; set; }
    public DateTimeOffset ModifiedAt { get; set; }
    public Guid RunId { get; set; }
    public DateTimeOffset TakenAt { get; set; }
}
