using System.ComponentModel.DataAnnotations;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Contracts;

namespace RosterSync.Api.SyncSettings;

/// <summary>200 answer of <c>POST sync-settings/test</c>: what the source holds, per kind.</summary>
public sealed record SourceTestAnswer(bool Ok, IReadOnlyDictionary<string, int> Counts);

public sealed class SourceTestOptions
{
    public const string Section = "SourceTest";

    /// <summary>How long the Api waits for a Worker to read the whole source.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>The problem types of a failed source test (stable, like <see cref="ProblemTypes"/>).</summary>
public static class SourceTestProblems
{
    /// <summary>502: the source was unreachable, rejected the credentials, presented another host key or sent unreadable data.</summary>
    public const string SourceFailed = "urn:rostersync:problem:source-failed";

    /// <summary>422: the settings are incomplete or point at a host the operator does not allow; nothing was called.</summary>
    public const string SourceSettings = "urn:rostersync:problem:source-settings";
}

/// <summary>
/// <c>POST /api/v1/districts/{d}/sync-settings/test</c>: the Api never calls a source (SPEC §1), so a Worker reads the
/// configured source completely, plans and writes nothing, and answers over the bus.
/// </summary>
public static class SourceTestEndpoints
{
    public static IServiceCollection AddSourceTest(this IServiceCollection services)
    {
        services.AddOptions<SourceTestOptions>().BindConfiguration(SourceTestOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped(sp => sp.GetRequiredService<IScopedClientFactory>().CreateRequestClient<TestSource>(
            RequestTimeout.After(ms: (int)sp.GetRequiredService<IOptions<SourceTestOptions>>().Value.Timeout.TotalMilliseconds)));
        return services;
    }

    public static RouteGroupBuilder MapSourceTest(this IEndpointRouteBuilder app)
    {
        var settings = app.MapGroup("/api/v1/districts/{districtId:guid}/sync-settings").WithTags("SyncSettings");
        settings.MapPost("/test", TestSource).RequireScope(Scopes.SettingsWrite).WithName("TestSyncSource")
            .ProducesProblems(StatusCodes.Status422UnprocessableEntity, SourceTestProblems.SourceSettings)
            .ProducesProblems(StatusCodes.Status502BadGateway, SourceTestProblems.SourceFailed)
            .WithSummary("Read the configured source completely through a Worker, applying nothing; answers the counts per kind or what is wrong");
        return settings;
    }

    private static async Task<Results<Ok<SourceTestAnswer>, ProblemHttpResult>> TestSource(
        Guid districtId, IRequestClient<TestSource> client, CancellationToken ct)
    {
        SourceTestResult result;
        try
        {
            result = (await client.GetResponse<SourceTestResult>(new TestSource(districtId), ct)).Message;
        }
        catch (RequestTimeoutException)
        {
            return TypedResults.Problem(type: ProblemTypes.Unavailable, title: "No Worker answered in time",
                detail: "The source test was not answered in time: no Worker is running, or reading the source takes longer than the test waits.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (result.Ok)
        {
            return TypedResults.Ok(new SourceTestAnswer(true, result.Counts));
        }

        return result.SettingsProblem
            ? TypedResults.Problem(type: SourceTestProblems.SourceSettings, title: "The source settings cannot be used", detail: result.Problem,
                statusCode: StatusCodes.Status422UnprocessableEntity)
            : TypedResults.Problem(type: SourceTestProblems.SourceFailed, title: "The source could not be read", detail: result.Problem,
                statusCode: StatusCodes.Status502BadGateway);
    }
}
