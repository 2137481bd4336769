using System.Diagnostics.Metrics;

namespace RosterSync.TestSupport;

/// <summary>
/// Records what the instruments of one meter measure, from any host in the test process (meters are process-wide, so
/// other tests' measurements arrive too: match on what only this test's work can have produced).
/// </summary>
public sealed class MeasurementRecorder : IDisposable
{
    public sealed record Measured(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public string? Tag(string name) => Tags.GetValueOrDefault(name)?.ToString();
    }

    private readonly MeterListener _listener = new();
    private readonly List<Measured> _measured = [];

    public MeasurementRecorder(string meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == meter) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        _listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        _listener.Start();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var measured = new Measured(instrument.Name, value, new Dictionary<string, object?>(tags.ToArray()));
        lock (_measured) _measured.Add(measured);
    }

    public List<Measured> Snapshot()
    {
        lock (_measured) return [.. _measured];
    }

    /// <summary>Waits until a measurement matches (measurements of a run are taken after its row is final), then answers all so far.</summary>
    public async Task<List<Measured>> WaitForAsync(Func<Measured, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!Snapshot().Any(match) && DateTime.UtcNow < deadline) await Task.Delay(100);
        return Snapshot();
    }

    public void Dispose() => _listener.Dispose();
}
