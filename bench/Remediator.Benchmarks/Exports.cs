using System.Text;
using System.Text.Json;

namespace Remediator.Benchmarks;

/// <summary>
/// Generates large exports for the <c>diagnose</c> streaming benchmark (not committed: a gigabyte): the fixture
/// requests of every cause, re-issued with fresh ids, as plain CloudWatch-form text or as
/// <c>aws logs filter-log-events</c> JSON.
/// </summary>
public static class Exports
{
    public static void Generate(string kind, long bytes, string path)
    {
        var random = new Random(7);
        var requests = Deliveries.FixtureRequests();
        using var output = new StreamWriter(File.Create(path), new UTF8Encoding(false), 1 << 20);
        var json = kind == "json";
        if (json)
        {
            output.Write("{\n    \"events\": [\n");
        }
        long written = 0, t = 1_714_568_720_000;
        var first = true;
        while (written < bytes)
        {
            var id = new Guid(random.Next(), (short)random.Next(), (short)random.Next(), 1, 2, 3, 4, 5, 6, 7, (byte)random.Next(256)).ToString();
            foreach (var line in requests[random.Next(requests.Count)])
            {
                var message = $"({id}) {line}";
                string text;
                if (json)
                {
                    text = (first ? "" : ",\n") + "        {\"logStreamName\": \"0123456789abcdef0123456789abcdef\", \"timestamp\": " + t + ", \"message\": "
                        + JsonSerializer.Serialize(message, BenchJson.Default.String) + ", \"ingestionTime\": " + (t + 600) + ", \"eventId\": \"3864" + t + "\"}";
                    first = false;
                    t++;
                }
                else
                {
                    text = message.Replace("\n", " ", StringComparison.Ordinal) + "\n";
                }
                output.Write(text);
                written += Encoding.UTF8.GetByteCount(text);
            }
        }
        if (json)
        {
            output.Write("\n    ],\n    \"searchedLogStreams\": []\n}\n");
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class BenchJson : System.Text.Json.Serialization.JsonSerializerContext;
