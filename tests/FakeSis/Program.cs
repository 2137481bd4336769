using RosterSync.FakeSis;

// Standalone for run.sh's demo: FakeSis__Url, FakeSis__ClientId, FakeSis__ClientSecret (defaults below).
var state = new SisState();
var clientId = Environment.GetEnvironmentVariable("FakeSis__ClientId") ?? "demo-client";
state.Clients[clientId] = Environment.GetEnvironmentVariable("FakeSis__ClientSecret") ?? "demo-secret";
var (app, address) = await FakeSisApp.StartAsync(state, Environment.GetEnvironmentVariable("FakeSis__Url") ?? "http://127.0.0.1:5390");
Console.WriteLine($"Fake SIS listening on {address} (client {clientId}); OpenAPI document at {address}metadata/openapi.json");
await app.WaitForShutdownAsync();
