using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using RosterSync.Api;
using RosterSync.Api.Classes;
using RosterSync.Api.Districts;
using RosterSync.Api.Enrollments;
using RosterSync.Api.Events;
using RosterSync.Api.Export;
using RosterSync.Api.Http;
using RosterSync.Api.Imports;
using RosterSync.Api.People;
using RosterSync.Api.Registrations;
using RosterSync.Api.Schools;
using RosterSync.Api.SyncRuns;
using RosterSync.Api.SyncSettings;
using RosterSync.Api.Webhooks;

var builder = WebApplication.CreateBuilder(args);
builder.AddApiServices();

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseCors();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.UseIdempotencyBuffering();

app.MapOpenApi();
app.UseSwaggerUI(o => o.SwaggerEndpoint("/openapi/v1.json", "RosterSync v1"));
app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live") });
app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });

app.MapDistricts();
app.MapApiKeys();
app.MapSchools();
app.MapPeople();
app.MapClasses();
app.MapEnrollments();
app.MapSyncSettings();
app.MapSourceTest();
app.MapSyncRuns();
app.MapImports();
app.MapEvents();
app.MapWebhooks();
app.MapRegistrations();
app.MapExportConnections();
app.MapExportRuns();

app.Run();

public partial class Program;
