using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using RosterSync.Api.Classes;
using RosterSync.Api.Districts;
using RosterSync.Api.History;
using RosterSync.Api.People;
using RosterSync.Api.Schools;
using RosterSync.Api.SyncRuns;
using RosterSync.Api.SyncSettings;
using RosterSync.Api.Webhooks;
using RosterSync.Domain.Events;

namespace RosterSync.Api.Http;

/// <summary>Examples on the schemas clients meet first, in the shapes of SPEC §8, so a generated client's docs show real values.</summary>
public static class OpenApiExamples
{
    internal const string Id = "01a20785-adcd-7195-8322-330300be7f46";
    internal const string SchoolId = "01a20785-adc7-781b-b9d3-b257d203df4c";
    internal const string At = "2026-11-23T08:28:51.123456Z";
    private const string KeyId = "01a20785-ae02-7c41-9d1e-61b0f3c2a9e5";

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
        [typeof(ApiKeyDto)] = $$"""{"id":"{{KeyId}}","name":"front end","scopes":["roster:read"],"createdAt":"{{At}}","revokedAt":null}""",
        [typeof(CreatedApiKey)] = $$"""{"id":"{{KeyId}}","key":"rsk_3q2+7w8sd9f0g1h2j3k4l5z6x7c8v9b0","name":"front end","scopes":["roster:read"],"createdAt":"{{At}}"}""",
        [typeof(EnrollmentDto)] = $$"""
            {"id":"{{KeyId}}","classId":"{{Id}}","personId":"{{Id}}","role":"student","origin":"synced","active":true,"createdAt":"{{At}}","endedAt":null}
            """,
        [typeof(HistoryEntry)] = $$"""
            {"by":"run","runId":"{{Id}}","apiKeyId":null,"at":"{{At}}","action":"updated","field":"email","before":"ana@old.example",
             "after":"ana.diaz@lincoln.k12.example","rule":"R3"}
            """,
        [typeof(SourceTestAnswer)] = """{"ok":true,"counts":{"schools":3,"people":1250,"classes":80,"enrollments":4100}}""",
        [typeof(SyncSettingsDocument)] = $$"""
            {"source":{"kind":"clever","baseUrl":null,"auth":null,"clientId":null,"tokenUrl":null,"host":null,"port":null,"username":null,
              "hostKeyFingerprint":null,"folder":null,"filePattern":null,"tokenSet":true,"clientSecretSet":false,"passwordSet":false,"privateKeySet":false},
             "schedule":"0 2 * * *","scheduleTimeZone":"America/Los_Angeles","pauses":[{"from":"2027-06-15","to":"2027-08-15"}],"updateActiveUsers":false,
             "abandonedStudents":"archive","familyAbandonment":"soft","safetyThresholdPercent":10,"safetyThresholdMinimum":5,"manualStudents":"allow",
             "abandonFiltered":false,"schoolMappings":[],"filters":{"roles":[],"schoolSourceIds":[],"homeroomOnly":false},"fields":{},
             "guardianFeed":null,"updatedAt":"{{At}}"}
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

    private static readonly string Person = Examples[typeof(PersonDto)];

    /// <summary>The answers built of the ones above.</summary>
    private static readonly Dictionary<Type, string> Composed = new()
    {
        [typeof(LinkedPersonDto)] = $$"""{"linkId":"{{KeyId}}","relationship":"mother","origin":"synced","person":{{Person}}}""",
        [typeof(PersonClassDto)] = $$"""{"enrollmentId":"{{KeyId}}","role":"student","origin":"synced","class":{{Examples[typeof(ClassDto)]}}}""",
    };

    public static OpenApiOptions AddRosterExamples(this OpenApiOptions options) => options.AddExamples(Examples).AddExamples(Composed);

    /// <summary>Puts each type's example (JSON text) on its schema.</summary>
    public static OpenApiOptions AddExamples(this OpenApiOptions options, IReadOnlyDictionary<Type, string> examples) =>
        options.AddSchemaTransformer((schema, context, _) =>
        {
            if (examples.TryGetValue(context.JsonTypeInfo.Type, out var example)) (schema.Examples ??= []).Add(JsonNode.Parse(example)!);
            return Task.CompletedTask;
        });
}
