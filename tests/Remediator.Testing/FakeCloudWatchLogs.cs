using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Remediator.Testing;

/// <summary>
/// A local CloudWatch Logs endpoint on 127.0.0.1 speaking JSON 1.1 (aws-wire-facts §4): it verifies every request's
/// SigV4 signature, answers <c>X-Amz-Target: Logs_20140328.FilterLogEvents</c> over the groups it holds, filters
/// with <see cref="FilterPattern"/> (CloudWatch's pattern syntax as documented), pages by <c>nextToken</c> at
/// <see cref="PageSize"/> events, and answers scripted faults first (throttling, an expired token).
/// </summary>
public sealed class FakeCloudWatchLogs : LocalAwsEndpoint
{
    public const string Target = "Logs_20140328.FilterLogEvents";
    public const string JsonContentType = "application/x-amz-json-1.1";

    private readonly Dictionary<string, List<StoredEvent>> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FilterPattern> _patterns = new(StringComparer.Ordinal);
    private long _nextId;

    public sealed record StoredEvent(string Stream, long Timestamp, string Message, string EventId);

    /// <summary>Events per page (AWS: up to 10,000 or 1 MB); small to make clients page.</summary>
    public int PageSize { get; set; } = 10_000;

    /// <summary>Answers before the normal ones, one per request: (HTTP status, error code).</summary>
    public ConcurrentQueue<(int Status, string Code)> Faults { get; } = new();

    /// <summary>Events and bytes in the 200 answers given: what a client read.</summary>
    public long EventsServed { get; private set; }

    public long BytesServed { get; private set; }

    /// <summary>The JSON body of every FilterLogEvents request that was answered 200, in order.</summary>
    public List<JsonObject> Filters => Requests.Where(r => r.Answered == 200).Select(r => JsonNode.Parse(r.Text)!.AsObject()).ToList();

    public FakeCloudWatchLogs Group(string name)
    {
        lock (this)
        {
            _groups.TryAdd(name, []);
        }
        return this;
    }

    public FakeCloudWatchLogs Append(string group, string stream, DateTimeOffset time, string message)
    {
        lock (this)
        {
            if (!_groups.TryGetValue(group, out var list))
            {
                _groups[group] = list = [];
            }
            var id = Interlocked.Increment(ref _nextId);
            list.Add(new StoredEvent(stream, time.ToUnixTimeMilliseconds(), message, $"{time.ToUnixTimeMilliseconds()}{id:D20}"));
        }
        return this;
    }

    /// <summary>All events of a group in a window, unfiltered (what a test expects to have been read).</summary>
    public List<StoredEvent> Events(string group) { lock (this) { return [.. _groups.GetValueOrDefault(group, [])]; } }

    protected override Answer Handle(string method, string path, IReadOnlyDictionary<string, string> query, IReadOnlyDictionary<string, string> headers, byte[] body)
    {
        if (Faults.TryDequeue(out var fault))
        {
            return Error(fault.Status, fault.Code, fault.Code switch
            {
                "ThrottlingException" => "Rate exceeded",
                "ExpiredTokenException" => "The security token included in the request is expired",
                _ => fault.Code,
            });
        }
        if (method != "POST" || path != "/" || headers.GetValueOrDefault("x-amz-target") != Target)
        {
            return Error(400, "UnknownOperationException", $"only {Target} is implemented");
        }
        if (!headers.GetValueOrDefault("content-type", "").StartsWith(JsonContentType, StringComparison.Ordinal))
        {
            return Error(400, "SerializationException", $"expected Content-Type {JsonContentType}");
        }
        JsonObject request;
        try
        {
            request = JsonNode.Parse(body)!.AsObject();
        }
        catch (JsonException)
        {
            return Error(400, "SerializationException", "the body is not JSON");
        }
        var group = (string?)request["logGroupName"];
        if (group is null || !_groups.TryGetValue(group, out var events))
        {
            return Error(400, "ResourceNotFoundException", "The specified log group does not exist.");
        }
        var start = (long?)request["startTime"] ?? long.MinValue;
        var end = (long?)request["endTime"] ?? long.MaxValue;
        var text = (string?)request["filterPattern"] ?? "";
        if (text.Length > 1024)
        {
            return Error(400, "InvalidParameterException", "1 validation error detected: Value at 'filterPattern' failed to satisfy constraint: Member must have length less than or equal to 1024");
        }
        FilterPattern? pattern = null;
        if (text.Trim().Length > 0 && !_patterns.TryGetValue(text, out pattern))
        {
            _patterns[text] = pattern = FilterPattern.Parse(text);
        }
        var limit = Math.Min(PageSize, (int?)request["limit"] ?? 10_000);
        var offset = (string?)request["nextToken"] is { } token ? int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), CultureInfo.InvariantCulture) : 0;
        // Events in timestamp order across streams, as FilterLogEvents returns them.
        var matching = events.Where(e => e.Timestamp >= start && e.Timestamp <= end && (pattern is null || pattern.Matches(e.Message)))
            .OrderBy(e => e.Timestamp).ToList();
        var page = matching.Skip(offset).Take(limit).ToList();
        var answer = new JsonObject
        {
            ["events"] = new JsonArray(page.Select(e => (JsonNode)new JsonObject
            {
                ["logStreamName"] = e.Stream, ["timestamp"] = e.Timestamp, ["message"] = e.Message, ["ingestionTime"] = e.Timestamp + 150, ["eventId"] = e.EventId,
            }).ToArray()),
            ["searchedLogStreams"] = new JsonArray(),
        };
        if (offset + page.Count < matching.Count)
        {
            answer["nextToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes((offset + page.Count).ToString(CultureInfo.InvariantCulture)));
        }
        var json = answer.ToJsonString();
        EventsServed += page.Count;
        BytesServed += Encoding.UTF8.GetByteCount(json);
        return new Answer(200, JsonContentType, json);
    }

    protected override Answer Error(int status, string code, string message) =>
        new(status, JsonContentType, new JsonObject { ["__type"] = code, ["message"] = message }.ToJsonString());
}
