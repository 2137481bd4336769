using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace RosterSync.Api.Tests;

/// <summary>
/// Issue 11: clients from three more generators, generated from the document the Api serves (no hand edits), built,
/// and each driving the integrator's walk (clients/*: district and key, upload, run, paging, PATCH with If-Match,
/// a problem) against the Api on a real port with a real Worker. The fourth generator, NSwag, is <see cref="GeneratedClientTests"/>.
/// </summary>
public sealed class ClientWalkTests(ClientWalkTests.Stage stage, ITestOutputHelper output) : IClassFixture<ClientWalkTests.Stage>
{
    [Fact]
    public Task Openapi_typescript_with_openapi_fetch_compiles_under_tsc_strict_and_walks() =>
        WalkTypeScriptAsync("openapi-fetch", "openapi-typescript", "openapi.json", "-o", "openapi-fetch/generated/schema.d.ts");

    [Fact]
    public Task Hey_api_openapi_ts_sdk_compiles_under_tsc_strict_and_walks() =>
        WalkTypeScriptAsync("hey-api", "openapi-ts", "-i", "openapi.json", "-o", "hey-api/generated");

    [Fact]
    public async Task Kiota_client_builds_and_walks()
    {
        var kiota = Path.Combine(stage.Clients, "kiota");
        // Offline: Kiota otherwise asks GitHub for a newer version on every run.
        await stage.RunAsync(output, stage.Root, "dotnet", ["tool", "run", "kiota", "generate", "-l", "CSharp", "-d", stage.Document,
            "-o", Path.Combine(kiota, "Generated"), "-c", "RosterSyncApiClient", "-n", "RosterSync.KiotaWalk.Generated", "--clean-output",
            "--log-level", "Warning"]);
        await stage.RunAsync(output, kiota, "dotnet", ["build", "-nologo", "-v:q", "-clp:ErrorsOnly", "-nodeReuse:false", "--disable-build-servers"]);
        await stage.RunAsync(output, kiota, "dotnet", ["run", "--no-build", "--no-restore"]);
    }

    private async Task WalkTypeScriptAsync(string client, string generator, params string[] arguments)
    {
        await stage.NpmCi.Value;
        var tools = Path.Combine(stage.Clients, "node_modules", ".bin");
        await stage.RunAsync(output, stage.Clients, Path.Combine(tools, generator), arguments);
        await stage.RunAsync(output, stage.Clients, Path.Combine(tools, "tsc"), ["-p", client]);
        await stage.RunAsync(output, stage.Clients, "node", [Path.Combine("dist", client, client, "walk.js")]);
    }

    /// <summary>The Api on a free port of 127.0.0.1, a Worker, and the document they serve written to clients/openapi.json.</summary>
    public sealed class Stage : IAsyncLifetime, IDisposable
    {
        private readonly KestrelApi _api = new();
        private IHost _worker = null!;
        private string _url = null!;

        public string Root { get; } = InProcessWorker.RepositoryRoot();
        public string Clients => Path.Combine(Root, "clients");
        public string Document => Path.Combine(Clients, "openapi.json");

        /// <summary>Once for both TypeScript clients; the cache under .local keeps later runs off the network.</summary>
        public Lazy<Task> NpmCi { get; }

        public Stage() => NpmCi = new(() => RunAsync(null, Clients, "npm",
            ["ci", "--no-audit", "--no-fund", "--prefer-offline", "--cache", Path.Combine(Root, ".local", "npm-cache")]));

        public async Task InitializeAsync()
        {
            await ((IAsyncLifetime)_api).InitializeAsync();
            _api.StartServer();
            _url = _api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            _worker = await InProcessWorker.StartAsync(_api);
            using var http = new HttpClient { BaseAddress = new Uri(_url) };
            await File.WriteAllTextAsync(Document, await http.GetStringAsync("/openapi/v1.json"));
        }

        public async Task DisposeAsync()
        {
            await _worker.StopAsync();
            _worker.Dispose();
            await ((IAsyncLifetime)_api).DisposeAsync();
        }

        public void Dispose() => _api.Dispose();

        /// <summary>Runs a tool to its end; a non-zero exit fails the test with what the tool printed.</summary>
        public async Task RunAsync(ITestOutputHelper? log, string directory, string file, IEnumerable<string> arguments)
        {
            var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            // The test host's MSBuild variables would point a nested dotnet build at the wrong SDK paths.
            foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
                start.Environment.Remove(name);
            start.Environment["ROSTERSYNC_URL"] = _url;
            start.Environment["ROSTERSYNC_OPERATOR_KEY"] = ApiFactory.OperatorKey;
            start.Environment["ROSTERSYNC_BUNDLE"] = Path.Combine(Root, "samples", "demo-district", "demo-district.zip");
            start.Environment["KIOTA_OFFLINE_ENABLED"] = "true";
            start.Environment["KIOTA_TUTORIAL_ENABLED"] = "false";

            var printed = new StringBuilder();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (printed) printed.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (printed) printed.AppendLine(e.Data); };
            var watch = Stopwatch.StartNew();
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{file} {string.Join(' ', start.ArgumentList)} ran over 5 minutes:\n{printed}");
            }
            var text = $"$ {Path.GetFileName(file)} {string.Join(' ', start.ArgumentList)} ({watch.Elapsed.TotalSeconds:F1} s, exit {process.ExitCode})\n{printed}";
            log?.WriteLine(text);
            Assert.True(process.ExitCode == 0, text);
        }
    }

    /// <summary>Kestrel on a free port instead of the in-memory test server: Node and a second .NET process call it.</summary>
    public sealed class KestrelApi : ApiFactory
    {
        public KestrelApi() => UseKestrel(0);
    }
}
