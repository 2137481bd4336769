extern alias fakesis;

using System.Net.Http.Json;
using System.Text.Json;
using fakesis::RosterSync.FakeSis;

namespace RosterSync.Api.Tests.Export;

/// <summary>Registration answers as a registration front end writes them, and the calls that make one approved.</summary>
public static class Registrations
{
    public static object Answers(
        string first = "Ana", string last = "Diaz", string email = "ana.diaz@lincoln.k12.example", string birth = "09/01/2007", string gender = "Female",
        string grade = "09", string? localId = "100234", string postalCode = "94110") =>
        EnrollExamples.Answers(first, last, email, birth, gender, grade, localId, postalCode);

    public static async Task<JsonElement> CreateAsync(TestDistrict district, Guid schoolId, object answers, string status = "submitted")
    {
        var response = await district.Client.PostAsJsonAsync(district.Path + "/registrations", new { schoolId, status, answers });
        return await response.ReadAsync();
    }

    public static async Task<JsonElement> SetStatusAsync(TestDistrict district, Guid id, string status) =>
        await (await district.Client.PostAsJsonAsync($"{district.Path}/registrations/{id}/status", new { status })).ReadAsync();

    public static async Task<Guid> ApprovedAsync(TestDistrict district, Guid schoolId, object answers)
    {
        var id = (await CreateAsync(district, schoolId, answers)).Id();
        await SetStatusAsync(district, id, "approved");
        return id;
    }

    public static readonly string[] AllScopes = ["roster:read", "roster:write", "sync:run", "settings:write", "registrations:write", "export:run", "events:read"];
}
