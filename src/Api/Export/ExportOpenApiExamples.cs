using Microsoft.AspNetCore.OpenApi;
using RosterSync.Api.Http;
using RosterSync.Api.Registrations;
using RosterSync.Domain.Export;

namespace RosterSync.Api.Export;

/// <summary>Examples on the export schemas a registration front end and an admin's script meet first (SPEC §6).</summary>
public static class ExportOpenApiExamples
{
    private const string Id = OpenApiExamples.Id;
    private const string SchoolId = OpenApiExamples.SchoolId;
    private const string At = OpenApiExamples.At;
    private const string Answers = """
        {"student":{"firstName":"Ana","lastName":"Diaz","birthDate":"09/01/2007","gender":"Female","email":"ana.diaz@lincoln.k12.example","localId":"100234"},
         "address":{"street":"12 Oak St","city":"San Francisco","state":"CA","postalCode":"94110"},"enrollment":{"grade":"09","entryDate":"08/20/2026"},
         "guardian1":{"firstName":"Rosa","lastName":"Diaz","relationship":"Mother","phone":"415-555-0142"}}
        """;

    private static readonly Dictionary<Type, string> Examples = new()
    {
        [typeof(CreateRegistration)] = $$"""{"schoolId":"{{SchoolId}}","personId":null,"status":"submitted","answers":""" + Answers + "}",
        [typeof(RegistrationDto)] = $$"""
            {"id":"{{Id}}","status":"approved","schoolId":"{{SchoolId}}","personId":"{{Id}}","grade":"09","answers":{{Answers}},
             "export":{"status":"failed","sisId":null,"runId":"{{Id}}","exportedAt":null,
               "error":{"operation":"POST /students","status":400,"type":"urn:ed-fi:api:bad-request:data-validation-failed",
                 "message":"Data validation failed. See 'validationErrors' for details.","fields":{"$.birthDate":["birthDate cannot be in the future."]} } },
             "createdAt":"{{At}}","updatedAt":"{{At}}"}
            """,
        [typeof(ExportConnectionInput)] = $$"""
            {"name":"Ed-Fi ODS","baseUrl":"https://sis.lincoln.k12.example/data/v3/ed-fi/",
             "auth":{"kind":"oauth2-client-credentials","tokenUrl":"https://sis.lincoln.k12.example/oauth/token","clientId":"rostersync","clientSecret":"…"},
             "openApiUrl":"https://sis.lincoln.k12.example/metadata/data/v3/resources/swagger.json",
             "operations":[{"method":"POST","path":"/students"},{"method":"POST","path":"/studentSchoolAssociations"}],"exampleRegistrationId":"{{Id}}"}
            """,
        [typeof(ExportConnectionDto)] = $$"""
            {"id":"{{Id}}","name":"Ed-Fi ODS","baseUrl":"https://sis.lincoln.k12.example/data/v3/ed-fi/",
             "auth":{"kind":"oauth2-client-credentials","tokenUrl":"https://sis.lincoln.k12.example/oauth/token","clientId":"rostersync","secretSet":true},
             "openApiUrl":"https://sis.lincoln.k12.example/metadata/data/v3/resources/swagger.json",
             "operations":[{"method":"POST","path":"/students"},{"method":"POST","path":"/studentSchoolAssociations"}],"exampleRegistrationId":"{{Id}}",
             "schoolIds":["{{SchoolId}}"],"targetFieldCount":19,"targetFieldsRefreshedAt":"{{At}}","mappingCount":14,"createdAt":"{{At}}","updatedAt":"{{At}}"}
            """,
        [typeof(FieldMapping)] = """
            {"operation":"POST /students","target":"birthDate","type":"transform","source":null,"codes":null,
             "transform":{"fn":"date","args":[{"fn":"field","field":"student.birthDate"}]}}
            """,
        [typeof(StartExportRun)] = $$"""{"registrationIds":["{{Id}}"],"schoolId":null,"force":false}""",
        [typeof(ExportRunDto)] = $$"""
            {"id":"{{Id}}","status":"partially-succeeded","force":false,"progress":{"phase":"exporting","processed":4,"total":4},
             "counts":{"pending":0,"sent":3,"failed":1,"unchanged":0,"notApproved":1},"error":"1 registration(s) failed; read each one's error in the run's items.",
             "queuedAt":"{{At}}","startedAt":"{{At}}","finishedAt":"{{At}}"}
            """,
    };

    public static OpenApiOptions AddExportExamples(this OpenApiOptions options) => options.AddExamples(Examples);
}
