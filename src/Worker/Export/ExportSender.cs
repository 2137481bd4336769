using RosterSync.Domain.Export;
using RosterSync.ServiceDefaults;

namespace RosterSync.Worker.Export;

/// <summary>What sending one registration came to: the target's answers in order, the SIS id, and the target's error when it refused.</summary>
public sealed record SendOutcome(IReadOnlyList<TargetAnswer> Answers, string? SisId, ExportError? Error);

/// <summary>Sends a registration's payloads through a connection, operation after operation (Ed-Fi: the student before its association).</summary>
public sealed class ExportSender(SisClient client, SecretProtector protector)
{
    public string SecretOf(ExportConnection connection) =>
        protector.Unprotect(connection.EncryptedSecrets).GetValueOrDefault(ExportAuthKinds.SecretName)
        ?? throw new SisUnavailableException("The connection has no client secret or token.");

    /// <summary>Stops at the first answer that is not 2xx; the SIS id is the first operation's.</summary>
    public async Task<SendOutcome> SendAsync(ExportConnection connection, MappedRegistration mapped, CancellationToken ct)
    {
        var secret = SecretOf(connection);
        var answers = new List<TargetAnswer>();
        string? sisId = null;
        foreach (var payload in mapped.Payloads)
        {
            var answer = await client.SendAsync(connection, secret, payload, ct);
            answers.Add(answer);
            if (answer.Status is < 200 or > 299) return new SendOutcome(answers, sisId, SisClient.ErrorOf(answer));
            sisId ??= SisClient.IdOf(answer);
        }
        return new SendOutcome(answers, sisId, null);
    }
}
