using System.ComponentModel.DataAnnotations;

namespace RosterSync.Worker.Sources.Sftp;

public sealed class SftpOptions
{
    public const string Section = "Sources:Sftp";

    /// <summary>The largest file downloaded (roster bundle or guardian file); a larger one fails the run.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    /// <summary>How long connecting (TCP, key exchange, login) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one SFTP operation (a listing, a read of a block) may take.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
