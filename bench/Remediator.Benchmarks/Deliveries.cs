using Remediator.Core.Ingest;

namespace Remediator.Benchmarks;

/// <summary>
/// Realistic deliveries: the CloudWatch-form execution-log fixtures of every cause (INFO level with data tracing,
/// causes interleaved, successes among them), re-issued with fresh request ids until the decoded DATA_MESSAGE
/// reaches the wanted size, then gzip + base64 as CloudWatch Logs sends them.
/// </summary>
public static class Deliveries
{
    public static byte[] Build(int decodedBytes, int seed = 42)
    {
        var random = new Random(seed);
        var requests = FixtureRequests();
        var events = new List<(long, string)>();
        var size = 300;
        var t = 1_714_568_720_000L;
        while (size < decodedBytes)
        {
            var request = requests[random.Next(requests.Count)];
            var id = new Guid(random.Next(), (short)random.Next(), (short)random.Next(), 1, 2, 3, 4, 5, 6, 7, (byte)random.Next(256)).ToString();
            foreach (var line in request)
            {
                var message = $"({id}) {line}";
                events.Add((t++, message));
                size += message.Length + 110; // the event's id, timestamp and JSON punctuation
            }
        }
        return SubscriptionPayload.Encode("API-Gateway-Execution-Logs_a1b2c3d4e5/prod", events);
    }

    /// <summary>Every request of the CloudWatch-form execution-log fixtures (all causes, and successes).</summary>
    public static List<List<string>> FixtureRequests() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fixtures"), "*__execution*.log")
            .Order(StringComparer.Ordinal)
            .SelectMany(f => Requests(File.ReadAllLines(f)))
            .ToList();

    /// <summary>The events of each request in a fixture, without their request-id prefix.</summary>
    public static IEnumerable<List<string>> Requests(string[] lines)
    {
        var byId = new Dictionary<string, List<string>>();
        string? last = null;
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            if (line.StartsWith('(') && line.IndexOf(") ", StringComparison.Ordinal) is var close and > 0)
            {
                last = line[1..close];
                if (!byId.TryGetValue(last, out var list))
                {
                    byId[last] = list = [];
                }
                list.Add(line[(close + 2)..]);
            }
            else if (last is not null)
            {
                byId[last][^1] += "\n" + line;
            }
        }
        return byId.Values;
    }
}
