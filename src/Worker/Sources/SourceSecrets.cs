namespace RosterSync.Worker.Sources;

/// <summary>The keys of a district's decrypted source secrets (SecretProtector), as the Api stores them.</summary>
public static class SourceSecrets
{
    public const string Token = "token";
    public const string ClientSecret = "clientSecret";
    public const string Password = "password";
    public const string PrivateKey = "privateKey";
    public const string GuardianFeedPassword = "guardianFeed.password";
    public const string GuardianFeedPrivateKey = "guardianFeed.privateKey";
}
