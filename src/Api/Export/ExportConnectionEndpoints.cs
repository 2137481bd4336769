using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using RosterSync.Api.Auth;
using RosterSync.Api.Http;
using RosterSync.Contracts;
using RosterSync.Domain;
using RosterSync.Domain.Export;
using RosterSync.Domain.Persistence;
using RosterSync.ServiceDefaults;

namespace RosterSync.Api.Export;

/// <param name="Kind"><c>oauth2-client-credentials</c> or <c>bearer</c>.</param>
/// <param name="ClientSecret">Write-only. Null keeps the stored one; empty removes it.</param>
/// <param name="Token">Write-only bearer token. Null keeps the stored one; empty removes it.</param>
public sealed record ExportAuthInput(
    [property: OneOf(nameof(Vocabularies.ExportAuthKind))] string? Kind,
    string? TokenUrl, string? ClientId, string? ClientSecret, string? Token);

public sealed record ExportConnectionInput(
    string? Name, string? BaseUrl, ExportAuthInput? Auth, string? OpenApiUrl, IReadOnlyList<TargetOperation>? Operations, Guid? ExampleRegistrationId);

/// <summary>A connection's auth, secrets omitted: <c>secretSet</c> says whether the client secret or token is stored.</summary>
public sealed record ExportAuthDto([property: Closed(nameof(Vocabularies.ExportAuthKind))] string Kind, string? TokenUrl, string? ClientId, bool SecretSet);

public sealed record ExportConnectionDto(
    Guid Id, string Name, string BaseUrl, ExportAuthDto Auth, string OpenApiUrl, IReadOnlyList<TargetOperation> Operations,
    Guid? ExampleRegistrationId, IReadOnlyList<Guid> SchoolIds, int TargetFieldCount, DateTimeOffset? TargetFieldsRefreshedAt, int MappingCount,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record TargetFieldsDto(IReadOnlyList<TargetField> Fields, DateTimeOffset? RefreshedAt);

public sealed record MappingsInput(IReadOnlyList<FieldMapping>? Mappings);

/// <summary>The mappings and what the validation found against the target fields and the district's registrations.</summary>
public sealed record MappingsDto(IReadOnlyList<FieldMapping> Mappings, IReadOnlyList<MappingProblem> Problems, int RegistrationsChecked);

public sealed record SchoolAssignment(IReadOnlyList<Guid>? SchoolIds);

public sealed record PreviewPayload(string Operation, JsonObject Body);

/// <summary>The mapped payload of one registration beside its source values; <c>errors</c> name what would keep it from being sent.</summary>
public sealed record PreviewDto(Guid RegistrationId, IReadOnlyList<PreviewPayload> Payloads, IReadOnlyList<MappedValue> Values, IReadOnlyDictionary<string, string> Errors);

public sealed record TestRecordInput(Guid? RegistrationId);

/// <summary>The target's answers to the test record, as they came.</summary>
public sealed record TestRecordDto(Guid RegistrationId, IReadOnlyList<TargetAnswer> Answers);

public sealed class ExportOptions
{
    public const string Section = "Export";

    /// <summary>How long the Api waits for a Worker to read a target's document or send a test record.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan WorkerTimeout { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Export connections (SPEC §6): where and how to reach the district's SIS, its target fields, the field mappings, the
/// schools served, a preview and a test record. The Api never calls the SIS itself: a Worker reads the document and sends
/// the test record, answering over the bus as the source test does.
/// </summary>
public static class ExportConnectionEndpoints
{
    private static readonly RecordOf Connection = new(RecordKinds.ExportConnection);

    public static IServiceCollection AddExportConnections(this IServiceCollection services)
    {
        services.AddOptions<ExportOptions>().BindConfiguration(ExportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ExportTargetOptions>().BindConfiguration(ExportTargetOptions.Section);
        services.AddScoped(sp => sp.GetRequiredService<IScopedClientFactory>().CreateRequestClient<RefreshExportTargets>(
            RequestTimeout.After(ms: (int)sp.GetRequiredService<IOptions<ExportOptions>>().Value.WorkerTimeout.TotalMilliseconds)));
        services.AddScoped(sp => sp.GetRequiredService<IScopedClientFactory>().CreateRequestClient<SendExportTestRecord>(
            RequestTimeout.After(ms: (int)sp.GetRequiredService<IOptions<ExportOptions>>().Value.WorkerTimeout.TotalMilliseconds)));
        return services;
    }

    public static RouteGroupBuilder MapExportConnections(this IEndpointRouteBuilder app)
    {
        var connections = app.MapGroup("/api/v1/districts/{districtId:guid}/export-connections").WithTags("ExportConnections");
        connections.MapPost("/", Create).RequireScope(Scopes.SettingsWrite).WithIdempotency().WithName("CreateExportConnection");
        connections.MapGet("/", List).RequireScope(Scopes.SettingsWrite).WithName("ListExportConnections");
        connections.MapGet("/{id:guid}", async Task<Results<Ok<ExportConnectionDto>, ProblemHttpResult>> (Guid districtId, Guid id, RosterDbContext db, SecretProtector protector, HttpResponse response, CancellationToken ct) =>
                await DtoAsync(db, protector, districtId, id, ct, response) is { } dto ? TypedResults.Ok(dto) : Problems.NotFound())
            .RequireScope(Scopes.SettingsWrite, Connection).WithName("GetExportConnection").WithETag();
        connections.MapPut("/{id:guid}", Update).RequireScope(Scopes.SettingsWrite, Connection).WithName("PutExportConnection").WithETag()
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).WithSummary("Replace the connection; secrets left null keep their stored value, empty removes them");
        connections.MapDelete("/{id:guid}", async Task<NoContent> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
            {
                await db.ExportConnections.Where(c => c.DistrictId == districtId && c.Id == id).ExecuteDeleteAsync(ct);
                return TypedResults.NoContent();
            })
            .RequireScope(Scopes.SettingsWrite, Connection).WithName("DeleteExportConnection");
        connections.MapPost("/{id:guid}/target-fields/refresh", Refresh).RequireScope(Scopes.SettingsWrite, Connection).WithName("RefreshExportTargetFields")
            .ProducesProblems(StatusCodes.Status502BadGateway, ProblemTypes.ExportTargetFailed).WithSummary("A Worker reads the target's OpenAPI document now and stores the fields of the connection's operations");
        connections.MapGet("/{id:guid}/target-fields", async Task<Ok<TargetFieldsDto>> (Guid districtId, Guid id, RosterDbContext db, CancellationToken ct) =>
                TypedResults.Ok(await db.ExportConnections.AsNoTracking().Where(c => c.DistrictId == districtId && c.Id == id)
                    .Select(c => new TargetFieldsDto(c.TargetFields, c.TargetFieldsRefreshedAt)).SingleAsync(ct)))
            .RequireScope(Scopes.SettingsWrite, Connection).WithName("GetExportTargetFields");
        connections.MapGet("/{id:guid}/mappings", GetMappings).RequireScope(Scopes.SettingsWrite, Connection).WithName("GetExportMappings")
            .WithSummary("The mappings, validated against the target fields and the district's registrations");
        connections.MapPut("/{id:guid}/mappings", PutMappings).RequireScope(Scopes.SettingsWrite, Connection).WithName("PutExportMappings")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.ExportNotConfigured).WithSummary("Replace the mappings; malformed ones are a 400, what the data shows is in the answer's problems");
        connections.MapPost("/{id:guid}/schools", Assign).RequireScope(Scopes.SettingsWrite, Connection).WithName("AssignExportSchools")
            .WithSummary("Bulk assign: these schools are served by this connection from now on (a school has one connection)");
        connections.MapDelete("/{id:guid}/schools/{schoolId:guid}", async Task<NoContent> (Guid districtId, Guid id, Guid schoolId, RosterDbContext db, CancellationToken ct) =>
            {
                await db.ExportConnectionSchools.Where(s => s.DistrictId == districtId && s.ConnectionId == id && s.SchoolId == schoolId).ExecuteDeleteAsync(ct);
                return TypedResults.NoContent();
            })
            .RequireScope(Scopes.SettingsWrite, Connection).WithName("UnassignExportSchool");
        connections.MapGet("/{id:guid}/preview", Preview).RequireScope(Scopes.SettingsWrite, Connection).WithName("PreviewExport")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.ExportNotConfigured).WithSummary("The mapped payload of one registration (default: the example registration) beside its source values");
        connections.MapPost("/{id:guid}/test-record", SendTestRecord).RequireScope(Scopes.SettingsWrite, Connection).WithName("SendExportTestRecord")
            .ProducesProblems(StatusCodes.Status409Conflict, ProblemTypes.ExportNotConfigured).ProducesProblems(StatusCodes.Status502BadGateway, ProblemTypes.ExportTargetFailed)
            .WithSummary("Send one registration to the target now and answer the target's answers as they came");
        return connections;
    }

    private static async Task<Results<Created<ExportConnectionDto>, ValidationProblem>> Create(
        Guid districtId, ExportConnectionInput input, RosterDbContext db, SecretProtector protector, IOptions<ExportTargetOptions> targets, ILogger<ExportConnectionInput> logger,
        CancellationToken ct)
    {
        var secrets = new Dictionary<string, string>();
        ApplySecret(input.Auth, secrets);
        if (await ValidateAsync(db, districtId, input, secrets, targets.Value.AllowPrivateTargets, ct) is { Count: > 0 } errors) return Problems.Invalid(errors);
        var now = DateTimeOffset.UtcNow;
        var connection = new ExportConnection
        {
            Id = Guid.CreateVersion7(), DistrictId = districtId, Name = input.Name!.Trim(), BaseUrl = input.BaseUrl!, AuthKind = input.Auth!.Kind!,
            OpenApiUrl = input.OpenApiUrl!, CreatedAt = now, UpdatedAt = now,
        };
        Apply(connection, input, secrets, protector);
        db.ExportConnections.Add(connection);
        await db.SaveChangesAsync(ct);
        logger.LogInformation("Export connection {ConnectionId} created for district {DistrictId}", connection.Id, districtId);
        return TypedResults.Created($"/api/v1/districts/{districtId}/export-connections/{connection.Id}", (await DtoAsync(db, protector, districtId, connection.Id, ct))!);
    }

    private static async Task<Ok<Page<ExportConnectionDto>>> List(Guid districtId, RosterDbContext db, SecretProtector protector, CancellationToken ct)
    {
        var ids = await db.ExportConnections.Where(c => c.DistrictId == districtId).OrderBy(c => c.Id).Select(c => c.Id).Take(Paging.MaxLimit).ToListAsync(ct);
        var items = new List<ExportConnectionDto>();
        foreach (var id in ids) items.Add((await DtoAsync(db, protector, districtId, id, ct))!);
        return TypedResults.Ok(new Page<ExportConnectionDto>(items, null));
    }

    private static async Task<Results<Ok<ExportConnectionDto>, ValidationProblem, ProblemHttpResult>> Update(
        Guid districtId, Guid id, ExportConnectionInput input, HttpRequest request, HttpResponse response, RosterDbContext db, SecretProtector protector,
        IOptions<ExportTargetOptions> targets, CancellationToken ct)
    {
        var connection = await db.ExportConnections.SingleAsync(c => c.DistrictId == districtId && c.Id == id, ct);
        if (!ETags.IfMatchAllows(request, db.Entry(connection).Property<uint>(Domain.Model.RowVersion.Property).CurrentValue)) return Problems.PreconditionFailed();
        var secrets = protector.Unprotect(connection.EncryptedSecrets);
        // Another kind of auth needs its own secret: the old one is not carried over.
        if (input.Auth?.Kind is { } kind && kind != connection.AuthKind) secrets.Clear();
        ApplySecret(input.Auth, secrets);
        if (await ValidateAsync(db, districtId, input, secrets, targets.Value.AllowPrivateTargets, ct) is { Count: > 0 } errors) return Problems.Invalid(errors);
        connection.Name = input.Name!.Trim();
        connection.BaseUrl = input.BaseUrl!;
        connection.AuthKind = input.Auth!.Kind!;
        connection.OpenApiUrl = input.OpenApiUrl!;
        connection.UpdatedAt = DateTimeOffset.UtcNow;
        Apply(connection, input, secrets, protector);
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok((await DtoAsync(db, protector, districtId, id, ct, response))!);
    }

    private static void ApplySecret(ExportAuthInput? auth, Dictionary<string, string> secrets)
    {
        var secret = auth?.Kind == ExportAuthKinds.Bearer ? auth.Token : auth?.ClientSecret;
        if (secret is null) return;
        if (secret.Length == 0) secrets.Remove(ExportAuthKinds.SecretName);
        else secrets[ExportAuthKinds.SecretName] = secret;
    }

    private static void Apply(ExportConnection connection, ExportConnectionInput input, Dictionary<string, string> secrets, SecretProtector protector)
    {
        var oauth = input.Auth!.Kind == ExportAuthKinds.OAuth2ClientCredentials;
        connection.TokenUrl = oauth ? input.Auth.TokenUrl : null;
        connection.ClientId = oauth ? input.Auth.ClientId : null;
        connection.EncryptedSecrets = secrets.Count == 0 ? null : protector.Protect(secrets);
        connection.Operations = [.. input.Operations!.Select(o => o with { Method = o.Method.ToUpperInvariant() })];
        connection.ExampleRegistrationId = input.ExampleRegistrationId;
    }

    private static async Task<Dictionary<string, string[]>> ValidateAsync(
        RosterDbContext db, Guid districtId, ExportConnectionInput input, Dictionary<string, string> secrets, bool allowPrivateTargets, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(input.Name) || input.Name.Length > 200) errors["name"] = ["Required, at most 200 characters."];
        if (UrlProblem(input.BaseUrl, relative: false, allowPrivateTargets) is { } baseUrl) errors["baseUrl"] = [baseUrl];
        if (UrlProblem(input.OpenApiUrl, relative: true, allowPrivateTargets) is { } openApiUrl) errors["openApiUrl"] = [openApiUrl];
        if (input.Auth?.Kind is not (ExportAuthKinds.OAuth2ClientCredentials or ExportAuthKinds.Bearer))
            errors["auth.kind"] = [$"One of: {ExportAuthKinds.OAuth2ClientCredentials}, {ExportAuthKinds.Bearer}."];
        else if (input.Auth.Kind == ExportAuthKinds.OAuth2ClientCredentials)
        {
            if (UrlProblem(input.Auth.TokenUrl, relative: true, allowPrivateTargets) is { } tokenUrl) errors["auth.tokenUrl"] = [tokenUrl];
            if (string.IsNullOrWhiteSpace(input.Auth.ClientId)) errors["auth.clientId"] = ["Required for OAuth2 client credentials."];
            if (!secrets.ContainsKey(ExportAuthKinds.SecretName)) errors["auth.clientSecret"] = ["Required (write-only; stored encrypted)."];
        }
        else if (!secrets.ContainsKey(ExportAuthKinds.SecretName)) errors["auth.token"] = ["Required (write-only; stored encrypted)."];
        if (input.Operations is not { Count: > 0 and <= 10 }) errors["operations"] = ["1 to 10 target operations, in the order they are sent."];
        else
            for (var i = 0; i < input.Operations.Count; i++)
                if (input.Operations[i] is not { Method: { } m, Path: { } p } || !HttpMethods.IsPost(m) && !HttpMethods.IsPut(m) || !p.StartsWith('/'))
                    errors[$"operations[{i}]"] = ["A POST or PUT with a path starting with /."];
        if (input.ExampleRegistrationId is { } example && !await db.Registrations.AnyAsync(r => r.DistrictId == districtId && r.Id == example, ct))
            errors["exampleRegistrationId"] = ["No such registration in this district."];
        return errors;
    }

    /// <summary>
    /// Null when <paramref name="url"/> may be called; otherwise why not. A path (where <paramref name="relative"/>) is below the
    /// base URL and so reaches the same host; an absolute URL must pass <see cref="TargetUrlRules"/> on its own.
    /// </summary>
    private static string? UrlProblem(string? url, bool relative, bool allowPrivateTargets)
    {
        // A path is checked first: on Unix "/oauth/token" is also an absolute file: URI.
        if (relative && url is { Length: > 0 and <= 2000 } && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal)) return null;
        return url is null || url.StartsWith('/') ? (relative ? "An http(s) URL, or a path below baseUrl." : "An absolute http(s) URL.")
            : TargetUrlRules.Check(url, allowPrivateTargets);
    }

    /// <summary>The connection as answered; with <paramref name="response"/>, its ETag too (PUT takes If-Match).</summary>
    private static async Task<ExportConnectionDto?> DtoAsync(
        RosterDbContext db, SecretProtector protector, Guid districtId, Guid id, CancellationToken ct, HttpResponse? response = null)
    {
        if (await db.ExportConnections.Where(c => c.DistrictId == districtId && c.Id == id).SingleVersionedAsync(ct) is not { Record: var c, Version: var version })
            return null;
        if (response is not null) ETags.Set(response, version);
        var schools = await db.ExportConnectionSchools.Where(s => s.ConnectionId == id).OrderBy(s => s.SchoolId).Select(s => s.SchoolId).ToListAsync(ct);
        return new ExportConnectionDto(c.Id, c.Name, c.BaseUrl,
            new ExportAuthDto(c.AuthKind, c.TokenUrl, c.ClientId, protector.Unprotect(c.EncryptedSecrets).ContainsKey(ExportAuthKinds.SecretName)),
            c.OpenApiUrl, c.Operations, c.ExampleRegistrationId, schools, c.TargetFields.Count, c.TargetFieldsRefreshedAt, c.Mappings.Count(m => m.Type != MappingTypes.None),
            c.CreatedAt, c.UpdatedAt);
    }

    private static async Task<Results<Ok<TargetFieldsDto>, ProblemHttpResult>> Refresh(
        Guid districtId, Guid id, IRequestClient<RefreshExportTargets> client, RosterDbContext db, CancellationToken ct)
    {
        ExportTargetsRefreshed result;
        try
        {
            result = (await client.GetResponse<ExportTargetsRefreshed>(new RefreshExportTargets(districtId, id), ct)).Message;
        }
        catch (RequestTimeoutException)
        {
            return NoWorker();
        }
        if (!result.Ok) return TargetFailed("The target's OpenAPI document could not be read", result.Problem);
        return TypedResults.Ok(await db.ExportConnections.AsNoTracking().Where(c => c.Id == id)
            .Select(c => new TargetFieldsDto(c.TargetFields, c.TargetFieldsRefreshedAt)).SingleAsync(ct));
    }

    private static async Task<Ok<MappingsDto>> GetMappings(Guid districtId, Guid id, RosterDbContext db, CancellationToken ct)
    {
        var connection = await db.ExportConnections.AsNoTracking().SingleAsync(c => c.DistrictId == districtId && c.Id == id, ct);
        return TypedResults.Ok(await ValidatedAsync(db, districtId, connection.TargetFields, connection.Mappings, ct));
    }

    private static async Task<MappingsDto> ValidatedAsync(RosterDbContext db, Guid districtId, List<TargetField> targets, List<FieldMapping> mappings, CancellationToken ct)
    {
        var sample = await ExportSources.SampleAsync(db, districtId, ct);
        return new MappingsDto(mappings, MappingValidator.Validate(targets, mappings, sample, DateOnly.FromDateTime(DateTime.UtcNow)), sample.Count);
    }

    private static async Task<Results<Ok<MappingsDto>, ValidationProblem, ProblemHttpResult>> PutMappings(
        Guid districtId, Guid id, MappingsInput input, RosterDbContext db, CancellationToken ct)
    {
        var connection = await db.ExportConnections.SingleAsync(c => c.DistrictId == districtId && c.Id == id, ct);
        if (connection.TargetFields.Count == 0)
            return Problems.Conflict(ProblemTypes.ExportNotConfigured, "The target fields are not known yet", "Refresh the target fields first (POST target-fields/refresh).");
        var mappings = input.Mappings ?? [];
        var shapeErrors = MappingValidator.Shape(connection.TargetFields, mappings).Where(p => p.Kind != MappingProblems.UnmappedRequired).ToList();
        if (shapeErrors.Count > 0)
            return Problems.Invalid(shapeErrors.GroupBy(p => $"mappings[{IndexOf(mappings, p)}]").ToDictionary(g => g.Key, g => g.Select(p => $"{p.Kind}: {p.Message}").ToArray()));
        connection.Mappings = [.. mappings];
        connection.UpdatedAt = DateTimeOffset.UtcNow;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(await ValidatedAsync(db, districtId, connection.TargetFields, connection.Mappings, ct));
    }

    private static int IndexOf(IReadOnlyList<FieldMapping> mappings, MappingProblem problem)
    {
        for (var i = 0; i < mappings.Count; i++)
            if (mappings[i].Operation == problem.Operation && mappings[i].Target == problem.Target) return i;
        return -1;
    }

    private static async Task<Results<Ok<ExportConnectionDto>, ValidationProblem>> Assign(
        Guid districtId, Guid id, SchoolAssignment input, RosterDbContext db, SecretProtector protector, CancellationToken ct)
    {
        var schoolIds = (input.SchoolIds ?? []).Distinct().ToList();
        if (schoolIds.Count is 0 or > 1000) return Problems.Invalid("schoolIds", "1 to 1000 schools.");
        if (await db.Schools.CountAsync(s => s.DistrictId == districtId && schoolIds.Contains(s.Id), ct) != schoolIds.Count)
            return Problems.Invalid("schoolIds", "Every school must exist in this district.");
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // One connection per school: assigning moves a school from the connection that served it.
        await db.ExportConnectionSchools.Where(s => schoolIds.Contains(s.SchoolId)).ExecuteDeleteAsync(ct);
        db.ExportConnectionSchools.AddRange(schoolIds.Select(s => new ExportConnectionSchool { SchoolId = s, DistrictId = districtId, ConnectionId = id }));
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Ok((await DtoAsync(db, protector, districtId, id, ct))!);
    }

    private static async Task<Results<Ok<PreviewDto>, ValidationProblem, ProblemHttpResult>> Preview(
        Guid districtId, Guid id, Guid? registrationId, RosterDbContext db, CancellationToken ct)
    {
        var connection = await db.ExportConnections.AsNoTracking().SingleAsync(c => c.DistrictId == districtId && c.Id == id, ct);
        if ((registrationId ?? connection.ExampleRegistrationId) is not { } chosen)
            return Problems.Invalid("registrationId", "Name a registration, or set the connection's example registration.");
        if ((await ExportSources.LoadAsync(db, districtId, db.Registrations.Where(r => r.Id == chosen), ct)).SingleOrDefault() is not { } source)
            return Problems.Invalid("registrationId", "No such registration in this district.");
        var mapped = PayloadMapper.Map(connection.Operations, connection.TargetFields, connection.Mappings, source.Values, DateOnly.FromDateTime(DateTime.UtcNow));
        return TypedResults.Ok(new PreviewDto(chosen, [.. mapped.Payloads.Select(p => new PreviewPayload(p.Operation, p.Body))], mapped.Values, mapped.Errors));
    }

    private static async Task<Results<Ok<TestRecordDto>, ValidationProblem, ProblemHttpResult>> SendTestRecord(
        Guid districtId, Guid id, TestRecordInput? input, IRequestClient<SendExportTestRecord> client, RosterDbContext db, CancellationToken ct)
    {
        var example = await db.ExportConnections.Where(c => c.DistrictId == districtId && c.Id == id).Select(c => c.ExampleRegistrationId).SingleAsync(ct);
        if ((input?.RegistrationId ?? example) is not { } chosen)
            return Problems.Invalid("registrationId", "Name a registration, or set the connection's example registration.");
        if ((await ExportSources.LoadAsync(db, districtId, db.Registrations.Where(r => r.Id == chosen), ct)).SingleOrDefault() is not { } source)
            return Problems.Invalid("registrationId", "No such registration in this district.");
        var connection = await db.ExportConnections.AsNoTracking().SingleAsync(c => c.Id == id, ct);
        if (PayloadMapper.Map(connection.Operations, connection.TargetFields, connection.Mappings, source.Values, DateOnly.FromDateTime(DateTime.UtcNow)).Errors is { Count: > 0 } unmapped)
            return Problems.Conflict(ProblemTypes.ExportNotConfigured, "This registration cannot be mapped; nothing was sent",
                string.Join("; ", unmapped.Select(e => $"{e.Key}: {e.Value}")));
        ExportTestRecordSent result;
        try
        {
            result = (await client.GetResponse<ExportTestRecordSent>(new SendExportTestRecord(districtId, id, chosen), ct)).Message;
        }
        catch (RequestTimeoutException)
        {
            return NoWorker();
        }
        if (!result.Sent) return TargetFailed("The test record was not sent", result.Problem);
        var answer = await db.ExportConnections.Where(c => c.Id == id).Select(c => c.LastTestAnswer).SingleAsync(ct);
        return TypedResults.Ok(new TestRecordDto(chosen, JsonSerializer.Deserialize<List<TargetAnswer>>(answer!, JsonSerializerOptions.Web)!));
    }

    private static ProblemHttpResult NoWorker() => TypedResults.Problem(type: ProblemTypes.Unavailable, title: "No Worker answered in time",
        detail: "The Api never calls the SIS itself; no Worker answered within Export:WorkerTimeout.", statusCode: StatusCodes.Status503ServiceUnavailable);

    private static ProblemHttpResult TargetFailed(string title, string? detail) =>
        TypedResults.Problem(type: ProblemTypes.ExportTargetFailed, title: title, detail: detail, statusCode: StatusCodes.Status502BadGateway);
}
