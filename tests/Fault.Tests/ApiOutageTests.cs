using System.Net;
using Xunit.Abstractions;

namespace RosterSync.Fault.Tests;

/// <summary>R30: the Api process while PostgreSQL is cut for all processes, and after it returns.</summary>
public sealed class ApiOutageTests(FaultCluster cluster, ITestOutputHelper output) : FaultScenario(cluster, output)
{
    [Fact]
    public async Task R30_while_PostgreSQL_is_cut_the_Api_answers_503_with_Retry_After_and_recovers_without_a_restart()
    {
        var district = await Cluster.CreateDistrictAsync("Api outage");
        var path = $"/api/v1/districts/{district}";
        // Several connections in the Api's pool when the cut comes, as in production: each of them is broken afterwards.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Cluster.GetAsync(path)));

        await Cluster.Postgres.CutAsync();
        var cutAt = DateTime.UtcNow;
        try
        {
            using var during = await Cluster.Http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
            Assert.True(during.Headers.RetryAfter is not null, "a 503 names Retry-After");
            Assert.Equal("application/problem+json", during.Content.Headers.ContentType?.MediaType);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await Cluster.GetAsync("/health/ready"));
            Assert.Equal(HttpStatusCode.OK, await Cluster.GetAsync("/health/live"));
            await Task.Delay(cutAt + TimeSpan.FromSeconds(5) - DateTime.UtcNow);
        }
        finally
        {
            Cluster.Postgres.Restore();
        }
        var restored = DateTime.UtcNow;

        // Once PostgreSQL is back every answer is 200, or 503 while the Api reconnects: never a 500 from a connection the cut broke.
        var answers = new List<HttpStatusCode>();
        await FaultCluster.WaitUntilAsync(async () =>
        {
            answers.Add(await Cluster.GetAsync(path));
            return answers.Count >= 10 && answers[^10..].All(a => a == HttpStatusCode.OK);
        }, TimeSpan.FromMinutes(1), "ten answers 200 in a row after the restore");
        var recovery = (DateTime.UtcNow - restored).TotalSeconds;
        Cluster.Table.Add(new FaultRow("PostgreSQL cut 5 s: Api answers 503 + Retry-After, then 200", 0, 0, 0, 0, recovery,
            string.Join(", ", answers.GroupBy(a => (int)a).Select(g => $"{g.Count()}× {g.Key}")) + " after the restore"));
        Output.WriteLine(Cluster.Table.Render());
        Assert.All(answers, a => Assert.True(a is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"answered {(int)a} after the restore"));
        Assert.Equal(HttpStatusCode.OK, await Cluster.GetAsync("/health/ready"));
        Assert.Empty(Cluster.ExitedOnTheirOwn());
    }
}
