using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace RosterSync.TestSupport;

/// <summary>
/// A key-encryption certificate for the Data Protection key ring, made once per test process (as run.sh makes one
/// for local use): every Api and Worker host a test starts gets the same one, as a deployment's replicas do.
/// </summary>
public static class KeyRingCertificate
{
    private static readonly Lazy<(string Path, string Password)> File = new(Create);

    public static string Path => File.Value.Path;
    public static string Password => File.Value.Password;

    /// <summary>Configuration keys for the hosts' KeyRingOptions.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> Settings =>
        [new("DataProtection:KeyEncryptionCertificatePath", Path), new("DataProtection:KeyEncryptionCertificatePassword", Password)];

    /// <summary>A self-signed RSA certificate with its private key in a password-protected .pfx under the temp directory.</summary>
    public static string CreatePfx(string password)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=RosterSync test key ring", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"rs-keyring-{Guid.NewGuid():N}.pfx");
        System.IO.File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, password));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.File.Delete(path);
        return path;
    }

    private static (string, string) Create()
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        return (CreatePfx(password), password);
    }
}
