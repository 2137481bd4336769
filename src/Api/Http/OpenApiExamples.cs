using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using RosterSync.Api.Classes;
using RosterSync.Api.Districts;
using RosterSync.Api.People;
using RosterSync.Api.Schools;
using RosterSync.Api.SyncRuns;
using RosterSync.Api.Webhooks;
using RosterSync.Domain.Events;

namespace RosterSync.Api.Http;

/// <summary>Examples on the schemas clients meet first, in the shapes of SPEC §8, so a generated client's docs show real values.</summary>
public static class OpenApiExamples
{
    private const string Id = "01a20785-adcd-7195-8322-330300be7f46";
    private const string SchoolId = "01a20785-adc7-781b-b9d3-b257d203df4c";
    private const string At = "2026-11-23T08:28:51Z";

    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(CreateDistrict)] = """{"name":"Lincoln USD"}""",
        [typeof(DistrictDto)] = $$"""{"id":"{{Id}}","name":"Lincoln USD","createdAt":"{{At}}"}""",
        [typeof(StartRunRequest)] = """{"dryRun":false}""",
        [typeof(PersonDto)] = $$"""
            {"id":"{{Id}}","email":"ana.diaz@lincoln.k12.example","givenName":"Ana","familyName":"Diaz","middleName":null,
             "roles":["student"],"grade":"09","graduationYear":2029,"sms":null,"phone":null,"language":null,"room":null,
             "status":"active","origin":"synced","accountState":"invitee",
             "sourceIds":{"sis":"100234","oneroster":"stu-100234","clever":null,"classlink":null},
             "schoolIds":["{{SchoolId}}"],"createdAt":"{{At}}","updatedAt":"{{At}}"}
            """,
        [typeof(SchoolDto)] = $$"""
            {"id":"{{SchoolId}}","name":"Lincoln High School","identifier":"LHS","status":"active","origin":"synced",
             "sourceIds":{"sis":null,"oneroster":"sch-1","clever":null,"classlink":null},"createdAt":"{{At}}","updatedAt":"{{At}}"}
            """,
        [typeof(ClassDto)] = $$"""
            {"id":"{{Id}}","schoolId":"{{SchoolId}}","name":"Algebra I - P1","grade":"09","subject":"Math","termId":null,"courseId":null,
             "isHomeroom":false,"status":"active","origin":"synced","sourceIds":{"sis":null,"oneroster":"cls-alg-1","clever":null,"classlink":null},
             "createdAt":"{{At}}","updatedAt":"{{At}}"}
            """,
        [typeof(RunDto)] = $$"""
            {"id":"{{Id}}","status":"succeeded","trigger":"upload","dryRun":false,"revertsRunId":null,"sourceKind":"upload",
             "progress":{"phase":"applying","processed":1200,"total":1200},
             "counts":{"people":{"created":44,"updated":0,"unchanged":0,"archived":0,"removed":0,"restored":0,"skipped":1} },
             "issueCount":1,"error":null,"queuedAt":"{{At}}","startedAt":"{{At}}","finishedAt":"{{At}}"}
            """,
        [typeof(RunChangeDto)] = $$"""
            {"id":17,"entity":"person","recordId":"{{Id}}","sourceId":"stu-100234","action":"updated","field":"email",
             "before":"ana@old.example","after":"ana.diaz@lincoln.k12.example","rule":"R3"}
            """,
        [typeof(RunIssueDto)] = """
            {"id":3,"severity":"error","rule":"R6","entity":"person","sourceId":"stu-1999","file":"users.csv","row":46,
             "message":"Person has no email address; it was skipped."}
            """,
        [typeof(FeedEvent)] = $$"""
            {"id":"AQpRmq0AAAAAAAAADAAAAAAAAAAR","sequence":12,"type":"person.updated","occurredAt":"{{At}}","entity":"person","recordId":"{{Id}}",
             "sourceId":"stu-100234","changes":[{"field":"email","before":"ana@old.example","after":"ana.diaz@lincoln.k12.example","rule":"R3"}],
             "rule":"R3","runId":"{{SchoolId}}","apiKeyId":null,"run":null}
            """,
        [typeof(CreateWebhook)] = """{"url":"https://app.example.com/rostersync/webhooks","eventTypes":["person.*","sync.run.*"]}""",
        [typeof(WebhookDto)] = $$"""
            {"id":"{{Id}}","url":"https://app.example.com/rostersync/webhooks","eventTypes":["person.*","sync.run.*"],"enabled":true,
             "disabledReason":null,"previousSecretExpiresAt":null,"createdAt":"{{At}}","updatedAt":"{{At}}"}
            """,
        [typeof(DeliveryDto)] = $$"""
            {"id":"{{Id}}","messageId":"msg_01a20785adcd71958322330300be7f46","status":"succeeded","eventCount":3,"attemptCount":2,
             "createdAt":"{{At}}","nextAttemptAt":null,"finishedAt":"{{At}}","lastStatusCode":204,"lastError":null,"redeliveryOf":null,
             "attempts":[{"number":1,"at":"{{At}}","statusCode":503,"durationMs":41,"error":null},{"number":2,"at":"{{At}}","statusCode":204,"durationMs":37,"error":null}]}
            """,
    };

    public static OpenApiOptions AddRosterExamples(this OpenApiOptions options) =>
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (Examples.TryGetValue(context.JsonTypeInfo.Type, out var example)) (schema.Examples ??= []).Add(JsonNode.Parse(example)!);
            return Task.CompletedTask;
        });
}
