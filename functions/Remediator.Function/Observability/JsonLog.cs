using System.Text.Json;
using Remediator.Core.Report;

namespace Remediator.Function.Observability;

/// <summary>
/// The function's own log: one JSON object per line, written to the raw stdout stream, because the managed
/// runtime rewrites Console.WriteLine output (aws-wire-facts §6.4). Callers pass only scrubbed values.
/// </summary>
public sealed class JsonLog(TextWriter output, LogLevel minimum, TimeProvider time)
{
    public TextWriter Output => output;

    public void Write(LogLevel level, string message, params (string Key, object? Value)[] fields)
    {
        if (level < minimum)
        {
            return;
        }
        var line = JsonText.Write(JsonReport.Options(indented: false), w =>
        {
            w.WriteStartObject();
            w.WriteString("timestamp", JsonReport.Time(time.GetUtcNow()));
            w.WriteString("level", level.ToString().ToUpperInvariant());
            w.WriteString("message", message);
            foreach (var (key, value) in fields)
            {
                switch (value)
                {
                    case null: w.WriteNull(key); break;
                    case int i: w.WriteNumber(key, i); break;
                    case long l: w.WriteNumber(key, l); break;
                    case double d: w.WriteNumber(key, d); break;
                    case bool b: w.WriteBoolean(key, b); break;
                    default: w.WriteString(key, value.ToString()); break;
                }
            }
            w.WriteEndObject();
        });
        lock (output)
        {
            output.WriteLine(line);
        }
    }
}
