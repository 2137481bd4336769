using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using RosterSync.Contracts;
using RosterSync.Domain.Export;
using RosterSync.Domain.Persistence;

namespace RosterSync.Worker.Export;

/// <summary>Reads a connection's target fields from the target's OpenAPI document and stores them on the connection.</summary>
public sealed class RefreshExportTargetsConsumer(RosterDbContext db, SisClient client, ILogger<RefreshExportTargetsConsumer> logger) : IConsumer<RefreshExportTargets>
{
    public async Task Consume(ConsumeContext<RefreshExportTargets> context)
    {
        var (districtId, connectionId) = (context.Message.DistrictId, context.Message.ConnectionId);
        var connection = await db.ExportConnections.SingleOrDefaultAsync(c => c.DistrictId == districtId && c.Id == connectionId, context.CancellationToken);
        if (connection is null)
        {
            await context.RespondAsync(new ExportTargetsRefreshed(false, 0, "The connection no longer exists."));
            return;
        }
        string? problem = null;
        try
        {
            connection.TargetFields = TargetSchemaReader.Read(await client.GetDocumentAsync(connection, context.CancellationToken), connection.Operations);
            connection.TargetFieldsRefreshedAt = DateTimeOffset.UtcNow;
        }
        catch (Exception e) when (e is FormatException or SisUnavailableException)
        {
            problem = e.Message;
        }
        connection.TargetFieldsProblem = problem;
        await db.SaveChangesAsync(context.CancellationToken);
        logger.LogInformation("Export connection {ConnectionId}: target fields refreshed ({Outcome}, {Count} fields)", connectionId, problem is null ? "ok" : "failed", connection.TargetFields.Count);
        await context.RespondAsync(new ExportTargetsRefreshed(problem is null, connection.TargetFields.Count, problem));
    }
}

/// <summary>Sends one registration as a test record and stores the target's answers, as they came, on the connection.</summary>
public sealed class SendExportTestRecordConsumer(RosterDbContext db, ExportSender sender, ILogger<SendExportTestRecordConsumer> logger) : IConsumer<SendExportTestRecord>
{
    public async Task Consume(ConsumeContext<SendExportTestRecord> context)
    {
        var message = context.Message;
        var ct = context.CancellationToken;
        var connection = await db.ExportConnections.SingleOrDefaultAsync(c => c.DistrictId == message.DistrictId && c.Id == message.ConnectionId, ct);
        var source = (await ExportSources.LoadAsync(db, message.DistrictId, db.Registrations.Where(r => r.Id == message.RegistrationId), ct)).SingleOrDefault();
        if (connection is null || source is null)
        {
            await context.RespondAsync(new ExportTestRecordSent(false, "The connection or the registration no longer exists."));
            return;
        }
        var mapped = PayloadMapper.Map(connection.Operations, connection.TargetFields, connection.Mappings, source.Values, DateOnly.FromDateTime(DateTime.UtcNow));
        if (mapped.Errors.Count > 0)
        {
            await context.RespondAsync(new ExportTestRecordSent(false, "The registration cannot be mapped: " + string.Join("; ", mapped.Errors.Keys)));
            return;
        }
        try
        {
            var outcome = await sender.SendAsync(connection, mapped, ct);
            connection.LastTestAnswer = JsonSerializer.Serialize(outcome.Answers, JsonSerializerOptions.Web);
            await db.SaveChangesAsync(ct);
            logger.LogInformation("Export connection {ConnectionId}: test record {RegistrationId} answered {Statuses}",
                connection.Id, message.RegistrationId, string.Join(",", outcome.Answers.Select(a => a.Status)));
            await context.RespondAsync(new ExportTestRecordSent(true, null));
        }
        catch (SisUnavailableException e)
        {
            await context.RespondAsync(new ExportTestRecordSent(false, e.Message));
        }
    }
}

public static class ExportExtensions
{
    public static IHostApplicationBuilder AddExport(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ExportOptions>().BindConfiguration(ExportOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ExportTargetOptions>().BindConfiguration(ExportTargetOptions.Section);
        // Timeouts and retries are SisClient's own (per attempt, honouring Retry-After): no other handler retries a POST.
        builder.Services.AddHttpClient(SisClient.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(sp => PublicTargets.Handler(sp.GetRequiredService<IOptions<ExportTargetOptions>>().Value.AllowPrivateTargets));
        builder.Services.AddSingleton<SisClient>();
        builder.Services.AddScoped<ExportSender>();
        builder.Services.AddScoped<ExportRunner>();
        return builder;
    }

    public static void AddExportConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<RefreshExportTargetsConsumer>();
        bus.AddConsumer<SendExportTestRecordConsumer>();
    }
}
