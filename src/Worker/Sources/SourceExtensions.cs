using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Refit;
using RosterSync.Worker.Sources.ClassLink;
using RosterSync.Worker.Sources.Clever;
using RosterSync.Worker.Sources.Sftp;

namespace RosterSync.Worker.Sources;

public static class SourceExtensions
{
    /// <summary>The pulled sources (Clever, ClassLink, OneRoster over SFTP), their clients, resilience and options.</summary>
    public static IHostApplicationBuilder AddSources(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<SourcesOptions>().BindConfiguration(SourcesOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CleverOptions>().BindConfiguration(CleverOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ClassLinkOptions>().BindConfiguration(ClassLinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SftpOptions>().BindConfiguration(SftpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);

        // Every call names its absolute URL ([Url]: each district has its own host or tenant); Refit still wants a base address.
        services.AddRefitGeneratedClient<ICleverApi>(CleverJsonContext.Default)
            .ConfigureHttpClient((sp, client) => client.BaseAddress = sp.GetRequiredService<IOptions<CleverOptions>>().Value.BaseUrl)
            .AddSourceResilience("clever");
        services.AddTransient<OneRosterAuthHandler>();
        services.AddRefitGeneratedClient<IOneRosterApi>(OneRosterJsonContext.Default)
            .ConfigureHttpClient(client => client.BaseAddress = new Uri("https://oneroster.invalid/"))
            .AddSourceResilience("classlink")
            // Inside the resilience handler, so every attempt is signed with a fresh nonce and timestamp.
            .AddHttpMessageHandler<OneRosterAuthHandler>();
        services.AddSingleton<SftpFetcher>();

        services.AddScoped<SftpProcessedFiles>();
        services.AddScoped<GuardianFeedReader>();
        services.AddScoped<IPulledSource, CleverReader>();
        services.AddScoped<IPulledSource, ClassLinkReader>();
        services.AddScoped<IPulledSource, SftpReader>();
        services.AddScoped<ConfiguredSourceReader>();
        services.AddScoped<ISourceReader>(sp => sp.GetRequiredService<ConfiguredSourceReader>());
        return builder;
    }

    public static void AddSourceConsumers(this IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<TestSourceConsumer, TestSourceConsumerDefinition>();
}
