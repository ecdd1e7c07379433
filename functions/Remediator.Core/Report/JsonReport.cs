using System.Globalization;
using System.Text.Json;
using Remediator.Core.Diagnosis;

namespace Remediator.Core.Report;

/// <summary>
/// The machine-readable diagnosis: <c>{"findings":[...],"summary":{...}}</c>. Field names are a public contract;
/// what the log does not show is written as null, never guessed.
/// </summary>
public static class JsonReport
{
    // What a writer over a stream holds before handing it on: a report streams out through one small buffer. Built
    // whole, a 0.6 MB report took about 4 MB of fresh memory (its growing buffer, the copy, the string, the string and
    // a newline), a thousand page faults, a tenth of the CPU of diagnosing a 200 MB export.
    private const int FlushBytes = 64 * 1024;

    /// <param name="timeline">When given, written as <c>timeline</c>: the bucket size, the first bucket's start, and
    /// the failures per bucket of each cause and each finding (the series the HTML report's chart draws).</param>
    public static void Write(Utf8JsonWriter w, DiagnosisResult result, Timeline? timeline = null)
    {
        w.WriteStartObject();
        w.WriteStartArray("findings");
        foreach (var f in result.Findings)
        {
            WriteFinding(w, f);
            if (w.BytesPending >= FlushBytes)
            {
                w.Flush();
            }
        }
        w.WriteEndArray();
        w.WriteStartObject("summary");
        w.WriteNumber("requests", result.Summary.Requests);
        w.WriteNumber("failed", result.Summary.Failed);
        w.WriteNumber("findings", result.Summary.Findings);
        w.WriteNumber("unclassified", result.Summary.Unclassified);
        w.WriteEndObject();
        if (timeline is not null)
        {
            WriteTimeline(w, timeline);
        }
        w.WriteEndObject();
    }

    public static string ToJson(DiagnosisResult result, bool indented = true) => ToJson(result, null, indented);

    /// <summary>The bytes of <see cref="ToJson(DiagnosisResult, Timeline?, bool)"/> (UTF-8), written to <paramref name="output"/> as they are made.</summary>
    public static void Write(Stream output, DiagnosisResult result, Timeline? timeline, bool indented = true)
    {
        using var w = new Utf8JsonWriter(output, Options(indented));
        Write(w, result, timeline);
    }

    public static string ToJson(DiagnosisResult result, Timeline? timeline, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options(indented)))
        {
            Write(w, result, timeline);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteTimeline(Utf8JsonWriter w, Timeline t)
    {
        w.WriteStartObject("timeline");
        Number(w, "bucketSeconds", t.BucketSeconds);
        w.WriteString("start", Time(t.Start));
        w.WriteNumber("buckets", t.BucketCount);
        w.WriteString("firstFailure", Time(t.First));
        w.WriteString("lastFailure", Time(t.Last));
        w.WriteNumber("untimed", t.Untimed);
        w.WriteStartArray("causes");
        foreach (var c in t.Causes)
        {
            w.WriteStartObject();
            w.WriteString("cause", c.Cause.ToName());
            w.WriteNumber("total", c.Total);
            Counts(w, c.Counts);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("findings");
        foreach (var f in t.Findings)
        {
            w.WriteStartObject();
            w.WriteString("id", f.FindingId);
            w.WriteString("cause", f.Cause.ToName());
            w.WriteNumber("untimed", f.Untimed);
            Counts(w, f.Counts);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Counts(Utf8JsonWriter w, IReadOnlyList<int> counts)
    {
        w.WriteStartArray("counts");
        foreach (var n in counts)
        {
            w.WriteNumberValue(n);
        }
        w.WriteEndArray();
    }

    /// <summary>One finding, the element of <c>findings</c> (also what machine subscribers receive).</summary>
    public static void WriteFinding(Utf8JsonWriter w, Finding f)
    {
        w.WriteStartObject();
        w.WriteString("id", f.Id);
        w.WriteString("cause", f.Cause.ToName());
        w.WriteString("reason", f.Reason?.ToName());
        w.WriteNumber("count", f.Count);
        Number(w, "status", f.Status);
        w.WriteString("apiType", f.ApiType?.ToName());
        w.WriteString("logKind", f.LogKind.ToName());
        w.WriteString("apiId", f.Key.ApiId);
        w.WriteString("stage", f.Key.Stage);
        w.WriteString("method", f.Key.HttpMethod);
        w.WriteString("resourcePath", f.Key.ResourcePath);
        w.WriteString("routeKey", f.Key.RouteKey);
        w.WriteString("functionArn", f.Key.FunctionArn);
        w.WriteString("qualifier", f.Key.Qualifier);
        w.WriteString("errorType", f.ErrorType);
        w.WriteString("errorMessage", f.ErrorMessage);
        Number(w, "integrationLatencyMs", f.IntegrationLatencyMs);
        w.WriteStartArray("requestIds");
        foreach (var id in f.RequestIds)
        {
            w.WriteStringValue(id);
        }
        w.WriteEndArray();
        w.WriteString("firstSeen", Time(f.FirstSeen));
        w.WriteString("lastSeen", Time(f.LastSeen));
        w.WriteString("evidence", f.Evidence);
        w.WriteString("note", f.Note);
        w.WriteString("responseProblem", f.ResponseProblem);
        w.WriteString("accountId", f.AccountId);
        w.WriteString("region", f.Region);
        w.WriteString("logGroup", f.LogGroup);
        w.WriteStartObject("advice");
        w.WriteString("summary", f.Advice.Summary);
        w.WriteStartArray("steps");
        foreach (var step in f.Advice.Steps)
        {
            w.WriteStringValue(step);
        }
        w.WriteEndArray();
        w.WriteString("effort", f.Advice.Effort);
        w.WriteString("risk", f.Advice.Risk);
        w.WriteStartArray("commands");
        foreach (var c in f.Advice.Commands)
        {
            w.WriteStartObject();
            w.WriteString("label", c.Label);
            w.WriteString("command", c.Text);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("logGroup", f.Advice.LogGroup);
        w.WriteString("logsInsightsQuery", f.Advice.LogsInsightsQuery);
        w.WriteString("consoleUrl", f.Advice.ConsoleUrl);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Re-indents a JSON document for people (no reflection: trim- and AOT-safe).</summary>
    public static string Pretty(string json)
    {
        using var doc = JsonDocument.Parse(json);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options(indented: true)))
        {
            doc.RootElement.WriteTo(w);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Readable escaping: quotes stay quotes. The output is never embedded in HTML.</summary>
    public static JsonWriterOptions Options(bool indented) =>
        new() { Indented = indented, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string? Time(DateTimeOffset? t) => t?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
