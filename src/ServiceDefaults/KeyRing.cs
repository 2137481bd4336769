using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RosterSync.ServiceDefaults;

/// <summary>
/// The key-encryption certificate of the Data Protection key ring. The ring lives in PostgreSQL beside the secrets it
/// protects, so each key is stored encrypted to this certificate: a database dump alone decrypts nothing.
/// </summary>
public sealed class KeyRingOptions
{
    public const string Section = "DataProtection";

    /// <summary>A PKCS#12 (.pfx) file holding the certificate and its private key; the Api and every Worker use the same one.</summary>
    public string? KeyEncryptionCertificatePath { get; set; }

    public string? KeyEncryptionCertificatePassword { get; set; }

    public const string Missing =
        "The Data Protection key ring must be encrypted at rest: set DataProtection:KeyEncryptionCertificatePath " +
        "(env DataProtection__KeyEncryptionCertificatePath) to a .pfx file with the key-encryption certificate and its private key, " +
        "and DataProtection:KeyEncryptionCertificatePassword (env DataProtection__KeyEncryptionCertificatePassword) to its password. " +
        "Only the Development and Testing environments may start without it (keys then stored unencrypted). See deploy/README.md.";
}

internal static class KeyRing
{
    /// <summary>Data Protection with its keys in PostgreSQL, encrypted to the configured certificate.</summary>
    public static void AddRosterKeyRing(this IHostApplicationBuilder builder)
    {
        // Read here as well as bound: Data Protection takes the certificate while services are registered.
        var options = builder.Configuration.GetSection(KeyRingOptions.Section).Get<KeyRingOptions>() ?? new KeyRingOptions();
        builder.Services.AddSingleton<IXmlRepository, PostgresKeyRepository>();
        var dataProtection = builder.Services.AddDataProtection().SetApplicationName("RosterSync");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services => new ConfigureOptions<KeyManagementOptions>(
            o => o.XmlRepository = services.GetRequiredService<IXmlRepository>()));

        if (options.KeyEncryptionCertificatePath is { Length: > 0 } path)
        {
            var certificate = Load(path, options.KeyEncryptionCertificatePassword);
            dataProtection.ProtectKeysWithCertificate(certificate);
            // Linux has no certificate store Data Protection looks in: name the certificate that decrypts, too.
            dataProtection.UnprotectKeysWithAnyCertificate(certificate);
        }

        // Checked when the host starts (not here, where the build's OpenAPI document generation also passes).
        var unencryptedAllowed = builder.Environment.IsDevelopment() || builder.Environment.IsEnvironment("Testing");
        builder.Services.AddOptions<KeyRingOptions>().BindConfiguration(KeyRingOptions.Section)
            .Validate(o => o.KeyEncryptionCertificatePath is { Length: > 0 } || unencryptedAllowed, KeyRingOptions.Missing)
            .ValidateOnStart();
    }

    private static X509Certificate2 Load(string path, string? password)
    {
        if (!File.Exists(path))
            throw new InvalidOperationException($"DataProtection:KeyEncryptionCertificatePath names {path}, which does not exist. {KeyRingOptions.Missing}");
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException e)
        {
            throw new InvalidOperationException(
                $"DataProtection:KeyEncryptionCertificatePath {path} could not be read as a .pfx with DataProtection:KeyEncryptionCertificatePassword: {e.Message}", e);
        }
        return certificate.HasPrivateKey ? certificate : throw new InvalidOperationException(
            $"The key-encryption certificate in {path} has no private key: the .pfx must hold it, or no key could be decrypted.");
    }
}
