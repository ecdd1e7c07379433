using System.Text;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;

namespace Remediator.Core.Tests.Support;

/// <summary>Fixture files and their <c>.expect</c> sidecars (<c>field: value</c> lines; <c>null</c> means the log must not show it).</summary>
public static class Fixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "fixtures");

    public static string SamplesRoot { get; } = Path.Combine(AppContext.BaseDirectory, "samples");

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Every fixture of a folder that has an expectation, as xunit theory data (the relative path).</summary>
    public static TheoryData<string> WithExpectations(string folder)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, folder)).Where(f => !f.EndsWith(".expect", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (File.Exists(file + ".expect"))
            {
                data.Add(Path.GetRelativePath(Root, file));
            }
        }
        return data;
    }

    /// <summary>The expectation lines of a fixture; a key may repeat (one line per failed request in mixed fixtures).</summary>
    public static List<(string Key, string Value)> Expectations(string relative) =>
        File.ReadAllLines(PathOf(relative) + ".expect")
            .Select(l => l.Split('#')[0].Trim() is var line && line.IndexOf(':') is var colon and > 0
                ? (line[..colon].Trim(), line[(colon + 1)..].Trim()) : ("", ""))
            .Where(kv => kv.Item1.Length > 0)
            .ToList();

    public static DiagnosisResult Diagnose(string relative)
    {
        using var stream = File.OpenRead(PathOf(relative));
        return Diagnoser.Diagnose(stream, LogContext.For(relative));
    }

    public static DiagnosisResult DiagnoseText(string text, LogContext? context = null) =>
        Diagnoser.Diagnose(new MemoryStream(Encoding.UTF8.GetBytes(text)), context ?? LogContext.For("test"));

    /// <summary>A real subscription delivery: DATA_MESSAGE JSON, gzip, base64, inside <c>{"awslogs":{"data":...}}</c>.</summary>
    public static byte[] Envelope(string logGroup, IEnumerable<string> messages, string owner = "123456789012", long startMs = 1_714_568_720_000) =>
        SubscriptionPayload.Encode(logGroup, messages.Select((m, i) => (startMs + i, m)), owner);

    public static byte[] WrapEnvelope(byte[] dataMessage) => SubscriptionPayload.Wrap(dataMessage);

    /// <summary>Lines as <c>aws logs filter-log-events</c> prints them: indented JSON, one event per line, a millisecond apart.</summary>
    public static byte[] FilterLogEvents(IEnumerable<string> lines) =>
        System.Text.Encoding.UTF8.GetBytes(LogShapes.Render("filter-log-events", lines.Where(l => l.Length > 0).ToList(), "API-Gateway-Execution-Logs_a1b2c3d4e5/prod"));
}

/// <summary>A stream that hands out at most <c>chunk</c> bytes per read: proves the readers refill correctly.</summary>
public sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
{
    public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));

    public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
}
