using RosterSync.Worker;

var builder = Host.CreateApplicationBuilder(args);
if (args.Contains("--migrate"))
{
    // A run-once step (deploy: the migrate job / compose service), never a side effect of starting a Worker.
    await Migrator.MigrateAsync(builder);
    return;
}
builder.AddWorkerServices();
await builder.Build().RunAsync();
