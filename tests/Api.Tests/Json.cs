using System.Net.Http.Json;
using System.Text.Json;

namespace RosterSync.Api.Tests;

public static class Json
{
    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string uri, object body) =>
        client.PatchAsync(uri, JsonContent.Create(body));

    public static Guid Id(this JsonElement element) => element.GetProperty("id").GetGuid();

    public static string? Str(this JsonElement element, string name) => element.GetProperty(name).GetString();

    public static List<JsonElement> Items(this JsonElement page) => [.. page.GetProperty("items").EnumerateArray()];
}
