using System.Globalization;
using System.Text;

namespace RosterSync.Fault.Tests;

/// <param name="Stuck">Runs that had not ended (succeeded or failed) within the bound.</param>
/// <param name="Lost">Roster rows of the uninterrupted import missing afterwards; <paramref name="Extra"/>: rows it does not have.</param>
/// <param name="RecoverySeconds">From the end of the fault (the kill, the restore) until every run of the scenario had ended.</param>
public sealed record FaultRow(string Scenario, int Runs, int Stuck, int Lost, int Extra, double RecoverySeconds, string Outcome);

/// <summary>The suite's result table, rewritten to <c>.local/test-results/fault-suite.md</c> after every scenario.</summary>
public sealed class FaultTable(string path, string header)
{
    private readonly List<FaultRow> _rows = [];
    private readonly Lock _lock = new();

    public void Add(FaultRow row)
    {
        lock (_lock)
        {
            _rows.Add(row);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, Render());
        }
    }

    public string Render()
    {
        lock (_lock)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"Fault suite ({header})").AppendLine();
            text.AppendLine("| scenario | runs | stuck | lost records | extra records | recovery s | outcome |");
            text.AppendLine("|---|---:|---:|---:|---:|---:|---|");
            foreach (var r in _rows)
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| {r.Scenario} | {r.Runs} | {r.Stuck} | {r.Lost} | {r.Extra} | {r.RecoverySeconds:F1} | {r.Outcome} |");
            return text.ToString();
        }
    }
}
